"""Command line: ``python -m hologan_lesson {demo,train,lessons} ...``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from . import runs
from .config import PRESETS, ConfigError, make_config
from .profile import PROFILES
from .runs import CheckpointError, TrainingDiverged
from .shipped import GOALS


def _run_dir(out: str, preset: str, dataset: str) -> Path:
    name = f"{preset}-{Path(dataset).name}-{time.strftime('%Y%m%d-%H%M%S')}"
    return Path(out) / name


def cmd_train(args: argparse.Namespace, before_training: Callable[[Path], None] | None = None) -> int:
    """Train (or resume) one run; under ``torchrun`` one process per device, rank 0 writes and prints.

    ``before_training(run_dir)`` runs on rank 0 once the folder is known to be free, before any training.
    """
    from . import distributed
    from .data import load_dataset
    from .train import Trainer

    if args.resume:
        cfg = runs.load_run_config(args.resume)
        if args.set:
            from .config import apply_overrides, validate

            cfg = apply_overrides(cfg, args.set)
            validate(cfg)
        run_dir = Path(args.resume)
    else:
        cfg = make_config(args.preset, args.dataset, args.set)
        run_dir = Path(args.run_dir) if args.run_dir else _run_dir(args.out, cfg.preset, cfg.data.name)
    ctx = distributed.setup(distributed.training_device(cfg.train.device))  # no-op without torchrun
    try:
        if not args.resume:  # rank 0's folder name (a timestamp) and verdict, before any rank writes
            taken = run_dir.exists() and any(run_dir.iterdir())
            run_dir, taken = distributed.broadcast((run_dir, taken), ctx)
            if taken:
                raise ConfigError(f"{run_dir} already holds a run; use --resume {run_dir} or choose another --run-dir")
        if before_training is not None and ctx.is_main:
            before_training(run_dir)
        dataset = load_dataset(cfg.data)  # a missing or broken folder is a one-line error before training
        trainer = Trainer(cfg, run_dir, dataset=dataset, resume=bool(args.resume))
        say = print if ctx.is_main else (lambda *a: None)
        procs = f", {ctx.world_size} processes" if ctx.enabled else ""
        say(f"run folder: {run_dir}  (preset {cfg.preset}, dataset {cfg.data.name}, device {trainer.device}{procs})")
        trainer.fit(progress=not args.no_progress)
    finally:
        distributed.teardown()
    sweeps = runs.sweep_gifs(run_dir)
    say(f"done: {trainer.step} steps. Metrics: {run_dir / runs.METRICS_FILE}")
    for kind in ("azimuth", "elevation"):  # the newest sweep of each kind
        newest = [g for g in sweeps if g.name.startswith(kind)][-1:]
        for gif in newest:
            say(f"{kind} sweep GIF: {gif}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The goal first (the shipped model turning), then train the cpu preset, then score its 3D control."""
    from . import shipped
    from .eval.run import control_of_checkpoint, format_control, settings_from_args
    from .explorer import write_model_turntable

    args.dataset, args.resume = "synthetic", None
    run_dir = Path(args.run_dir or _run_dir(args.out, "demo", "synthetic"))
    args.run_dir = str(run_dir)
    goal = run_dir / "shipped_model_turntable"
    model = GOALS[args.preset]

    def show_goal(folder: Path) -> None:  # seconds, before the minutes of training
        generator, shipped_cfg = runs.load_generator(shipped.asset(model))
        gif = write_model_turntable(generator, shipped_cfg, goal)["gif"]
        print(f"The goal: the shipped model ({model.name}) turning its objects: {gif}")

    status = cmd_train(args, before_training=show_goal)
    newest = runs.newest_checkpoint(run_dir)
    if newest is None:
        return status
    settings = settings_from_args(args)
    generator, cfg = runs.generator_from_state(runs.load_checkpoint(newest[1]), average=not settings.trained_weights)
    mine = write_model_turntable(generator, cfg, run_dir / "turntable")
    print("Scoring 3D control with the pose probe (trained once on synthetic renders, then cached) ...")
    scores = control_of_checkpoint(newest[1], settings)
    runs.write_text_atomic(runs.eval_path(run_dir, "demo_scores.json"), json.dumps(scores, indent=2))
    print(format_control(scores))
    print(
        "Read: a circular error well below its null (noise floor), 'turning' well above its null, and fold-test\n"
        "ratios well above 0 mean the objects turn with the command (a run turns: error ≤ 20°, ≥ 80 % turning).\n"
        f"Your model turning: {mine['gif']} (strip: {mine['png']}); the shipped model: {goal.with_suffix('.gif')}"
    )
    return status


def cmd_lessons(args: argparse.Namespace) -> int:
    """Execute every lesson notebook top to bottom into a folder (the stored notebooks are not touched)."""
    import os

    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        raise ConfigError('executing notebooks needs the dev extra: pip install -e ".[dev]"') from None
    from .lessons import course

    nb_dir = Path(args.notebooks)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["HOLOGAN_PROFILE"] = args.profile
    for lesson in course.LESSONS:
        src = nb_dir / lesson.filename
        if not src.exists():
            raise ConfigError(f"{src} not found: run from the repository root or pass --notebooks")
        nb = nbformat.read(src, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(nb_dir)}}).execute()
        nbformat.write(nb, out / lesson.filename)
        print(f"{lesson.filename}: ok in {time.perf_counter() - start:.1f} s -> {out / lesson.filename}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write a slim generator-only checkpoint from a run folder or checkpoint."""
    path = runs.export_generator(args.source, args.dest)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """KID/FID and, on synthetic data, pose and identity consistency of a run's newest checkpoint."""
    import json

    from .eval.run import evaluate_run, format_results, pose_curve, settings_from_args

    if args.pose_curve:
        rows = pose_curve(args.run_dir, settings_from_args(args))
        print(f"{len(rows)} checkpoints scored; curve: {Path(args.run_dir) / 'eval' / 'pose_curve.csv'}")
        return 0
    results = evaluate_run(args.run_dir, settings_from_args(args), device=args.device)
    print(f"{args.run_dir} at step {results['step']}:")
    print(format_results(results))
    if "azimuth_error" not in results:
        print("(pose and identity consistency need the synthetic data, whose true poses are known)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"wrote {args.json}")
    return 0


def cmd_ablate(args: argparse.Namespace) -> int:
    """Train and evaluate the paper's ablations with one budget; write the results table and figure."""
    from .eval.run import settings_from_args
    from .experiments.ablate import parse_only, run_ablation

    settings = settings_from_args(args)
    only = parse_only(args.only)
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else None
    run_ablation(
        args.preset, args.dataset, args.out, only, args.set, settings, progress=not args.no_progress, seeds=seeds
    )
    return 0


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line on stderr (exit code 2), like configuration errors."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _preset(name: str) -> str:
    if name not in PRESETS:
        raise argparse.ArgumentTypeError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return name


def build_parser() -> argparse.ArgumentParser:
    from .eval.run import add_eval_options

    ap = _Parser(prog="python -m hologan_lesson", description="HoloGAN from scratch: the course CLI")
    sub = ap.add_subparsers(dest="command", required=True)

    def override_options(p: argparse.ArgumentParser, what: str) -> None:
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="SECTION.FIELD=VALUE",
            help=f"override a config field{what}, e.g. --set train.steps=500 (repeatable)",
        )
        p.add_argument("--no-progress", action="store_true", help="no progress bars (training, rendering, probe)")

    def run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", default="runs", help="parent folder of run folders (default: runs)")
        p.add_argument("--run-dir", help="exact run folder to create")
        override_options(p, "")

    p = sub.add_parser("train", help="train HoloGAN from a preset")
    p.add_argument(
        "--preset", default="cpu", type=_preset, choices=list(PRESETS), help="a named configuration (default: cpu)"
    )
    p.add_argument("--dataset", help="synthetic | celeba | cars | chairs | lsun | cats | PATH to a prepared folder")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its newest checkpoint")
    run_options(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("demo", help="the main job: synthetic cars + the cpu preset (about 8 min on 2 idle cores)")
    p.add_argument(
        "--preset",
        default="cpu",
        choices=list(GOALS),
        help="cpu: cars (default); cpu_chairs: the paper's second family, chairs seen from 45-70° above",
    )
    run_options(p)
    add_eval_options(p)  # how the final 3D-control scores are measured (probe size, sweeps)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("export", help="write a slim generator checkpoint (for sharing or lesson 08)")
    p.add_argument("source", help="run folder or checkpoint file")
    p.add_argument("dest", help="output .pt file (must not exist)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("evaluate", help="KID/FID and 3D-control metrics of a run's newest checkpoint")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (its newest checkpoint) or a checkpoint file")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--json", metavar="PATH", help="also write the results here")
    p.add_argument(
        "--pose-curve",
        action="store_true",
        help="only the 3D-control scores, of every checkpoint of RUN_DIR (writes eval/pose_curve.csv)",
    )
    add_eval_options(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("ablate", help="train + evaluate the paper's ablations with one budget")
    p.add_argument(
        "--preset", default="cpu", type=_preset, choices=list(PRESETS), help="a named configuration (default: cpu)"
    )
    p.add_argument("--dataset", help="synthetic | celeba | ... | PATH (default: the preset's)")
    p.add_argument("--out", help="ablation folder (default: runs/ablation-PRESET-DATASET)")
    p.add_argument("--only", metavar="A,B", help="only these variants (default: all)")
    p.add_argument(
        "--seeds", metavar="0,1", help="train every variant once per seed, in <variant>-seed<k> (default: once)"
    )
    override_options(p, " of every variant")
    add_eval_options(p)
    p.set_defaults(func=cmd_ablate)

    p = sub.add_parser("lessons", help="execute every lesson notebook into a folder")
    p.add_argument("--profile", default="cpu", choices=list(PROFILES))
    p.add_argument("--notebooks", default="notebooks")
    p.add_argument("--out", default="runs/lessons")
    p.set_defaults(func=cmd_lessons)
    return ap


def main(argv: list[str] | None = None) -> int:
    """Entry point; configuration errors become one line on stderr and exit code 2."""
    from .utils import get_logger, progress_bars

    get_logger(__name__)  # the package's messages (probe training, evaluation, ablation progress) go to stdout
    args = build_parser().parse_args(argv)
    try:
        with progress_bars(not getattr(args, "no_progress", False)):  # --no-progress: no bar at all
            return args.func(args)
    except (ConfigError, CheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except TrainingDiverged as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
