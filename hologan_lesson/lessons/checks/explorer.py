"""Checkers for lesson 08 (the explorer)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...explorer import turntable_views
from ._core import CheckFailed, check, friendly, report


def _views(fn: Callable, frames: int, azimuth_range: tuple[float, float], elevation: float) -> torch.Tensor:
    """The learner's views as a float tensor, or a one-sentence failure saying what came back instead."""
    out = fn(frames, azimuth_range, elevation)
    try:
        return torch.as_tensor(out).float()
    except (TypeError, ValueError, RuntimeError):
        raise CheckFailed(
            f"FAIL: your function returned {type(out).__name__}, not a (frames, 2) tensor\n"
            "  hint: return torch.stack([azimuth, elevation column], 1)"
        ) from None


def _turn_hint(views: torch.Tensor, frames: int, azimuth_range: tuple[float, float]) -> str:
    """Name the usual slip behind a wrong turntable."""
    lo, hi = azimuth_range
    close = lambda az: torch.allclose(views[:, 0], az, atol=1e-4)  # noqa: E731
    k = torch.arange(frames, dtype=torch.float32)
    if close(torch.linspace(lo, hi, frames)):
        return "you turn one way only, so the loop jumps from hi back to lo: go there and back (a triangle wave)"
    if frames > 1 and close(lo + (hi - lo) * (1 - (2 * k / (frames - 1) - 1).abs())):
        return "divide by frames, not frames - 1: otherwise the last frame repeats the first where the loop closes"
    return "azimuth_k = lo + (hi - lo) · (1 - |2k / frames - 1|) for k = 0 .. frames-1"


@friendly
def check_turntable_views(fn: Callable[[int, tuple[float, float], float], torch.Tensor]) -> None:
    """A learner's ``fn(frames, azimuth_range, elevation)`` must give the library's there-and-back turntable."""
    views = _views(fn, 24, (-60.0, 60.0), 10.0)
    check(
        tuple(views.shape) == (24, 2),
        "24 frames of (azimuth, elevation)",
        f"got shape {tuple(views.shape)}; return a (frames, 2) tensor: column 0 azimuth, column 1 elevation",
    )
    check(
        bool((views[:, 1] == 10.0).all()),
        "the elevation stays fixed",
        "fill column 1 with the elevation"
        if not torch.allclose(views[:, 0], torch.full((24,), 10.0))
        else "the columns are swapped: column 0 is the azimuth, column 1 the elevation",
    )
    ref = turntable_views(24, (-60.0, 60.0), 10.0, pingpong=True)
    check(
        torch.allclose(views, ref, atol=1e-4),
        "there and back: -60° at frame 0, +60° at frame 12, and no repeated frame where the loop closes",
        _turn_hint(views, 24, (-60.0, 60.0)),
    )
    odd = _views(fn, 7, (0.0, 90.0), 0.0)
    check(
        odd.shape == (7, 2) and torch.allclose(odd, turntable_views(7, (0.0, 90.0), 0.0, pingpong=True), atol=1e-4),
        "an odd number of frames and another range",
        "use the range and frame count you are given, not constants",
    )
    report(4, 4, "the turntable views")
