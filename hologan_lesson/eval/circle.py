"""Reading a turn on the circle: the circular reading of azimuth sweeps and the fold test.

A linear fit cannot read a turn that wraps round (0° and 360° are one view), and it cannot tell a turn from the
ways a generator can cover a range *without* turning: folding at a view, drawing mirror images, drawing the
back like the front. ``read_circular`` fits ``read ≈ s · commanded + b_i (mod 360°)`` per identity;
``fold_test`` compares images that such shortcuts would make equal. ``control.control_scores`` reports both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:
    from .control import SweepSpec
    from .sources import SweepSource

TURN_ERROR = 20.0  # degrees: an identity turns (circular reading) when its mean error after the fit is at most this


def wrap_degrees(x: Tensor) -> Tensor:
    """Angles in degrees onto (-180, 180]: the shortest way round."""
    return 180.0 - torch.remainder(180.0 - x, 360.0)


def circular_mean(x: Tensor, dim: int = -1) -> Tensor:
    """Mean direction of angles in degrees along ``dim``."""
    r = torch.deg2rad(x)
    return torch.rad2deg(torch.atan2(r.sin().mean(dim), r.cos().mean(dim)))


@dataclass(frozen=True)
class CircularReading:
    """Does each identity turn at the commanded rate, all the way round? ``(identities, frames)`` sweeps read on
    the circle: ``predicted ≈ sign · commanded + offset_i (mod 360°)``, one sign for the run (the learnt turn may
    run either way) and each identity's own frame offset; errors are shortest-way-round angles.

    * ``error``: mean absolute residual over identities and frames; ``score`` = ``1 − error / 90`` (1: perfect,
      about 0: chance);
    * ``turning``: the fraction of identities whose own error is ≤ ``TURN_ERROR``;
    * ``shared_error``: the same with one offset for all identities (a shared canonical frame);
    * ``opposite``: identities that turn (own error ≤ ``TURN_ERROR``) only the other way round.
    """

    sign: int
    error: float
    shared_error: float
    turning: float
    opposite: float
    per_identity_error: tuple[float, ...]
    offsets: tuple[float, ...]

    @property
    def score(self) -> float:
        """``1 − error / 90``: the circular reading on a 0-1 scale (1 = perfect, ~0 = chance)."""
        return 1.0 - self.error / 90.0

    def summary(self, prefix: str = "azimuth_circ") -> dict[str, float]:
        """Headline numbers as plain floats, keys prefixed."""
        return {
            f"{prefix}_error": self.error,
            f"{prefix}_score": self.score,
            f"{prefix}_turning": self.turning,
            f"{prefix}_shared_error": self.shared_error,
            f"{prefix}_opposite": self.opposite,
            f"{prefix}_sign": float(self.sign),
        }


def _circular_errors(c: Tensor, p: Tensor, sign: int) -> tuple[Tensor, Tensor]:
    """Per-identity offsets ``(I,)`` and absolute residuals ``(I, T)`` of ``p ≈ sign·c + offset_i``."""
    offsets = circular_mean(p - sign * c, dim=1)
    return offsets, wrap_degrees(p - sign * c - offsets[:, None]).abs()


def read_circular(commanded: Tensor, predicted: Tensor) -> CircularReading:
    """The circular reading of ``(identities, frames)`` commanded and predicted azimuths (degrees)."""
    if commanded.dim() != 2 or commanded.shape != predicted.shape or commanded.shape[1] < 2:
        raise ValueError(
            f"read_circular needs matching (identities, frames ≥ 2) angles, got {tuple(commanded.shape)} and "
            f"{tuple(predicted.shape)}"
        )
    c, p = commanded.double(), predicted.double()
    per_sign = {s: _circular_errors(c, p, s) for s in (1, -1)}
    sign = min(per_sign, key=lambda s: float(per_sign[s][1].mean()))
    offsets, residual = per_sign[sign]
    own = residual.mean(1)  # (I,)
    other = per_sign[-sign][1].mean(1)
    shared = wrap_degrees(p - sign * c - circular_mean((p - sign * c).flatten(), dim=0)).abs().mean()
    return CircularReading(
        sign=sign,
        error=float(own.mean()),
        shared_error=float(shared),
        turning=float((own <= TURN_ERROR).double().mean()),
        opposite=float(((other <= TURN_ERROR) & (other < own)).double().mean()),
        per_identity_error=tuple(float(v) for v in own),
        offsets=tuple(float(v) for v in offsets),
    )


def shuffled_sweeps(predicted: Tensor, permutations: int, seed: int) -> Iterator[Tensor]:
    """``permutations`` copies of ``(identities, frames)`` readings (float64), each sweep's frames shuffled:
    the permutation null of every turn reading (the same seed gives the same shuffles)."""
    gen = torch.Generator().manual_seed(seed)
    p = predicted.double()
    for _ in range(permutations):
        yield torch.gather(p, 1, torch.argsort(torch.rand(p.shape, generator=gen), dim=1))


def circular_noise_floor(commanded: Tensor, predicted: Tensor, permutations: int = 200, seed: int = 0) -> dict:
    """Permutation null of the circular reading: the 5th percentile of its error and the 95th of its turning
    fraction when every sweep's frames are shuffled (an error above the floor is no evidence of a turn)."""
    errors, turning = [], []
    for shuffled in shuffled_sweeps(predicted, permutations, seed):
        reading = read_circular(commanded, shuffled)
        errors.append(reading.error)
        turning.append(reading.turning)
    return {
        "circ_error": float(torch.tensor(errors).quantile(0.05)),
        "circ_turning": float(torch.tensor(turning).quantile(0.95)),
    }


@dataclass(frozen=True)
class FoldTest:
    """Is the turn folded? Mean pixel distances, each divided by the distance between two random views of the
    same identity: ``even`` = G(z, θ) vs G(z, −θ) (a fold maps a view and its reflection about the range's
    centre to one image: ~0), ``mirror`` = the left-right flip of G(z, θ) vs G(z, −θ) (a model that draws
    mirror images instead of turning: ~0), ``half_turn`` = G(z, θ) vs G(z, θ + 180°) (an object whose back is
    drawn like its front: ~0; only read on ranges of a full circle). A rigid turn of a world-lit car with a
    distinct front and back keeps ``even`` and ``half_turn`` well above 0; ``mirror`` stays above 0 on a range
    without mirror pairs (0–180°), while on a full circle real renders read it low (the view at −θ of a
    left–right symmetric car *is* nearly the mirror image of the view at θ), so read it there against them."""

    even: float
    mirror: float
    half_turn: float | None = None


def fold_test(source: SweepSource, sweep: SweepSpec, identities: int = 16) -> FoldTest:
    """``FoldTest`` of ``source`` over the azimuth sweep's views (those equal to their reflection left out)."""
    views = sweep.azimuth_views()
    centre = sum(sweep.azimuth_range) / 2
    reflected = views.clone()
    reflected[:, 0] = 2 * centre - views[:, 0]
    keep = wrap_degrees(reflected[:, 0] - views[:, 0]).abs() > 1.0
    views, reflected = views[keep], reflected[keep]
    circle = sweep.azimuth_range[1] - sweep.azimuth_range[0] >= 360.0
    opposite = views + torch.tensor([180.0, 0.0])
    gen = torch.Generator().manual_seed(sweep.seed + 7)
    even, mirror, half, base = [], [], [], []
    for identity in source.identities(min(identities, sweep.identities), sweep.seed):
        a, b = source.sweep(identity, views).float(), source.sweep(identity, reflected).float()
        shuffled = a[torch.randperm(len(a), generator=gen)]
        even.append((a - b).abs().mean())
        mirror.append((a.flip(-1) - b).abs().mean())
        if circle:
            half.append((a - source.sweep(identity, opposite).float()).abs().mean())
        base.append((a - shuffled).abs().mean() * len(a) / max(1, len(a) - 1))  # a frame against itself: 0
    ref = float(torch.stack(base).mean()) or 1.0
    half_turn = float(torch.stack(half).mean()) / ref if half else None
    return FoldTest(float(torch.stack(even).mean()) / ref, float(torch.stack(mirror).mean()) / ref, half_turn)
