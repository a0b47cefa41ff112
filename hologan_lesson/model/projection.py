"""The projection unit: turn a rotated 3D feature volume into 2D features that can model occlusion.

Reshaping ``(N, C, D, H, W) -> (N, C·D, H, W)`` keeps every depth slice as its own channels, so the
1×1 convolution that follows can learn *which* depth wins at each pixel (front-to-back visibility),
something a plain sum or max over depth cannot express.
"""

from __future__ import annotations

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


class ProjectionUnit(nn.Module):
    """Collapse depth into channels, then a 1×1 conv and a nonlinearity: ``(N,C,D,H,W) -> (N,out,H,W)``."""

    def __init__(self, channels: int, depth: int, out_channels: int, activation: str = "lrelu"):
        super().__init__()
        self.channels, self.depth = channels, depth
        self.conv = nn.Conv2d(channels * depth, out_channels, kernel_size=1)
        self.act = make_activation(activation)

    def forward(self, volume: Tensor) -> Tensor:
        if volume.ndim != 5 or volume.shape[1] != self.channels or volume.shape[2] != self.depth:
            raise ValueError(
                f"ProjectionUnit expects (N, {self.channels}, {self.depth}, H, W), got {tuple(volume.shape)}"
            )
        stacked = rearrange(volume, "n c d h w -> n (c d) h w")  # (N, C·D, H, W)
        return self.act(self.conv(stacked))  # (N, out, H, W)
