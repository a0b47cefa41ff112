"""Explore a trained HoloGAN: turntable frames and GIFs, and an interactive explorer for the notebooks.

The turntable functions are plain functions of a generator and a code (testable without a browser);
``Explorer`` adds seed controls for the shape and appearance codes and a "write turntable GIF" button to
``widgets.ViewPanel`` (azimuth/elevation sliders, "new shape"/"new appearance" buttons, the render).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from . import shipped
from .config import ConfigError, RunConfig
from .model.generator import HoloGANGenerator, ZLike, render_views, uniform_z
from .runs import checkpoint_step, load_generator
from .viz import image_grid, save_gif, save_grid, to_uint8

__all__ = [
    "SHIPPED_CHECKPOINT",
    "Explorer",
    "checkpoint_step",
    "code_from_seed",
    "load_explorer_generator",
    "turntable_frames",
    "turntable_views",
    "write_turntable_gif",
]

SHIPPED_CHECKPOINT = shipped.MODEL


def load_explorer_generator(path: str | Path, device: str | torch.device = "cpu") -> tuple[HoloGANGenerator, RunConfig]:
    """A generator (eval mode) and its run config from a checkpoint file, a slim export or a run folder."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ConfigError(
            f"{path}: no such checkpoint. Pass a ckpt_*.pt file, a run folder, or a file written by "
            f"`python -m hologan_lesson export RUN_DIR OUT.pt`"
        )
    return load_generator(path, device)


def code_from_seed(generator: HoloGANGenerator, seed: int) -> Tensor:
    """A ``(1, z_dim)`` code from U(-1, 1) determined by ``seed`` (one half of a ``(z_shape, z_app)`` pair)."""
    device = next(generator.parameters()).device
    return uniform_z((1, generator.cfg.z_dim), torch.Generator().manual_seed(int(seed)), device)


def turntable_views(
    frames: int,
    azimuth_range: tuple[float, float] = (-60.0, 60.0),
    elevation: float = 0.0,
    pingpong: bool | None = None,
) -> Tensor:
    """``(frames, 2)`` views (degrees) turning through ``azimuth_range`` at a fixed elevation.

    ``pingpong=True`` goes there and back (a seamless loop inside a limited training range); ``False``
    turns once from the low end to the high end, leaving out the end point when the range is a full turn
    (so that a looping GIF does not show the same view twice); ``None`` (default) turns round a full circle
    and goes there and back in any narrower range.
    """
    if frames < 2:
        raise ValueError(f"a turntable needs at least 2 frames, got {frames}")
    lo, hi = float(azimuth_range[0]), float(azimuth_range[1])
    if hi < lo:
        raise ValueError(f"azimuth_range=({lo}, {hi}) is empty")
    if pingpong is None:
        pingpong = hi - lo < 360.0
    k = torch.arange(frames, dtype=torch.float32)
    if pingpong:  # a triangle wave: lo at frame 0, hi half-way, back towards lo (which frame 0 repeats)
        azimuth = lo + (hi - lo) * (1 - (2 * k / frames - 1).abs())
    elif hi - lo >= 360.0:
        azimuth = lo + k * (hi - lo) / frames
    else:
        azimuth = torch.linspace(lo, hi, frames)
    return torch.stack([azimuth, torch.full_like(azimuth, float(elevation))], 1)


@torch.no_grad()
def turntable_frames(
    generator: HoloGANGenerator,
    z: ZLike,
    frames: int = 24,
    azimuth_range: tuple[float, float] = (-60.0, 60.0),
    elevation: float = 0.0,
    pingpong: bool | None = None,
    scale: int = 1,
) -> list[np.ndarray]:
    """One identity ``z`` (a ``(latent_dim,)``/``(1, latent_dim)`` code or a ``(z_shape, z_app)`` pair) turned
    through ``azimuth_range``: ``frames`` uint8 arrays ``(H·scale, W·scale, 3)``; the 3D features are computed once."""
    views = turntable_views(frames, azimuth_range, elevation, pingpong)  # (T, 2)
    images = render_views(generator, z, views)  # (T, 3, H, W) in [-1, 1]
    arrays = to_uint8(images)  # (T, H, W, 3)
    if scale != 1:
        arrays = arrays.repeat(scale, axis=1).repeat(scale, axis=2)
    return list(arrays)


def write_turntable_gif(
    generator: HoloGANGenerator,
    z: ZLike,
    path: str | Path,
    frames: int = 24,
    azimuth_range: tuple[float, float] = (-60.0, 60.0),
    elevation: float = 0.0,
    fps: float = 12.0,
    scale: int = 2,
    pingpong: bool | None = None,
) -> Path:
    """Write a looping turntable GIF of one identity; returns its path."""
    return save_gif(turntable_frames(generator, z, frames, azimuth_range, elevation, pingpong, scale), path, fps=fps)


@torch.no_grad()
def write_model_turntable(
    generator: HoloGANGenerator,
    cfg: RunConfig,
    stem: str | Path,
    identities: int = 6,
    frames: int = 24,
    seed: int = 0,
) -> dict[str, Path]:
    """Several identities turning side by side through the training azimuth range (at the centre elevation):
    ``stem.gif`` (round a full circle, else a there-and-back loop) and ``stem.png`` (one row per identity, 8 views)."""
    device = next(generator.parameters()).device
    d = cfg.data
    elevation = sum(d.elevation_range) / 2
    z = generator.sample_z(identities, generator=torch.Generator().manual_seed(seed), device=device)
    loop = turntable_views(frames, d.azimuth_range, elevation).to(device)  # (T, 2)
    images = torch.stack([render_views(generator, code, loop) for code in z])  # (n, T, 3, H, W)
    gif = save_gif([image_grid(images[:, k], nrow=identities) for k in range(frames)], f"{stem}.gif", fps=8, scale=2)
    strip_views = turntable_views(8, d.azimuth_range, elevation, pingpong=False).to(device)
    strip = torch.stack([render_views(generator, code, strip_views) for code in z])  # (n, 8, 3, H, W)
    png = save_grid(strip.flatten(0, 1), f"{stem}.png", nrow=8)
    return {"gif": gif, "png": png}


class Explorer:
    """``ViewPanel`` + shape/appearance seed fields + a turntable-GIF button; display ``.widget``."""

    def __init__(
        self,
        generator: HoloGANGenerator,
        azimuth_range: tuple[float, float] = (-60.0, 60.0),
        elevation_range: tuple[float, float] = (0.0, 30.0),
        shape_seed: int = 0,
        appearance_seed: int = 0,
        gif_dir: str | Path = "runs/turntables",
        frames: int = 24,
        scale: int = 4,
    ):
        import ipywidgets as widgets

        from .widgets import ViewPanel

        self.generator = generator
        self.azimuth_range, self.gif_dir = tuple(azimuth_range), Path(gif_dir)
        z = (code_from_seed(generator, shape_seed), code_from_seed(generator, appearance_seed))
        self.panel = ViewPanel(generator, z, self.azimuth_range, tuple(elevation_range), scale=scale)
        self.shape_seed = widgets.BoundedIntText(
            value=shape_seed, min=0, max=2**31 - 1, description="shape code", tooltip="seed of z_shape"
        )
        self.appearance_seed = widgets.BoundedIntText(
            value=appearance_seed, min=0, max=2**31 - 1, description="appearance", tooltip="seed of z_appearance"
        )
        self.frames = widgets.IntSlider(value=frames, min=4, max=72, step=2, description="GIF frames")
        self.gif_button = widgets.Button(description="write turntable GIF", icon="film")
        self.status = widgets.HTML(value="")
        self.shape_seed.observe(lambda change: self.set_shape_seed(change["new"]), names="value")
        self.appearance_seed.observe(lambda change: self.set_appearance_seed(change["new"]), names="value")
        self.gif_button.on_click(lambda button: self.write_gif())
        self.widget = widgets.VBox(
            [
                self.panel.widget,
                widgets.HBox([self.shape_seed, self.appearance_seed]),
                widgets.HBox([self.frames, self.gif_button]),
                self.status,
            ]
        )

    @property
    def z(self) -> tuple[Tensor, Tensor]:
        """The current ``(z_shape, z_appearance)`` pair, each ``(1, z_dim)``."""
        return self.panel.z_shape, self.panel.z_appearance

    def set_shape_seed(self, seed: int) -> None:
        """Show the shape code drawn from ``seed`` (the appearance code is kept)."""
        self.panel.set_shape(code_from_seed(self.generator, seed))

    def set_appearance_seed(self, seed: int) -> None:
        """Show the appearance code drawn from ``seed`` (the shape code and its 3D features are kept)."""
        self.panel.z_appearance = code_from_seed(self.generator, seed)
        self.panel.update()

    def write_gif(self, path: str | Path | None = None) -> Path:
        """A turntable of the current codes at the current elevation; written under ``gif_dir`` by default."""
        if path is None:
            path = self.gif_dir / f"turntable_{time.strftime('%Y%m%d-%H%M%S')}.gif"
        elevation = float(self.panel.elevation.value)
        out = write_turntable_gif(
            self.generator, self.z, path, self.frames.value, self.azimuth_range, elevation, scale=2
        )
        self.status.value = f"wrote <code>{out}</code> ({self.frames.value} frames)"
        return out


def projection_depth_weights(generator: HoloGANGenerator) -> Tensor:
    """How much the projection unit's 1×1 conv listens to each depth slice: the norm of its weights over output
    and feature channels, per slice ``(D,)`` (input channels are ordered ``(c d)``: slice-major within a channel)."""
    if generator.cfg.projection != "stack":
        raise ValueError(
            f"projection_depth_weights reads the stacked projection's 1×1 conv; this generator's projection is "
            f"{generator.cfg.projection!r}: use composite_depth_maps for it"
        )
    conv, depth = generator.project.conv, generator.project.depth
    weight = conv.weight.detach()[:, :, 0, 0]  # (out, C·D)
    return weight.view(weight.shape[0], -1, depth).norm(dim=(0, 1))  # (D,)


def _rotated_volumes(generator: HoloGANGenerator, z: Tensor, views: Tensor) -> Iterator[Tensor]:
    """One identity's feature volume, computed once and rotated to each view in turn: ``(1, C, D, H, W)`` each."""
    z_shape, _ = generator.split_z(z[None].to(next(generator.parameters()).device))
    volume = generator.volume(z_shape)  # (1, C, D, H, W)
    for view in views:
        yield generator.rotate(volume, view[None].to(volume.device))


@torch.no_grad()
def volume_top_views(generator: HoloGANGenerator, z: Tensor, views: Tensor) -> Tensor:
    """A bird's-eye picture of one identity's rotated feature volume at each view: the feature magnitude summed
    over channels and height, ``(T, D, W)`` (depth down the rows, image x across). ``z``: ``(latent_dim,)``."""
    maps = [rotated[0].norm(dim=0).sum(dim=1) for rotated in _rotated_volumes(generator, z, views)]  # (D, W) each
    return torch.stack(maps).cpu()


@torch.no_grad()
def composite_depth_maps(generator: HoloGANGenerator, z: Tensor, views: Tensor) -> Tensor:
    """What a compositing projection sees of one identity at each view: per pixel, the coverage ``Σ_d w_d`` and the
    expected depth ``Σ_d d·w_d / Σ_d w_d`` (in slices, 0 nearest), ``(T, 2, H, W)``. ``z``: ``(latent_dim,)``."""
    if generator.cfg.projection != "composite":
        raise ValueError(f"composite_depth_maps needs a compositing projection, not {generator.cfg.projection!r}")
    out = []
    for rotated in _rotated_volumes(generator, z, views):
        w = generator.project.weights(generator.post_rotation(rotated))[0, 0]  # (D, H, W)
        depth = torch.arange(w.shape[0], dtype=w.dtype, device=w.device).view(-1, 1, 1)  # (D, 1, 1)
        coverage = w.sum(0)
        out.append(torch.stack([coverage, (w * depth).sum(0) / coverage.clamp_min(1e-6)]))
    return torch.stack(out).cpu()
