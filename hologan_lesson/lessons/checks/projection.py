"""Checkers for lesson 02 (projection unit)."""

from __future__ import annotations

import torch
from torch import nn

from ...model.projection import ProjectionUnit
from ._core import check, report


def check_projection_unit(cls: type[nn.Module]) -> None:
    """A learner's ``cls(channels, depth, out_channels)`` must compute what ProjectionUnit computes."""
    torch.manual_seed(0)
    mine = cls(3, 5, 7)
    ref = ProjectionUnit(3, 5, 7, activation="lrelu")
    convs = [m for m in mine.modules() if isinstance(m, nn.Conv2d)]
    check(len(convs) == 1 and convs[0].kernel_size == (1, 1), "one 1×1 Conv2d", "the unit is a single 1×1 conv")
    check(convs[0].in_channels == 15, "conv sees C·D = 15 input channels", "rearrange n c d h w -> n (c d) h w")
    ref.conv.load_state_dict(convs[0].state_dict())
    x = torch.randn(2, 3, 5, 6, 6)
    out = mine(x)
    check(tuple(out.shape) == (2, 7, 6, 6), "output shape (N, out, H, W)", "keep H and W, change only channels")
    check(
        torch.allclose(out, ref(x), atol=1e-5),
        "same values as the library unit",
        "stack channels as (c d) in that order (channel-major), then LeakyReLU(0.2)",
    )
    report(4, 4, "the projection unit")
