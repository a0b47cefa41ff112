"""Checkers for lesson 09 (what came next): volume-rendering weights and GIRAFFE's composition of fields.

Every check runs (``_core.check`` records a failure and carries on); the closing message lists each failure
once, with a hint that names the usual slip when the learner's numbers match one.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..next_steps import composite_fields, compositing_weights, transmittance
from ._core import check, friendly, report


def _same(a, b, atol: float = 1e-5) -> bool:
    return isinstance(a, torch.Tensor) and a.shape == b.shape and bool(torch.allclose(a.float(), b, atol=atol))


def _exclusive(values: torch.Tensor, op: str) -> torch.Tensor:
    """Exclusive cumulative product or sum along the last dimension (first entry 1 or 0)."""
    if op == "prod":
        return torch.cumprod(torch.cat([torch.ones_like(values[..., :1]), values[..., :-1]], -1), -1)
    return torch.cumsum(torch.cat([torch.zeros_like(values[..., :1]), values[..., :-1]], -1), -1)


def _weights_hint(mine, alpha: torch.Tensor) -> str:
    """Name the slip behind wrong weights ``mine`` for rays ``alpha (..., S)``."""
    slips = [
        (alpha, "the weights are just alpha: multiply each alpha_i by T_i, the share of light that reaches sample i"),
        (
            alpha * torch.cumprod(1 - alpha, -1),
            "wrong transmittance: your T_i includes sample i itself. T_i is the product over the samples in front "
            "of i only (j < i), so T_0 = 1: shift the cumulative product by one sample",
        ),
        (
            compositing_weights(alpha.flip(-1)).flip(-1),
            "near-to-far order reversed: index 0 is the nearest sample, the one the light reaches first (T_0 = 1); "
            "accumulate the transmittance from index 0 towards the far end",
        ),
        (transmittance(alpha), "you returned the transmittance T_i; the weight is T_i times alpha_i"),
        (
            alpha * _exclusive(alpha, "prod"),
            "the transmittance multiplies (1 - alpha_j), the light each sample lets through, not alpha_j",
        ),
        (
            alpha * (1 - _exclusive(alpha, "sum")),
            "the transmittance is a product of (1 - alpha_j), not 1 minus a sum: a sum can go below zero",
        ),
        (
            compositing_weights(alpha.movedim(-1, 0)).movedim(0, -1),
            "the samples lie along the last dimension (dim=-1); the leading dimensions are separate rays",
        ),
    ]
    for wrong, hint in slips:
        if _same(mine, wrong):
            return hint
    return "w_i = alpha_i * prod_{j<i} (1 - alpha_j) along the last dimension, index 0 nearest (T_0 = 1)"


@friendly
def check_compositing_weights(fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """A learner's ``fn(alpha (..., S)) -> weights (..., S)`` must give the volume-rendering weights."""
    g = torch.Generator().manual_seed(9)
    alpha = torch.rand(2, 3, 8, generator=g)  # 2x3 rays of 8 samples, near to far
    kept = alpha.clone()
    mine = fn(alpha)
    hint = _weights_hint(mine, kept)
    shape_ok = isinstance(mine, torch.Tensor) and mine.shape == kept.shape
    check(
        shape_ok,
        "the weights have the shape of alpha, (2, 3, 8): one weight per sample",
        f"got {tuple(mine.shape) if isinstance(mine, torch.Tensor) else type(mine).__name__}: keep every "
        "dimension (cumprod keeps the shape; do not sum or index it away)",
    )
    check(torch.equal(alpha, kept), "alpha is left unchanged", "do not write into alpha (no in-place ops on it)")
    if not shape_ok:  # the other checks compare numbers shape by shape
        report(2, 2, "volume-rendering weights (the other checks need weights of the right shape)")
        return
    mine = mine.float()
    check(
        bool((mine >= -1e-6).all() and (mine.sum(-1) <= 1 + 1e-5).all()),
        "the weights are never negative and sum to at most 1 on every ray",
        hint,
    )
    cases = [
        ([1.0, 0.5, 0.5, 1.0], [1.0, 0.0, 0.0, 0.0], "an opaque first sample takes all the weight"),
        ([0.5, 0.5, 0.5, 0.5], [0.5, 0.25, 0.125, 0.0625], "half-transparent samples: weights halve, near to far"),
        ([0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], "an empty ray has no weight"),
    ]
    for ray, want, what in cases:
        got = fn(torch.tensor(ray))
        check(_same(got, torch.tensor(want)), f"{what}: {ray} -> {want}", _weights_hint(got, torch.tensor(ray)))
    check(_same(mine, compositing_weights(kept)), "same weights as the library on 2x3 random rays", hint)
    report(7, 7, "volume-rendering weights")


def _fields_hint(sigma, feature, sigmas: torch.Tensor, features: torch.Tensor) -> str:
    """Name the slip behind a wrong composite of fields."""
    total = sigmas.sum(0)
    if isinstance(sigma, torch.Tensor) and sigma.shape == total.shape and not _same(sigma, total):
        return "the densities add up: sigma = sum over the fields of sigma_k (sum over dim 0)"
    if not isinstance(feature, torch.Tensor) or not torch.isfinite(feature).all():
        return "where every density is 0 the division gives NaN: divide by sigma.clamp_min(1e-8) (or similar)"
    slips = [
        (features.mean(0), "weight each field's feature by its density: sum_k sigma_k f_k, not a plain mean"),
        ((sigmas * features).sum(0), "divide the weighted sum by the total density sum_k sigma_k"),
        (
            features.gather(0, sigmas.argmax(0, keepdim=True).expand_as(features[:1]))[0],
            "GIRAFFE blends: the density-weighted mean, not the feature of the densest field (that is BlockGAN's "
            "max, in spirit)",
        ),
    ]
    for wrong, hint in slips:
        if _same(feature, wrong):
            return hint
    return "sigma = sum_k sigma_k; f = sum_k sigma_k f_k / sigma, both summed over the fields (dim 0)"


@friendly
def check_composite_fields(fn: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]) -> None:
    """A learner's ``fn(sigmas (K, N, 1, ...), features (K, N, C, ...)) -> (sigma, feature)``: GIRAFFE's operator."""
    g = torch.Generator().manual_seed(9)
    sigmas = torch.rand(3, 2, 1, 5, generator=g) * 4  # 3 fields, 2 rays, 5 samples
    sigmas[:, :, :, 0] = 0  # every field empty at the first sample
    features = torch.rand(3, 2, 4, 5, generator=g)
    out = fn(sigmas.clone(), features.clone())
    ok = isinstance(out, tuple) and len(out) == 2 and all(isinstance(t, torch.Tensor) for t in out)
    check(ok, "returns two tensors (sigma, feature)", "return sigma, feature")
    if not ok:
        report(1, 1, "composing feature fields (the other checks need the two tensors)")
        return
    sigma, feature = out
    want_sigma, want_feature = composite_fields(sigmas, features)
    hint = _fields_hint(sigma, feature, sigmas, features)
    check(
        sigma.shape == (2, 1, 5) and feature.shape == (2, 4, 5),
        "shapes (2, 1, 5) and (2, 4, 5): the fields' dimension (dim 0) is summed away",
        f"got {tuple(sigma.shape)} and {tuple(feature.shape)}: sum over dim 0, the fields",
    )
    check(_same(sigma, want_sigma), "the densities add up", hint)
    check(bool(torch.isfinite(feature).all()), "no NaN where every field is empty", hint)
    _, one_feature = fn(sigmas[:1], features[:1])
    empty = torch.zeros_like(sigmas[:1])
    with_empty = fn(torch.cat([sigmas[:1], empty]), torch.cat([features[:1], features[1:2]]))
    check(
        _same(one_feature[..., 1:], features[0, ..., 1:]) and _same(with_empty[1][..., 1:], features[0, ..., 1:]),
        "one field alone, or with an empty one, keeps its own feature",
        hint,
    )
    check(_same(feature, want_feature), "same feature as the library on random fields", hint)
    report(6, 6, "composing feature fields")
