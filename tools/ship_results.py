"""Copy the small files of finished runs into the package (``hologan_lesson/assets``), where lessons find them.

    python tools/ship_results.py model RUN_DIR [--step N]    # export a checkpoint as the shipped model + its scores
                                                              # (and a second reading by another probe)
    python tools/ship_results.py chair-model RUN_DIR          # the same for the `cpu_chairs` recipe's model
    python tools/ship_results.py demo RUN_DIR                 # a trimmed run folder for lesson 06 (demo_run/)
    python tools/ship_results.py ablation ABLATION_DIR        # the ablation's tables and figures (ablation_cpu/)

Nothing already shipped is overwritten silently: pass --replace to swap a shipped item for a new one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hologan_lesson import runs, shipped  # noqa: E402
from hologan_lesson.eval.ablate_report import REPORT_FILES  # noqa: E402
from hologan_lesson.eval.run import EvalSettings, control_of_checkpoint, format_control  # noqa: E402


def _make_room(path: Path, replace: bool) -> None:
    if path.exists():
        if not replace:
            raise SystemExit(f"{path} exists; pass --replace to swap it for the new one")
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def _fresh_dir(path: Path, replace: bool) -> Path:
    _make_room(path, replace)
    path.mkdir(parents=True)
    return path


def _score(checkpoint: Path, dest: Path) -> None:
    """3D-control scores of ``checkpoint`` (the cpu recipe's probe and sweeps) written to ``dest`` and printed."""
    scores = control_of_checkpoint(checkpoint, EvalSettings())
    runs.write_text_atomic(dest, json.dumps(scores, indent=2))
    print(format_control(scores))


VERIFIED = {  # the second reading of each shipped model
    shipped.MODEL: ROOT / "docs" / "results" / "full_turn" / "shipped_model_verified.json",
    shipped.CHAIR_MODEL: ROOT / "docs" / "results" / "full_turn" / "chairs" / "chair_model_verified.json",
}
OTHER_PROBE_SEED, OTHER_SWEEP_SEED = 2000, 1  # a probe and sweeps the shipped scores were not read with


def _verify(checkpoint: Path, dest: Path) -> None:
    """The shipped model read a second time, by a probe trained on renders of another seed, on other sweeps."""
    import dataclasses

    from hologan_lesson.eval.control import reference_scores
    from hologan_lesson.eval.probe import load_or_train_probe

    settings = EvalSettings(seed=OTHER_SWEEP_SEED)
    _, cfg = runs.generator_from_state(runs.load_checkpoint(checkpoint))
    spec = dataclasses.replace(settings.probe_spec(cfg.data), seed=OTHER_PROBE_SEED)
    probe, accuracy = load_or_train_probe(spec)
    scores = control_of_checkpoint(checkpoint, settings, probe=probe)
    what = (
        f"the shipped model read by a probe trained on renders of another seed ({OTHER_PROBE_SEED}), "
        f"on sweeps of another seed ({OTHER_SWEEP_SEED})"
    )
    record = {"what": what, "probe_seed": OTHER_PROBE_SEED, "sweep_seed": OTHER_SWEEP_SEED}
    real = reference_scores(probe, settings.sweep_spec(cfg.data), cfg.data.resolution)["real renders"]
    record.update({"probe_accuracy": accuracy, "model": scores, "real_renders": real.summary()})
    runs.write_text_atomic(dest, json.dumps(record, indent=2))
    print(f"read by another probe ({dest}):")
    print(format_control(scores))


def ship_model(run_dir: Path, step: int | None, replace: bool, model: Path = shipped.MODEL) -> None:
    """Export one checkpoint of ``run_dir`` as ``model`` (a file of ``shipped``) and store its 3D-control scores."""
    found = dict(runs.list_checkpoints(run_dir))
    if step is None:
        step = max(found)
    if step not in found:
        raise SystemExit(f"{run_dir} has no checkpoint at step {step} (it has {sorted(found)})")
    _make_room(model, replace)
    runs.export_generator(found[step], model)
    print(f"shipped {found[step]} as {model} ({model.stat().st_size / 1e6:.2f} MB)")
    _score(model, shipped.scores_of(model))
    _verify(model, VERIFIED[model])


def ship_demo(run_dir: Path, replace: bool) -> None:
    """A trimmed copy of a demo-recipe run: config, info, metrics, sample grids, sweeps, 3D-control scores."""
    dest = _fresh_dir(shipped.DEMO_RUN, replace)
    for name in (runs.CONFIG_FILE, runs.RUN_INFO_FILE, runs.METRICS_FILE):
        shutil.copy2(run_dir / name, dest / name)
    for folder in (runs.SAMPLES_DIR, runs.SWEEPS_DIR):
        shutil.copytree(run_dir / folder, dest / folder)
    newest = runs.newest_checkpoint(run_dir)
    if newest is None:
        raise SystemExit(f"{run_dir} has no checkpoint to score")
    print(f"shipped {run_dir} as {dest}")
    _score(newest[1], runs.eval_path(dest, "demo_scores.json"))


def ship_ablation(ablation_dir: Path, replace: bool) -> None:
    """The ablation's tables, figures and run info."""
    dest = _fresh_dir(shipped.ABLATION, replace)
    for name in REPORT_FILES:
        shutil.copy2(ablation_dir / name, dest / name)
    print(f"shipped {ablation_dir} as {dest}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["model", "chair-model", "demo", "ablation"])
    ap.add_argument("source", type=Path)
    ap.add_argument("--step", type=int, help="(chair-)model: the checkpoint step to ship (default: the newest)")
    ap.add_argument("--replace", action="store_true", help="swap an already shipped item for this one")
    args = ap.parse_args()
    if args.what in ("model", "chair-model"):
        ship_model(args.source, args.step, args.replace, shipped.MODEL if args.what == "model" else shipped.CHAIR_MODEL)
    elif args.what == "demo":
        ship_demo(args.source, args.replace)
    else:
        ship_ablation(args.source, args.replace)


if __name__ == "__main__":
    main()
