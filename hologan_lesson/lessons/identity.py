"""Measuring identity: can ``z`` be read back from a generated image, and does it stay put across views?

Lesson 05 uses three tools:

* ``latent_recovery_error``: the mean squared error between ``z`` and a regressor's ``ẑ`` on generated
  images at random views (for ``z ~ U(-1, 1)``, always answering 0 scores ``E[z²] = 1/3``);
* ``train_latent_probe``: a fresh regressor (the discriminator architecture, identity head only), trained
  on a *frozen* generator, so that generators can be compared with the same ruler;
* ``identity_stability``: from embeddings of K identities at T views, the mean distance between views of
  the same identity divided by the mean distance between identities at the same view. 0 means the
  embedding ignores the view completely; about 1 means the view moves it as much as a new identity does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from ..config import DiscriminatorConfig
from ..model.discriminator import HoloGANDiscriminator
from ..model.generator import HoloGANGenerator, uniform_z
from ..model.losses import identity_loss
from ..model.rotation import sample_views

Regressor = Callable[[Tensor], Tensor]  # images (N, 3, H, W) -> codes (N, latent_dim)


@dataclass(frozen=True)
class Stability:
    """Spread of embeddings across views (``intra``) and across identities (``inter``), and their ratio."""

    intra: float  # mean distance between two views of the same identity
    inter: float  # mean distance between two identities seen from the same view
    ratio: float  # intra / inter: lower = identity more stable under view changes


def identity_stability(embeddings: Tensor) -> Stability:
    """``embeddings (K, T, d)``: K identities at T views each (K, T >= 2). Euclidean distances."""
    if embeddings.ndim != 3:
        raise ValueError(f"expected embeddings (K identities, T views, d), got {tuple(embeddings.shape)}")
    k, t = embeddings.shape[:2]
    if k < 2 or t < 2:
        raise ValueError(f"need at least 2 identities and 2 views, got K={k}, T={t}")
    e = embeddings.detach().double()
    within = torch.cdist(e, e)  # (K, T, T): views of one identity
    across = torch.cdist(e.transpose(0, 1), e.transpose(0, 1))  # (T, K, K): identities at one view
    intra = within.sum() / (k * t * (t - 1))  # the diagonal is 0, so divide by the off-diagonal count
    inter = across.sum() / (t * k * (k - 1))
    if inter == 0:
        raise ValueError("all identities have the same embedding: the ratio is undefined")
    return Stability(float(intra), float(inter), float(intra / inter))


def sweep_inputs(z: Tensor, views: Tensor) -> tuple[Tensor, Tensor]:
    """Every code of ``z (K, L)`` at every view of ``views (T, 2)``: ``(K·T, L), (K·T, 2)``, identity-major."""
    k, t = z.shape[0], views.shape[0]
    return z.repeat_interleave(t, dim=0), views.to(z.device).repeat(k, 1)


@torch.no_grad()
def render_sweeps(generator: HoloGANGenerator, z: Tensor, views: Tensor, batch_size: int = 64) -> Tensor:
    """Images of K identities at T views: ``(K, T, 3, H, W)``."""
    zs, vs = sweep_inputs(z, views)
    images = torch.cat([generator(a, b) for a, b in zip(zs.split(batch_size), vs.split(batch_size))])
    return images.view(z.shape[0], views.shape[0], *images.shape[1:])


@torch.no_grad()
def embed(regressor: Regressor, images: Tensor, batch_size: int = 64) -> Tensor:
    """Apply ``regressor`` to images of any leading shape ``(..., 3, H, W)`` -> ``(..., d)``."""
    lead = images.shape[:-3]
    flat = images.reshape(-1, *images.shape[-3:])
    codes = torch.cat([regressor(chunk) for chunk in flat.split(batch_size)])
    return codes.view(*lead, -1)


@torch.no_grad()
def latent_recovery_error(generator: HoloGANGenerator, regressor: Regressor, z: Tensor, views: Tensor) -> float:
    """``mean((ẑ - z)²)`` with ``ẑ = regressor(G(z, views))``; ``z (N, L)``, ``views (N, 2)``."""
    return float(identity_loss(embed(regressor, generator(z, views)), z))


def latent_head(discriminator: HoloGANDiscriminator) -> Regressor:
    """The discriminator's identity head as an images -> ẑ function (eval mode while it runs)."""
    if discriminator.identity_head is None:
        raise ValueError("this discriminator has no identity head (DiscriminatorConfig.identity_head=False)")

    def regress(images: Tensor) -> Tensor:
        was_training = discriminator.training
        discriminator.eval()  # spectral norm: use the current estimate, do not advance the power iteration
        try:
            return discriminator(images).latent
        finally:
            discriminator.train(was_training)

    return regress


def train_latent_probe(
    generator: HoloGANGenerator,
    cfg: DiscriminatorConfig,
    steps: int,
    batch_size: int = 32,
    azimuth_range: tuple[float, float] = (-60.0, 60.0),
    elevation_range: tuple[float, float] = (0.0, 30.0),
    lr: float = 1e-3,
    seed: int = 0,
) -> tuple[HoloGANDiscriminator, list[float]]:
    """Train a fresh z-regressor on images of the frozen ``generator`` at random views.

    The probe is ``HoloGANDiscriminator(cfg)`` without style heads, trained only through its identity head
    with the MSE identity loss. Codes and views come from a generator seeded with ``seed``, so two
    generators probed with the same arguments are measured on exactly the same inputs.
    """
    torch.manual_seed(seed)
    probe = HoloGANDiscriminator(
        dataclasses.replace(cfg, style_heads=False, identity_head=True, z_dim=generator.latent_dim)
    )
    probe.to(next(generator.parameters()).device)
    opt = torch.optim.Adam(probe.parameters(), lr=lr, betas=(0.5, 0.999))
    rng = torch.Generator().manual_seed(seed + 1)
    device = next(generator.parameters()).device
    losses = []
    was_training = generator.training
    generator.eval()
    try:
        for _ in range(steps):
            z = uniform_z((batch_size, generator.latent_dim), rng, device)
            views = sample_views(batch_size, azimuth_range, elevation_range, generator=rng, device=device)
            with torch.no_grad():
                images = generator(z, views)  # (B, 3, H, W); the generator is not trained
            loss = identity_loss(probe(images).latent, z)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
    finally:
        generator.train(was_training)
    return probe.eval(), losses
