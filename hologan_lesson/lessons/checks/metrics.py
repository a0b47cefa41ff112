"""Checkers for lesson 07 (measuring 3D control)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...eval.control import TURN_THRESHOLD, fit_sign_offset, read_turn
from ._core import CheckFailed, check, friendly, report


def _pair(result) -> tuple[int, float]:
    """The learner's ``(sign, offset)``, or a one-sentence failure saying what came back instead."""
    try:
        sign, offset = result
        return int(sign), float(offset)
    except (TypeError, ValueError):
        raise CheckFailed(
            f"FAIL: your function returned {type(result).__name__}, not a pair (sign, offset)\n"
            "  hint: return two numbers: the sign (+1 or -1) and the offset in degrees"
        ) from None


def _fit_hint(sign: int, offset: float, commanded: torch.Tensor, predicted: torch.Tensor) -> str:
    """Name the usual slip behind a wrong ``(sign, offset)``."""
    ref = fit_sign_offset(commanded, predicted)
    if sign not in (1, -1):
        return f"the sign is +1 or -1, got {sign}"
    if sign != ref.sign:
        return (
            "wrong direction: try both signs, and keep the one whose offset leaves the smaller mean squared "
            "residual (predicted - sign · commanded - offset)"
        )
    if abs(offset - float((predicted - commanded).mean())) < 1e-3:
        return "the offset must be fitted for the chosen sign: the mean of predicted - sign · commanded"
    return "for the chosen sign the least-squares offset is the mean of predicted - sign · commanded"


@friendly
def check_fit_sign_offset(fn: Callable[[torch.Tensor, torch.Tensor], tuple[int, float]]) -> None:
    """A learner's ``fn(commanded, predicted) -> (sign, offset)`` must find the library's direction and offset."""
    commanded = torch.linspace(0.0, 90.0, 9).repeat(5)  # 5 identities × 9 views, degrees (a quarter turn)
    noise = torch.randn(commanded.shape, generator=torch.Generator().manual_seed(0))
    cases = [
        ("same direction, offset +20°", commanded + 20 + 2 * noise),
        ("reversed direction, offset -10°", -commanded - 10 + 2 * noise),
        ("a reading that ignores the view", torch.full_like(commanded, 5.0) + noise),
    ]
    for what, predicted in cases[:2]:
        sign, offset = _pair(fn(commanded, predicted))
        ref = fit_sign_offset(commanded, predicted)
        check(
            sign == ref.sign and abs(offset - ref.offset) < 1e-3,
            f"{what}: sign {ref.sign:+d}, offset {ref.offset:.1f}°",
            _fit_hint(sign, offset, commanded, predicted),
        )
    what, predicted = cases[2]
    sign, offset = _pair(fn(commanded, predicted))
    residual = predicted - sign * commanded - offset
    check(
        abs(float(residual.abs().mean()) - fit_sign_offset(commanded, predicted).error) < 1e-3,
        f"{what}: the residual error is at chance ({fit_sign_offset(commanded, predicted).error:.1f}°)",
        "with a flat reading both signs fit equally badly; the offset must still be the mean residual",
    )
    report(3, 3, "fitting the learnt canonical frame")


def turning_cases() -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """``(what, commanded, predicted)`` sweeps of ``(identities, frames)`` angles with a known turning fraction."""
    gen = torch.Generator().manual_seed(3)
    c = torch.linspace(0.0, 90.0, 13).repeat(8, 1)  # 8 identities × 13 commanded views
    noise = 3 * torch.randn(c.shape, generator=gen)
    flat = 40 + 10 * torch.randn(c.shape, generator=gen)  # readings that ignore the view
    mixed = torch.cat([90 - c[:5] + 20 + noise[:5], c[5:7] + noise[5:7], flat[7:]])  # 5 reversed, 2 forward, 1 flat
    forward = torch.cat([c[:6] + 10 + noise[:6], flat[6:]])  # 6 forward, 2 flat
    return [("six identities turning, two flat", c, forward), ("five reversed, two forward, one flat", c, mixed)]


def _turning_hint(got: float, commanded: torch.Tensor, predicted: torch.Tensor) -> str:
    """Name the usual slip behind a wrong turning fraction."""
    n = commanded.shape[0]
    xc = commanded - commanded.mean(1, keepdim=True)
    yc = predicted - predicted.mean(1, keepdim=True)
    r = (xc * yc).sum(1) / (xc.norm(dim=1) * yc.norm(dim=1)).clamp_min(1e-9)  # without the pooled sign
    if got > 1:
        return f"return a fraction between 0 and 1 (the count divided by the {n} identities), not a count"
    if abs(got - float((r >= TURN_THRESHOLD).float().mean())) < 1e-6:
        return "measure each identity's r in the pooled direction: multiply commanded by the pooled sign first"
    if abs(got - float((r.abs() >= TURN_THRESHOLD).float().mean())) < 1e-6:
        return "an identity turning against the pooled direction does not count: compare the signed r, not |r|"
    return (
        f"one Pearson r per identity (row): centre each row on its own mean, sum along the frames (dim 1), divide "
        f"by the two row norms, then the fraction of rows with r >= {TURN_THRESHOLD}"
    )


@friendly
def check_turning_fraction(fn: Callable[[torch.Tensor, torch.Tensor], float]) -> None:
    """A learner's ``fn(commanded, predicted) -> fraction`` must equal ``read_turn(...).turning``."""
    cases = turning_cases()
    for what, commanded, predicted in cases:
        got = fn(commanded, predicted)
        if not isinstance(got, (int, float)) and not (isinstance(got, torch.Tensor) and got.numel() == 1):
            raise CheckFailed(
                f"FAIL: your function returned {type(got).__name__}, not one number\n"
                "  hint: return the fraction of identities turning as a float, e.g. float((r >= 0.7).float().mean())"
            )
        want = read_turn(commanded, predicted).turning
        n = commanded.shape[0]
        check(
            abs(float(got) - want) < 1e-6,
            f"{what}: {round(want * n)} of {n} identities turning ({want:.3f})",
            _turning_hint(float(got), commanded, predicted),
        )
    report(len(cases), len(cases), "the per-identity turning fraction")
