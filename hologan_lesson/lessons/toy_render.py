"""Lesson 02's toy experiment: teach a projection unit to imitate an occlusion-aware renderer.

Scenes are a few random coloured boxes in a small RGBA voxel grid. The target image is their
front-to-back composite (``viz.composite_front_to_back``): a pixel shows the *nearest* box. A
projection unit sees each depth slice as separate channels and can learn that rule; a depth-blind
unit (sum or max over depth first) cannot know which box is in front.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ..model.projection import ProjectionUnit
from ..viz import composite_front_to_back


def random_voxel_scenes(n: int, size: int = 8, boxes: int = 6, seed: int = 0) -> torch.Tensor:
    """``n`` scenes of ``boxes`` random opaque coloured boxes: ``(n, 4, size, size, size)`` RGBA in [0, 1]."""
    g = torch.Generator().manual_seed(seed)
    scenes = torch.zeros(n, 4, size, size, size)
    idx = torch.arange(size)
    for i in range(n):
        for _ in range(boxes):
            lo = torch.randint(0, size - 2, (3,), generator=g)
            extent = torch.randint(2, size // 2 + 2, (3,), generator=g)
            hi = torch.minimum(lo + extent, torch.tensor(size))
            inside = [(idx >= lo[k]) & (idx < hi[k]) for k in range(3)]  # (D), (H), (W) masks
            mask = inside[0][:, None, None] & inside[1][None, :, None] & inside[2][None, None, :]
            colour = torch.rand(3, generator=g)
            scenes[i, :3, mask] = colour[:, None]
            scenes[i, 3, mask] = 1.0
    return scenes


def render_scenes(scenes: torch.Tensor) -> torch.Tensor:
    """Front-to-back composite of ``(N, 4, D, H, W)`` scenes: ``(N, 3, H, W)`` in [0, 1]."""
    return composite_front_to_back(scenes[:, :3], scenes[:, 3:4])


class DepthBlindUnit(nn.Module):
    """Collapse depth by ``sum`` or ``max`` first, then the same 1×1 conv head: cannot model occlusion."""

    def __init__(self, channels: int, out_channels: int, reduce: str = "sum"):
        super().__init__()
        if reduce not in ("sum", "max"):
            raise ValueError(f"reduce must be 'sum' or 'max', got {reduce!r}")
        self.reduce = reduce
        self.conv = nn.Conv2d(channels, out_channels, kernel_size=1)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, volume: torch.Tensor) -> torch.Tensor:
        flat = volume.sum(2) if self.reduce == "sum" else volume.amax(2)  # (N, C, H, W)
        return self.act(self.conv(flat))


def toy_renderer(kind: str, depth: int, hidden: int = 128) -> nn.Module:
    """A projection unit (or a depth-blind one) followed by a 1×1 conv to RGB in [0, 1]."""
    first = (
        ProjectionUnit(4, depth, hidden, activation="lrelu")
        if kind == "projection"
        else DepthBlindUnit(4, hidden, reduce=kind)
    )
    return nn.Sequential(first, nn.Conv2d(hidden, 3, kernel_size=1), nn.Sigmoid())


@dataclass
class ToyFit:
    """Result of ``fit_projection_toy``."""

    model: nn.Module
    losses: list[float] = field(default_factory=list)

    @property
    def final_loss(self) -> float:
        """Mean of the last 10 recorded losses."""
        tail = self.losses[-10:]
        return sum(tail) / len(tail)


def fit_projection_toy(
    scenes: torch.Tensor, kind: str = "projection", steps: int = 300, lr: float = 3e-3, seed: int = 0
) -> ToyFit:
    """Train a toy renderer (``projection`` | ``sum`` | ``max``) to match the composite of ``scenes`` (MSE)."""
    torch.manual_seed(seed)
    model = toy_renderer(kind, depth=scenes.shape[2])
    target = render_scenes(scenes)  # (N, 3, H, W)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    fit = ToyFit(model)
    for _ in range(steps):
        loss = (model(scenes) - target).square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        fit.losses.append(loss.item())
    return fit


def _box(volume: torch.Tensor, lo: tuple[float, float, float], hi: tuple[float, float, float], rgb: tuple) -> None:
    """Paint an opaque box given in normalised (x, y, z) coordinates into an RGBA ``(4, D, H, W)`` volume."""
    size = volume.shape[-1]
    c = (2 * torch.arange(size) + 1) / size - 1  # voxel centres, align_corners=False
    x = (c >= lo[0]) & (c <= hi[0])
    y = (c >= lo[1]) & (c <= hi[1])
    z = (c >= lo[2]) & (c <= hi[2])
    mask = z[:, None, None] & y[None, :, None] & x[None, None, :]  # (D, H, W)
    volume[:3, mask] = torch.tensor(rgb, dtype=volume.dtype)[:, None]
    volume[3, mask] = 1.0


def axes_object(size: int = 32) -> torch.Tensor:
    """A grey cube with coloured arms: red +x (right), green -y (up), blue -z (towards you); ``(1, 4, D, H, W)``."""
    v = torch.zeros(4, size, size, size)
    t = 0.12
    _box(v, (-0.2, -0.2, -0.2), (0.2, 0.2, 0.2), (0.6, 0.6, 0.6))
    _box(v, (0.2, -t, -t), (0.75, t, t), (0.85, 0.15, 0.15))
    _box(v, (-t, -0.75, -t), (t, -0.2, t), (0.15, 0.7, 0.2))
    _box(v, (-t, -t, -0.75), (t, t, -0.2), (0.15, 0.3, 0.9))
    return v[None]


def chair_object(size: int = 32) -> torch.Tensor:
    """A small coloured voxel chair (seat, back, four legs), front facing the viewer. ``(1, 4, D, H, W)``."""
    v = torch.zeros(4, size, size, size)
    _box(v, (-0.45, 0.0, -0.45), (0.45, 0.12, 0.45), (0.85, 0.55, 0.2))  # seat
    _box(v, (-0.45, -0.7, 0.33), (0.45, 0.0, 0.45), (0.3, 0.45, 0.85))  # back, far side
    for sx in (-0.45, 0.33):
        for sz in (-0.45, 0.33):
            _box(v, (sx, 0.12, sz), (sx + 0.12, 0.7, sz + 0.12), (0.35, 0.25, 0.2))  # legs
    return v[None]
