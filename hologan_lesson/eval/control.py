"""3D control: does the generator turn the object as commanded, and keep it the same object meanwhile?

* **Pose consistency** (synthetic data only, where the true pose of every training image is known): we sweep the
  commanded azimuth (or elevation) of one identity and let the pose probe (``eval.probe``) read the pose of each
  generated frame. HoloGAN's canonical frame is learnt, so it may be offset from the renderer's and may even
  turn the other way: we fit ``predicted ≈ sign · commanded + offset`` (one sign ±1 and one offset for all
  identities) and report the mean absolute error of that fit in degrees, and the correlation of commanded and
  predicted angles in the fitted direction.
* **Identity consistency**: while only the view changes, the probe's reading of *what* the object is (family
  probabilities and body colour) should not change. ``1 - within-sweep variance / total variance``: 1 when
  every sweep keeps its identity, about 0 when every frame is a different object.
* **Calibration** (``reference_scores``): real renders of one object at the commanded views score near
  perfect; ``IgnoreView`` (a source that ignores the commanded view) scores at chance on pose, and
  ``ShuffleIdentity`` (a new object at every frame) scores at chance on identity.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from ..config import DataConfig
from ..data.catalogue import Range
from ..model.generator import view_sweep
from .circle import CircularReading, FoldTest, circular_noise_floor, fold_test, read_circular, shuffled_sweeps
from .probe import PoseProbe
from .sources import IgnoreView, ShuffleIdentity, SweepSource, SyntheticSource


@dataclass(frozen=True)
class SweepSpec:
    """Which sweeps the 3D-control metrics command: ``identities`` objects, ``frames`` views per sweep."""

    azimuth_range: Range = (-60.0, 60.0)
    elevation_range: Range = (0.0, 30.0)
    identities: int = 48
    frames: int = 13
    seed: int = 0

    @classmethod
    def for_data(cls, data: DataConfig, **overrides: Any) -> SweepSpec:
        """Sweeps over the pose range the generator was trained on."""
        spec = cls(azimuth_range=tuple(data.azimuth_range), elevation_range=tuple(data.elevation_range))
        return dataclasses.replace(spec, **overrides)

    def azimuth_views(self) -> Tensor:
        """``(frames, 2)``: azimuth across its range, elevation at the middle of its range."""
        return view_sweep("azimuth", self.frames, self.azimuth_range, self.elevation_range)

    def elevation_views(self) -> Tensor:
        """``(frames, 2)``: elevation across its range, azimuth at the middle of its range."""
        return view_sweep("elevation", self.frames, self.azimuth_range, self.elevation_range)


@dataclass(frozen=True)
class AngleFit:
    """``predicted ≈ sign · commanded + offset`` fitted over every frame of every sweep."""

    sign: int
    offset: float
    error: float  # mean absolute residual, degrees
    correlation: float  # Pearson correlation of sign·commanded and predicted (1 = perfect, ~0 = chance)


def fit_sign_offset(commanded: Tensor, predicted: Tensor) -> AngleFit:
    """Best direction (±1) and offset from commanded to predicted angles (least squares), and its error.

    The learnt canonical frame is arbitrary, so this is the most a perfect 3D generator can be asked for:
    the same turn as commanded, up to where "zero" is and which way is positive.
    """
    c, p = commanded.double().flatten(), predicted.double().flatten()
    if c.shape != p.shape or c.numel() < 2:
        raise ValueError(
            f"need matching commanded/predicted angles (at least 2), got {tuple(c.shape)}, {tuple(p.shape)}"
        )
    best = None
    for sign in (1, -1):
        offset = (p - sign * c).mean()
        residual = p - sign * c - offset
        sq = float((residual**2).mean())
        if best is None or sq < best[0] - 1e-12:
            best = (sq, sign, float(offset), float(residual.abs().mean()))
    _, sign, offset, error = best
    cs, pc = sign * c - (sign * c).mean(), p - p.mean()
    denom = float(cs.norm() * pc.norm())
    correlation = float((cs * pc).sum()) / denom if denom > 1e-12 else 0.0
    return AngleFit(sign, offset, error, correlation)


TURN_THRESHOLD = 0.7  # an identity "turns" when its own correlation reaches this


def _pearson_rows(x: Tensor, y: Tensor) -> Tensor:
    """Pearson correlation of matching rows of ``x`` and ``y`` (``(..., T)``); 0 where a row is constant."""
    xc, yc = x - x.mean(-1, keepdim=True), y - y.mean(-1, keepdim=True)
    denom = xc.norm(dim=-1) * yc.norm(dim=-1)
    return torch.where(denom > 1e-9, (xc * yc).sum(-1) / denom.clamp_min(1e-9), torch.zeros_like(denom))


@dataclass(frozen=True)
class TurnReading:
    """Does each identity turn with the command? Two readings of ``(identities, frames)`` sweeps.

    * signed: ``predicted ≈ sign · commanded + offset`` (``fit_sign_offset``), plus each identity's own
      correlation in that direction; ``turning`` is the fraction at ≥ ``TURN_THRESHOLD``, ``opposite`` the
      fraction turning clearly the other way (a blind spot of the pooled fit);
    * unsigned: ``|predicted − centre|`` against ``|commanded − offset|`` with the learnt frame's offset
      fitted. It reads a turn even when the probe cannot tell a view from its mirror image (left/right at eye
      level), and it is blind to neither a frame offset nor a flipped direction.
    """

    signed: AngleFit
    turning: float
    opposite: float
    unsigned_r: float
    unsigned_offset: float
    unsigned_turning: float
    per_identity_r: tuple[float, ...]
    per_identity_unsigned_r: tuple[float, ...]

    def summary(self, prefix: str = "azimuth") -> dict[str, float]:
        """Headline numbers as plain floats, keys prefixed."""
        return {
            f"{prefix}_turning": self.turning,
            f"{prefix}_opposite": self.opposite,
            f"{prefix}_unsigned_corr": self.unsigned_r,
            f"{prefix}_unsigned_offset": self.unsigned_offset,
            f"{prefix}_unsigned_turning": self.unsigned_turning,
        }


def fit_unsigned_offset(commanded: Tensor, predicted: Tensor, centre: float, step: float = 1.0) -> tuple[float, float]:
    """The offset ``o`` that best correlates ``|predicted − centre|`` with ``|commanded − o|``: ``(r, o)``.

    ``o`` is searched on a ``step``-degree grid over the commanded range widened by its own width on each side
    (a learnt frame may sit anywhere); pooled over every frame of every sweep.
    """
    c, p = commanded.double().flatten(), (predicted.double().flatten() - centre).abs()
    lo, hi = float(c.min()), float(c.max())
    width = max(hi - lo, step)
    offsets = torch.arange(lo - width, hi + width + step / 2, step, dtype=torch.float64)  # (K,)
    r = _pearson_rows((c[None, :] - offsets[:, None]).abs(), p.expand(len(offsets), -1))  # (K,)
    best = int(r.argmax())
    return float(r[best]), float(offsets[best])


def read_turn(commanded: Tensor, predicted: Tensor, centre: float = 0.0) -> TurnReading:
    """Both turn readings of ``(identities, frames)`` commanded and predicted angles (degrees)."""
    if commanded.dim() != 2 or commanded.shape != predicted.shape:
        raise ValueError(
            f"read_turn needs matching (identities, frames) angles, got {tuple(commanded.shape)} and "
            f"{tuple(predicted.shape)}"
        )
    c, p = commanded.double(), predicted.double()
    fit = fit_sign_offset(c, p)
    r_each = fit.sign * _pearson_rows(c, p)  # (identities,) in the pooled direction
    unsigned_r, offset = fit_unsigned_offset(c, p, centre)
    u_each = _pearson_rows((c - offset).abs(), (p - centre).abs())
    return TurnReading(
        signed=fit,
        turning=float((r_each >= TURN_THRESHOLD).double().mean()),
        opposite=float((r_each <= -TURN_THRESHOLD).double().mean()),
        unsigned_r=unsigned_r,
        unsigned_offset=offset,
        unsigned_turning=float((u_each >= TURN_THRESHOLD).double().mean()),
        per_identity_r=tuple(float(v) for v in r_each),
        per_identity_unsigned_r=tuple(float(v) for v in u_each),
    )


def turn_noise_floor(
    commanded: Tensor, predicted: Tensor, centre: float = 0.0, permutations: int = 200, seed: int = 0
) -> dict[str, float]:
    """A permutation null: the 95th percentile of each reading when every sweep's frames are shuffled.

    Shuffling breaks any link between command and image while keeping what the probe reads; a reading below
    this floor is no evidence of control, whatever its size.
    """
    c = commanded.double()
    signed, unsigned, turning = [], [], []
    for shuffled in shuffled_sweeps(predicted, permutations, seed):
        fit = fit_sign_offset(c, shuffled)
        signed.append(abs(fit.correlation))
        unsigned.append(fit_unsigned_offset(c, shuffled, centre, step=2.0)[0])
        turning.append(float((fit.sign * _pearson_rows(c, shuffled) >= TURN_THRESHOLD).double().mean()))

    def q95(values: list[float]) -> float:
        return float(torch.tensor(values).quantile(0.95))

    return {"signed_r": q95(signed), "unsigned_r": q95(unsigned), "turning": q95(turning)}


@dataclass
class ControlScores:
    """Pose and identity consistency of one source (see the module docstring)."""

    azimuth: AngleFit
    elevation: AngleFit
    identity_consistency: float
    family_agreement: float
    predictions: dict[str, Tensor] = field(default_factory=dict, repr=False)
    azimuth_turn: TurnReading | None = None
    noise_floor: dict[str, float] = field(default_factory=dict)
    elevation_span: float = 0.0  # degrees the elevation sweep spans (0: a fixed elevation, nothing to read)
    azimuth_circle: CircularReading | None = None
    fold: FoldTest | None = None
    elevation_symmetric: bool = False  # the elevation range is centred on the horizon (e.g. -15..15 degrees)

    @property
    def elevation_rigid(self) -> bool | None:
        """Elevation read with |r| ≥ 0.7 in a direction a rigid object allows; None when the range is fixed.

        The projection has no near/far order, so a generator may learn the depth-mirrored object: turning it by
        (azimuth, elevation) looks like turning the true object by (−azimuth, −elevation). On a range centred on
        the horizon that is a rigid solution, and it reads sign −1 on both angles. On a one-sided range
        (0..35 degrees, say) −elevation lies outside the data, so only sign +1 is rigid there.
        """
        if self.elevation_span <= 5.0:
            return None
        azimuth_sign = self.azimuth_circle.sign if self.azimuth_circle is not None else self.azimuth.sign
        mirrored = self.elevation_symmetric and self.elevation.sign == -1 and azimuth_sign == -1
        return (self.elevation.sign == 1 or mirrored) and abs(self.elevation.correlation) >= TURN_THRESHOLD

    def summary(self) -> dict[str, float]:
        """The headline numbers as plain floats."""
        out = {
            "azimuth_error": self.azimuth.error,
            "azimuth_corr": self.azimuth.correlation,
            "azimuth_sign": self.azimuth.sign,
            "elevation_error": self.elevation.error,
            "elevation_corr": self.elevation.correlation,
            "elevation_sign": self.elevation.sign,
            "identity_consistency": self.identity_consistency,
            "family_agreement": self.family_agreement,
        }
        if self.azimuth_turn is not None:
            out.update(self.azimuth_turn.summary())
        if self.azimuth_circle is not None:
            out.update(self.azimuth_circle.summary())
        if self.fold is not None:
            out.update({"fold_even": self.fold.even, "fold_mirror": self.fold.mirror})
            if self.fold.half_turn is not None:
                out["fold_half_turn"] = self.fold.half_turn
        out.update({f"null_{k}": v for k, v in self.noise_floor.items()})
        rigid = self.elevation_rigid
        if rigid is not None:
            out["elevation_rigid"] = float(rigid)
        return out


def identity_consistency(embeddings: Tensor) -> tuple[float, float]:
    """``(identities, frames, D)`` probe identity embeddings (family probabilities then colour) ->
    ``(1 - within-sweep variance / total variance, fraction of frames on the sweep's majority family)``."""
    e = embeddings.double()
    within = ((e - e.mean(1, keepdim=True)) ** 2).sum(-1).mean()
    total = ((e - e.mean((0, 1), keepdim=True)) ** 2).sum(-1).mean()
    consistency = 1.0 if float(total) < 1e-12 else float(1 - within / total)
    families = embeddings[..., :-3].argmax(-1)  # (identities, frames)
    majority = families.mode(1).values  # (identities,)
    agreement = float((families == majority[:, None]).float().mean())
    return consistency, agreement


def control_scores(source: SweepSource, probe: PoseProbe, sweep: SweepSpec) -> ControlScores:
    """Sweep azimuth and elevation for ``sweep.identities`` identities of ``source`` and score them."""
    az_views, el_views = sweep.azimuth_views(), sweep.elevation_views()  # (T, 2) each
    az_images, el_images = [], []
    for identity in source.identities(sweep.identities, sweep.seed):
        az_images.append(source.sweep(identity, az_views))  # (T, 3, H, W)
        el_images.append(source.sweep(identity, el_views))
    n, t = sweep.identities, sweep.frames
    az_pred = probe.predict(torch.cat(az_images))
    el_pred = probe.predict(torch.cat(el_images))
    commanded_az = az_views[:, 0].repeat(n)  # identity-major, matches the concatenation above
    commanded_el = el_views[:, 1].repeat(n)
    az_fit = fit_sign_offset(commanded_az, az_pred["azimuth"])
    el_fit = fit_sign_offset(commanded_el, el_pred["elevation"])
    centre = sum(probe.spec.azimuth_range) / 2  # the probe's (and the data's) central view
    turn = read_turn(commanded_az.view(n, t), az_pred["azimuth"].view(n, t), centre)
    floor = turn_noise_floor(commanded_az.view(n, t), az_pred["azimuth"].view(n, t), centre, seed=sweep.seed)
    circle = read_circular(commanded_az.view(n, t), az_pred["azimuth"].view(n, t))
    floor.update(circular_noise_floor(commanded_az.view(n, t), az_pred["azimuth"].view(n, t), seed=sweep.seed))
    embeddings = torch.cat([az_pred["identity"].view(n, t, -1), el_pred["identity"].view(n, t, -1)], 1)
    consistency, agreement = identity_consistency(embeddings)  # over both sweeps of each identity
    predictions = {
        "commanded_azimuth": commanded_az.view(n, t),
        "predicted_azimuth": az_pred["azimuth"].view(n, t),
        "commanded_elevation": commanded_el.view(n, t),
        "predicted_elevation": el_pred["elevation"].view(n, t),
    }
    low, high = float(el_views[:, 1].min()), float(el_views[:, 1].max())
    symmetric = abs(low + high) <= 1e-6 * max(1.0, high - low)
    fold = fold_test(source, sweep)
    return ControlScores(
        az_fit, el_fit, consistency, agreement, predictions, turn, floor, high - low, circle, fold, symmetric
    )


def reference_scores(
    probe: PoseProbe, sweep: SweepSpec, resolution: int | None = None, families: Sequence[str] | None = None
) -> dict[str, ControlScores]:
    """Calibration: what the 3D-control metrics say about sources whose answer we know.

    * ``real renders``: the true object rendered at the commanded views (the best a generator can do);
    * ``view ignored``: the same objects, always rendered at the centre of the range whatever the command
      (pose chance level; identity is trivially perfect, which is why pose and identity go together);
    * ``identity shuffled``: a different object at every frame, at the commanded views (identity chance).
    """
    real = SyntheticSource(
        resolution or probe.spec.resolution, families=probe.spec.families if families is None else families
    )
    centre = (sum(sweep.azimuth_range) / 2, sum(sweep.elevation_range) / 2)
    return {
        "real renders": control_scores(real, probe, sweep),
        "view ignored": control_scores(IgnoreView(real, centre), probe, sweep),
        "identity shuffled": control_scores(ShuffleIdentity(real, sweep.frames), probe, sweep),
    }
