"""Where datasets live: ``$HOLOGAN_DATA`` or ``~/.cache/hologan_lesson``."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "HOLOGAN_DATA"


def default_data_root() -> Path:
    """The data folder: ``$HOLOGAN_DATA`` when set, else ``~/.cache/hologan_lesson``."""
    value = os.environ.get(DATA_ENV, "").strip()
    return Path(value).expanduser() if value else Path.home() / ".cache" / "hologan_lesson"


def prepared_dir(name: str, resolution: int, root: str | os.PathLike | None = None) -> Path:
    """The default prepared folder of a real dataset: ``<data root>/<name>_<resolution>``."""
    base = Path(root).expanduser() if root else default_data_root()
    return base / f"{name}_{resolution}"
