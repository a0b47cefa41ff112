"""Checkers for lesson 07 (measuring 3D control)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...eval.control import fit_sign_offset
from ._core import check, friendly, report


@friendly
def check_fit_sign_offset(fn: Callable[[torch.Tensor, torch.Tensor], tuple[int, float]]) -> None:
    """A learner's ``fn(commanded, predicted) -> (sign, offset)`` must find the library's direction and offset."""
    commanded = torch.linspace(-60.0, 60.0, 9).repeat(5)  # 5 identities × 9 views, degrees
    noise = torch.randn(commanded.shape, generator=torch.Generator().manual_seed(0))
    cases = [
        ("same direction, offset +20°", commanded + 20 + 2 * noise),
        ("reversed direction, offset -10°", -commanded - 10 + 2 * noise),
        ("a reading that ignores the view", torch.full_like(commanded, 5.0) + noise),
    ]
    for what, predicted in cases[:2]:
        sign, offset = fn(commanded, predicted)
        ref = fit_sign_offset(commanded, predicted)
        check(
            int(sign) == ref.sign and abs(float(offset) - ref.offset) < 1e-3,
            f"{what}: sign {ref.sign:+d}, offset {ref.offset:.1f}°",
            "try both signs; for each, the best offset is the mean of predicted - sign · commanded; keep the sign "
            "with the smaller squared residual",
        )
    what, predicted = cases[2]
    sign, offset = fn(commanded, predicted)
    residual = predicted - sign * commanded - offset
    check(
        abs(float(residual.abs().mean()) - fit_sign_offset(commanded, predicted).error) < 1e-3,
        f"{what}: the residual error is at chance ({fit_sign_offset(commanded, predicted).error:.1f}°)",
        "with a flat reading both signs fit equally badly; the offset must still be the mean residual",
    )
    report(3, 3, "fitting the learnt canonical frame")
