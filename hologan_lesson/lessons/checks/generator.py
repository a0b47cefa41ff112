"""Checkers for lesson 03 (AdaIN and the generator)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ...config import generator_config
from ...model.adain import adain
from ...model.generator import HoloGANGenerator
from ._core import check, friendly, report


@friendly
def check_adain(fn: Callable[[Tensor, Tensor, Tensor], Tensor]) -> None:
    """A learner's ``fn(x, scale, bias)`` must match ``adain`` on 2D and 3D features."""
    g = torch.Generator().manual_seed(0)
    cases = {"2D (N, C, H, W)": (3, 5, 7, 6), "3D (N, C, D, H, W)": (2, 4, 5, 6, 3)}
    for label, shape in cases.items():
        x = torch.randn(*shape, generator=g) * 3 + torch.randn(*shape[:2], *[1] * (len(shape) - 2), generator=g)
        scale, bias = torch.randn(*shape[:2], generator=g), torch.randn(*shape[:2], generator=g)
        out = fn(x, scale, bias)
        check(
            isinstance(out, Tensor) and out.shape == x.shape,
            f"{label}: output has the input's shape",
            "reshape scale and bias (N, C) so they broadcast over the spatial dims, e.g. (N, C, 1, 1, 1)",
        )
        close = torch.allclose(out, adain(x, scale, bias), atol=1e-4, rtol=1e-4)
        unbiased = torch.allclose(out, _unbiased_adain(x, scale, bias), atol=1e-4, rtol=1e-4)
        hint = (
            "the biased variance (correction=0) was expected, not the unbiased one"
            if unbiased
            else "mean and variance over the spatial dims only (2, 3, ...), per sample and channel; "
            "then scale * normalised + bias"
        )
        check(close, f"{label}: matches the library adain", hint)
    report(4, 4, "adaptive instance normalisation")


def _unbiased_adain(x: Tensor, scale: Tensor, bias: Tensor) -> Tensor:
    # A common slip: torch.std defaults to the unbiased estimate (divide by n - 1).
    spatial = tuple(range(2, x.ndim))
    std, mean = torch.std_mean(x, dim=spatial, keepdim=True)
    expand = (*scale.shape, *[1] * len(spatial))
    return (x - mean) / std * scale.reshape(expand) + bias.reshape(expand)


@friendly
def check_forward(fn: Callable[[HoloGANGenerator, object, Tensor], Tensor]) -> None:
    """A learner's ``fn(generator, z, view)``, chained from the blocks, must equal ``generator(z, view)``."""
    for resolution in (64, 128):
        torch.manual_seed(0)
        generator = HoloGANGenerator(generator_config(resolution, width=1 / 16))
        z, view = generator.sample_z(3), torch.tensor([[0.0, 0.0], [35.0, -10.0], [-60.0, 20.0]])
        with torch.no_grad():
            mine, ref = fn(generator, z, view), generator(z, view)
        check(
            isinstance(mine, Tensor) and mine.shape == ref.shape,
            f"{resolution} px: output shape {tuple(ref.shape)}",
            "end with generator.to_rgb, which gives (N, 3, resolution, resolution)",
        )
        check(
            torch.allclose(mine, ref, atol=1e-5),
            f"{resolution} px: same image as generator(z, view)",
            "volume from z_shape -> rotate(volume, view) -> post_rotation -> project -> every 2D block "
            "with z_appearance -> to_rgb",
        )
    report(4, 4, "assembling the generator")
