"""Time the `cpu` recipe's training step, eager and under torch.compile, on 1 and 2 CPU threads.

The question (issue "Turn all the way round", lever "a faster step"): would ``train.compile=true`` buy the
`demo` more steps in the same minutes? The step is the trainer's own ``Trainer.train_step`` with the `cpu`
preset exactly as `demo` trains it (32 px, batch 16, 2 G steps per D step), fed from random uint8 images
already in memory, so the numbers leave out data loading, sampling, logging and checkpoints.

    OMP_NUM_THREADS=2 python bench/cpu_recipe_step.py --threads 1 2 --json bench/results/cpu_recipe_step.json
    OMP_NUM_THREADS=2 python bench/cpu_recipe_step.py --threads 2 --modes eager --set discriminator.view_mirror=true
    OMP_NUM_THREADS=2 python bench/cpu_recipe_step.py --threads 1 2 --set loss.r1_weight=0   # compile needs R1 off

Prints, per thread count and mode: median ms per step, steps/s, the warm-up time (compilation included) and
how many steps fit in the `demo`'s training minutes at that rate. Nothing else may run on the machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import describe_device, median_ms  # noqa: E402
from train_step import RandomImages  # noqa: E402

from hologan_lesson.config import ConfigError, RunConfig, make_config  # noqa: E402
from hologan_lesson.lessons.facts import DEMO_TIMING  # noqa: E402  (demo timed in a fresh clone)
from hologan_lesson.train import Trainer  # noqa: E402

DEMO_TRAIN_MINUTES = round(json.loads(DEMO_TIMING.read_text())["train_seconds"] / 60, 2)


def recipe_config(compiled: bool, overrides: list[str]) -> RunConfig:
    """The `cpu` recipe as one mode times it; raises ConfigError where the trainer would refuse it."""
    return make_config("cpu", "synthetic", ["train.device=cpu", f"train.compile={str(compiled).lower()}", *overrides])


def time_mode(
    compiled: bool, threads: int, warmup: int, iters: int, repeats: int, backend: str, overrides: list[str]
) -> dict:
    """Build the `cpu` recipe's trainer (with ``overrides``), warm it up and time its step; one row of the table."""
    torch.set_num_threads(threads)
    torch._dynamo.reset()
    cfg = recipe_config(compiled, overrides)
    dataset = RandomImages(4 * cfg.train.batch_size, cfg.data.resolution, seed=cfg.train.seed)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(cfg, Path(tmp) / "run", dataset=dataset)
        if compiled and backend != "inductor":
            trainer.G_fwd = torch.compile(trainer.G, backend=backend)
            trainer.D_fwd = torch.compile(trainer.D, backend=backend)
        start = time.perf_counter()
        for _ in range(warmup):
            trainer.train_step()
        warm_s = time.perf_counter() - start
        ms = median_ms(trainer.train_step, iters, repeats, torch.device("cpu"))
    return {
        "mode": "compile" if compiled else "eager",
        "threads": threads,
        "ms_per_step": ms,
        "steps_per_s": 1000 / ms,
        "warmup_s": warm_s,
        "steps_in_demo_budget": int(DEMO_TRAIN_MINUTES * 60 * 1000 / ms),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps first (compilation happens here)")
    ap.add_argument("--iters", type=int, default=20, help="steps per timed block")
    ap.add_argument("--repeats", type=int, default=3, help="timed blocks; the median is reported")
    ap.add_argument("--backend", default="inductor", help="torch.compile backend (tests use aot_eager)")
    ap.add_argument("--modes", nargs="+", choices=("eager", "compile"), default=["eager", "compile"])
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE", help="recipe overrides")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = ap.parse_args(argv)
    if min(args.warmup, args.iters, args.repeats) < 1:
        ap.error("--warmup, --iters and --repeats must be at least 1")
    for compiled in {mode == "compile" for mode in args.modes}:  # refuse before any mode is timed
        try:
            recipe_config(compiled, args.set)
        except ConfigError as err:
            ap.error(
                f"{err} (here: change a setting with --set, e.g. --set loss.r1_weight=0; --modes eager times "
                "eager only, as train.compile=false would)"
            )
    device = describe_device(torch.device("cpu"))
    print(f"device: {device}; torch {torch.__version__}; python {platform.python_version()}")
    print("step: `cpu` preset, 32 px, batch 16, 1 D step + 2 G steps; random images in memory")
    if args.set:
        print(f"overrides: {' '.join(args.set)}")
    print(f"{'threads':>7} {'mode':>8} {'ms/step':>8} {'steps/s':>8} {'warm-up s':>10} {'steps in demo':>14}")
    rows = []
    for threads in args.threads:
        for compiled in (mode == "compile" for mode in args.modes):
            row = time_mode(compiled, threads, args.warmup, args.iters, args.repeats, args.backend, args.set)
            rows.append(row)
            print(
                f"{threads:>7} {row['mode']:>8} {row['ms_per_step']:>8.1f} {row['steps_per_s']:>8.2f} "
                f"{row['warmup_s']:>10.1f} {row['steps_in_demo_budget']:>14}",
                flush=True,
            )
    for threads in args.threads if len(args.modes) == 2 else ():
        eager, comp = (r for r in rows if r["threads"] == threads)
        print(f"{threads} thread(s): compile is {eager['ms_per_step'] / comp['ms_per_step']:.2f}x eager")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {"device": describe_device(torch.device("cpu")), "torch": torch.__version__, "backend": args.backend}
        meta["overrides"] = args.set
        args.json.write_text(json.dumps({**meta, "demo_train_minutes": DEMO_TRAIN_MINUTES, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
