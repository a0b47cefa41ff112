"""The one training loop used by the CLI, the notebooks and the tests.

One iteration = one discriminator step, then ``g_steps_per_d`` generator steps (official code: 2) on the
same latent codes and views. Every fake image gets its own random view from the dataset's pose range:
that is what forces the generator to keep the object's shape in its 3D features. The first G step scores the
fakes the D step made (G has not changed since, and has no running statistics: same numbers, one forward less).

Under ``torchrun`` the same loop runs once per process on its slice of the global batch (``distributed``).

The run folder (config, metrics, checkpoints, pictures) belongs to ``runs``; this file only learns.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from . import distributed, runs
from .batches import TensorBatches, make_batches
from .config import ConfigError, RunConfig, TrainConfig, to_dict, validate
from .model.discriminator import HoloGANDiscriminator
from .model.generator import HoloGANGenerator, uniform_z, view_sweep
from .model.losses import discriminator_loss, generator_loss
from .model.rotation import sample_views
from .runs import TrainingDiverged, export_generator, load_generator, load_run_config, resolve_device
from .utils import progress_bar, to_channels_last
from .viz import save_grid, save_sweep

__all__ = [
    "StepResult",
    "Trainer",
    "TrainingDiverged",
    "build_networks",
    "export_generator",
    "load_generator",
    "load_run_config",
    "resolve_device",
]


@dataclass
class StepResult:
    """Loss terms of one iteration (detached tensors on the training device)."""

    step: int
    terms: dict[str, torch.Tensor]


def build_networks(cfg: RunConfig, device: torch.device) -> tuple[HoloGANGenerator, HoloGANDiscriminator]:
    """The generator and a discriminator whose identity head regresses the generator's full latent."""
    generator = HoloGANGenerator(cfg.generator).to(device)
    d_cfg = dataclasses.replace(cfg.discriminator, z_dim=generator.latent_dim)
    discriminator = HoloGANDiscriminator(d_cfg).to(device)
    if cfg.train.channels_last:
        to_channels_last(generator)
        to_channels_last(discriminator)
    return generator, discriminator


def lr_factor(t: TrainConfig, step: int) -> float:
    """The learning-rate multiplier at ``step``: 1, or with ``lr_decay`` the official schedule (constant for
    the first half, then linear to zero)."""
    if not t.lr_decay:
        return 1.0
    half = t.steps // 2
    return 1.0 if step < half else max(0.0, (t.steps - step) / max(1, t.steps - half))


def sample_latents(cfg: RunConfig, latent_dim: int, n: int, generator: torch.Generator, device) -> torch.Tensor:
    """``(n, latent_dim)`` codes: U(-1, 1) as the paper, or N(0, 1) with ``train.z_distribution=normal``."""
    if cfg.train.z_distribution == "uniform":
        return uniform_z((n, latent_dim), generator, device)
    return torch.randn((n, latent_dim), generator=generator).to(device)


def azimuth_range_at(cfg: RunConfig, step: int) -> tuple[float, float]:
    """The fakes' azimuth range at ``step``: with ``train.azimuth_curriculum`` it widens linearly from its first
    90° to the data's whole range over that many steps (the real images always span the whole range)."""
    lo, hi = cfg.data.azimuth_range
    steps = cfg.train.azimuth_curriculum
    if steps <= 0 or hi - lo <= 90.0:
        return lo, hi
    return lo, min(hi, lo + 90.0 + (hi - lo - 90.0) * step / steps)


def sample_training_views(
    cfg: RunConfig, n: int, generator: torch.Generator, device, step: int | None = None
) -> torch.Tensor:
    """``(n, 2)`` random views (degrees) from the data's pose range (at ``step`` of an azimuth curriculum); all
    (0, 0) for the no-random-views ablation."""
    d = cfg.data
    azimuth_range = d.azimuth_range if step is None else azimuth_range_at(cfg, step)
    views = sample_views(n, azimuth_range, d.elevation_range, generator=generator)
    return (views if cfg.train.random_views else torch.zeros_like(views)).to(device)


def autocast(device: torch.device, dtype: torch.dtype | None):
    """``torch.autocast`` for ``dtype`` on ``device`` (bf16/fp16), or a context that does nothing (fp32)."""
    return contextlib.nullcontext() if dtype is None else torch.autocast(device.type, dtype=dtype)


def write_view_sweeps(render, z: torch.Tensor, cfg: RunConfig, run_dir: Path, step: int, frames: int = 12):
    """Azimuth and elevation sweeps of the identities ``z`` rendered by ``render(z, views)``: a GIF and a PNG strip
    each, in the run folder's ``sweeps/``. A fixed range (low == high, e.g. a fixed elevation) has nothing to
    sweep: no files are written for it."""
    out, n = {}, len(z)
    ranges = {"azimuth": cfg.data.azimuth_range, "elevation": cfg.data.elevation_range}
    for kind in (k for k, (lo, hi) in ranges.items() if hi > lo):
        views = view_sweep(kind, frames, cfg.data.azimuth_range, cfg.data.elevation_range).to(z.device)
        images = render(z.repeat_interleave(frames, 0), views.repeat(n, 1))  # identity-major
        out.update(save_sweep(images.view(n, frames, *images.shape[1:]), runs.sweep_stem(run_dir, kind, step), kind))
    return out


class Trainer:
    """Owns the networks, optimisers, data order and RNG of one run; ``runs.RunLogger`` keeps its folder."""

    n_fixed = 8  # identities shown in sample grids and view sweeps

    def __init__(self, cfg: RunConfig, run_dir: str | Path, dataset=None, resume: bool = False):
        validate(cfg)
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.device = distributed.training_device(cfg.train.device)
        self.dist = ctx = distributed.setup(self.device)
        t = cfg.train
        self.local_batch = distributed.local_batch(t.batch_size, ctx)
        torch.manual_seed(t.seed)  # the same initial weights on every rank
        self.G, self.D = build_networks(cfg, self.device)
        # An extra G forward would update BatchNorm running statistics (z_input=traditional): recompute there.
        self.reuse_fake = not any(getattr(m, "track_running_stats", False) for m in self.G.modules())
        self.D_fwd: nn.Module = torch.compile(self.D) if t.compile else self.D  # G steps: D's weights frozen
        g_train, self.d_loss = distributed.parallelize(self.G, self.D, self._d_loss, cfg, self.device, ctx)
        if ctx.rank:  # torch's own stream (e.g. D's input noise): each rank its own
            torch.manual_seed(distributed.rank_seed(t.seed, ctx.rank))
        self.G_fwd: nn.Module = torch.compile(g_train) if t.compile else g_train
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=t.lr_g, betas=t.betas)
        self.G_ema = ema_of(self.G, t.ema_decay)  # None when train.ema_decay = 0
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=t.lr_d, betas=t.betas)
        self.sched_g = torch.optim.lr_scheduler.LambdaLR(self.opt_g, functools.partial(lr_factor, t))
        self.sched_d = torch.optim.lr_scheduler.LambdaLR(self.opt_d, functools.partial(lr_factor, t))
        fp16 = t.precision == "fp16"
        self.scaler_d = torch.amp.GradScaler(self.device.type, enabled=fp16)
        self.scaler_g = torch.amp.GradScaler(self.device.type, enabled=fp16)
        self.amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(t.precision)
        self.rng = torch.Generator().manual_seed(distributed.rank_seed(t.seed + 1, ctx.rank))  # z and views
        self.step = 0
        fixed = torch.Generator().manual_seed(t.seed + 2)
        self.fixed_z = self._sample_z(self.n_fixed, fixed)
        self.fixed_views = self._sample_views(self.n_fixed, fixed)
        if dataset is None:
            from .data import make_dataset

            dataset = make_dataset(cfg.data)
        self.batches = make_batches(
            dataset, t.batch_size, self.device, t.seed + 3, t.num_workers, rank=ctx.rank, world_size=ctx.world_size
        )
        self.real_poses = _real_poses(cfg, dataset, self.batches, self.device)  # labelled contrast only, else None
        self.real_views: torch.Tensor | None = None
        self._pending: list[StepResult] = []
        self.logger = runs.RunLogger(self.run_dir, write=ctx.is_main)
        if resume:
            self._resume()
        elif t.init_from:
            self._warm_start(t.init_from)

    def _sample_z(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return sample_latents(self.cfg, self.G.latent_dim, n, generator, self.device)

    def _sample_views(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return sample_training_views(self.cfg, n, generator, self.device, self.step)  # curriculum: by step

    def _autocast(self):
        return autocast(self.device, self.amp_dtype)

    def next_inputs(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """This process's real images ``(b, 3, H, W)``, latent codes ``(b, latent)`` and views ``(b, 2)``."""
        real = self.batches.next()  # in [-1, 1]
        if self.real_poses is not None:
            self.real_views = self.real_poses[self.batches.last_indices]
        if self.cfg.train.channels_last:
            real = real.contiguous(memory_format=torch.channels_last)
        z = self._sample_z(self.local_batch, self.rng)
        return real, z, self._sample_views(self.local_batch, self.rng)  # views in degrees

    def train_step(self) -> StepResult:
        """One D step then ``g_steps_per_d`` G steps; returns detached loss terms."""
        return self.update(*self.next_inputs())

    def _d_loss(self, real: torch.Tensor, fake: torch.Tensor, z: torch.Tensor, views: torch.Tensor):
        if self.cfg.loss.r1_weight:  # R1 differentiates D's real logits with respect to the images
            real = real.detach().requires_grad_(True)
        return discriminator_loss(self.D_fwd(real), self.D_fwd(fake), z, self.cfg.loss, views, real, self.real_views)

    def update(self, real: torch.Tensor, z: torch.Tensor, views: torch.Tensor) -> StepResult:
        """The iteration on given inputs (``train_step`` draws them)."""
        t, loss_cfg = self.cfg.train, self.cfg.loss
        with self._autocast():
            fake = self.G_fwd(z, views)
            d_total, d_terms = self.d_loss(real, fake.detach(), z, views)
        self.opt_d.zero_grad(set_to_none=True)
        self.scaler_d.scale(d_total).backward()
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()

        self.D.requires_grad_(False)  # the G steps' gradients flow through D but never into its weights
        try:
            for i in range(t.g_steps_per_d):
                with self._autocast():
                    if i > 0 or not self.reuse_fake:  # G changed (or would update running statistics)
                        fake = self.G_fwd(z, views)
                    g_total, g_terms = generator_loss(self.D_fwd(fake), z, loss_cfg, views)
                self.opt_g.zero_grad(set_to_none=True)
                self.scaler_g.scale(g_total).backward()
                self.scaler_g.step(self.opt_g)
                self.scaler_g.update()
        finally:
            self.D.requires_grad_(True)
        if self.G_ema is not None:
            self.G_ema.update_parameters(self.G)
        self.sched_d.step()
        self.sched_g.step()
        self.step += 1
        terms = {"d_total": d_total, **d_terms, "g_total": g_total, **g_terms}
        return StepResult(self.step, {k: v.detach().float() for k, v in terms.items()})

    def fit(self, steps: int | None = None, progress: bool = True) -> Path:
        """Train until ``steps`` (default: cfg.train.steps) total steps; Ctrl-C saves a checkpoint first."""
        total = self.cfg.train.steps if steps is None else steps
        t = self.cfg.train
        self.logger.open(self.cfg)
        main = self.dist.is_main
        bar = progress_bar(total=total, initial=self.step, show=progress and main, desc="train", dynamic_ncols=True)
        window_start, window_steps = time.perf_counter(), 0
        restore_signals = _signals_interrupt()
        try:
            while self.step < total:
                self._pending.append(self.train_step())
                window_steps += 1
                bar.update(1)
                at_end = self.step == total
                if self.step % t.log_every == 0 or at_end:
                    elapsed = time.perf_counter() - window_start
                    row = self._log(images_per_s=window_steps * t.batch_size / max(elapsed, 1e-9))
                    bar.set_postfix({k: f"{row[k]:.3f}" for k in ("d_total", "g_total")})
                    window_start, window_steps = time.perf_counter(), 0
                if (self.step % t.sample_every == 0 or at_end) and main:
                    self.write_samples()
                if self.step % t.checkpoint_every == 0 or at_end:
                    self.save()
        except KeyboardInterrupt:
            bar.close()  # several ranks stop at different places, where no collective save is safe
            saved = "not saved (several processes)" if self.dist.enabled else f"checkpoint saved to {self.save()}"
            if main:
                print(f"\ninterrupted at step {self.step}: {saved}\nresume with --resume {self.run_dir}")
            raise
        finally:
            restore_signals()
            bar.close()
            self.logger.flush()
        return self.run_dir

    def _log(self, images_per_s: float) -> dict[str, float]:
        """Check the pending steps for NaN/Inf (naming step and term) and log the newest one."""
        pending, self._pending, lr_g = self._pending, [], self.opt_g.param_groups[0]["lr"]
        terms = distributed.mean_terms([r.terms for r in pending], self.dist)  # global-batch values
        return self.logger.check_and_log([r.step for r in pending], terms, lr_g=lr_g, images_per_s=images_per_s)

    @property
    def sampler(self) -> nn.Module:
        """The generator that samples, sweeps and exports use: the weight average when there is one."""
        return self.G if self.G_ema is None else self.G_ema.module

    @torch.no_grad()
    def render(self, z: torch.Tensor, views: torch.Tensor) -> torch.Tensor:
        """Output of ``sampler`` in eval mode (``(N, 3, H, W)`` in [-1, 1], float32)."""
        G = self.sampler
        was_training = G.training
        G.eval()
        try:
            with self._autocast():
                out = G(z, views)
        finally:
            G.train(was_training)
        return out.float()

    def write_samples(self) -> Path:
        """Sample grid of the fixed identities at their fixed random views."""
        images = self.render(self.fixed_z, self.fixed_views)
        return save_grid(images, runs.sample_path(self.run_dir, self.step), nrow=self.n_fixed)

    def write_sweeps(self, frames: int = 12) -> dict[str, Path]:
        """Azimuth and elevation sweeps of the fixed identities as GIF (one frame per view) and PNG strip."""
        return write_view_sweeps(self.render, self.fixed_z[:4], self.cfg, self.run_dir, self.step, frames)

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly where this run is."""
        state = {"step": self.step, "config": to_dict(self.cfg)}
        state.update({key: getattr(self, name).state_dict() for key, name in _STATEFUL.items()})
        state.update(distributed.rng_states(self.rng, self.dist))  # every rank's random streams
        state["batches"] = self.batches.state_dict()  # the batch order is the same on every rank
        if self.G_ema is not None:  # plain G keys: runs.generator_from_state loads them instead of "generator"
            state["generator_ema"] = self.G_ema.module.state_dict()
            state["ema_updates"] = int(self.G_ema.n_averaged)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a ``state_dict()``."""
        distributed.restore_rng(state, self.rng, self.dist)  # refuses another number of processes
        for key, name in _STATEFUL.items():
            getattr(self, name).load_state_dict(state[key])
        self.batches.load_state_dict(state["batches"])
        self.step = state["step"]
        if self.G_ema is not None and "generator_ema" in state:  # else the average starts from G at its next update
            self.G_ema.module.load_state_dict(state["generator_ema"])
            self.G_ema.n_averaged.fill_(state["ema_updates"])

    def save(self) -> Path:
        """Flush logs, write an atomic checkpoint and the view sweeps, keep the last K checkpoints."""
        if self._pending:
            self._log(images_per_s=float("nan"))
        state, path = self.state_dict(), runs.checkpoint_path(self.run_dir, self.step)
        if self.dist.is_main:  # one writer; the other ranks wait below
            runs.save_checkpoint(state, path)
            runs.prune_checkpoints(self.run_dir, self.cfg.train.keep_checkpoints)
            self.write_sweeps()
        distributed.barrier(self.dist)  # no rank leaves save() (or fit()) before the checkpoint is on disk
        return path

    def _warm_start(self, source: str) -> None:
        """Start from the G and D weights (and G's average) of another run's checkpoint; optimisers start afresh."""
        state = runs.load_checkpoint(runs.resolve_checkpoint(source), map_location=self.device)
        if "discriminator" not in state:
            raise ConfigError(
                f"train.init_from={source} holds a generator only (an exported model); a warm start needs both "
                "networks: pass a run folder or a ckpt_*.pt from its checkpoints/"
            )
        nets = [("generator", self.G), ("discriminator", self.D)]
        if self.G_ema is not None and "generator_ema" in state:
            nets.append(("generator_ema", self.G_ema.module))
        for key, net in nets:
            try:
                net.load_state_dict(state[key])
            except RuntimeError:  # missing, unexpected or mis-shaped weights
                raise ConfigError(
                    f"train.init_from={source}: its {key} was built with other settings than this run's; start "
                    "from a run with the same generator and discriminator settings, or leave train.init_from empty"
                ) from None

    def _resume(self) -> None:
        newest = runs.newest_checkpoint(self.run_dir)
        if newest is None:
            raise ConfigError(f"--resume {self.run_dir}: no checkpoints in {self.run_dir / runs.CHECKPOINT_DIR}")
        self.load_state_dict(runs.load_checkpoint(newest[1], map_location=self.device))
        self.logger.truncate_after(self.step)  # rows logged after the checkpoint will be logged again


def _real_poses(cfg: RunConfig, dataset, batches, device) -> torch.Tensor | None:
    """The real images' true poses ``(N, 2)`` for the labelled contrast ``loss.view_real_weight``, else None."""
    if not cfg.loss.view_fakes_in_d and not cfg.loss.view_real_weight:
        raise ConfigError(
            "loss.view_fakes_in_d=false leaves D's view head nothing to learn from: set "
            "loss.view_real_weight > 0 (a labelled contrast) or loss.view_fakes_in_d=true"
        )
    if not cfg.loss.view_real_weight:
        return None
    poses = getattr(dataset, "poses", None)
    if poses is None or not isinstance(batches, TensorBatches) or not cfg.discriminator.view_head:
        raise ConfigError(
            "loss.view_real_weight > 0 is a labelled contrast that needs the synthetic set's own poses, its images "
            "in memory and discriminator.view_head=true; set loss.view_real_weight=0 for an unsupervised run"
        )
    return poses.to(device)


def ema_of(generator: nn.Module, decay: float) -> AveragedModel | None:
    """An exponential moving average of ``generator``'s weights and buffers (None when ``decay`` is 0); its
    first update copies the generator, each later one moves it ``1 - decay`` of the way."""
    if not decay:
        return None
    return AveragedModel(generator, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


# checkpoint keys of the modules with their own state_dict (the keys stay as written by every earlier run)
_STATEFUL = {
    "generator": "G",
    "discriminator": "D",
    "opt_g": "opt_g",
    "opt_d": "opt_d",
    "sched_g": "sched_g",
    "sched_d": "sched_d",
    "scaler_g": "scaler_g",
    "scaler_d": "scaler_d",
}


def _raise_keyboard_interrupt(signum, frame):  # SIGTERM (e.g. a Colab runtime shutting down) acts like Ctrl-C
    raise KeyboardInterrupt


def _signals_interrupt():
    """Make SIGTERM and SIGINT raise KeyboardInterrupt (main thread only); returns the function that undoes it."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    with contextlib.suppress(ValueError):  # only possible in the main thread
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        # Ctrl-C must stop (and checkpoint) even if the parent process started us with SIGINT ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def restore() -> None:
        with contextlib.suppress(ValueError):
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    return restore
