"""One GPU call: what issues #22 and #23 need from a GPU, in one command, inside a time budget.

    python tools/gpu_session.py                    # on the GPU machine; results in $OUT (else runs/gpu_session)
    python tools/gpu_session.py --peer .peer       # also time the public port (its files + bench_peer.py in .peer/)
    python tools/gpu_session.py --tiny --out DIR   # CPU smoke run in seconds (32 px, a few channels): the tests
    python tools/gpu_session.py --unpack DIR       # here: copy a fetched session's files into the repository

Steps, in this order; each runs only when the budget left allows it and writes its results before the next:

  a. environment   device, torch, CUDA versions
  b. timing        ms per step = s per 1,000 steps, and peak memory, of the ``gpu`` and ``colab`` presets
  c. profile       torch.profiler kernel table and a summary by kind of kernel, ``gpu`` preset, batch 32
  d. speed_modes   A/B at batch 32, 1 D + 1 G: fp32, bf16+channels_last, fused Adam, compile, CUDA graphs
  e. peer          eksuas/HoloGAN-PyTorch by its harness (../shared/tools/bench_peer.py), rows vs. step d
  f. training      the ``cpu`` recipe at 64 px, paper widths, ``gpu`` preset: full / no_random_views /
                   traditional_z x seeds, all runs at once on the card until the training deadline
  g. scoring       every run cut to the checkpoint step all reached, then the library's ablation (probe +
                   KID, tables, sweeps); slim fp16 generators of the ``full`` runs

Files under --out (the device tool brings back at most 8 files of at most 16 MiB): ``summary.json``,
``log.txt``, ``results.tar.gz`` (its paths mirror the repository: bench/results/, docs/results/gpu/,
hologan_lesson/assets/gpu/), ``peer_rows.json`` and ``gpu64_full-seed<k>.pt``. bench/NOTES.md, "One GPU call".
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import sys
import tarfile
import tempfile
import time
import traceback
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
sys.path[:0] = [str(ROOT), str(TOOLS)]

import gpu_steps as steps  # noqa: E402
import gpu_train  # noqa: E402
import torch  # noqa: E402

from hologan_lesson import gpu_results, runs  # noqa: E402
from hologan_lesson.config import make_config  # noqa: E402
from hologan_lesson.data import load_dataset  # noqa: E402
from hologan_lesson.eval.ablate_report import REPORT_FILES  # noqa: E402

ARCHIVE, SUMMARY, LOG, PEER_ROWS = "results.tar.gz", "summary.json", "log.txt", "peer_rows.json"
MAX_BACK = 60 * 2**20  # what may come back in all (the tool's limit is 64 MiB, 16 MiB a file)
DEFAULT_BUDGET = 540  # s: the command's limit is 600 s; this leaves time to pack and return


class Skip(Exception):
    """A step that cannot run (budget, no peer files, nothing to score): recorded with its reason."""


class Tee(io.TextIOBase):
    """stdout to the terminal and to ``log.txt`` (the package's logging writes to stdout)."""

    def __init__(self, *streams):
        self.streams = streams

    def write(self, text: str) -> int:
        for s in self.streams:
            s.write(text)
            s.flush()
        return len(text)


class Session:
    """The budget, the summary written after every step, and the files that come back."""

    def __init__(self, args: argparse.Namespace):
        self.args, self.start = args, time.time()
        self.out, self.work = Path(args.out), Path(args.work)
        self.stage = self.work / "stage"
        shutil.rmtree(self.stage, ignore_errors=True)  # the stage is ours; in --out only our own files go
        self.stage.mkdir(parents=True)
        for old in [*(self.out / n for n in (ARCHIVE, SUMMARY, PEER_ROWS)), *self.out.glob("gpu64_*.pt")]:
            old.unlink(missing_ok=True)
        self.summary = {
            "format": gpu_results.FORMAT,
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "budget_s": args.budget,
            "tiny": args.tiny,
            "argv": sys.argv[1:],
            "steps": {},
        }
        self.slug = "cpu"

    def left(self, until: float | None = None) -> float:
        return (until or self.start + self.args.budget) - time.time()

    def reason(self, estimate: float, until: float | None = None) -> str | None:
        """Why a step of about ``estimate`` seconds must be skipped now, or None."""
        left = self.left(until)
        return (
            None if left >= estimate else f"budget: {max(left, 0):.0f} s left for this phase, needs ~{estimate:.0f} s"
        )

    def step(self, name: str, estimate: float, fn, until: float | None = None):
        """Run ``fn`` if the budget allows; record done/skipped/failed with its seconds; save everything."""
        asked_off = name in self.args.skip.split(",")
        record: dict = {"status": "skipped", "reason": "--skip" if asked_off else self.reason(estimate, until)}
        result = None
        if record["reason"] is None:
            print(f"\n== {name} ({self.left():.0f} s left in the session)", flush=True)
            t0 = time.time()
            try:
                result = fn()
                record = {"status": "done"}
                if result is not None:
                    self.summary[name] = result
            except Skip as exc:
                record = {"status": "skipped", "reason": str(exc)}
            except Exception as exc:  # a failing step is recorded; the next ones still run
                traceback.print_exc(file=sys.stdout)
                record = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"[:500]}
            record["seconds"] = round(time.time() - t0, 1)
        if record["status"] != "done":
            print(f"-- {name}: {record['status']}: {record['reason']}", flush=True)
        self.summary["steps"][name] = record
        self.save()
        return result

    def save(self) -> None:
        """summary.json (out and stage), the archive of the stage folder, each written whole then renamed."""
        self.summary["elapsed_s"] = round(time.time() - self.start, 1)
        for dest in (self.out / SUMMARY, self.stage / "docs/results/gpu" / SUMMARY):
            steps.write_json(dest, self.summary)
        small = {k: v for k, v in self.summary.items() if k not in ("profile",)}
        steps.write_json(self.stage / "hologan_lesson/assets/gpu" / SUMMARY, small)
        files = sorted(p for p in self.stage.rglob("*") if p.is_file())
        self._pack(files)
        if (self.out / ARCHIVE).stat().st_size > 15 * 2**20:  # over what one file may bring back: drop the largest
            self._pack([p for p in files if p.suffix != ".gif" and not p.name.startswith("profile_trace")])

    def _pack(self, files: list[Path]) -> None:
        tmp = self.out / f".{ARCHIVE}.tmp"
        with tarfile.open(tmp, "w:gz") as tar:
            for path in files:
                tar.add(path, arcname=str(path.relative_to(self.stage)))
        tmp.replace(self.out / ARCHIVE)

    def bench_file(self, suffix: str) -> Path:
        return self.stage / "bench/results" / f"gpu_{self.slug}_{suffix}"


# ------------------------------------------------------------------------------------------------- the steps
def run(args: argparse.Namespace) -> Session:
    s = Session(args)
    tiny, on_cuda = args.tiny, torch.cuda.is_available() and not args.tiny
    os.environ["HOLOGAN_DATA"] = str(Path(args.data_root or s.work / "data").resolve())
    measure_until = s.start + args.budget * args.measure_share
    train_until = s.start + args.budget - args.eval_reserve - args.pack_reserve
    env = s.step("environment", 0, steps.environment) or {}
    s.slug = steps.device_slug(env)
    if not on_cuda and not tiny:
        print("no CUDA device: full-size steps on a CPU are slow; use --tiny for a smoke run")
    holder: dict = {}

    def dataset():  # rendered once, on first use, and shared by every timed trainer
        if "data" not in holder:
            holder["data"] = steps.bench_dataset(32 if tiny else 64, 32 if tiny else 256)
        return holder["data"]

    warm, iters = (1, 2) if tiny else (10, 50)
    timed = s.step(
        "timing",
        5 if tiny else 30,
        lambda: steps.time_presets(args.presets.split(","), dataset(), tiny, warm, iters, s.work / "tmp"),
        measure_until,
    )
    if timed:
        steps.write_json(s.bench_file("timing.json"), {"environment": env, "timing": timed})

    def profile():
        trace = s.work / "profile_trace.json" if args.trace else None
        out = steps.profile_step(dataset(), tiny, 2 if tiny else 5, s.work / "tmp", s.bench_file("profile.txt"), trace)
        if trace is not None and trace.is_file():
            _gzip_small(trace, s.stage / "docs/results/gpu/profile_trace.json.gz")
        steps.write_json(s.bench_file("profile.json"), out)
        return out

    s.step("profile", 5 if tiny else 20, profile, measure_until)

    def modes():
        rows = s.summary.setdefault("speed_modes", [])
        batch = 8 if tiny else 32
        for row in steps.speed_modes(
            args.modes.split(","),
            dataset(),
            tiny,
            batch,
            warm,
            iters,
            s.work / "tmp",
            lambda n, e: s.reason(e, measure_until),
        ):
            rows.append(row)
            print(f"  {row['mode']:24s} " + (f"{row['img_s']:9.0f} img/s" if "img_s" in row else str(row)))
            steps.write_json(s.bench_file("speed_modes.json"), {"environment": env, "speed_modes": rows})
            s.save()
        if not any("img_s" in r for r in rows):
            raise Skip("no speed mode could be measured (see rows)")

    s.step("speed_modes", 5 if tiny else 15, modes, measure_until)
    holder.clear()
    steps._free()

    def peer():
        if not args.peer:
            raise Skip(
                "no --peer DIR given: the port's files (eksuas/HoloGAN-PyTorch @ 7650eae) and bench_peer.py "
                "are needed beside each other (bench/NOTES.md, 'One GPU call'); no peer rows written"
            )
        found = steps.run_peer(
            Path(args.peer),
            Path(args.peer_harness) if args.peer_harness else None,
            tiny,
            [8 if tiny else 32],
            max(30.0, s.left(measure_until + 60)),
            s.stage / "docs/results/gpu/peer_log.txt",
        )
        rows = steps.peer_rows(env.get("device", "?"), s.summary.get("speed_modes", []), found["peer_img_s"], tiny)
        steps.write_json(s.bench_file("peer.json"), rows)
        steps.write_json(s.out / PEER_ROWS, rows)
        return {**found, "rows": rows}

    s.step("peer", 20 if tiny else 60, peer, measure_until + 60)
    ablation = s.work / "ablation"
    variants, seeds = args.variants.split(","), [int(x) for x in args.seeds.split(",")]

    def training():
        recipe = gpu_train.recipe_overrides()
        num_images = 64 if tiny else args.num_images
        most = args.steps or (6 if tiny else 20000)  # the deadline usually ends the runs first
        every = args.checkpoint_every or (2 if tiny else 250)
        overrides = gpu_train.run_overrides(recipe, most, every, num_images, tiny) + args.set  # --set: last, wins
        data = make_config(gpu_train.PRESET, gpu_train.DATASET, overrides).data
        t0 = time.time()
        load_dataset(data)  # render the training set once, before the runs start
        print(f"  training set: {num_images} images at {data.resolution} px in {time.time() - t0:.0f} s")
        todo = gpu_train.jobs(variants, seeds)
        parallel = args.parallel or len(todo)
        print(
            f"  {len(todo)} runs, {parallel} at a time, for {s.left(train_until):.0f} s or {most} steps, "
            f"a checkpoint every {every}; recipe: {' '.join(recipe)}"
        )
        trained = gpu_train.train_runs(todo, overrides, ablation, parallel, train_until, 1 if tiny else 2, print)
        done = sum(r["status"] == "done" for r in trained)
        status = f"{done} of {len(todo)} runs finished {most} steps; the others stopped at the deadline"
        return {"steps": most, "checkpoint_every": every, "recipe": recipe, "overrides": overrides, "runs": trained,
                "status": status}  # fmt: skip

    trained = s.step("training", 10 if tiny else 120, training, train_until)

    def scoring():
        if not trained or not any(r.get("step", 0) for r in trained["runs"]):
            raise Skip("no trained run to score")
        result = gpu_train.score(ablation, trained["runs"], variants, seeds, trained["overrides"], tiny)
        if args.pose_curve:  # every kept checkpoint's 3D control: where a turn appears and whether it stays
            result["pose_curves"] = gpu_train.pose_curves(ablation, trained["runs"], tiny)
        _stage_runs(s, ablation, trained["runs"])
        return result

    s.step("scoring", 10 if tiny else 60, scoring, s.start + args.budget - args.pack_reserve)

    def export():
        if not trained:
            raise Skip("nothing trained")
        paths = gpu_train.export_models(ablation, trained["runs"], s.work / "models")
        room = MAX_BACK - sum(p.stat().st_size for p in s.out.iterdir() if p.is_file())
        sent = []
        for p in paths:  # whole files only, while they fit what the device tool brings back
            if p.stat().st_size <= min(room, 16 * 2**20 - 4096):
                shutil.copy2(p, s.out / p.name)
                room -= p.stat().st_size
                sent.append({"file": p.name, "mib": round(p.stat().st_size / 2**20, 2)})
            else:
                print(f"  {p.name} ({p.stat().st_size / 2**20:.1f} MiB) does not fit what comes back: left out")
        return sent

    s.step("models", 1 if tiny else 5, export, s.start + args.budget)
    names = sorted(p.name for p in s.out.iterdir())
    print(f"\nsession finished in {time.time() - s.start:.0f} s; files in {s.out}: {names}")
    return s


def _gzip_small(src: Path, dest: Path, limit: int = 4 * 2**20) -> None:
    import gzip

    data = gzip.compress(src.read_bytes())
    if len(data) <= limit:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)


def _stage_runs(s: Session, ablation: Path, trained: list[dict]) -> None:
    """The small files of every run and of the ablation into the stage (docs; the ablation also into assets)."""
    docs, assets = s.stage / "docs/results/gpu", s.stage / "hologan_lesson/assets/gpu"
    for r in trained:
        src, dest = ablation / r["folder"], docs / "runs" / r["folder"]
        for name in (runs.CONFIG_FILE, runs.RUN_INFO_FILE, runs.METRICS_FILE):
            if (src / name).is_file():
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src / name, dest / name)
        for sub in (runs.SWEEPS_DIR, runs.SAMPLES_DIR, runs.EVAL_DIR):  # newest picture of each kind, every eval
            files = sorted((src / sub).glob("*")) if (src / sub).is_dir() else []
            for f in files if sub == runs.EVAL_DIR else _newest_each(files):
                (dest / sub).mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, dest / sub / f.name)
        if (ablation / "logs" / f"{r['folder']}.txt").is_file():
            shutil.copy2(ablation / "logs" / f"{r['folder']}.txt", dest / "train_log.txt")
    for name in (*REPORT_FILES, "ablation.json"):
        if (ablation / name).is_file():
            for base in (docs, assets):
                (base / "ablation").mkdir(parents=True, exist_ok=True)
                shutil.copy2(ablation / name, base / "ablation" / name)


def _newest_each(files: list[Path]) -> list[Path]:
    """The newest file of each kind (``azimuth_step_N.gif``, ``step_N.png``...: the name without its digits)."""
    newest = {re.sub(r"\d+", "", f.name): f for f in sorted(files)}
    return list(newest.values())


# ---------------------------------------------------------------------------------------------------- unpack
def unpack(source: Path, replace: bool, root: Path = ROOT) -> list[Path]:
    """Copy a fetched session (its ``results.tar.gz`` and ``*.pt``) into the repository at ``root``: the archive's
    paths as they are, the generators into ``hologan_lesson/assets/gpu/``. Nothing is overwritten silently."""
    archive = source / ARCHIVE
    if not archive.is_file():
        raise SystemExit(f"{source}: no {ARCHIVE} (pass the folder the device tool fetched $OUT into)")
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        pairs = [(p, root / p.relative_to(tmp)) for p in sorted(Path(tmp).rglob("*")) if p.is_file()]
        pairs += [(p, root / "hologan_lesson/assets/gpu" / p.name) for p in sorted(source.glob("*.pt"))]
        clash = [str(d.relative_to(root)) for _, d in pairs if d.exists()]
        if clash and not replace:
            raise SystemExit(f"would overwrite {len(clash)} file(s), e.g. {clash[:3]}; pass --replace")
        for src, dest in pairs:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            print(f"  {dest.relative_to(root)}")
    return [d for _, d in pairs]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = ap.add_argument
    add("--budget", type=float, default=DEFAULT_BUDGET, help=f"seconds of wall time in all (default {DEFAULT_BUDGET})")
    add("--out", default=os.environ.get("OUT") or "runs/gpu_session", help="what comes back (default $OUT)")
    add("--work", default="runs/gpu_session_work", help="run folders, data, staging (never brought back)")
    add("--tiny", action="store_true", help="CPU smoke run: 32 px, a few channels, a few steps")
    add("--peer", help="folder with the port's files (or eksuas/ with them) and, optionally, bench_peer.py")
    add("--peer-harness", help="bench_peer.py (default: in --peer, else shared/tools/ or ../shared/tools/)")
    add("--presets", default="gpu,colab", help="presets timed in step b")
    add("--modes", default=",".join(steps.MODES), help=f"speed modes of step d (default {','.join(steps.MODES)})")
    add("--variants", default="full,no_random_views,traditional_z", help="ablation variants trained in step f")
    add("--seeds", help="training seeds (default 0,1; --tiny: 0)")
    add(
        "--steps",
        type=int,
        help="at most this many steps per run (default 20000, --tiny 6); the deadline may stop sooner",
    )
    add("--checkpoint-every", type=int, help="checkpoint interval of the runs (default 250; --tiny 2)")
    add("--num-images", type=int, default=20000, help="synthetic training images (default 20000)")
    add("--parallel", type=int, help="training runs at once (default: all)")
    add("--measure-share", type=float, default=0.35, help="steps b-d end by this share of the budget, e a minute later")
    add("--eval-reserve", type=float, help="seconds kept for scoring (default 100; --tiny 25)")
    add("--pack-reserve", type=float, default=10.0, help="seconds kept for the last files")
    add("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE", help="run overrides after the recipe's")
    add("--pose-curve", action="store_true", help="also score every kept checkpoint's 3D control (pose curves)")
    add("--skip", default="", help="steps not to run, e.g. timing,profile,speed_modes,peer (a training call)")
    add("--trace", action="store_true", help="also keep the profiler's chrome trace (gzipped, if small)")
    add("--data-root", help="HOLOGAN_DATA for the session (default: <work>/data)")
    add("--unpack", metavar="DIR", help="copy a fetched session's files into the repository, then stop")
    add("--replace", action="store_true", help="--unpack may overwrite files")
    add("--into", default=str(ROOT), help="--unpack into this checkout (default: this one)")
    args = ap.parse_args(argv)
    args.seeds = args.seeds or ("0" if args.tiny else "0,1")
    args.eval_reserve = args.eval_reserve if args.eval_reserve is not None else (25.0 if args.tiny else 100.0)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.unpack:
        unpack(Path(args.unpack), args.replace, Path(args.into))
        return 0
    Path(args.out).mkdir(parents=True, exist_ok=True)
    with open(Path(args.out) / LOG, "w") as log:
        sys.stdout = Tee(sys.__stdout__, log)
        try:
            run(args)
        finally:
            sys.stdout = sys.__stdout__
    return 0


if __name__ == "__main__":
    sys.exit(main())
