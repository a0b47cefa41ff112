"""The projection unit: turn a rotated 3D feature volume into 2D features that can model occlusion.

Reshaping ``(N, C, D, H, W) -> (N, C·D, H, W)`` keeps every depth slice as its own channels, so the
1×1 convolution that follows can learn *which* depth wins at each pixel (front-to-back visibility),
something a plain sum or max over depth cannot express.
"""

from __future__ import annotations

import torch
from einops import rearrange
from torch import Tensor, nn


def make_activation(name: str) -> nn.Module:
    """``relu`` | ``lrelu`` (slope 0.2) | ``none`` as a module."""
    if name == "relu":
        return nn.ReLU()
    if name == "lrelu":
        return nn.LeakyReLU(0.2)
    if name == "none":
        return nn.Identity()
    raise ValueError(f"unknown activation {name!r}: use 'relu', 'lrelu' or 'none'")


def transmittance(alpha: Tensor, dim: int = -1) -> Tensor:
    """``T_i = prod_{j<i} (1 - alpha_j)`` along ``dim`` (default the last; index 0 nearest; ``T_0 = 1``)."""
    ones = torch.ones_like(alpha.narrow(dim, 0, 1))
    return torch.cumprod(torch.cat([ones, 1 - alpha.narrow(dim, 0, alpha.shape[dim] - 1)], dim), dim)


def compositing_weights(alpha: Tensor, dim: int = -1) -> Tensor:
    """Volume-rendering weights ``w_i = T_i alpha_i`` along ``dim`` (default the last), near to far; they sum
    to <= 1."""
    return transmittance(alpha, dim) * alpha


def _check_volume(volume: Tensor, channels: int, depth: int, name: str) -> None:
    if volume.ndim != 5 or volume.shape[1] != channels or volume.shape[2] != depth:
        raise ValueError(f"{name} expects (N, {channels}, {depth}, H, W), got {tuple(volume.shape)}")


class ProjectionUnit(nn.Module):
    """Collapse depth into channels, then a 1×1 conv and a nonlinearity: ``(N,C,D,H,W) -> (N,out,H,W)``."""

    def __init__(self, channels: int, depth: int, out_channels: int, activation: str = "lrelu"):
        super().__init__()
        self.channels, self.depth = channels, depth
        self.conv = nn.Conv2d(channels * depth, out_channels, kernel_size=1)
        self.act = make_activation(activation)

    def forward(self, volume: Tensor) -> Tensor:
        _check_volume(volume, self.channels, self.depth, "ProjectionUnit")
        stacked = rearrange(volume, "n c d h w -> n (c d) h w")  # (N, C·D, H, W)
        return self.act(self.conv(stacked))  # (N, out, H, W)


class CompositingProjection(nn.Module):
    """Near-to-far alpha compositing of the rotated volume, as pi-GAN and GIRAFFE render (course addition):
    ``(N, C, D, H, W) -> (N, out, H, W)``.

    A 1×1×1 conv reads an opacity ``α_d`` per voxel; each pixel gets ``Σ_d T_d α_d f_d`` with transmittance
    ``T_d = Π_{k<d} (1 − α_k)``, depth slice 0 nearest (``model.rotation``'s convention), then a 1×1 conv and a
    nonlinearity as in ``ProjectionUnit``. Unlike the stacked 1×1 conv, which may read any depth, what is hidden
    at a view θ can only show at another view: a rigid volume turned by 180° shows its other side.
    """

    alpha_offset = -2.0  # σ(−2) ≈ 0.12 per slice at the start: light passes through about half of the 16 slices

    def __init__(self, channels: int, depth: int, out_channels: int, activation: str = "lrelu"):
        super().__init__()
        self.channels, self.depth = channels, depth
        self.opacity = nn.Conv3d(channels, 1, kernel_size=1)
        self.conv = nn.Conv2d(channels, out_channels, kernel_size=1)
        self.act = make_activation(activation)

    def weights(self, volume: Tensor) -> Tensor:
        """Compositing weights ``T_d α_d``, ``(N, 1, D, H, W)``; along depth they sum to at most 1."""
        alpha = torch.sigmoid(self.opacity(volume) + self.alpha_offset)
        return compositing_weights(alpha, dim=2)  # along depth

    def forward(self, volume: Tensor) -> Tensor:
        _check_volume(volume, self.channels, self.depth, "CompositingProjection")
        seen = (self.weights(volume) * volume).sum(2)  # (N, C, H, W): what the nearest opaque voxels hold
        return self.act(self.conv(seen))
