"""The HoloGAN discriminator: a DCGAN-style conv net with instance norm and two extra heads.

Besides the usual real/fake logit it has

* a **style head** per instance-normed layer. It classifies that layer's per-channel statistics
  (mean and standard deviation over H, W) as real or fake, so the generator has to match the
  statistics of real images at several scales (the paper's "style discriminator");
* an **identity head** that regresses the latent code ``z`` from the image (the paper's "identity
  regulariser"), so the generator cannot ignore ``z``.

The statistics a style head sees are exactly the ones instance norm then removes: a layer's
normalised content goes on down the network, its style goes sideways to a classifier.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from ..config import DiscriminatorConfig, check_choices

EPS = 1e-5  # instance norm epsilon (the official code's, and PyTorch's default)


class DiscriminatorOutput(NamedTuple):
    """Everything one discriminator pass returns (all logits are raw, before the sigmoid)."""

    logit: Tensor  # (N,) real/fake
    style_logits: list[Tensor]  # one (N,) per instance-normed layer ((2N,) with style_concat="batch")
    style_stats: list[Tensor]  # one (N, 2C) per layer: [mean, std] ((2N, C) with style_concat="batch")
    latent: Tensor | None  # (N, z_dim) in (-1, 1), the regressed z; None without an identity head
    view: Tensor | None = None  # (N, 3): (cos azimuth, sin azimuth, elevation in radians); None without a view head


def instance_statistics(x: Tensor, statistic: str = "std", eps: float = EPS) -> tuple[Tensor, Tensor]:
    """Per-sample, per-channel mean and spread over H, W: ``(N, C, H, W) -> (N, C), (N, C)``."""
    # population variance (divide by H·W), as instance norm uses; computed in fp32 under autocast
    var, mean = torch.var_mean(x.float(), dim=(2, 3), correction=0)
    return mean, _spread(var, statistic, eps)


def _spread(var: Tensor, statistic: str, eps: float = EPS) -> Tensor:
    if statistic == "std":
        return torch.sqrt(var + eps)  # the divisor instance norm uses; eps keeps the gradient finite
    if statistic == "var":
        return var
    raise ValueError(f"unknown style statistic {statistic!r}: use 'std' or 'var'")


def style_features(mean: Tensor, spread: Tensor, concat: str = "channel") -> Tensor:
    """Join a layer's statistics for its style classifier: ``(N, 2C)``, or ``(2N, C)`` (official code)."""
    if concat == "channel":
        return torch.cat([mean, spread], dim=1)  # (N, 2C): one sample = one image's full statistics
    if concat == "batch":
        return torch.cat([mean, spread], dim=0)  # (2N, C): means and spreads judged as separate samples
    raise ValueError(f"unknown style concat {concat!r}: use 'channel' or 'batch'")


class DownBlock(nn.Module):
    """Stride-2 conv (spectral norm) -> instance norm -> LeakyReLU(0.2); also returns the conv's stats."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        use_spectral_norm: bool,
        affine: bool,
        statistic: str,
    ):
        super().__init__()
        self.conv = _init_conv(nn.Conv2d(in_channels, out_channels, kernel_size, 2, (kernel_size - 1) // 2))
        if use_spectral_norm:
            self.conv = spectral_norm(self.conv)  # one power iteration per training forward, as the official
        self.statistic = statistic
        self.affine = affine
        if affine:
            # official instance_norm: scale ~ N(1, 0.02), offset 0
            self.weight = nn.Parameter(1 + 0.02 * torch.randn(out_channels))
            self.bias = nn.Parameter(torch.zeros(out_channels))
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``(N, Cin, H, W) -> (N, Cout, H/2, W/2)``, plus the conv output's mean and spread ``(N, Cout)``."""
        h = self.conv(x)  # (N, C, H/2, W/2)
        var, mean = torch.var_mean(h.float(), dim=(2, 3), correction=0, keepdim=True)  # (N, C, 1, 1)
        normed = ((h.float() - mean) * torch.rsqrt(var + EPS)).to(h.dtype)
        if self.affine:
            normed = normed * self.weight[:, None, None] + self.bias[:, None, None]
        return self.act(normed), mean.flatten(1), _spread(var.flatten(1), self.statistic)  # (N, C) stats


class HoloGANDiscriminator(nn.Module):
    """Image ``(N, 3, R, R)`` in [-1, 1] -> real/fake logit, per-layer style logits and the regressed z."""

    def __init__(self, cfg: DiscriminatorConfig):
        super().__init__()
        _validate(cfg)
        self.cfg = cfg
        k, c = cfg.kernel_size, cfg.channels
        # the first conv has neither spectral norm nor instance norm (official h0)
        self.stem = nn.Sequential(_init_conv(nn.Conv2d(cfg.in_channels, c[0], k, 2, (k - 1) // 2)), nn.LeakyReLU(0.2))
        self.blocks = nn.ModuleList(
            DownBlock(c_in, c_out, k, cfg.spectral_norm, cfg.instance_norm_affine, cfg.style_statistic)
            for c_in, c_out in zip(c[:-1], c[1:])
        )
        per_channel = 2 if cfg.style_concat == "channel" else 1  # [mean, std] side by side, or stacked
        self.style_heads = nn.ModuleList(
            _init_linear(nn.Linear(per_channel * ch, 1)) for ch in (c[1:] if cfg.style_heads else ())
        )
        flat = c[-1] * 4 * 4
        self.logit_head = _init_linear(nn.Linear(flat, 1))
        self.identity_head = (
            nn.Sequential(
                _init_linear(nn.Linear(flat, cfg.identity_hidden)),
                nn.LeakyReLU(0.2),
                _init_linear(nn.Linear(cfg.identity_hidden, cfg.z_dim)),
                nn.Tanh(),  # z ~ U(-1, 1)
            )
            if cfg.identity_head
            else None
        )
        # pi-GAN (Chan et al. 2021): a head that reads the view a fake was rendered at; see losses.view_loss.
        self.view_head: nn.Module | None = None
        if cfg.view_head:
            coarse = cfg.view_input == "coarse"
            self.view_head = coarse_view_reader(cfg.in_channels) if coarse else _init_linear(nn.Linear(flat, 3))

    def forward(self, images: Tensor) -> DiscriminatorOutput:
        """Score a batch of images; see ``DiscriminatorOutput`` for the shapes."""
        cfg = self.cfg
        expected = (cfg.in_channels, cfg.resolution, cfg.resolution)
        if images.ndim != 4 or tuple(images.shape[1:]) != expected:
            raise ValueError(f"discriminator expects (N, {', '.join(map(str, expected))}), got {tuple(images.shape)}")
        if self.training and cfg.input_noise_std > 0:
            images = images + cfg.input_noise_std * torch.randn_like(images)
        n, mirrored = len(images), self.view_head is not None and cfg.view_mirror
        coarse = cfg.view_input == "coarse"
        both = torch.cat([images, images.flip(3)]) if mirrored else images  # only the view head reads the mirrors
        h = self.stem(both if mirrored and not coarse else images)  # (N, C0, R/2, R/2); (2N, ...) when shared
        style_logits, style_stats = [], []
        for i, block in enumerate(self.blocks):
            h, mean, spread = block(h)  # h: (N, Ci, R/2^(i+2), ...), mean/spread: (N, Ci)
            if len(self.style_heads):
                stats = style_features(mean[:n], spread[:n], cfg.style_concat).to(h.dtype)  # (N, 2Ci) or (2N, Ci)
                style_stats.append(stats)
                style_logits.append(self.style_heads[i](stats).squeeze(1))  # (N,) or (2N,)
        flat = h.flatten(1)  # (N, C_last·4·4); (2N, ...) when the mirrors went through the trunk
        view = None
        if self.view_head is not None:
            view = self.view_head(both if coarse else flat)  # (N, 3), or (2N, 3) with the mirrors
            view = mirror_consistent(view) if mirrored else view
        flat = flat[:n]
        logit = self.logit_head(flat).squeeze(1)  # (N,)
        latent = self.identity_head(flat) if self.identity_head is not None else None  # (N, z_dim)
        return DiscriminatorOutput(logit, style_logits, style_stats, latent, view)


def _validate(cfg: DiscriminatorConfig) -> None:
    n = len(cfg.channels)
    if n < 1:
        raise ValueError("DiscriminatorConfig.channels must list at least one conv width")
    if cfg.resolution != 4 * 2**n:
        raise ValueError(
            f"a discriminator with {n} stride-2 convs (channels={cfg.channels}) reduces a "
            f"{4 * 2**n}x{4 * 2**n} image to 4x4, but resolution={cfg.resolution}; use "
            f"discriminator_config({cfg.resolution}) or give log2(resolution/4) channel widths"
        )
    if cfg.view_mirror and not cfg.view_head:
        raise ValueError(
            "DiscriminatorConfig.view_mirror=true makes the view head mirror-consistent: set view_head=true too"
        )
    if cfg.kernel_size < 2:
        raise ValueError(f"kernel_size must be at least 2 for a stride-2 conv, got {cfg.kernel_size}")
    check_choices(cfg)  # style_statistic, style_concat
    if cfg.style_heads and n < 2:
        raise ValueError("style heads need at least one instance-normed layer (two or more channel widths)")


def _init_conv(conv: nn.Conv2d) -> nn.Conv2d:
    # the official conv2d: truncated normal (std 0.02, cut at 2 std), zero bias
    nn.init.trunc_normal_(conv.weight, std=0.02, a=-0.04, b=0.04)
    nn.init.zeros_(conv.bias)
    return conv


def _init_linear(linear: nn.Linear) -> nn.Linear:
    nn.init.normal_(linear.weight, std=0.02)
    nn.init.zeros_(linear.bias)
    return linear


def coarse_view_reader(in_channels: int, side: int = 8, hidden: int = 128) -> nn.Module:
    """A view head that sees only the image low-passed to ``side``×``side``: ``(N, C, R, R) -> (N, 3)``.

    A head on D's last features reads a fake's view from whatever fine detail the generator puts there, so a
    generator can pass it without turning (measured: runs that do not turn keep the view loss near 0). At
    8×8 mostly the silhouette is left, and the silhouette changes only if the object turns.
    """
    return nn.Sequential(
        nn.AdaptiveAvgPool2d(side),
        nn.Flatten(),
        _init_linear(nn.Linear(in_channels * side * side, hidden)),
        nn.LeakyReLU(0.2),
        _init_linear(nn.Linear(hidden, 3)),
    )


def mirror_consistent(view: Tensor) -> Tensor:
    """Readings ``(2N, 3)`` of N images then their mirror images -> ``(N, 3)`` that obey the mirror symmetry.

    A left-right mirror image of a bilaterally symmetric object seen at azimuth θ is the object seen at −θ, so a
    reader of the view should give cos θ and the elevation unchanged and sin θ negated. Averaging the reading of an
    image with the mirrored reading of its mirror image makes the head obey that exactly: a generator that draws
    the view at 90° − θ as the mirror image of the view at θ (a fold) can no longer pass it.
    """
    direct, flipped = view.chunk(2)
    return (direct + flipped * flipped.new_tensor([1.0, -1.0, 1.0])) / 2
