"""Prepare CelebA faces (108 px centre crop of the aligned images; 128 px crop at 128 px).

See --help for what it does and where to get the download."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from prepare import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(dataset="celeba"))
