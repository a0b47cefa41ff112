"""The one training loop used by the CLI, the notebooks and the tests.

One iteration = one discriminator step, then ``g_steps_per_d`` generator steps (official code: 2) on the
same latent codes and views. Every fake image gets its own random view from the dataset's pose range:
that is what forces the generator to keep the object's shape in its 3D features.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import math
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .batches import make_batches
from .checkpoint import (
    checkpoint_path,
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    prune_checkpoints,
    save_checkpoint,
)
from .config import ConfigError, RunConfig, run_config_from_dict, to_dict, validate
from .discriminator import HoloGANDiscriminator
from .generator import HoloGANGenerator, azimuth_sweep, elevation_sweep, uniform_z
from .losses import discriminator_loss, generator_loss
from .rotation import sample_views
from .utils import to_channels_last
from .viz import image_grid, save_gif, save_grid


class TrainingDiverged(RuntimeError):
    """A loss became NaN or Inf."""


@dataclass
class StepResult:
    """Loss terms of one iteration (detached tensors on the training device)."""

    step: int
    terms: dict[str, torch.Tensor]


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA if available else CPU; anything else is passed to torch.device."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"train.device={name!r} but CUDA is not available; use train.device=cpu or auto")
    return device


def build_networks(cfg: RunConfig, device: torch.device) -> tuple[HoloGANGenerator, HoloGANDiscriminator]:
    """The generator and a discriminator whose identity head regresses the generator's full latent."""
    generator = HoloGANGenerator(cfg.generator).to(device)
    d_cfg = dataclasses.replace(cfg.discriminator, z_dim=generator.latent_dim)
    discriminator = HoloGANDiscriminator(d_cfg).to(device)
    if cfg.train.channels_last:
        to_channels_last(generator)
        to_channels_last(discriminator)
    return generator, discriminator


class Trainer:
    """Owns the networks, optimisers, data order and RNG of one run, and its run folder."""

    n_fixed = 8  # identities shown in sample grids and view sweeps

    def __init__(self, cfg: RunConfig, run_dir: str | Path, dataset=None, resume: bool = False):
        validate(cfg)
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.device = resolve_device(cfg.train.device)
        t = cfg.train
        torch.manual_seed(t.seed)
        self.G, self.D = build_networks(cfg, self.device)
        self.G_fwd: nn.Module = torch.compile(self.G) if t.compile else self.G
        self.D_fwd: nn.Module = torch.compile(self.D) if t.compile else self.D
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=t.lr_g, betas=t.betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=t.lr_d, betas=t.betas)
        self.sched_g = torch.optim.lr_scheduler.LambdaLR(self.opt_g, self._lr_factor)
        self.sched_d = torch.optim.lr_scheduler.LambdaLR(self.opt_d, self._lr_factor)
        fp16 = t.precision == "fp16"
        self.scaler_d = torch.amp.GradScaler(self.device.type, enabled=fp16)
        self.scaler_g = torch.amp.GradScaler(self.device.type, enabled=fp16)
        self.amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(t.precision)
        self.rng = torch.Generator().manual_seed(t.seed + 1)  # latent codes and views
        fixed = torch.Generator().manual_seed(t.seed + 2)
        self.fixed_z = self._sample_z(self.n_fixed, fixed)
        self.fixed_views = self._sample_views(self.n_fixed, fixed)
        if dataset is None:
            from .data import make_dataset

            dataset = make_dataset(cfg.data)
        self.batches = make_batches(dataset, t.batch_size, self.device, seed=t.seed + 3, num_workers=t.num_workers)
        self.step = 0
        self._pending: list[StepResult] = []
        self._csv_fields: list[str] | None = None
        self._writer = None
        if resume:
            self._resume()

    # ----------------------------------------------------------------------------------------------- sampling
    def _lr_factor(self, step: int) -> float:
        if not self.cfg.train.lr_decay:
            return 1.0
        half = self.cfg.train.steps // 2  # official: constant for the first half, then linear to zero
        return 1.0 if step < half else max(0.0, (self.cfg.train.steps - step) / max(1, self.cfg.train.steps - half))

    def _sample_z(self, n: int, generator: torch.Generator) -> torch.Tensor:
        shape = (n, self.G.latent_dim)
        if self.cfg.train.z_distribution == "uniform":
            return uniform_z(shape, generator, self.device)  # U(-1, 1), as the paper
        return torch.randn(shape, generator=generator).to(self.device)

    def _sample_views(self, n: int, generator: torch.Generator) -> torch.Tensor:
        d = self.cfg.data
        views = sample_views(n, d.azimuth_range, d.elevation_range, generator=generator)
        if not self.cfg.train.random_views:  # ablation: no random 3D transformation
            views = torch.zeros_like(views)
        return views.to(self.device)

    def _autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    # -------------------------------------------------------------------------------------------- one step
    def train_step(self) -> StepResult:
        """One D step then ``g_steps_per_d`` G steps; returns detached loss terms."""
        t, loss_cfg = self.cfg.train, self.cfg.loss
        real = self.batches.next()  # (B, 3, H, W) in [-1, 1]
        if t.channels_last:
            real = real.contiguous(memory_format=torch.channels_last)
        z = self._sample_z(t.batch_size, self.rng)  # (B, latent)
        views = self._sample_views(t.batch_size, self.rng)  # (B, 2) degrees

        with self._autocast():
            fake = self.G_fwd(z, views)
            out_real = self.D_fwd(real)
            out_fake = self.D_fwd(fake.detach())
            d_total, d_terms = discriminator_loss(out_real, out_fake, z, loss_cfg)
        self.opt_d.zero_grad(set_to_none=True)
        self.scaler_d.scale(d_total).backward()
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()

        for _ in range(t.g_steps_per_d):
            with self._autocast():
                fake = self.G_fwd(z, views)
                g_total, g_terms = generator_loss(self.D_fwd(fake), z, loss_cfg)
            self.opt_g.zero_grad(set_to_none=True)
            self.scaler_g.scale(g_total).backward()
            self.scaler_g.step(self.opt_g)
            self.scaler_g.update()
        self.sched_d.step()
        self.sched_g.step()
        self.step += 1
        terms = {"d_total": d_total, **d_terms, "g_total": g_total, **g_terms}
        return StepResult(self.step, {k: v.detach().float() for k, v in terms.items()})

    # ----------------------------------------------------------------------------------------------- loop
    def fit(self, steps: int | None = None, progress: bool = True) -> Path:
        """Train until ``steps`` (default: cfg.train.steps) total steps; Ctrl-C saves a checkpoint first."""
        from tqdm.auto import tqdm

        total = self.cfg.train.steps if steps is None else steps
        t = self.cfg.train
        self._prepare_run_dir()
        bar = tqdm(total=total, initial=self.step, disable=not progress, desc="train", dynamic_ncols=True)
        window_start, window_steps = time.perf_counter(), 0
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        with contextlib.suppress(ValueError):  # only possible in the main thread
            signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
            # Ctrl-C must stop (and checkpoint) even if the parent process started us with SIGINT ignored.
            signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            while self.step < total:
                self._pending.append(self.train_step())
                window_steps += 1
                bar.update(1)
                at_end = self.step == total
                if self.step % t.log_every == 0 or at_end:
                    elapsed = time.perf_counter() - window_start
                    row = self._flush(images_per_s=window_steps * t.batch_size / max(elapsed, 1e-9))
                    bar.set_postfix({k: f"{row[k]:.3f}" for k in ("d_total", "g_total")})
                    window_start, window_steps = time.perf_counter(), 0
                if self.step % t.sample_every == 0 or at_end:
                    self.write_samples()
                if self.step % t.checkpoint_every == 0 or at_end:
                    self.save()
        except KeyboardInterrupt:
            path = self.save()  # flushes the logged steps first
            bar.close()
            print(f"\ninterrupted at step {self.step}: checkpoint saved to {path}\nresume with --resume {self.run_dir}")
            raise
        finally:
            with contextlib.suppress(ValueError):
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
            bar.close()
            if self._writer is not None:
                self._writer.flush()
        return self.run_dir

    # ------------------------------------------------------------------------------------------ bookkeeping
    def _prepare_run_dir(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        config_file = self.run_dir / "config.json"
        config_file.write_text(json.dumps(to_dict(self.cfg), indent=2))
        info = self.run_dir / "run_info.json"
        if not info.exists():  # which machine made this run's numbers
            from .envcheck import machine_summary

            info.write_text(json.dumps({"machine": machine_summary(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}))
        if self._writer is None:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._writer = SummaryWriter(str(self.run_dir / "tensorboard"))
            except ImportError:  # tensorboard not installed: CSV only
                self._writer = None

    def _flush(self, images_per_s: float) -> dict[str, float]:
        """Check pending steps for NaN/Inf (naming step and term) and log the newest one."""
        if not self._pending:
            return {}
        names = list(self._pending[0].terms)
        values = torch.stack([torch.stack([r.terms[n] for n in names]) for r in self._pending]).cpu()  # one sync
        bad = ~torch.isfinite(values)
        if bad.any():
            i, j = (int(x) for x in bad.nonzero()[0])
            step = self._pending[i].step
            good = latest_checkpoint(self.run_dir)
            self._pending.clear()
            raise TrainingDiverged(
                f"loss term '{names[j]}' is {values[i, j].item()} at step {step}; training stopped. "
                f"Last good checkpoint: {good if good else 'none yet'}"
            )
        last = self._pending[-1]
        self._pending.clear()
        row = {"step": last.step, **{n: float(values[-1, k]) for k, n in enumerate(names)}}
        row["lr_g"] = self.opt_g.param_groups[0]["lr"]
        row["images_per_s"] = images_per_s
        row["time"] = time.time()
        self._append_csv(row)
        if self._writer is not None:
            for k, v in row.items():
                if k not in ("step", "time") and math.isfinite(v):
                    self._writer.add_scalar(k, v, last.step)
        return row

    def _append_csv(self, row: dict[str, float]) -> None:
        path = self.run_dir / "metrics.csv"
        new = not path.exists()
        with path.open("a", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)

    @torch.no_grad()
    def render(self, z: torch.Tensor, views: torch.Tensor) -> torch.Tensor:
        """Generator output in eval mode (``(N, 3, H, W)`` in [-1, 1], float32)."""
        was_training = self.G.training
        self.G.eval()
        try:
            with self._autocast():
                out = self.G(z, views)
        finally:
            self.G.train(was_training)
        return out.float()

    def sweep_views(self, kind: str, frames: int = 12) -> torch.Tensor:
        """``(frames, 2)`` views sweeping azimuth (elevation at the range centre) or elevation."""
        d = self.cfg.data
        if kind == "azimuth":
            return azimuth_sweep(frames, d.azimuth_range, elevation=sum(d.elevation_range) / 2)
        return elevation_sweep(frames, d.elevation_range, azimuth=sum(d.azimuth_range) / 2)

    def write_samples(self) -> Path:
        """Sample grid of the fixed identities at their fixed random views."""
        images = self.render(self.fixed_z, self.fixed_views)
        return save_grid(images, self.run_dir / "samples" / f"step_{self.step:07d}.png", nrow=self.n_fixed)

    def write_sweeps(self, frames: int = 12) -> dict[str, Path]:
        """Azimuth and elevation sweeps of the fixed identities as GIF (one frame per view) and PNG strip."""
        out = {}
        n = min(4, self.n_fixed)
        for kind in ("azimuth", "elevation"):
            views = self.sweep_views(kind, frames).to(self.device)  # (T, 2)
            z = self.fixed_z[:n].repeat_interleave(frames, 0)  # (n·T, latent)
            images = self.render(z, views.repeat(n, 1))  # (n·T, 3, H, W), identity-major
            images = images.view(n, frames, *images.shape[1:])  # (n, T, 3, H, W)
            gif_frames = [image_grid(images[:, k], nrow=n) for k in range(frames)]
            stem = self.run_dir / "sweeps" / f"{kind}_step_{self.step:07d}"
            out[f"{kind}_gif"] = save_gif(gif_frames, stem.with_suffix(".gif"), fps=6, scale=2)
            out[f"{kind}_png"] = save_grid(
                images.reshape(n * frames, *images.shape[2:]), stem.with_suffix(".png"), nrow=frames
            )
        return out

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly where this run is."""
        state = {
            "step": self.step,
            "config": to_dict(self.cfg),
            "generator": self.G.state_dict(),
            "discriminator": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "sched_g": self.sched_g.state_dict(),
            "sched_d": self.sched_d.state_dict(),
            "scaler_g": self.scaler_g.state_dict(),
            "scaler_d": self.scaler_d.state_dict(),
            "rng": self.rng.get_state(),
            "torch_rng": torch.get_rng_state(),
            "batches": self.batches.state_dict(),
        }
        if torch.cuda.is_available():
            state["cuda_rng"] = torch.cuda.get_rng_state_all()
        return state

    def save(self) -> Path:
        """Flush logs, write an atomic checkpoint and the view sweeps, keep the last K checkpoints."""
        if self._pending:
            self._flush(images_per_s=float("nan"))
        path = save_checkpoint(self.state_dict(), checkpoint_path(self.run_dir, self.step))
        prune_checkpoints(self.run_dir, self.cfg.train.keep_checkpoints)
        self.write_sweeps()
        return path

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict()``."""
        self.G.load_state_dict(state["generator"])
        self.D.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.sched_g.load_state_dict(state["sched_g"])
        self.sched_d.load_state_dict(state["sched_d"])
        self.scaler_g.load_state_dict(state["scaler_g"])
        self.scaler_d.load_state_dict(state["scaler_d"])
        self.rng.set_state(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.batches.load_state_dict(state["batches"])
        self.step = state["step"]

    def _resume(self) -> None:
        path = latest_checkpoint(self.run_dir)
        if path is None:
            raise ConfigError(f"--resume {self.run_dir}: no checkpoints in {self.run_dir / 'checkpoints'}")
        self.load_state_dict(load_checkpoint(path, map_location=self.device))
        metrics = self.run_dir / "metrics.csv"
        if metrics.exists():  # drop rows logged after the checkpoint: they will be logged again
            with metrics.open() as fh:
                rows = list(csv.DictReader(fh))
            kept = [r for r in rows if int(r["step"]) <= self.step]
            if rows:
                with metrics.open("w", newline="") as fh:
                    writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                    writer.writeheader()
                    writer.writerows(kept)


def _raise_keyboard_interrupt(signum, frame):  # SIGTERM (e.g. a Colab runtime shutting down) acts like Ctrl-C
    raise KeyboardInterrupt


def load_run_config(run_dir: str | Path) -> RunConfig:
    """The resolved config a run folder was trained with."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise ConfigError(f"{run_dir} is not a run folder: it has no config.json")
    return run_config_from_dict(json.loads(path.read_text()))


def resolve_checkpoint(path: str | Path) -> Path:
    """A checkpoint file as given, or the newest checkpoint of a run folder."""
    path = Path(path)
    if path.is_dir():
        found = list_checkpoints(path)
        if not found:
            raise ConfigError(f"{path}: no checkpoints found in {path / 'checkpoints'}")
        path = found[-1][1]
    return path


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> tuple[HoloGANGenerator, RunConfig]:
    """A trained generator (eval mode) from a checkpoint file or a run folder (newest checkpoint)."""
    state = load_checkpoint(resolve_checkpoint(path), map_location=device)
    cfg = run_config_from_dict(state["config"])
    generator = HoloGANGenerator(cfg.generator).to(device)
    generator.load_state_dict(state["generator"])
    return generator.eval(), cfg


def export_generator(source: str | Path, dest: str | Path) -> Path:
    """Write a slim checkpoint (generator weights + config + step) that ``load_generator`` reads."""
    source = resolve_checkpoint(source)
    dest = Path(dest)
    if dest.exists():
        raise ConfigError(f"{dest} already exists; remove it first or choose another path")
    state = load_checkpoint(source)
    generator = {k: v.contiguous() for k, v in state["generator"].items()}
    return save_checkpoint({"step": state["step"], "config": state["config"], "generator": generator}, dest)
