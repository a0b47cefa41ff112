"""Benchmark the synthetic renderer: images/s and the projected time for the 20,000-image 64 px set.

    python bench/synthetic_render.py                      # 2,000 images at 64 px, 1 and 2 workers
    python bench/synthetic_render.py --resolution 128 --num-images 500

Wall-clock rates fall when other jobs share the cores, so the script also reports CPU time per image and
projects the time on two otherwise idle cores from it.

Measured on the course's development container (2 CPU cores, numpy float64, 2x2 supersampling), while
other jobs kept the load average at 5-8 (so wall-clock rates were about a third of a quiet machine's):
    64 px:   2.9-3.1 ms CPU per image -> 20,000 images in ~30 s on 2 idle cores (budget: 120 s);
             wall clock on the busy machine 160-175 img/s (~2 min); 462 img/s (~43 s) on a quiet machine
             with an earlier, slower version.
    32 px:   2.3 ms CPU per image (~23 s for 20,000).   128 px: 11.5 ms CPU per image (~115 s for 20,000).
Rerun after any change to hologan_lesson/data/{primitives,shapes,render}.py and update these figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hologan_lesson.data.synthetic import _render_all  # noqa: E402

TARGET_IMAGES, TARGET_SECONDS, TARGET_CORES = 20_000, 120.0, 2


def measure(num_images: int, resolution: int, workers: int) -> tuple[float, float]:
    """(images per second of wall time, CPU seconds per image over all processes) for one render run."""
    images = np.empty((num_images, resolution, resolution, 3), dtype=np.uint8)
    before, start = os.times(), time.perf_counter()
    _render_all(num_images, 0, resolution, (-60.0, 60.0), (0.0, 30.0), images, workers, progress=False)
    wall, after = time.perf_counter() - start, os.times()
    # Pool workers are joined before _render_all returns, so their CPU time shows up in the children fields.
    cpu = sum(after[k] - before[k] for k in range(4))
    return num_images / wall, cpu / num_images


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--num-images", type=int, default=2000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args(argv)
    print(f"load average now: {os.getloadavg()[0]:.1f}")
    cpu_per_image = []
    for workers in args.workers:
        rate, cpu = measure(args.num_images, args.resolution, workers)
        cpu_per_image.append(cpu)
        print(
            f"{args.resolution}px, {workers} worker(s): {rate:.0f} img/s -> {TARGET_IMAGES:,} images in "
            f"{TARGET_IMAGES / rate:.0f} s (wall clock); CPU {1000 * cpu:.2f} ms/img"
        )
    idle = TARGET_IMAGES * min(cpu_per_image) / TARGET_CORES
    line = f"projected on {TARGET_CORES} idle cores: {TARGET_IMAGES:,} images at {args.resolution}px in ~{idle:.0f} s"
    if args.resolution == 64:
        line += f" ({'within' if idle <= TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS:.0f} s budget)"
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
