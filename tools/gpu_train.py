"""The training and scoring steps of ``tools/gpu_session.py``: the course's recipe at GPU scale, its ablation.

* ``recipe_overrides``: the ``cpu`` preset's recipe (its data families and pose ranges, and every ``loss.*`` and
  ``discriminator.*`` field it sets that is not a width) as overrides of the ``gpu`` preset, read by name from
  the presets, so the session follows whatever the ``cpu`` recipe is when it runs.
* ``train_runs``: every (variant, seed) as its own ``python -m hologan_lesson train`` process, all at once on
  one GPU (one process leaves most of the card idle), until the deadline; SIGTERM makes each save and stop.
* ``score``: every run is cut to the newest checkpoint step that all of them reached (equal budgets), then the
  library's ablation scoring (``score_ablation``: nothing left to train, so it only evaluates and writes its tables and
  figures) scores them; without a common step each run is scored alone (``evaluate_run``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gpu_steps import TINY_OVERRIDES

from hologan_lesson import runs
from hologan_lesson.config import make_config, to_dict
from hologan_lesson.eval.ablate import VARIANTS, score_ablation
from hologan_lesson.eval.run import EvalSettings, evaluate_run, pose_curve

PRESET, DATASET = "gpu", "synthetic"
DATA_FIELDS = ("families", "azimuth_range", "elevation_range")
WIDTH_FIELDS = {"resolution", "channels", "z_dim", "identity_hidden"}  # architecture sizes, not the recipe
EVAL = EvalSettings(features="probe", num_fake=2000, num_real=2000, subset_size=1000, subsets=100)
TINY_EVAL = EvalSettings(
    features="probe",
    num_fake=32,
    num_real=32,
    subset_size=16,
    subsets=4,
    fid=False,
    identities=4,
    frames=5,
    probe_images=200,
    probe_epochs=1,
)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ",".join(_text(v) for v in value)
    return str(value)


def recipe_overrides(source: str = "cpu", target: str = PRESET) -> list[str]:
    """The ``source`` preset's recipe as ``section.field=value`` overrides of ``target`` on synthetic data."""
    src, dst = make_config(source), make_config(target, DATASET)
    out = [f"data.{f}={_text(getattr(src.data, f))}" for f in DATA_FIELDS]
    for section in ("loss", "discriminator"):
        for f in dataclasses.fields(getattr(src, section)):
            value = getattr(getattr(src, section), f.name)
            if f.name not in WIDTH_FIELDS and value != getattr(getattr(dst, section), f.name):
                out.append(f"{section}.{f.name}={_text(value)}")
    return out


def run_overrides(recipe: list[str], steps: int, every: int, num_images: int, tiny: bool) -> list[str]:
    """Every variant's shared overrides: the recipe, the data size, the step budget and its bookkeeping.

    A checkpoint (and sweep) every ``every`` steps, the last 4 kept: the runs are cut to a step they all reached.
    """
    out = [*recipe, f"data.num_images={num_images}", f"train.steps={steps}", f"train.checkpoint_every={every}"]
    out += [f"train.sample_every={every}", f"train.log_every={max(1, min(25, every))}", "train.keep_checkpoints=4"]
    if tiny:
        out += [*TINY_OVERRIDES, "train.device=cpu", "train.batch_size=8"]
    return out


def with_steps(overrides: list[str], steps: int) -> list[str]:
    """``overrides`` with ``train.steps`` set to ``steps``."""
    return [o for o in overrides if not o.startswith("train.steps=")] + [f"train.steps={steps}"]


def common_step(out: Path, trained: list[dict]) -> int | None:
    """The newest checkpoint step that every run has (runs stopped at a deadline end at different steps)."""
    steps = [{s for s, _ in runs.list_checkpoints(out / r["folder"])} for r in trained]
    common = set.intersection(*steps) if steps else set()
    return max(common) if common else None


def cut_run(run_dir: Path, step: int) -> None:
    """Make a run folder what a run of ``train.steps=step`` leaves: later checkpoints, pictures and metric rows
    removed, ``config.json`` saying ``step``. Faithful only without a learning-rate decay (``score`` checks it):
    then nothing before ``step`` depends on ``train.steps``."""
    for s, path in runs.list_checkpoints(run_dir):
        if s > step:
            path.unlink()
    for sub in (runs.SAMPLES_DIR, runs.SWEEPS_DIR):
        for f in (run_dir / sub).glob("*"):
            found = re.search(r"step_(\d+)", f.name)
            if found and int(found.group(1)) > step:
                f.unlink()
    runs.RunLogger(run_dir).truncate_after(step)
    cfg = runs.load_run_config(run_dir)
    cfg.train.steps = step
    runs.write_text_atomic(run_dir / runs.CONFIG_FILE, json.dumps(to_dict(cfg), indent=2))


def jobs(variants: list[str], seeds: list[int]) -> list[tuple[str, int, str]]:
    """(variant, seed, folder) in the order ``run_ablation`` names its folders."""
    return [(v, s, f"{v}-seed{s}") for s in seeds for v in variants]


def train_runs(
    todo: list[tuple[str, int, str]],
    overrides: list[str],
    out: Path,
    parallel: int,
    deadline: float,
    threads: int,
    log,
) -> list[dict[str, Any]]:
    """Train every job in its own CLI process (``parallel`` at a time); SIGTERM whatever runs at ``deadline``."""
    root = str(Path(__file__).resolve().parents[1])  # `-m hologan_lesson` from this checkout, from any folder
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
    shutil.rmtree(out, ignore_errors=True)  # a fresh ablation folder: nothing of an earlier session counts
    (out / "logs").mkdir(parents=True)
    pending, running, results, stopping = list(todo), {}, [], False
    while pending or running:
        while pending and len(running) < parallel and not stopping and time.time() < deadline:
            variant, seed, folder = pending.pop(0)
            cmd = [sys.executable, "-m", "hologan_lesson", "train", "--preset", PRESET, "--dataset", DATASET]
            cmd += ["--run-dir", str(out / folder), "--no-progress"]
            for o in [*overrides, f"train.seed={seed}", *VARIANTS[variant].overrides]:
                cmd += ["--set", o]
            fh = (out / "logs" / f"{folder}.txt").open("w")
            running[folder] = (
                subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=root),
                fh,
                time.time(),
            )
            log(f"  started {folder} (pid {running[folder][0].pid})")
        if not running:  # the deadline came before these could start
            results += [
                {"folder": f, "variant": v, "seed": s, "status": "not started", "step": 0} for v, s, f in pending
            ]
            break
        if time.time() >= deadline and not stopping:
            stopping = True  # told once; then wait for them to save and exit
            for folder, (proc, _, _) in running.items():
                log(f"  deadline: stopping {folder} (SIGTERM: the trainer saves a checkpoint first)")
                proc.send_signal(signal.SIGTERM)
        for folder in [f for f, (p, _, _) in running.items() if p.poll() is not None]:
            proc, fh, started = running.pop(folder)
            fh.close()
            results.append(_outcome(out, folder, proc.returncode, stopping, time.time() - started))
            r = results[-1]
            log(f"  {folder}: {r['status']} at step {r['step']} after {r['seconds']:.0f} s")
        time.sleep(0.2)
    return results


def _outcome(out: Path, folder: str, code: int, stopped: bool, seconds: float) -> dict[str, Any]:
    """What one training process left: done (all its steps), stopped at the deadline (it saved a checkpoint
    first), or failed (it exited with an error of its own, or left no checkpoint)."""
    newest = runs.newest_checkpoint(out / folder)
    steps = runs.load_run_config(out / folder).train.steps if runs.is_run_folder(out / folder) else None
    if newest is None or (code and not stopped):
        status = f"failed (exit {code}; see logs/{folder}.txt)"
    else:
        status = "done" if newest[0] >= steps else "stopped at the deadline"
    variant, _, seed = folder.rpartition("-seed")
    return {
        "folder": folder,
        "variant": variant,
        "seed": int(seed),
        "status": status,
        "step": newest[0] if newest else 0,
        "seconds": seconds,
    }


def score(out: Path, trained: list[dict], variants: list[str], seeds: list[int], overrides: list[str], tiny: bool):
    """Cut every run to the step all of them reached, then the library's ablation (nothing left to train: it only
    evaluates, tables and draws). Without such a step (or with a learning-rate decay) each run is scored alone."""
    settings = TINY_EVAL if tiny else EVAL
    step = common_step(out, trained) if all(r.get("step", 0) > 0 for r in trained) else None
    decays = make_config(PRESET, DATASET, overrides).train.lr_decay
    if step is not None and not decays and len(trained) == len(jobs(variants, seeds)):
        for r in trained:
            cut_run(out / r["folder"], step)
        result = score_ablation(
            PRESET, DATASET, out, only=variants, overrides=with_steps(overrides, step), settings=settings,
            progress=False, seeds=seeds,
        )  # fmt: skip
        rows = [{k: v for k, v in r.items() if k != "predictions"} for r in result.rows]
        return {"kind": "ablation", "step": step, "rows": rows, "table_md": result.table_md.read_text()}
    rows = []
    for r in trained:
        if r.get("step", 0) > 0:
            res = evaluate_run(out / r["folder"], settings)
            rows.append({**r, **{k: v for k, v in res.items() if k != "predictions"}})
    return {"kind": "each run at its own step (no step common to all runs: unequal budgets)", "rows": rows}


def pose_curves(out: Path, trained: list[dict], tiny: bool) -> dict[str, list[dict[str, Any]]]:
    """Each run's 3D-control readings at every checkpoint it kept (``pose_curve``; eval/pose_curve.csv)."""
    settings = TINY_EVAL if tiny else EVAL
    keep = ("step", "azimuth_circ_error", "azimuth_circ_turning", "null_circ_error", "identity_consistency")
    return {
        r["folder"]: [{k: row.get(k) for k in keep} for row in pose_curve(out / r["folder"], settings)]
        for r in trained
        if r.get("step", 0) > 0
    }


def export_models(out: Path, trained: list[dict], dest: Path, variant: str = "full") -> list[Path]:
    """Slim fp16 generators of ``variant``'s runs (``runs.export_generator(half=True)``)."""
    paths = []
    for r in trained:
        if r["variant"] == variant and r.get("step", 0) > 0:
            target = dest / f"gpu64_{r['folder']}.pt"
            target.unlink(missing_ok=True)
            paths.append(runs.export_generator(out / r["folder"], target, half=True))
    return paths
