"""The run folder: the one module that knows its layout, writes it safely and reads it back.

    <run>/config.json              the resolved RunConfig (enough to rebuild what was trained)
    <run>/run_info.json            which machine made the run, and when it started
    <run>/metrics.csv              one row per logged step (loss terms, learning rate, speed, time)
    <run>/checkpoints/ckpt_NNNNNNN.pt   atomic checkpoints; the newest K are kept
    <run>/samples/step_NNNNNNN.png      sample grids of the fixed identities
    <run>/sweeps/{azimuth,elevation}_step_NNNNNNN.{gif,png}   view sweeps
    <run>/eval/                    stored evaluations (eval_step_N.json, pose_step_N.json, pose_curve.csv)
    <run>/tensorboard/             the same scalars for TensorBoard (when it is installed)

The trainer writes through ``RunLogger`` and ``save_checkpoint``; evaluation, the explorer and the lessons read
through ``load_run_config``, ``newest_checkpoint`` and ``load_generator``. Nothing else types these names.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from .config import ConfigError, RunConfig, run_config_from_dict, to_dict

CONFIG_FILE = "config.json"
RUN_INFO_FILE = "run_info.json"
METRICS_FILE = "metrics.csv"
CHECKPOINT_DIR = "checkpoints"
SAMPLES_DIR = "samples"
SWEEPS_DIR = "sweeps"
EVAL_DIR = "eval"
TENSORBOARD_DIR = "tensorboard"
FORMAT = "hologan-lesson-checkpoint-v1"
_NAME = re.compile(r"^ckpt_(\d+)\.pt$")


class CheckpointError(RuntimeError):
    """A file is not a usable checkpoint of this course."""


class TrainingDiverged(RuntimeError):
    """A loss became NaN or Inf."""


# ------------------------------------------------------------------------------------------------- paths
def checkpoint_path(run_dir: str | Path, step: int) -> Path:
    """Where the checkpoint of ``step`` lives inside a run folder."""
    return Path(run_dir) / CHECKPOINT_DIR / f"ckpt_{step:07d}.pt"


def sample_path(run_dir: str | Path, step: int) -> Path:
    """The sample grid written at ``step``."""
    return Path(run_dir) / SAMPLES_DIR / f"step_{step:07d}.png"


def sweep_stem(run_dir: str | Path, kind: str, step: int) -> Path:
    """The view sweep of ``kind`` (azimuth/elevation) at ``step``, without its suffix (.gif, .png)."""
    return Path(run_dir) / SWEEPS_DIR / f"{kind}_step_{step:07d}"


def sweep_gifs(run_dir: str | Path) -> list[Path]:
    """Every sweep GIF of a run folder, sorted by name."""
    return sorted((Path(run_dir) / SWEEPS_DIR).glob("*.gif"))


def eval_path(run_dir: str | Path, name: str) -> Path:
    """A file of the run's ``eval/`` folder (``eval_step_N.json``, ``pose_curve.csv``, ...)."""
    return Path(run_dir) / EVAL_DIR / name


def is_run_folder(path: str | Path) -> bool:
    """True when ``path`` holds a ``config.json`` (a run folder, trained or not)."""
    return (Path(path) / CONFIG_FILE).is_file()


# ---------------------------------------------------------------------------------------- atomic writes
def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def save_checkpoint(payload: dict[str, Any], path: str | Path) -> Path:
    """Write ``payload`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save({"format": FORMAT, **payload}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------------------------- checkpoints
def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with ``torch.load(weights_only=True)``; clear error if it is not one of ours."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # pickle errors, truncated zips, foreign objects
        raise CheckpointError(
            f"{path} is not a HoloGAN checkpoint (it could not be read safely: {type(exc).__name__}). "
            "Pass a ckpt_*.pt file from a run folder's checkpoints/ directory."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a HoloGAN checkpoint of this course (format {FORMAT} expected)")
    return payload


def list_checkpoints(run_dir: str | Path) -> list[tuple[int, Path]]:
    """``(step, path)`` of every checkpoint in a run folder, oldest first."""
    found = []
    for p in (Path(run_dir) / CHECKPOINT_DIR).glob("ckpt_*.pt"):
        m = _NAME.match(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return sorted(found)


def newest_checkpoint(run_dir: str | Path) -> tuple[int, Path] | None:
    """``(step, path)`` of the newest checkpoint of a run folder, or None: the one place that decides it."""
    found = list_checkpoints(run_dir)
    return found[-1] if found else None


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    """The newest checkpoint file of a run folder, or None."""
    newest = newest_checkpoint(run_dir)
    return newest[1] if newest else None


def require_checkpoint(run_dir: str | Path, hint: str = "") -> tuple[int, Path]:
    """``newest_checkpoint`` or a one-line ConfigError naming the empty checkpoints folder."""
    newest = newest_checkpoint(run_dir)
    if newest is None:
        raise ConfigError(f"{run_dir}: no checkpoints found in {Path(run_dir) / CHECKPOINT_DIR}{hint}")
    return newest


def prune_checkpoints(run_dir: str | Path, keep: int) -> None:
    """Delete all but the newest ``keep`` checkpoints (never the newest)."""
    found = list_checkpoints(run_dir)
    for _, p in found[: max(0, len(found) - max(1, keep))]:
        p.unlink(missing_ok=True)


def resolve_checkpoint(path: str | Path) -> Path:
    """A checkpoint file as given, or the newest checkpoint of a run folder."""
    path = Path(path)
    return require_checkpoint(path)[1] if path.is_dir() else path


def checkpoint_step(path: str | Path) -> int:
    """The training step a checkpoint file (or a run folder's newest checkpoint) was written at."""
    path = Path(path).expanduser()
    if path.is_dir():
        return require_checkpoint(path)[0]
    return int(load_checkpoint(path)["step"])


# ---------------------------------------------------------------------------------- configs and models
def load_run_config(run_dir: str | Path) -> RunConfig:
    """The resolved config a run folder was trained with."""
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(f"{run_dir} is not a run folder: it has no {CONFIG_FILE}")
    return run_config_from_dict(json.loads(path.read_text()))


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA if available else CPU; anything else is passed to torch.device."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"train.device={name!r} but CUDA is not available; use train.device=cpu or auto")
    return device


def generator_from_state(state: dict[str, Any], device: str | torch.device = "cpu", average: bool = True):
    """The generator (eval mode) and run config stored in a loaded checkpoint payload: the weight average
    (``train.ema_decay``) when the run kept one and ``average``, else the trained weights."""
    from .model.generator import HoloGANGenerator

    cfg = run_config_from_dict(state["config"])
    generator = HoloGANGenerator(cfg.generator).to(device)
    generator.load_state_dict(generator_weights(state, average))
    return generator.eval(), cfg


def generator_weights(state: dict[str, Any], average: bool = True) -> dict[str, torch.Tensor]:
    """The generator weights a checkpoint payload ships: its moving average if it has one (and ``average``),
    else the trained ones."""
    return state["generator_ema"] if average and "generator_ema" in state else state["generator"]


def load_generator(path: str | Path, device: str | torch.device = "cpu"):
    """A trained generator (eval mode) and its RunConfig from a checkpoint file or a run folder (newest)."""
    return generator_from_state(load_checkpoint(resolve_checkpoint(path), map_location=device), device)


def export_generator(source: str | Path, dest: str | Path, half: bool = False) -> Path:
    """Write a slim checkpoint (generator weights + config + step) that ``load_generator`` reads.

    ``half``: store floating-point weights as float16 (half the size; ``load_generator`` copies them back into
    float32 parameters, so only their rounding to fp16 differs from the trained weights).
    """
    source = resolve_checkpoint(source)
    dest = Path(dest)
    if dest.exists():
        raise ConfigError(f"{dest} already exists; remove it first or choose another path")
    state = load_checkpoint(source)
    generator = {
        k: (v.half() if half and v.is_floating_point() else v).contiguous() for k, v in generator_weights(state).items()
    }
    return save_checkpoint({"step": state["step"], "config": state["config"], "generator": generator}, dest)


def read_metrics(run_dir: str | Path) -> list[dict[str, str]]:
    """The rows of a run's metrics.csv (empty when it has none)."""
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        return []
    with path.open() as fh:
        return list(csv.DictReader(fh))


# -------------------------------------------------------------------------------------------- logging
class RunLogger:
    """Writes a run folder's config, machine info, metrics.csv and TensorBoard scalars.

    ``check_and_log`` takes the loss terms of the steps since the last call (one device sync for all of them),
    raises ``TrainingDiverged`` naming the first NaN/Inf step and term, and logs the newest step.
    With ``write=False`` (every torchrun process but rank 0) it checks but writes nothing.
    """

    def __init__(self, run_dir: str | Path, write: bool = True):
        self.run_dir = Path(run_dir)
        self.write = write
        self._writer = None

    def open(self, cfg: RunConfig) -> None:
        """Create the folder, write config.json (and run_info.json once), start TensorBoard if installed."""
        if not self.write:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / CONFIG_FILE).write_text(json.dumps(to_dict(cfg), indent=2))
        info = self.run_dir / RUN_INFO_FILE
        if not info.exists():  # which machine made this run's numbers
            from .envcheck import machine_summary

            info.write_text(json.dumps({"machine": machine_summary(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}))
        if self._writer is None:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._writer = SummaryWriter(str(self.run_dir / TENSORBOARD_DIR))
            except ImportError:  # tensorboard not installed: CSV only
                self._writer = None

    def check_and_log(self, steps: Sequence[int], terms: Sequence[dict[str, torch.Tensor]], **extra: float) -> dict:
        """NaN/Inf check over every pending step, then one CSV row (and scalars) for the newest one."""
        if not steps:
            return {}
        names = list(terms[0])
        values = torch.stack([torch.stack([t[n] for n in names]) for t in terms]).cpu()  # one sync
        bad = ~torch.isfinite(values)
        if bad.any():
            i, j = (int(x) for x in bad.nonzero()[0])
            good = latest_checkpoint(self.run_dir)
            raise TrainingDiverged(
                f"loss term '{names[j]}' is {values[i, j].item()} at step {steps[i]}; training stopped. "
                f"Last good checkpoint: {good if good else 'none yet'}"
            )
        row = {"step": steps[-1], **{n: float(values[-1, k]) for k, n in enumerate(names)}, **extra}
        row["time"] = time.time()
        self.append(row)
        return row

    def append(self, row: dict[str, float]) -> None:
        """One row of metrics.csv (header on first use) and its scalars in TensorBoard."""
        if not self.write:
            return
        path = self.run_dir / METRICS_FILE
        new = not path.exists()
        with path.open("a", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)
        if self._writer is not None:
            for k, v in row.items():
                if k not in ("step", "time") and math.isfinite(v):
                    self._writer.add_scalar(k, v, row["step"])

    def truncate_after(self, step: int) -> None:
        """Drop metrics.csv rows logged after ``step`` (a resumed run logs them again)."""
        if not self.write:
            return
        path = self.run_dir / METRICS_FILE
        rows = read_metrics(self.run_dir)
        if rows:
            with path.open("w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows([r for r in rows if int(r["step"]) <= step])

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()
