"""Adaptive instance normalisation (AdaIN): how the latent code ``z`` steers HoloGAN's features.

Each feature map is first *normalised* per sample and per channel (mean 0, std 1 over its spatial
positions, 2D or 3D), then *re-styled* with a scale and a bias computed from ``z``:

    AdaIN(x, s, b) = s · (x − mean(x)) / std(x) + b

so after AdaIN every channel's mean is ``b`` and its std is ``|s|``: ``z`` decides the statistics,
the convolutions decide the spatial layout. ``StyleMapping`` is the learnt ``z -> (s, b)`` map.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .projection import make_activation

ADAIN_EPS = 1e-8  # official code: rsqrt(variance + 1e-8)


def adain(x: Tensor, scale: Tensor, bias: Tensor, eps: float = ADAIN_EPS) -> Tensor:
    """Normalise ``x`` (N, C, *spatial) per sample and channel, then apply ``scale``, ``bias`` (N, C)."""
    if x.ndim < 3:
        raise ValueError(f"adain expects (N, C, H, W) or (N, C, D, H, W) features, got shape {tuple(x.shape)}")
    for name, t in (("scale", scale), ("bias", bias)):
        if t.shape != x.shape[:2]:
            raise ValueError(f"{name} must be (N, C) = {tuple(x.shape[:2])}, got {tuple(t.shape)}")
    spatial = tuple(range(2, x.ndim))
    # Statistics in fp32 even under bf16/fp16 autocast: a variance of near-equal low-precision numbers
    # is mostly rounding error. For fp32 input .float() is a no-op (no copy).
    x32 = x.float()
    var, mean = torch.var_mean(x32, dim=spatial, keepdim=True, correction=0)  # (N, C, 1, ..., 1) each
    normalised = ((x32 - mean) * torch.rsqrt(var + eps)).to(x.dtype)
    expand = (*x.shape[:2], *([1] * len(spatial)))
    return normalised * scale.reshape(expand) + bias.reshape(expand)


class AdaIN(nn.Module):
    """``adain`` as a module (no parameters of its own: the style comes from ``StyleMapping``)."""

    def __init__(self, eps: float = ADAIN_EPS):
        super().__init__()
        self.eps = eps

    def forward(self, x: Tensor, scale: Tensor, bias: Tensor) -> Tensor:
        return adain(x, scale, bias, self.eps)

    def extra_repr(self) -> str:
        return f"eps={self.eps:g}"


class StyleMapping(nn.Module):
    """One linear map ``z -> 2C`` numbers, an activation, split into (scale, bias), each ``(N, C)``.

    ``activation='relu'`` is the official code (scale and bias are never negative); ``'none'`` is the
    paper's plain learnt affine map.
    """

    def __init__(self, z_dim: int, channels: int, activation: str = "relu"):
        super().__init__()
        if activation not in ("relu", "none"):
            raise ValueError(f"StyleMapping activation must be 'relu' (official) or 'none' (paper), got {activation!r}")
        self.channels = channels
        self.linear = nn.Linear(z_dim, 2 * channels)
        self.act = make_activation(activation)
        nn.init.normal_(self.linear.weight, 0.0, 0.02)  # official init
        nn.init.zeros_(self.linear.bias)

    def forward(self, z: Tensor) -> tuple[Tensor, Tensor]:
        style = self.act(self.linear(z))  # (N, 2C)
        scale, bias = style.split(self.channels, dim=1)  # (N, C) each
        return scale, bias
