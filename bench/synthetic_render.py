"""Benchmark the synthetic renderer: images/s and the projected time for the 20,000-image 64 px set.

    python bench/synthetic_render.py                      # 2,000 images at 64 px, 1 and 2 workers
    python bench/synthetic_render.py --resolution 128 --num-images 500

Measured (2 CPU cores, the course's development container, numpy float64, 2x2 supersampling):
    64 px:  1 worker ~250 img/s; 2 workers ~470 img/s -> 20,000 images in ~43 s (budget: 120 s)
Rerun after any change to hologan_lesson/data/{primitives,shapes,render}.py and update these figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hologan_lesson.data.synthetic import _render_all  # noqa: E402

TARGET_IMAGES, TARGET_SECONDS = 20_000, 120.0


def measure(num_images: int, resolution: int, workers: int) -> float:
    """Images per second rendering ``num_images`` at ``resolution`` over ``workers`` processes."""
    images = np.empty((num_images, resolution, resolution, 3), dtype=np.uint8)
    start = time.perf_counter()
    _render_all(num_images, 0, resolution, (-60.0, 60.0), (0.0, 30.0), images, workers, progress=False)
    return num_images / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--num-images", type=int, default=2000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args(argv)
    for workers in args.workers:
        rate = measure(args.num_images, args.resolution, workers)
        projected = TARGET_IMAGES / rate
        verdict = "within" if projected <= TARGET_SECONDS else "OVER"
        print(
            f"{args.resolution}px, {workers} worker(s): {rate:.0f} img/s -> {TARGET_IMAGES:,} images in "
            f"{projected:.0f} s ({verdict} the {TARGET_SECONDS:.0f} s budget at 64 px)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
