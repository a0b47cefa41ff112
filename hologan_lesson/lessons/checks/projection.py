"""Checkers for lesson 02 (projection unit)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...model.projection import ProjectionUnit
from ._core import check, friendly, report


@friendly
def check_projection_unit(cls: type[nn.Module]) -> None:
    """A learner's ``cls(channels, depth, out_channels)`` must compute what ProjectionUnit computes."""
    torch.manual_seed(0)
    mine = cls(3, 5, 7)
    ref = ProjectionUnit(3, 5, 7, activation="lrelu")
    convs = [m for m in mine.modules() if isinstance(m, nn.Conv2d)]
    check(
        len(convs) == 1 and convs[0].kernel_size == (1, 1),
        "one 1×1 Conv2d",
        f"found {len(convs)} Conv2d layer(s); the unit is a single nn.Conv2d(channels * depth, out, kernel_size=1)",
    )
    check(
        convs[0].in_channels == 15 and convs[0].out_channels == 7,
        "with C=3, D=5, out=7 the conv maps C·D = 15 channels to 7",
        f"it maps {convs[0].in_channels} to {convs[0].out_channels}: every depth slice of every channel becomes "
        "one input channel, so in_channels = channels * depth",
    )
    ref.conv.load_state_dict(convs[0].state_dict())
    x = torch.randn(2, 3, 5, 6, 6)  # (N, C, D, H, W)
    out = mine(x)
    check(
        isinstance(out, torch.Tensor) and tuple(out.shape) == (2, 7, 6, 6),
        "a (2, 3, 5, 6, 6) volume gives a (2, 7, 6, 6) image: (N, out, H, W)",
        f"got {tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}: reshape "
        "(N, C, D, H, W) -> (N, C·D, H, W) before the conv; H and W stay as they are",
    )
    hint = "stack channels as (c d) in that order (channel-major), then LeakyReLU(0.2)"
    with torch.no_grad():
        pre = convs[0](x.flatten(1, 2))  # the conv on the right stacking
        swapped = convs[0](x.transpose(1, 2).flatten(1, 2))  # depth-major (d c)
        if torch.allclose(out, F.leaky_relu(swapped, 0.2), atol=1e-5):
            hint = "the order of the stacked channels is (d c), depth-major: use 'n c d h w -> n (c d) h w'"
        elif torch.allclose(out, pre, atol=1e-5):
            hint = "the conv output is right, but the nonlinearity is missing: apply LeakyReLU(0.2) after it"
        elif torch.allclose(out, pre.relu(), atol=1e-5):
            hint = "this unit uses LeakyReLU with slope 0.2 (nn.LeakyReLU(0.2)), not ReLU"
    check(torch.allclose(out, ref(x), atol=1e-5), "same values as the library unit", hint)
    report(4, 4, "the projection unit")
