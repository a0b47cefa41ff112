"""The paper's ablations as runnable variants with one budget: train each, evaluate each, tabulate.

    python -m hologan_lesson ablate --preset cpu --dataset synthetic [--only full,no_random_views]

Every variant is the same preset (same steps, batch, seed, data) with one part of HoloGAN switched off,
trained by the course's one ``Trainer`` in its own run folder under one ablation folder (the layout is
described in ``eval.ablate``, which scores the folders once they are trained).

Running the command again skips finished variants, resumes unfinished ones from their newest checkpoint
and reuses stored evaluations, so an interrupted ablation loses at most one checkpoint interval.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from .. import runs
from ..config import ConfigError, RunConfig
from ..data import load_dataset
from ..eval.ablate import (  # noqa: F401  (re-exported: the lesson and the CLI import the ablation from here)
    ABLATION_FILE,
    VARIANTS,
    AblationJob,
    AblationResult,
    Variant,
    ablation_jobs,
    default_out_dir,
    evaluate_ablation,
    parse_only,
    print_ablation_info,
    read_table,
    run_status,
    score_ablation,
    scorers,
    variant_config,
)
from ..eval.run import EvalSettings
from ..train import Trainer
from ..utils import get_logger

log = get_logger(__name__)


def _check_manifest(out: Path, manifest: dict) -> None:
    path = out / ABLATION_FILE
    if path.is_file():
        saved = json.loads(path.read_text())
        for key in ("preset", "dataset", "overrides"):
            if saved.get(key) != manifest[key]:
                raise ConfigError(
                    f"{out} holds an ablation with {key}={saved.get(key)!r}, not {manifest[key]!r}; "
                    f"resume it with the same settings or choose another --out"
                )
        manifest = {**saved, "variants": {**saved.get("variants", {}), **manifest["variants"]}}
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2))


def train_variant(
    cfg: RunConfig,
    run_dir: Path,
    dataset: Any,
    progress: bool = True,
) -> str:
    """Train one variant to ``cfg.train.steps`` (resuming or skipping as its folder says); return its status."""
    status = run_status(run_dir, cfg)
    if status == "done":
        log.info(f"  {run_dir.name}: finished earlier, skipped")
        return status
    if status == "stale":  # killed before its first checkpoint: its logs describe steps that are lost
        for name in (runs.METRICS_FILE, runs.SAMPLES_DIR, runs.SWEEPS_DIR, runs.TENSORBOARD_DIR):
            target = run_dir / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    resume = status == "partial"
    trainer = Trainer(cfg, run_dir, dataset=dataset, resume=resume)
    what = f"resuming at step {trainer.step}" if resume else "training"
    log.info(f"  {run_dir.name}: {what} to step {cfg.train.steps}")
    trainer.fit(progress=progress)
    return status


def run_ablation(
    preset: str,
    dataset: str | None = None,
    out_dir: str | Path | None = None,
    only: Sequence[str] | None = None,
    overrides: Sequence[str] = (),
    settings: EvalSettings | None = None,
    feature: torch.nn.Module | None = None,
    progress: bool = True,
    seeds: Sequence[int] | None = None,
) -> AblationResult:
    """Train (or resume) and evaluate the variants, then write the tables and the figure (``eval.ablate``
    ``evaluate_ablation``; ``score_ablation`` scores an ablation whose runs are all trained, without this layer).

    ``seeds``: train every variant once per seed (``train.seed``), in ``<out>/<variant>-seed<k>``; the table
    gets one row per variant and seed. Without it each variant is trained once, in ``<out>/<variant>``.
    ``feature`` injects a KID/FID feature network (tests, notebooks); otherwise ``settings.features`` decides,
    and an unavailable extractor is reported before any training starts.
    """
    settings = settings or EvalSettings()
    jobs = ablation_jobs(preset, dataset, only, overrides, seeds)
    names = list(dict.fromkeys(job.variant for job in jobs))
    base = jobs[0].config
    out = Path(out_dir) if out_dir else default_out_dir(preset, dataset)
    _check_manifest(
        out,
        {
            "preset": preset,
            "dataset": dataset,
            "overrides": list(overrides),
            "variants": {n: list(VARIANTS[n].overrides) for n in names},
        },
    )
    probe, accuracy, feature = scorers(base, settings, feature)  # fail fast: before hours of training

    data = load_dataset(base.data)
    for job in jobs:
        variant = VARIANTS[job.variant]
        label = variant.label + ("" if job.seed is None else f", seed {job.seed}")
        log.info(f"[{job.folder}] {label}: {' '.join(variant.overrides) or '(no switches)'}")
        start = time.perf_counter()
        train_variant(job.config, out / job.folder, data, progress)
        log.info(f"  {job.folder}: {time.perf_counter() - start:.0f} s in this session")

    asked = {"preset": preset, "dataset": dataset, "overrides": list(overrides), "seeds": seeds}
    return evaluate_ablation(out, jobs, settings, data, probe, accuracy, feature, asked)


PAPER_THREE = ["full", "no_random_views", "traditional_z"]  # the paper's ablations of HoloGAN's 3D parts


def lesson_ablation(run: bool, data, probe) -> Path:
    """Lesson 07's ablation folder: the shipped one, unless ``run`` (or the ``ci`` profile) asks to train one here.

    The profile picks the budget: ``ci`` a dry run of a few steps for three variants in a temporary folder (its
    numbers are noise), ``cpu`` the ``cpu`` preset with probe features, ``gpu`` the ``gpu`` preset for 10,000 steps
    with Inception features (probe features where Inception is unavailable). ``cpu`` trains what the stored
    ablation holds (the paper's three variants, seeds 1, 2, 3), ``gpu`` every variant that differs from its full
    model, seeds 0, 1, 2.
    ``data``, ``probe``: the lesson's data settings and pose probe (to check that Inception loads)."""
    import tempfile

    from .. import shipped
    from ..eval import FeatureUnavailable, feature_extractor
    from ..profile import pick, profile
    from ..utils import quiet

    if not run and profile() != "ci":
        return shipped.asset(shipped.ABLATION)
    tiny = EvalSettings(
        features="probe",
        num_fake=40,
        num_real=40,
        subset_size=20,
        subsets=10,
        identities=4,
        frames=5,
        probe_images=600,
        probe_epochs=3,
    )
    preset, overrides, settings = pick(
        ci=("ci", ["train.steps=4", "train.checkpoint_every=2"], tiny),
        cpu=("cpu", [], EvalSettings(features="probe", num_fake=2000, num_real=2000)),
        gpu=("gpu", ["train.steps=10000"], EvalSettings(features="inception")),
    )
    out = Path(tempfile.mkdtemp(prefix="ablation-ci-")) if profile() == "ci" else Path("runs/ablation")
    if settings.features == "inception":
        try:
            feature_extractor(settings, data, probe)
        except FeatureUnavailable as exc:
            print(f"{exc}\n-> using --features probe")
            settings.features = "probe"
    with quiet():  # the ablation's progress messages are not part of the lesson
        run_ablation(
            preset,
            "synthetic",
            out,
            only=pick(ci=PAPER_THREE, cpu=PAPER_THREE, gpu=None),  # None: every variant
            overrides=overrides,
            settings=settings,
            progress=False,
            seeds=pick(ci=None, cpu=[1, 2, 3], gpu=[0, 1, 2]),
        )
    return out
