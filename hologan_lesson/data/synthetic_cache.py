"""The on-disk cache of a synthetic set: its folder name, its manifest, and the checks that a folder is usable.

Cache layout (one sub-folder per parameter set, under ``<data root>/synthetic/``)::

    images.npy          (N, H, W, 3) uint8
    ground_truth.npz    azimuth (N,), elevation (N,) in degrees; family (N,); proportions (N, 8);
                        colours (N, 4, 3)
    manifest.json       the parameters, the version and the family names

Rendering and building the cache live in ``synthetic.py``; this module only names, reads and checks folders.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .catalogue import MANIFEST, POSE_RANGES, Range
from .paths import default_data_root
from .shapes import FAMILIES, check_families

SYNTHETIC_VERSION = 3  # bump when shapes, colours or rendering alter any pixel (2: world light; 3: car cues)
SUPERSAMPLE = 2
_FORMAT = "hologan_lesson.synthetic"
_DEFAULT = POSE_RANGES["synthetic"]


def _check_range(name: str, value: Sequence[float]) -> Range:
    if len(value) != 2:
        raise ValueError(f"{name} must be (low, high) in degrees, got {value!r}")
    lo, hi = float(value[0]), float(value[1])
    if hi < lo:
        raise ValueError(f"{name}=({lo:g}, {hi:g}) is empty: the low end must not exceed the high end")
    return lo, hi


def _check_params(resolution: int, num_images: int, seed: int) -> None:
    if resolution < 8:
        raise ValueError(f"resolution must be at least 8 px (the course uses 32, 64 or 128), got {resolution}")
    if num_images < 1:
        raise ValueError(f"num_images must be at least 1, got {num_images}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")


def _fmt(x: float) -> str:
    return repr(float(x)).replace("-", "m")


def synthetic_cache_dir(
    root: str | os.PathLike | None = None,
    resolution: int = 64,
    num_images: int = 20000,
    seed: int = 0,
    azimuth_range: Range = _DEFAULT.azimuth,
    elevation_range: Range = _DEFAULT.elevation,
    families: Sequence[str] | None = None,
) -> Path:
    """The cache sub-folder for one parameter set (it may not exist yet)."""
    az, el = _check_range("azimuth_range", azimuth_range), _check_range("elevation_range", elevation_range)
    fams = check_families(families)
    base = Path(root).expanduser() if root else default_data_root()
    name = (
        f"v{SYNTHETIC_VERSION}_{resolution}px_n{num_images}_seed{seed}"
        f"_az{_fmt(az[0])}_{_fmt(az[1])}_el{_fmt(el[0])}_{_fmt(el[1])}"
    )
    if fams != FAMILIES:
        name += "_" + "-".join(fams)
    return base / "synthetic" / name


def _expected_manifest(
    resolution: int, num_images: int, seed: int, az: Range, el: Range, families: tuple[str, ...] = FAMILIES
) -> dict:
    return {
        "format": _FORMAT,
        "version": SYNTHETIC_VERSION,
        "resolution": resolution,
        "num_images": num_images,
        "seed": seed,
        "azimuth_range": list(az),
        "elevation_range": list(el),
        "supersample": SUPERSAMPLE,
        "families": list(families),
    }


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{folder} has no {MANIFEST}: it is not a synthetic cache (or an interrupted one). "
            f"Build one with build_synthetic_cache() or `python data_scripts/make_synthetic.py`."
        ) from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err}); delete {folder} and rebuild the cache") from None


def _cache_problem(folder: Path, expected: dict) -> str | None:
    """Why ``folder`` is not a complete cache for ``expected`` (None when it is)."""
    manifest = _read_manifest(folder)
    differing = [k for k, v in expected.items() if manifest.get(k) != v]
    if differing:
        return "its manifest differs in " + ", ".join(
            f"{k} ({manifest.get(k)!r} != {expected[k]!r})" for k in differing
        )
    n, res = expected["num_images"], expected["resolution"]
    try:
        images = np.load(folder / "images.npy", mmap_mode="r")
        with np.load(folder / "ground_truth.npz") as truth:
            lengths = {k: len(truth[k]) for k in ("azimuth", "elevation", "family", "proportions", "colours")}
    except (OSError, ValueError, KeyError) as err:
        return f"its files cannot be read ({err})"
    if images.shape != (n, res, res, 3) or images.dtype != np.uint8:
        return f"images.npy has shape {images.shape} {images.dtype}, expected ({n}, {res}, {res}, 3) uint8"
    if any(length != n for length in lengths.values()):
        return f"ground_truth.npz has lengths {lengths}, expected {n}"
    return None


def _find_cache(path: Path) -> Path:
    if (path / MANIFEST).exists():
        return path
    if not path.exists():
        raise FileNotFoundError(
            f"synthetic cache {path} does not exist; build it with `python data_scripts/make_synthetic.py` "
            f"or build_synthetic_cache()"
        )
    parent = path / "synthetic" if (path / "synthetic").is_dir() else path
    found = sorted(p.parent for p in parent.glob(f"*/{MANIFEST}") if not p.parent.name.startswith(".tmp-"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise FileNotFoundError(
            f"no synthetic cache under {path} (no */{MANIFEST}); build one with "
            f"`python data_scripts/make_synthetic.py --root {path}`"
        )
    names = "\n  ".join(str(p) for p in found)
    raise ValueError(f"{path} holds several synthetic caches; pass one of them:\n  {names}")
