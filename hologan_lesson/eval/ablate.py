"""The paper's ablations, the reading side: the variants, the state of their run folders, and their scores.

Every variant is the same preset (same steps, batch, seed, data) with one part of HoloGAN switched off. Training
them is orchestration and lives above evaluation, in ``hologan_lesson.experiments.ablate`` (``run_ablation``,
the ``ablate`` command); this module only reads the finished run folders of one ablation folder:

    <out>/ablation.json          what was asked (preset, dataset, overrides, the variants' switches)
    <out>/<variant>/             a normal run folder (config.json, metrics.csv, checkpoints/, eval/)
    <out>/results.csv, .md       KID, pose error and identity consistency per variant, plus references
    <out>/sweeps.png             one identity swept through azimuth by every variant

and writes the tables and figures (``evaluate_ablation``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .. import runs
from ..config import ConfigError, RunConfig, make_config, to_dict
from ..data import load_dataset
from ..envcheck import machine_summary
from ..model.generator import render_views
from ..utils import get_logger, progress_bars
from ..viz import sweep_figure
from .ablate_report import (  # noqa: F401  (re-exported: the ablation's report lives there)
    COLUMNS,
    _fmt,
    markdown_table,
    pose_figure,
    print_ablation_info,
    read_table,
    write_tables,
)
from .control import SweepSpec, reference_scores
from .kid import feature_extractor, feature_label, kid_fid, real_images
from .probe import PROBE_SEED, PoseProbe, load_or_train_probe
from .run import EvalSettings, evaluate_run
from .sources import SyntheticSource, has_pose_ground_truth

ABLATION_FILE = "ablation.json"  # what the ablation folder was asked for
log = get_logger(__name__)


@dataclass(frozen=True)
class Variant:
    """One row of the ablation: a name, what it tests, and the config switches that make it."""

    name: str
    label: str
    overrides: tuple[str, ...]
    paper: str  # what the paper says this part is for


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("full", "full HoloGAN", (), "the complete method"),
        Variant(
            "no_random_views",
            "no random 3D transformation",
            ("train.random_views=false",),
            "without random rotations during training the generator has no reason to keep a 3D-consistent "
            "object: pose control is lost",
        ),
        Variant(
            "traditional_z",
            "traditional z input",
            ("generator.z_input=traditional",),
            "z fed to the first layer instead of through AdaIN: weaker disentangling of identity from pose",
        ),
        Variant(
            "no_identity_loss",
            "no identity loss",
            ("loss.identity_weight=0",),
            "the identity (latent regression) loss keeps the object's identity as the view changes",
        ),
        Variant(
            "no_style_disc",
            "no style discriminator",
            ("discriminator.style_heads=false", "loss.style_weight=0"),
            "the multi-scale style discriminator improves image quality",
        ),
        # The `cpu` recipe leaves both parts off; these two put them back, so they are measured there too.
        Variant(
            "with_identity_loss",
            "with identity loss",
            ("loss.identity_weight=1",),
            "the identity (latent regression) loss keeps the object's identity as the view changes",
        ),
        Variant(
            "with_style_disc",
            "with style discriminator",
            ("discriminator.style_heads=true", "loss.style_weight=1"),
            "the multi-scale style discriminator improves image quality",
        ),
    )
}


def parse_only(text: str | None) -> list[str]:
    """``"full,no_random_views"`` -> the variant names (all of them for None/empty), validated."""
    if not text:
        return list(VARIANTS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise ConfigError(f"--only: unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    return [n for n in VARIANTS if n in names]  # the table keeps the canonical order


def variant_config(
    variant: Variant, preset: str, dataset: str | None = None, overrides: Sequence[str] = ()
) -> RunConfig:
    """The run config of one variant: the preset with the shared overrides, then the variant's switches."""
    return make_config(preset, dataset, [*overrides, *variant.overrides])


def default_out_dir(preset: str, dataset: str | None) -> Path:
    """``runs/ablation-<preset>-<dataset>``."""
    name = Path(dataset).name if dataset else make_config(preset).data.name
    return Path("runs") / f"ablation-{preset}-{name}"


def run_status(run_dir: Path, cfg: RunConfig) -> str:
    """``new``, ``partial`` (checkpoints short of ``cfg.train.steps``), ``done``, or ``stale`` (no checkpoint)."""
    if not run_dir.exists() or not any(run_dir.iterdir()):
        return "new"
    if runs.is_run_folder(run_dir):
        saved = runs.load_run_config(run_dir)
        if _trajectory(saved) != _trajectory(cfg):
            raise ConfigError(
                f"{run_dir} was trained with a different config than this ablation asks for "
                f"({_config_difference(saved, cfg)}); choose another --out or delete that folder"
            )
    newest = runs.newest_checkpoint(run_dir)
    if newest is None:
        return "stale"
    return "done" if newest[0] >= cfg.train.steps else "partial"


def _trajectory(cfg: RunConfig) -> dict:
    """The config as a dict, less what changes no weight of the run (how many checkpoints are kept)."""
    d = to_dict(cfg)
    d["train"] = {k: v for k, v in d["train"].items() if k != "keep_checkpoints"}
    return d


def _config_difference(a: RunConfig, b: RunConfig) -> str:
    da, db = _trajectory(a), _trajectory(b)
    diffs = []
    for section in da:
        if isinstance(da[section], dict):
            for k in da[section]:
                if da[section][k] != db[section].get(k):
                    diffs.append(f"{section}.{k}: {da[section][k]!r} != {db[section].get(k)!r}")
        elif da[section] != db[section]:
            diffs.append(f"{section}: {da[section]!r} != {db[section]!r}")
    return "; ".join(diffs[:4]) or "no field differs"


def train_wall_minutes(run_dir: Path) -> float:
    """Wall time between the first and last logged step of a run (from metrics.csv), in minutes."""
    rows = runs.read_metrics(run_dir)
    if len(rows) < 2:
        return float("nan")
    times = [float(r["time"]) for r in rows]
    steps = [int(r["step"]) for r in rows]
    # Include the first logging window: scale the measured span by steps / (steps after the first log).
    span = times[-1] - times[0]
    return span * steps[-1] / max(1, steps[-1] - steps[0]) / 60


@dataclass
class AblationResult:
    """What ``run_ablation`` produced."""

    out_dir: Path
    rows: list[dict[str, Any]]
    table_csv: Path
    table_md: Path
    figure: Path
    pose_figure: Path | None
    probe_accuracy: dict[str, float]


def reference_rows(probe: PoseProbe, sweep: SweepSpec, resolution: int) -> tuple[list[dict[str, Any]], dict]:
    """The calibration references (``metrics.reference_scores``) as table rows, and their scores."""
    scores = reference_scores(probe, sweep, resolution)
    rows = [
        {"kind": "reference", "variant": label.replace(" ", "_"), "label": label, **s.summary()}
        for label, s in scores.items()
    ]
    return rows, scores


def reference_kid(cfg: RunConfig, dataset: Any, feature: torch.nn.Module, settings: EvalSettings) -> dict:
    """KID/FID of fresh synthetic renders (other objects, other poses) against the training images."""
    from ..data.synthetic import render_synthetic

    d = cfg.data
    n = settings.num_fake
    images, _ = render_synthetic(
        range(n), PROBE_SEED + 1, d.resolution, tuple(d.azimuth_range), tuple(d.elevation_range), d.families
    )
    fresh = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()  # (n, 3, H, W) uint8
    real = real_images(dataset, settings.num_real, settings.seed)
    subset = min(settings.subset_size, len(fresh), len(real))
    return kid_fid(fresh, real, feature, subset, settings.subsets, settings.fid, settings.seed)


@dataclass(frozen=True)
class AblationJob:
    """One trained run of an ablation: its variant, its seed (None: the preset's), its config and folder name."""

    variant: str
    seed: int | None
    config: RunConfig
    folder: str


def ablation_jobs(
    preset: str,
    dataset: str | None = None,
    only: Sequence[str] | None = None,
    overrides: Sequence[str] = (),
    seeds: Sequence[int] | None = None,
) -> list[AblationJob]:
    """The runs of an ablation, in the table's order: each variant asked for (all for None) once per seed.

    A variant that under ``preset`` is the same configuration as the full model is left out, with a message.
    """
    names = list(only) if only else list(VARIANTS)
    for n in names:
        if n not in VARIANTS:
            raise ConfigError(f"unknown variant {n!r}; choose from {', '.join(VARIANTS)}")
    full = to_dict(variant_config(VARIANTS["full"], preset, dataset, overrides))
    same = [
        n for n in names if n != "full" and to_dict(variant_config(VARIANTS[n], preset, dataset, overrides)) == full
    ]
    for n in same:  # e.g. "no identity loss" under a preset that has none
        log.info(f"[{n}] skipped: under preset {preset!r} it is the same configuration as the full model")
    names = [n for n in names if n not in same]
    jobs = []
    for seed in seeds if seeds else [None]:
        extra = [] if seed is None else [f"train.seed={seed}"]
        for n in names:
            folder = n if seed is None else f"{n}-seed{seed}"
            jobs.append(
                AblationJob(n, seed, variant_config(VARIANTS[n], preset, dataset, [*overrides, *extra]), folder)
            )
    return jobs


def scorers(
    base: RunConfig, settings: EvalSettings, feature: torch.nn.Module | None = None
) -> tuple[PoseProbe | None, dict[str, float], torch.nn.Module]:
    """The pose probe (None without true poses) with its accuracy, and the KID/FID feature network (``feature``
    when given, else as ``settings.features`` says): an unavailable one is reported before any work starts."""
    probe, accuracy = None, {}
    if has_pose_ground_truth(base.data):
        probe, accuracy = load_or_train_probe(
            settings.probe_spec(base.data), device=runs.resolve_device(base.train.device)
        )
    if feature is None:
        feature = feature_extractor(settings, base.data, probe)
    return probe, accuracy, feature


def score_ablation(
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
    """Score an ablation whose runs are all trained to the end (the arguments of ``experiments.run_ablation``,
    which trains them); write the tables and figures. A run that is missing or unfinished is a ConfigError."""
    settings = settings or EvalSettings()
    jobs = ablation_jobs(preset, dataset, only, overrides, seeds)
    out = Path(out_dir) if out_dir else default_out_dir(preset, dataset)
    unfinished = [job.folder for job in jobs if run_status(out / job.folder, job.config) != "done"]
    if unfinished:
        raise ConfigError(
            f"{out} has runs that are not trained to the end: {', '.join(unfinished)}; "
            f"train them with `python -m hologan_lesson ablate` (hologan_lesson.experiments.ablate.run_ablation)"
        )
    with progress_bars(progress):
        probe, accuracy, feature = scorers(jobs[0].config, settings, feature)
        data = load_dataset(jobs[0].config.data)
        asked = {"preset": preset, "dataset": dataset, "overrides": list(overrides), "seeds": seeds}
        return evaluate_ablation(out, jobs, settings, data, probe, accuracy, feature, asked)


def __getattr__(name: str) -> Any:
    if name in ("run_ablation", "train_variant"):  # moved above evaluation in the redesign of issue 21
        raise ImportError(
            f"{name} trains, so it moved to hologan_lesson.experiments.ablate; "
            f"to score an ablation whose runs are trained, use hologan_lesson.eval.ablate.score_ablation"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def evaluate_ablation(
    out: Path,
    jobs: Sequence[AblationJob],
    settings: EvalSettings,
    data: Any,
    probe: PoseProbe | None,
    accuracy: dict[str, float],
    feature: torch.nn.Module,
    asked: dict[str, Any],
) -> AblationResult:
    """Score the trained variants' run folders under ``out``; write the tables, the figures and ``run_info.json``.

    ``asked``: what the ablation was asked for (``preset``, ``dataset``, ``overrides``, ``seeds``), recorded
    in ``run_info.json``. Nothing is trained here: every folder must hold a finished run.
    """
    base = jobs[0].config
    device = runs.resolve_device(base.train.device)
    names = list(dict.fromkeys(job.variant for job in jobs))
    rows: list[dict[str, Any]] = []
    predictions = {}
    for job in jobs:
        n, seed, folder = job.variant, job.seed, job.folder
        results = evaluate_run(out / folder, settings, str(device), data, probe, feature)
        predictions.setdefault(n, results.get("predictions"))  # the first seed's sweeps go into the figure
        row = {"kind": "variant", "variant": n, "label": VARIANTS[n].label, "steps": results["step"], "seed": seed}
        row.update({k: v for k, v in results.items() if k in COLUMNS})
        row["train_minutes"] = train_wall_minutes(out / folder)
        rows.append(row)
        log.info(f"  evaluated {folder}: " + ", ".join(f"{k}={_fmt(row.get(k), 3)}" for k in COLUMNS[5:-1]))
    panels = []
    if probe is not None:
        refs, scores = reference_rows(probe, settings.sweep_spec(base.data), base.data.resolution)
        refs[0].update(reference_kid(base, data, feature, settings))  # the real renders' KID: the floor
        rows += refs
        real = scores["real renders"].predictions
        panels.append(("real renders (reference)", real["commanded_azimuth"], real["predicted_azimuth"]))
        for n in names:
            pred = predictions[n]
            panels.append(
                (VARIANTS[n].label, torch.tensor(pred["commanded_azimuth"]), torch.tensor(pred["predicted_azimuth"]))
            )
        blind = scores["view ignored"].predictions
        panels.append(("view ignored (reference)", blind["commanded_azimuth"], blind["predicted_azimuth"]))
    # One identity (the same latent code for every variant) swept through azimuth.
    views = settings.sweep_spec(base.data).azimuth_views()  # (T, 2)
    strips = []
    if has_pose_ground_truth(base.data):
        source = SyntheticSource(base.data.resolution, families=base.data.families)
        strips.append(
            ("real renders (a synthetic object)", source.sweep(source.identities(1, settings.seed)[0], views))
        )
    first = {}
    for job in jobs:
        first.setdefault(job.variant, job.folder)
    for n in names:
        generator, _ = runs.load_generator(out / first[n], device)
        z = generator.sample_z(1, generator=torch.Generator().manual_seed(settings.seed), device=device)
        strips.append((VARIANTS[n].label, render_views(generator, z[0], views.to(device)).cpu()))
    figure = sweep_figure(strips, out / "sweeps.png", views[:, 0].tolist())
    pose_png = pose_figure(panels, out / "pose.png") if panels else None
    table_csv, table_md = write_tables(rows, out, feature_label(feature))
    (out / "probe_accuracy.json").write_text(json.dumps(accuracy, indent=2))
    trained_on = sorted(
        {
            json.loads((out / job.folder / runs.RUN_INFO_FILE).read_text())["machine"]
            for job in jobs
            if (out / job.folder / runs.RUN_INFO_FILE).is_file()
        }
    )
    seeds = asked.get("seeds")
    info = {
        "machine": "; ".join(trained_on) or machine_summary(),  # where the variants were trained
        "evaluated_on": machine_summary(),
        "preset": asked.get("preset"),
        "dataset": asked.get("dataset"),
        "overrides": list(asked.get("overrides", ())),
        "seeds": list(seeds) if seeds else None,
        "steps": base.train.steps,
        "batch_size": base.train.batch_size,
        "resolution": base.data.resolution,
        "eval": {**dataclasses.asdict(settings), "features": feature_label(feature)},
        "train_minutes": {
            f"{r['variant']}" + ("" if r.get("seed") is None else f"-seed{r['seed']}"): r["train_minutes"]
            for r in rows
            if r["kind"] == "variant"
        },
    }
    (out / runs.RUN_INFO_FILE).write_text(json.dumps(info, indent=2))
    log.info(f"results: {table_md}\n{table_md.read_text()}figures: {figure}" + (f", {pose_png}" if pose_png else ""))
    return AblationResult(out, rows, table_csv, table_md, figure, pose_png, accuracy)
