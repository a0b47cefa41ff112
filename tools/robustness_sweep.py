"""How often does the `cpu` recipe turn? Train it for several seeds and thread counts, score each run, table them.

    python tools/robustness_sweep.py --out runs/robust                      # 5 seeds x {1, 2} threads, demo budget
    python tools/robustness_sweep.py --out runs/robust --seeds 5 6 --threads 2 --set loss.view_weight=2
    python tools/robustness_sweep.py --out runs/robust --table-only         # re-read the finished runs
    python tools/robustness_sweep.py --out runs/robust --table-only --record docs/results/full_turn --name robustness

The thread count changes the order of floating-point reductions, so the same seed takes another trajectory on
one thread than on two: both are measured. Each run is trained by the CLI (`train --preset cpu`, what `demo`
runs), resumed where it stopped, then scored on its last checkpoint by the pose probe (`evaluate`'s readings).
A run *turns* when its circular azimuth error is at most 20° and at least 80 % of its identities turn
(issue "Turn all the way round"). Writes ``robustness.csv`` and ``robustness.md`` into ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hologan_lesson import runs  # noqa: E402
from hologan_lesson.eval.control import TURN_THRESHOLD  # noqa: E402
from hologan_lesson.eval.run import EvalSettings, control_of_checkpoint  # noqa: E402

TURN_ERROR, TURN_SHARE = 20.0, 0.8
COLUMNS = ("seed", "threads", "steps", "minutes", "circ_error", "circ_turning", "shared_error", "identity", "turns")
ELEVATION_COLUMNS = ("elevation_r", "elevation_sign", "elevation_rigid")  # blank where the elevation is fixed


def run_turns(scores: dict) -> bool:
    """The issue's bar: circular error ≤ 20° and ≥ 80 % of identities turning."""
    return scores["azimuth_circ_error"] <= TURN_ERROR and scores["azimuth_circ_turning"] >= TURN_SHARE


def train_command(run_dir: Path, seed: int, steps: int, overrides: list[str]) -> list[str]:
    """The CLI call that trains (or resumes) one run of the `cpu` preset."""
    cmd = [sys.executable, "-m", "hologan_lesson", "train", "--preset", "cpu", "--dataset", "synthetic"]
    if (run_dir / "config.json").is_file():
        return [sys.executable, "-m", "hologan_lesson", "train", "--resume", str(run_dir), "--no-progress"]
    sets = [f"train.seed={seed}", f"train.steps={steps}", *overrides]
    return cmd + [a for s in sets for a in ("--set", s)] + ["--no-progress", "--run-dir", str(run_dir)]


def finished(run_dir: Path, steps: int) -> Path | None:
    """The run's checkpoint at ``steps``, if it got there."""
    return dict(runs.list_checkpoints(run_dir)).get(steps) if run_dir.is_dir() else None


def train_all(jobs: list[tuple[int, int]], out: Path, steps: int, overrides: list[str], parallel: int) -> None:
    """Train every (seed, threads) job not yet finished, ``parallel`` at a time; one log file per run."""
    pending = [j for j in jobs if finished(out / f"s{j[0]}_t{j[1]}", steps) is None]
    active: list[tuple[subprocess.Popen, tuple[int, int], float]] = []
    while pending or active:
        while pending and len(active) < parallel:
            seed, threads = pending.pop(0)
            run_dir = out / f"s{seed}_t{threads}"
            env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
            log = (out / f"s{seed}_t{threads}.log").open("a")
            proc = subprocess.Popen(train_command(run_dir, seed, steps, overrides), env=env, stdout=log, stderr=log)
            active.append((proc, (seed, threads), time.time()))
            print(f"training seed {seed} on {threads} thread(s) -> {run_dir}", flush=True)
        time.sleep(5)
        for item in list(active):
            proc, (seed, threads), start = item
            if proc.poll() is not None:
                active.remove(item)
                minutes = (time.time() - start) / 60
                print(f"seed {seed}, {threads} thread(s): exit {proc.returncode} after {minutes:.1f} min", flush=True)


def score_file(steps: int, trained: bool) -> str:
    """The eval-folder name of a run's cached scores (``trained``: its trained weights, not their average)."""
    return f"robustness_step_{steps}{'_trained' if trained else ''}.json"


def score(
    out: Path, seed: int, threads: int, steps: int, recorded: Path | None = None, trained: bool = False
) -> dict | None:
    """The run's scores at ``steps`` (cached in its eval folder), or None when it did not get there.

    ``recorded``: a record folder (``--record DIR/NAME``); a run whose folder is gone (``runs/`` is not kept
    between machines) is read from the scores recorded there, so a sweep can be extended run by run."""
    run_dir = out / f"s{seed}_t{threads}"
    ckpt = finished(run_dir, steps)
    if ckpt is None:
        kept = recorded / f"s{seed}_t{threads}_scores.json" if recorded else None
        scores = json.loads(kept.read_text()) if kept is not None and kept.is_file() else {}
        if scores.get("step") != steps:
            return None
        print(f"seed {seed}, {threads} thread(s): scores recorded earlier, {kept}", flush=True)
        return scores
    cache = runs.eval_path(run_dir, score_file(steps, trained))
    if cache.is_file():
        return json.loads(cache.read_text())
    scores = control_of_checkpoint(ckpt, EvalSettings(trained_weights=trained))
    metrics = list(csv.DictReader((run_dir / "metrics.csv").open()))
    scores["minutes"] = (float(metrics[-1]["time"]) - float(metrics[0]["time"])) / 60 if len(metrics) > 1 else 0.0
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(scores, indent=2))
    return scores


def table(
    out: Path, jobs: list[tuple[int, int]], steps: int, recorded: Path | None = None, trained: bool = False
) -> list[dict]:
    """Score every job (runs no longer in ``out`` from ``recorded``) and write ``robustness.csv`` / ``.md``."""
    rows = []
    for seed, threads in jobs:
        s = score(out, seed, threads, steps, recorded, trained)
        if s is None:
            print(f"seed {seed}, {threads} thread(s): no checkpoint at step {steps} yet", flush=True)
            continue
        rows.append(
            {
                "seed": seed,
                "threads": threads,
                "steps": steps,
                "minutes": round(s["minutes"], 1),
                "circ_error": round(s["azimuth_circ_error"], 1),
                "circ_turning": round(s["azimuth_circ_turning"], 3),
                "shared_error": round(s["azimuth_circ_shared_error"], 1),
                "identity": round(s["identity_consistency"], 3),
                "turns": run_turns(s),
                **elevation_cells(s),
            }
        )
    with (out / "robustness.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS + ELEVATION_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    lines = markdown_table(rows)
    (out / "robustness.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines), flush=True)
    return rows


def elevation_cells(scores: dict) -> dict:
    """The elevation reading of a run whose elevation varies (``evaluate``'s rigid check), else blanks."""
    if "elevation_rigid" not in scores:
        return dict.fromkeys(ELEVATION_COLUMNS, "")
    return {
        "elevation_r": round(abs(scores["elevation_corr"]), 3),
        "elevation_sign": int(scores["elevation_sign"]),
        "elevation_rigid": bool(scores["elevation_rigid"]),
    }


def markdown_table(rows: list[dict]) -> list[str]:
    """The rows as a Markdown table and its counts; elevation columns only where some run's elevation varies."""
    elevation = any(r["elevation_rigid"] != "" for r in rows)
    head = "| seed | threads | steps | train min | circular error ° | turning | one-frame error ° | identity | turns |"
    if elevation:
        head += " elevation \\|r\\| (sign) | elevation rigid |"
    lines = [head, "|---" * (11 if elevation else 9) + "|"]
    for r in rows:
        line = (
            f"| {r['seed']} | {r['threads']} | {r['steps']} | {r['minutes']} | {r['circ_error']} | "
            f"{r['circ_turning']:.0%} | {r['shared_error']} | {r['identity']:.2f} | {'yes' if r['turns'] else 'NO'} |"
        )
        if elevation and r["elevation_rigid"] == "":
            line += " — | — |"
        elif elevation:
            rigid = "yes" if r["elevation_rigid"] else "NO"
            line += f" {r['elevation_r']:.2f} ({r['elevation_sign']:+d}) | {rigid} |"
        lines.append(line)
    turned = sum(r["turns"] for r in rows)
    lines.append(f"\n{turned} of {len(rows)} runs turn (circular error ≤ {TURN_ERROR:g}°, ≥ {TURN_SHARE:.0%} turning).")
    if elevation:
        rigid = sum(r["elevation_rigid"] is True for r in rows)
        bar = f"|r| ≥ {TURN_THRESHOLD:g}, a rigid sign; `evaluate`"
        lines.append(f"{rigid} of {len(rows)} runs read elevation rigidly ({bar}).")
    return lines


def record(out: Path, rows: list[dict], steps: int, dest: Path, name: str, trained: bool = False) -> None:
    """Copy the tables to ``dest/name.{csv,md}`` and each run's scores to ``dest/name/s<seed>_t<threads>_scores.json``
    (a run read from that record keeps its recorded scores)."""
    (dest / name).mkdir(parents=True, exist_ok=True)
    for suffix in (".csv", ".md"):
        shutil.copy2(out / f"robustness{suffix}", dest / f"{name}{suffix}")
    for r in rows:
        run = f"s{r['seed']}_t{r['threads']}"
        source = runs.eval_path(out / run, score_file(steps, trained))
        if source.is_file():  # else its scores came from the record itself
            shutil.copy2(source, dest / name / f"{run}_scores.json")
    print(f"recorded {len(rows)} runs in {dest / name}.csv/.md and {dest / name}/", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder of the runs, logs and tables")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, default=None, help="default: the cpu preset's (the demo budget)")
    parser.add_argument("--parallel", type=int, default=2, help="runs trained at once")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE", help="cpu overrides")
    parser.add_argument("--table-only", action="store_true", help="score finished runs, train nothing")
    parser.add_argument("--record", type=Path, help="copy the tables and per-run scores into this folder")
    parser.add_argument("--name", default="robustness", help="file names under --record (default: robustness)")
    parser.add_argument(
        "--trained-weights",
        action="store_true",
        help="runs with train.ema_decay > 0: score the trained weights, not their moving average",
    )
    args = parser.parse_args(argv)
    from hologan_lesson.config import make_config

    steps = args.steps or make_config("cpu").train.steps
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [(seed, threads) for seed in args.seeds for threads in args.threads]
    if not args.table_only:
        train_all(jobs, args.out, steps, args.set, args.parallel)
    rows = table(args.out, jobs, steps, args.record / args.name if args.record else None, args.trained_weights)
    if args.record:
        record(args.out, rows, steps, args.record, args.name, args.trained_weights)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
