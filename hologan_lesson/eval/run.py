"""Evaluating a generator or a run folder: KID/FID and, on synthetic data, the 3D-control scores.

``evaluate_run`` reads the run folder through ``runs`` (config, newest checkpoint, the stored results in
``eval/``); it never imports the trainer. The command line builds its options from ``EvalSettings``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import os
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from torch import Tensor, nn

from .. import runs
from ..config import ConfigError, DataConfig
from ..utils import get_logger
from .control import SweepSpec, control_scores
from .kid import feature_extractor, feature_label, generated_images, kid_fid, real_images
from .probe import PoseProbe, ProbeSpec, load_or_train_probe
from .sources import GeneratorSource, has_pose_ground_truth

log = get_logger(__name__)


def _option(default: Any, help: str, metavar: str | None = None) -> Any:
    """A settings field with its command-line help (``add_eval_options`` builds the options from them)."""
    return field(default=default, metadata={"help": help, "metavar": metavar})


@dataclass
class EvalSettings:
    """Sizes and choices of one evaluation (defaults: paper-style KID on a GPU run)."""

    features: Literal["inception", "probe"] = _option(
        "inception",
        "KID/FID features: inception (standard; torch-fidelity downloads its weights on first use) or probe "
        "(the synthetic pose probe's features: synthetic data, offline)",
    )
    inception_weights: str = _option("", "torch-fidelity's Inception weights file (offline)", metavar="PATH")
    num_fake: int = _option(5000, "generated images for KID/FID")
    num_real: int = _option(5000, "real images for KID/FID")
    subset_size: int = _option(1000, "KID subset size")
    subsets: int = _option(100, "KID subsets, for mean ± std")
    fid: bool = _option(True, "skip FID")  # a True flag becomes --no-fid
    identities: int = _option(48, "identities swept for pose/identity")
    frames: int = _option(13, "views per sweep")
    probe_images: int = _option(6000, "renders the pose probe trains on")
    probe_epochs: int = _option(12, "pose probe epochs")
    seed: int = _option(0, "seed of the generated samples, the sweeps and the KID subsets")
    trained_weights: bool = _option(
        False, "score a run's trained weights, not the moving average it also kept (train.ema_decay > 0)"
    )

    def __post_init__(self) -> None:
        if self.features not in ("inception", "probe"):
            raise ConfigError(
                f"--features {self.features!r}: use 'inception' (standard) or 'probe' (synthetic, offline)"
            )
        for name in ("num_fake", "num_real", "subsets", "identities", "frames", "probe_images", "probe_epochs"):
            if getattr(self, name) < 1:
                raise ConfigError(f"evaluation setting {name} must be at least 1, got {getattr(self, name)}")
        if self.frames < 2:
            raise ConfigError("evaluation setting frames must be at least 2 (a sweep needs two views)")

    def probe_spec(self, data: DataConfig) -> ProbeSpec:
        """The probe these settings use for ``data``."""
        return ProbeSpec.for_data(data, num_images=self.probe_images, epochs=self.probe_epochs)

    def sweep_spec(self, data: DataConfig) -> SweepSpec:
        """The sweeps these settings command for ``data``."""
        return SweepSpec.for_data(data, identities=self.identities, frames=self.frames, seed=self.seed)


def evaluate_generator(
    generator: nn.Module,
    data: DataConfig,
    settings: EvalSettings,
    dataset: Sequence[Tensor] | None = None,
    probe: PoseProbe | None = None,
    feature: nn.Module | None = None,
) -> dict[str, Any]:
    """KID/FID against ``data`` and, on synthetic data, the 3D-control scores: a JSON-ready dict.

    ``probe`` defaults to the cached probe of ``settings`` (trained on first use); ``feature`` overrides the
    KID/FID extractor named in ``settings`` (tests and notebooks inject small networks this way).
    """
    device = next(generator.parameters()).device
    out: dict[str, Any] = {}
    if probe is None and has_pose_ground_truth(data):
        probe, accuracy = load_or_train_probe(settings.probe_spec(data), device=device)
        out.update({f"probe_{k}": v for k, v in accuracy.items()})
    if feature is None:
        feature = feature_extractor(settings, data, probe)
    out["features"] = feature_label(feature)
    feature = feature.to(device).eval()
    if dataset is None:
        from ..data import load_dataset

        dataset = load_dataset(data)
    fake = generated_images(generator, settings.num_fake, data.azimuth_range, data.elevation_range, settings.seed)
    real = real_images(dataset, settings.num_real, settings.seed)
    subset = min(settings.subset_size, len(fake), len(real))
    out.update(kid_fid(fake, real, feature, subset, settings.subsets, settings.fid, settings.seed))
    if probe is not None and has_pose_ground_truth(data):
        scores = control_scores(GeneratorSource(generator), probe.to(device), settings.sweep_spec(data))
        out.update(scores.summary())
        out["predictions"] = {k: v.tolist() for k, v in scores.predictions.items()}
    return out


def _evaluate_checkpoint(
    checkpoint: Path, settings: EvalSettings, device: str, dataset, probe, feature
) -> dict[str, Any]:
    """``evaluate_generator`` on the weights of one checkpoint file that ``settings`` picks; a checkpoint holding
    two sets (trained and their moving average) also says which was scored."""
    state = runs.load_checkpoint(checkpoint, map_location=runs.resolve_device(device))
    generator, cfg = runs.generator_from_state(state, runs.resolve_device(device), not settings.trained_weights)
    which = {"weights": "trained" if settings.trained_weights else "moving average"} if "generator_ema" in state else {}
    return {
        "step": int(state.get("step", -1)),
        **which,
        **evaluate_generator(generator, cfg.data, settings, dataset, probe, feature),
    }


def evaluate_run(
    run_dir: str | os.PathLike,
    settings: EvalSettings,
    device: str = "auto",
    dataset: Sequence[Tensor] | None = None,
    probe: PoseProbe | None = None,
    feature: nn.Module | None = None,
) -> dict[str, Any]:
    """Evaluate a run folder's newest checkpoint (or one checkpoint file, e.g. a slim export).

    For a run folder the result is also written to ``eval/eval_step_N.json``, and a stored result for the same
    checkpoint, settings and feature extractor is read back instead of recomputed.
    """
    run_dir = Path(run_dir)
    if run_dir.is_file():  # a single checkpoint: evaluate it (read once), store nothing
        return _evaluate_checkpoint(run_dir, settings, device, dataset, probe, feature)
    if not runs.is_run_folder(run_dir):
        raise ConfigError(f"{run_dir} is not a run folder (no {runs.CONFIG_FILE}) nor a checkpoint file")
    newest = runs.newest_checkpoint(run_dir)
    if newest is None:
        raise ConfigError(f"{run_dir}: no checkpoints in {run_dir / runs.CHECKPOINT_DIR}; train it first")
    step, ckpt = newest
    stat = ckpt.stat()  # a checkpoint rewritten under the same name (retrained) is evaluated again
    key = {"settings": dataclasses.asdict(settings), "checkpoint": f"{ckpt.name} {stat.st_size} {stat.st_mtime_ns}"}
    key["settings"]["features"] = settings.features if feature is None else feature_label(feature)
    path = runs.eval_path(run_dir, f"eval_step_{step:07d}.json")
    if path.is_file():
        saved = json.loads(path.read_text())
        if {k: saved.get(k) for k in key} == key:
            return saved["results"]
    results = {**_evaluate_checkpoint(ckpt, settings, device, dataset, probe, feature), "step": step}
    runs.write_text_atomic(path, json.dumps({**key, "results": results}, indent=2))
    return results


def format_results(results: dict[str, Any]) -> str:
    """A few readable lines for the terminal."""
    lines = [f"scored: the {results['weights']} weights"] if "weights" in results else []
    if "kid_mean" in results:
        lines.append(
            f"KID {results['kid_mean']:.4f} ± {results['kid_std']:.4f} ({results['features']} features, "
            f"{results['num_fake']} generated vs {results['num_real']} real, {results['kid_subsets']} subsets of "
            f"{results['kid_subset_size']})"
        )
    if "fid" in results and math.isfinite(results["fid"]):
        lines.append(f"FID {results['fid']:.2f}")
    if "azimuth_turning" in results:
        lines.append("pose consistency (3D control; each reading with its permutation noise floor):")
        lines.append(format_control(results))
    return "\n".join(lines)


def control_of_checkpoint(
    checkpoint: str | os.PathLike, settings: EvalSettings, probe: PoseProbe | None = None
) -> dict[str, Any]:
    """3D-control scores (no KID) of one checkpoint file, with the probe for its data: a JSON-ready dict
    (of its trained weights rather than their moving average when ``settings.trained_weights``)."""
    state = runs.load_checkpoint(checkpoint)
    generator, cfg = runs.generator_from_state(state, average=not settings.trained_weights)
    if probe is None:
        probe, _ = load_or_train_probe(settings.probe_spec(cfg.data))
    scores = control_scores(GeneratorSource(generator), probe, settings.sweep_spec(cfg.data))
    return {"step": int(state.get("step", -1)), **scores.summary()}


def pose_curve(run_dir: str | os.PathLike, settings: EvalSettings) -> list[dict[str, Any]]:
    """3D-control scores of every checkpoint in a run folder, oldest first; also written to
    ``eval/pose_curve.csv`` (each checkpoint's row is cached in ``eval/pose_step_N.json``)."""
    run_dir = Path(run_dir)
    cfg = runs.load_run_config(run_dir)
    probe, _ = load_or_train_probe(settings.probe_spec(cfg.data))
    key = dataclasses.asdict(settings)
    rows = []
    for step, ckpt in runs.list_checkpoints(run_dir):
        cache = runs.eval_path(run_dir, f"pose_step_{step:07d}.json")
        stored = json.loads(cache.read_text()) if cache.is_file() else {}
        if stored.get("settings") == key:
            rows.append(stored["results"])
            continue
        row = control_of_checkpoint(ckpt, settings, probe)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"settings": key, "results": row}, indent=2))
        rows.append(row)
        log.info(format_control(row))
    if rows:
        with runs.eval_path(run_dir, "pose_curve.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[-1]))
            writer.writeheader()
            writer.writerows(rows)
    return rows


def format_control(r: dict[str, Any]) -> str:
    """One line per reading of 3D control, each with its noise floor."""
    lines = []
    if "azimuth_circ_error" in r:
        lines.append(
            f"step {r.get('step', '?')}: azimuth on the circle: error {r['azimuth_circ_error']:.1f}° "
            f"(null {r['null_circ_error']:.1f}°; score 1 − err/90 = {r['azimuth_circ_score']:.2f}), sign "
            f"{int(r['azimuth_circ_sign']):+d}, turning {r['azimuth_circ_turning']:.0%} "
            f"(null {r['null_circ_turning']:.0%}; an identity turns at ≤ 20° error), one shared frame "
            f"{r['azimuth_circ_shared_error']:.1f}°, opposite {r['azimuth_circ_opposite']:.0%}"
        )
    if "fold_even" in r:
        lines.append(
            f"  fold test: G(z, θ) vs G(z, −θ) {r['fold_even']:.2f}, its mirror image vs G(z, −θ) "
            f"{r['fold_mirror']:.2f}"
            + (f", G(z, θ) vs G(z, θ + 180°) {r['fold_half_turn']:.2f}" if "fold_half_turn" in r else "")
            + " (distances / two random views' distance; a fold drives one towards 0)"
        )
    lines += [
        ("  linear fit: " if lines else f"step {r.get('step', '?')}: ")
        + f"azimuth signed |r| {abs(r['azimuth_corr']):.2f} (null {r['null_signed_r']:.2f}), "
        f"error {r['azimuth_error']:.1f}°, sign {r['azimuth_sign']:+d}, turning {r['azimuth_turning']:.0%} "
        f"(null {r['null_turning']:.0%}), opposite {r['azimuth_opposite']:.0%}",
        f"  unsigned r {r['azimuth_unsigned_corr']:.2f} (null {r['null_unsigned_r']:.2f}) at frame offset "
        f"{r['azimuth_unsigned_offset']:+.0f}°, turning {r['azimuth_unsigned_turning']:.0%}; identity consistency "
        f"{r['identity_consistency']:.2f}; "
        + (
            "elevation range ≤ 5°: not read"
            if "elevation_rigid" not in r
            else f"elevation |r| {abs(r['elevation_corr']):.2f} sign {r['elevation_sign']:+d} "
            f"({'rigid' if r['elevation_rigid'] else 'NOT rigid'})"
        ),
    ]
    return "\n".join(lines)


def add_eval_options(parser: argparse.ArgumentParser) -> None:
    """One command-line option per ``EvalSettings`` field (``--num-fake``, ``--no-fid``, ``--trained-weights``,
    ...), default None; a flag turns a boolean away from its default."""
    for f in dataclasses.fields(EvalSettings):
        flag, help_text = f"--{f.name.replace('_', '-')}", f.metadata["help"]
        if f.type in (bool, "bool"):
            flag = f"--no-{f.name.replace('_', '-')}" if f.default else flag
            parser.add_argument(flag, dest=f.name, action="store_const", const=not f.default, help=help_text)
            continue
        kind = typing.get_type_hints(EvalSettings)[f.name]
        choices = typing.get_args(kind) if typing.get_origin(kind) is Literal else None
        default = f" (default {f.default})" if f.default != "" else ""
        parser.add_argument(
            flag,
            type=None if choices or kind is str else kind,
            choices=choices,
            metavar=f.metadata["metavar"],
            help=help_text + default,
        )


def settings_from_args(args: Any) -> EvalSettings:
    """``EvalSettings`` from the evaluate/ablate command-line options (unset options keep their defaults)."""
    fields = {f.name for f in dataclasses.fields(EvalSettings)}
    return EvalSettings(**{k: v for k, v in vars(args).items() if k in fields and v is not None})
