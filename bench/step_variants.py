"""Milliseconds per training iteration of the ``cpu`` preset, variant by variant (a short CPU benchmark).

    python bench/step_variants.py               # 20 timed iterations per variant after 3 warm-up ones
    python bench/step_variants.py --iters 5     # smoke run

Variants (each a fresh ``Trainer``; one D step + ``g_steps_per_d`` = 2 G steps per iteration, as trained):

* ``recompute fakes``  the first G step renders G(z, views) again (the iteration before the reuse)
* ``reuse fakes``      the default: the first G step scores the D step's fakes (bit-identical weights)
* ``compile``          ``train.compile=true`` (the warm-up column includes compilation)
* ``channels_last``    ``train.channels_last=true``
* ``reuse, N threads`` the default with ``torch.set_num_threads(N)`` (the other rows use ``--threads``)

The images are random uint8 tensors resident in memory, so no data loading is timed. The printed numbers
are medians of per-iteration wall times; they mean something only on an otherwise idle machine (other
processes on the same cores make every row slower, and unevenly).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hologan_lesson.config import make_config  # noqa: E402
from hologan_lesson.train import Trainer  # noqa: E402


class RandomImages:
    """``n`` random uint8 images ``(n, 3, R, R)`` that the trainer keeps resident (``TensorBatches``)."""

    def __init__(self, n: int, resolution: int):
        gen = torch.Generator().manual_seed(0)
        self.images = torch.randint(0, 256, (n, 3, resolution, resolution), dtype=torch.uint8, generator=gen)

    def __len__(self) -> int:
        return len(self.images)


def time_variant(overrides: list[str], reuse: bool, threads: int, iters: int, warmup: int) -> tuple[float, float]:
    """(median ms per iteration, warm-up seconds) of one trainer configuration."""
    torch.set_num_threads(threads)
    cfg = make_config("cpu", overrides=["train.device=cpu", *overrides])
    with tempfile.TemporaryDirectory() as tmp:  # train_step writes nothing; the trainer wants a folder name
        trainer = Trainer(cfg, Path(tmp) / "run", dataset=RandomImages(8 * cfg.train.batch_size, cfg.data.resolution))
        trainer.reuse_fake = reuse and trainer.reuse_fake
        start = time.perf_counter()
        for _ in range(warmup):
            trainer.train_step()
        warm = time.perf_counter() - start
        times = []
        for _ in range(iters):
            start = time.perf_counter()
            trainer.train_step()
            times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times), warm


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iters", type=int, default=20, help="timed iterations per variant (default 20)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed iterations first (default 3)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the first four rows (default 1)")
    ap.add_argument("--compare-threads", default="1,2", help="thread counts of the last rows (default 1,2)")
    args = ap.parse_args(argv)

    variants = [
        ("recompute fakes", [], False, args.threads),
        ("reuse fakes (default)", [], True, args.threads),
        ("compile", ["train.compile=true"], True, args.threads),
        ("channels_last", ["train.channels_last=true"], True, args.threads),
    ]
    variants += [
        (f"reuse, {n} thread{'s' if n.strip() != '1' else ''}", [], True, int(n))
        for n in args.compare_threads.split(",")
    ]
    cfg = make_config("cpu")
    print(
        f"cpu preset: {cfg.data.resolution} px, batch {cfg.train.batch_size}, g_steps_per_d {cfg.train.g_steps_per_d}"
    )
    print(f"{args.iters} timed iterations after {args.warmup} warm-up ones; torch {torch.__version__}")
    print("(only meaningful on an otherwise idle machine)\n")
    print(f"{'variant':<24}{'ms/step':>10}{'warm-up s':>11}")
    for name, overrides, reuse, threads in variants:
        try:
            ms, warm = time_variant(overrides, reuse, threads, args.iters, args.warmup)
        except Exception as exc:  # e.g. torch.compile without a working C++ compiler
            print(f"{name:<24}{'failed':>10}  {type(exc).__name__}: {str(exc).splitlines()[0][:80]}")
            continue
        print(f"{name:<24}{ms:>10.1f}{warm:>11.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
