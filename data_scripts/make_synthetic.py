"""Render the synthetic object set (ground-truth poses included) into its cache folder, or reuse it.

    python data_scripts/make_synthetic.py                          # 20,000 images at 64 px, seed 0
    python data_scripts/make_synthetic.py --resolution 128 --num-images 5000
    python data_scripts/make_synthetic.py --azimuth-range -90 90 --elevation-range 0 45

The cache lives under --root (default: $HOLOGAN_DATA or ~/.cache/hologan_lesson) in synthetic/<parameters>/;
each parameter set gets its own sub-folder, so nothing is ever overwritten.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hologan_lesson.data.catalogue import POSE_RANGES  # noqa: E402
from hologan_lesson.data.synthetic import build_synthetic_cache, synthetic_cache_dir  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    default = POSE_RANGES["synthetic"]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution", type=int, default=64, help="image side in px (32, 64 or 128; default 64)")
    ap.add_argument("--num-images", type=int, default=20000, help="number of images (default 20000)")
    ap.add_argument("--seed", type=int, default=0, help="image i is determined by (seed, i) (default 0)")
    ap.add_argument("--root", default=None, help="data root (default $HOLOGAN_DATA or ~/.cache/hologan_lesson)")
    ap.add_argument("--azimuth-range", type=float, nargs=2, metavar=("LO", "HI"), default=default.azimuth)
    ap.add_argument("--elevation-range", type=float, nargs=2, metavar=("LO", "HI"), default=default.elevation)
    ap.add_argument("--workers", type=int, default=None, help="render processes (default: all CPU cores)")
    args = ap.parse_args(argv)
    az, el = tuple(args.azimuth_range), tuple(args.elevation_range)
    try:
        folder = synthetic_cache_dir(args.root, args.resolution, args.num_images, args.seed, az, el)
        existed = folder.exists()
        start = time.perf_counter()
        folder = build_synthetic_cache(
            args.root, args.resolution, args.num_images, args.seed, az, el, workers=args.workers
        )
    except (ValueError, RuntimeError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if existed:
        print(f"reused the existing cache (same parameters): {folder}")
    else:
        seconds = time.perf_counter() - start
        print(f"rendered {args.num_images} images at {args.resolution}px in {seconds:.1f} s into {folder}")
    print(f"load it with SyntheticDataset({str(folder)!r})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
