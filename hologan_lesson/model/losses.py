"""HoloGAN's losses: non-saturating GAN, multi-scale style, and identity (latent regression).

The building blocks are unweighted; ``discriminator_loss`` and ``generator_loss`` apply the weights
from ``LossConfig`` and return ``(total, terms)`` where ``terms`` holds each *weighted* contribution
(``total == sum(terms.values())``). Term names, also the training log's CSV columns:

    discriminator: d_adv, d_style, d_identity, d_view, d_r1  generator: g_adv, g_style, g_identity, g_view

A term whose weight is 0, or whose head the discriminator does not have, is not computed at all:
it is absent from ``terms`` and adds nothing to ``total`` or to any gradient.

Who sees which gradient is decided by the caller, as in any GAN loop: the D step scores
``G(z).detach()`` (nothing reaches G); the G step scores ``G(z)`` and only G's optimiser steps.
The identity term appears in both losses (as the official code): through D it trains the
identity head to read z off an image, through G it pushes G to make z readable.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from ..config import LossConfig
from .discriminator import DiscriminatorOutput


def _bce(logits: Tensor, target: float) -> Tensor:
    # sigmoid cross-entropy from logits, stable for large |logit| (never forms log(sigmoid) naively)
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def gan_loss_d(real_logit: Tensor, fake_logit: Tensor) -> Tensor:
    """Discriminator GAN loss: ``BCE(real, 1) + BCE(fake, 0)``, each averaged over the batch."""
    return _bce(real_logit, 1.0) + _bce(fake_logit, 0.0)


def gan_loss_g(fake_logit: Tensor) -> Tensor:
    """Non-saturating generator loss ``BCE(fake, 1) = -log D(G(z))``, averaged over the batch."""
    return _bce(fake_logit, 1.0)


def style_loss_d(real_style_logits: Sequence[Tensor], fake_style_logits: Sequence[Tensor]) -> Tensor:
    """Sum over layers of the style classifiers' GAN loss ``BCE(real_l, 1) + BCE(fake_l, 0)``."""
    if len(real_style_logits) != len(fake_style_logits) or not real_style_logits:
        raise ValueError(
            f"need the same, non-zero number of real and fake style logits, "
            f"got {len(real_style_logits)} and {len(fake_style_logits)}"
        )
    return sum(gan_loss_d(r, f) for r, f in zip(real_style_logits, fake_style_logits))


def style_loss_g(fake_style_logits: Sequence[Tensor]) -> Tensor:
    """Sum over layers of the non-saturating generator loss on the fake images' style logits."""
    if not fake_style_logits:
        raise ValueError("need at least one style logit")
    return sum(gan_loss_g(f) for f in fake_style_logits)


def identity_loss(z_hat: Tensor, z: Tensor) -> Tensor:
    """Mean squared error between the regressed and the true latent codes (unweighted)."""
    if z_hat.shape != z.shape:
        raise ValueError(
            f"regressed z {tuple(z_hat.shape)} and true z {tuple(z.shape)} differ: DiscriminatorConfig.z_dim "
            "must be the full latent length (concatenate (z_shape, z_appearance) when they are separate)"
        )
    return (z_hat - z).pow(2).mean()


def view_targets(views: Tensor) -> Tensor:
    """``(N, 2)`` views in degrees (azimuth, elevation) -> ``(N, 3)``: cos and sin of azimuth (no seam at
    ±180°), elevation in radians."""
    az, el = torch.deg2rad(views.float()).unbind(1)
    return torch.stack([az.cos(), az.sin(), el], 1)


def view_loss(view_hat: Tensor, views: Tensor, elevation_weight: float = 1.0) -> Tensor:
    """pi-GAN's position penalty: mean squared error between D's reading of a fake's view and the view it was
    rendered at (unweighted). Recipes use only *sampled* views of fakes; real images' poses reach it only in the
    labelled contrast ``loss.view_real_weight``.

    ``elevation_weight`` scales the elevation term: over −20…20° the elevation target has less than half the
    variance of each of the azimuth's cos and sin over a quarter turn (0.041 against 0.095), so at 1 the head's
    elevation reading counts for less than its azimuth reading."""
    squared = (view_hat.float() - view_targets(views).to(view_hat.device)).pow(2)
    return (squared * squared.new_tensor([1.0, 1.0, elevation_weight])).mean()


def r1_penalty(real_logit: Tensor, real: Tensor) -> Tensor:
    """R1 (Mescheder et al. 2018): ``E |grad_x D(x)|^2`` over real images ``x`` (unweighted). ``real`` must have
    required grad before D read it; the graph is kept, so D's weights get the penalty's gradient."""
    if not real.requires_grad:
        raise ValueError("r1_penalty: call real.requires_grad_(True) before the discriminator reads the real images")
    (grad,) = torch.autograd.grad(real_logit.float().sum(), real, create_graph=True)
    return grad.float().pow(2).flatten(1).sum(1).mean()


def discriminator_loss(
    out_real: DiscriminatorOutput,
    out_fake: DiscriminatorOutput,
    z: Tensor | None,
    cfg: LossConfig,
    views: Tensor | None = None,
    real: Tensor | None = None,
    real_views: Tensor | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """Weighted D loss from D's outputs on real and (detached) fake images; ``z`` and ``views`` made the fakes;
    ``real`` (read by D with requires_grad) is needed only for the R1 term, ``real_views`` (the real images' true
    poses) only for the labelled contrast ``view_real_weight``."""
    terms: dict[str, Tensor] = {}
    if cfg.adversarial_weight:
        terms["d_adv"] = cfg.adversarial_weight * gan_loss_d(out_real.logit, out_fake.logit)
    if cfg.style_weight and out_real.style_logits:
        terms["d_style"] = cfg.style_weight * style_loss_d(out_real.style_logits, out_fake.style_logits)
    if cfg.identity_weight and out_fake.latent is not None:
        terms["d_identity"] = cfg.identity_weight * identity_loss(out_fake.latent, _need_z(z))
    if cfg.view_weight and cfg.view_fakes_in_d and out_fake.view is not None:
        terms["d_view"] = cfg.view_weight * view_loss(out_fake.view, _need_views(views), cfg.view_elevation_weight)
    if cfg.view_real_weight and out_real.view is not None:
        if real_views is None:
            raise ValueError("loss.view_real_weight > 0: pass the real images' poses as `real_views`")
        terms["d_view_real"] = cfg.view_real_weight * view_loss(out_real.view, real_views, cfg.view_elevation_weight)
    if cfg.r1_weight:
        if real is None:
            raise ValueError("loss.r1_weight > 0: pass the real images (read with requires_grad) as `real`")
        terms["d_r1"] = cfg.r1_weight / 2 * r1_penalty(out_real.logit, real)
    return _total(terms, "discriminator"), terms


def generator_loss(
    out_fake: DiscriminatorOutput, z: Tensor | None, cfg: LossConfig, views: Tensor | None = None
) -> tuple[Tensor, dict[str, Tensor]]:
    """Weighted G loss from D's outputs on (non-detached) fake images made from ``z`` at ``views``."""
    terms: dict[str, Tensor] = {}
    if cfg.adversarial_weight:
        terms["g_adv"] = cfg.adversarial_weight * gan_loss_g(out_fake.logit)
    if cfg.style_weight and cfg.style_to_generator and out_fake.style_logits:
        terms["g_style"] = cfg.style_weight * style_loss_g(out_fake.style_logits)
    if cfg.identity_weight and out_fake.latent is not None:
        terms["g_identity"] = cfg.identity_weight * identity_loss(out_fake.latent, _need_z(z))
    if cfg.view_weight and out_fake.view is not None:
        terms["g_view"] = cfg.view_weight * view_loss(out_fake.view, _need_views(views), cfg.view_elevation_weight)
    return _total(terms, "generator"), terms


def _need_views(views: Tensor | None) -> Tensor:
    if views is None:
        raise ValueError("view_weight > 0 and D has a view head, but the fakes' views were not passed")
    return views


def _need_z(z: Tensor | None) -> Tensor:
    if z is None:
        raise ValueError("identity_weight > 0 and D has an identity head, but z is None")
    return z


def _total(terms: dict[str, Tensor], who: str) -> Tensor:
    if not terms:
        raise ValueError(f"every {who} loss term is switched off: check the LossConfig weights and D's heads")
    return sum(terms.values())
