"""Identity metrics of lesson 05: the stability ratio, sweeps, latent recovery and the probe."""

from __future__ import annotations

import math

import pytest
import torch

from hologan_lesson.config import discriminator_config, generator_config
from hologan_lesson.lessons.identity import (
    identity_stability,
    latent_head,
    latent_recovery_error,
    render_sweeps,
    sweep_inputs,
    train_latent_probe,
)
from hologan_lesson.model.discriminator import HoloGANDiscriminator
from hologan_lesson.model.generator import HoloGANGenerator, azimuth_sweep


def tiny_generator(z_dim: int = 6) -> HoloGANGenerator:
    torch.manual_seed(0)
    return HoloGANGenerator(generator_config(64, width=1 / 16, z_dim=z_dim)).eval()


def test_stability_by_hand():
    # two identities at two views in 1D: views move each code by 1, identities are 4 apart
    e = torch.tensor([[[0.0], [1.0]], [[4.0], [5.0]]])  # (K=2, T=2, d=1)
    s = identity_stability(e)
    assert s.intra == pytest.approx(1.0) and s.inter == pytest.approx(4.0) and s.ratio == pytest.approx(0.25)


def test_stability_extremes():
    g = torch.Generator().manual_seed(0)
    codes = torch.randn(6, 1, 5, generator=g)
    assert identity_stability(codes.expand(6, 4, 5)).ratio == 0.0  # the view changes nothing
    noise = torch.randn(200, 10, 5, generator=g)  # the view changes everything: no identity left
    assert identity_stability(noise).ratio == pytest.approx(1.0, abs=0.02)


def test_stability_rejects_bad_input():
    with pytest.raises(ValueError, match="K identities"):
        identity_stability(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="at least 2"):
        identity_stability(torch.zeros(1, 4, 2))
    with pytest.raises(ValueError, match="same embedding"):
        identity_stability(torch.zeros(3, 4, 2))


def test_sweep_inputs_are_identity_major():
    z = torch.arange(6.0).view(3, 2)  # (K=3, L=2)
    views = torch.tensor([[0.0, 0.0], [30.0, 10.0]])  # (T=2, 2)
    zs, vs = sweep_inputs(z, views)
    assert zs.shape == (6, 2) and vs.shape == (6, 2)
    assert torch.equal(zs[0], zs[1]) and torch.equal(zs[1], z[0]) and torch.equal(zs[2], z[1])
    assert torch.equal(vs[:2], views) and torch.equal(vs[2:4], views)


def test_render_sweeps_matches_direct_calls():
    g = tiny_generator()
    z = g.sample_z(3, torch.Generator().manual_seed(1))
    views = azimuth_sweep(4, (-60.0, 60.0), 10.0)
    sweeps = render_sweeps(g, z, views, batch_size=5)  # chunks that cut across identities
    assert sweeps.shape == (3, 4, 3, 64, 64)
    with torch.no_grad():
        direct = g(z[1:2].expand(4, -1), views)
    assert torch.allclose(sweeps[1], direct, atol=1e-5)


def test_latent_recovery_error_of_trivial_regressors():
    g = tiny_generator()
    z = g.sample_z(512, torch.Generator().manual_seed(2))
    views = torch.zeros(512, 2)
    zero = latent_recovery_error(g, lambda x: torch.zeros(x.shape[0], 6), z, views)
    assert zero == pytest.approx(float(z.pow(2).mean()))
    assert zero == pytest.approx(1 / 3, abs=0.03)  # E[z²] for U(-1, 1)


def test_latent_head_uses_eval_mode_and_restores_it():
    d = HoloGANDiscriminator(discriminator_config(64, width=1 / 8, z_dim=6)).train()
    u_before = d.blocks[0].conv.parametrizations.weight[0]._u.clone()
    codes = latent_head(d)(torch.randn(2, 3, 64, 64))
    assert codes.shape == (2, 6) and d.training
    assert torch.equal(d.blocks[0].conv.parametrizations.weight[0]._u, u_before)  # no power iteration ran
    with pytest.raises(ValueError, match="no identity head"):
        latent_head(HoloGANDiscriminator(discriminator_config(64, width=1 / 8, identity_head=False)))


def test_probe_learns_to_read_z_and_leaves_the_generator_alone():
    g = tiny_generator(z_dim=4)
    before = {k: v.clone() for k, v in g.state_dict().items()}
    probe, losses = train_latent_probe(g, discriminator_config(64, width=1 / 8), steps=40, batch_size=16)
    assert len(losses) == 40 and all(math.isfinite(x) for x in losses)
    assert not probe.training and not g.training
    assert all(torch.equal(before[k], v) for k, v in g.state_dict().items())
    z = g.sample_z(128, torch.Generator().manual_seed(3))
    views = torch.zeros(128, 2)
    untrained = HoloGANDiscriminator(discriminator_config(64, width=1 / 8, z_dim=4))
    assert latent_recovery_error(g, latent_head(probe), z, views) < 0.9 * latent_recovery_error(
        g, latent_head(untrained), z, views
    )
