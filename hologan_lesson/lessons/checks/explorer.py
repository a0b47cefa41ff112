"""Checkers for lesson 08 (the explorer)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...explorer import turntable_views
from ._core import check, friendly, report


@friendly
def check_turntable_views(fn: Callable[[int, tuple[float, float], float], torch.Tensor]) -> None:
    """A learner's ``fn(frames, azimuth_range, elevation)`` must give the library's there-and-back turntable."""
    views = fn(24, (-60.0, 60.0), 10.0)
    check(
        tuple(views.shape) == (24, 2),
        "24 frames of (azimuth, elevation)",
        "return a (frames, 2) tensor: column 0 azimuth, column 1 elevation",
    )
    check(
        bool((views[:, 1] == 10.0).all()),
        "the elevation stays fixed",
        "fill column 1 with the elevation",
    )
    ref = turntable_views(24, (-60.0, 60.0), 10.0, pingpong=True)
    check(
        torch.allclose(views.float(), ref, atol=1e-4),
        "there and back: -60° at frame 0, +60° at frame 12, and no repeated frame where the loop closes",
        "azimuth_k = lo + (hi - lo) · (1 - |2k / frames - 1|) for k = 0 .. frames-1",
    )
    odd = fn(7, (0.0, 90.0), 0.0)
    check(
        torch.allclose(odd.float(), turntable_views(7, (0.0, 90.0), 0.0, pingpong=True), atol=1e-4),
        "an odd number of frames and another range",
        "use the range and frame count you are given, not constants",
    )
    report(4, 4, "the turntable views")
