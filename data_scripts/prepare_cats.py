"""Prepare the Cat dataset (head crops from the .cat landmarks when present).

See --help for what it does and where to get the download."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from prepare import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(dataset="cats"))
