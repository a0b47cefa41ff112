"""The pieces of the full-turn recipe: cars whose sides differ, pi-GAN's view head, and readings on the circle."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hologan_lesson.config import LossConfig, discriminator_config
from hologan_lesson.data.render import render_object
from hologan_lesson.data.shapes import FIXED_COLOURS, TAIL_LIGHT, sample_object_params
from hologan_lesson.eval.circle import circular_noise_floor, fold_test, read_circular, wrap_degrees
from hologan_lesson.eval.control import SweepSpec
from hologan_lesson.eval.probe import PoseProbe, ProbeSpec
from hologan_lesson.eval.sources import IgnoreView, SyntheticSource
from hologan_lesson.model.discriminator import HoloGANDiscriminator
from hologan_lesson.model.generator import azimuth_sweep
from hologan_lesson.model.losses import discriminator_loss, generator_loss, view_loss, view_targets

CAR = sample_object_params(np.random.default_rng(0), "car")


def _reddish(image: np.ndarray) -> int:
    r, g, b = (image[..., k].astype(int) for k in range(3))
    return int(((r > 150) & (g < 90) & (b < 90)).sum())


def test_tail_lamps_show_from_behind_only():
    assert _reddish(render_object(CAR, 180, 0, 64)) > 0  # the back: red tail lamps
    assert _reddish(render_object(CAR, 0, 0, 64)) == 0  # the front: none
    assert CAR.colour_of(TAIL_LIGHT).tolist() == list(FIXED_COLOURS[0])


def test_world_light_makes_mirror_views_differ():
    left, right = render_object(CAR, 60, 0, 64).astype(float), render_object(CAR, -60, 0, 64).astype(float)
    # with a light fixed to the viewer, the view at -60° would be close to the mirror image of the one at +60°
    assert np.abs(left[:, ::-1] - right).mean() > 3.0


def test_view_head_reads_and_loss_trains_it():
    d = HoloGANDiscriminator(discriminator_config(32, width=1 / 8, view_head=True))
    images, views = torch.rand(4, 3, 32, 32) * 2 - 1, torch.tensor([[0.0, 0.0], [90.0, 10.0], [180.0, 0], [359.0, 0]])
    out = d(images)
    assert out.view.shape == (4, 3)
    cfg = LossConfig(style_weight=0, identity_weight=0, view_weight=2.0)
    _, d_terms = discriminator_loss(out, out, None, cfg, views)
    _, g_terms = generator_loss(out, None, cfg, views)
    assert torch.allclose(d_terms["d_view"], 2 * view_loss(out.view, views))
    assert torch.allclose(g_terms["g_view"], d_terms["d_view"])
    with pytest.raises(ValueError, match="views"):
        generator_loss(out, None, cfg)
    off = LossConfig(style_weight=0, identity_weight=0)
    assert "d_view" not in discriminator_loss(out, out, None, off, views)[1]


def test_view_loss_weights_the_elevation_term_only():
    view_hat, views = torch.zeros(2, 3), torch.tensor([[0.0, 20.0], [90.0, -20.0]])
    plain = view_loss(view_hat, views)
    assert torch.allclose(plain, torch.nn.functional.mse_loss(view_hat, view_targets(views)))  # pi-GAN's MSE
    elevation = view_targets(views)[:, 2].pow(2).sum() / 6  # the elevation term's share of the mean
    assert torch.allclose(view_loss(view_hat, views, elevation_weight=4.0), plain + 3 * elevation)
    cfg = LossConfig(style_weight=0, identity_weight=0, view_weight=1.0, view_elevation_weight=4.0)
    out = HoloGANDiscriminator(discriminator_config(32, width=1 / 8, view_head=True))(torch.zeros(2, 3, 32, 32))
    _, g_terms = generator_loss(out, None, cfg, views)
    assert torch.allclose(g_terms["g_view"], view_loss(out.view, views, 4.0))


def test_view_targets_have_no_seam():
    t = view_targets(torch.tensor([[-180.0, 0.0], [180.0, 0.0], [0.0, 90.0]]))
    assert torch.allclose(t[0], t[1], atol=1e-6)
    assert torch.allclose(t[2], torch.tensor([1.0, 0.0, torch.pi / 2]), atol=1e-6)


def test_full_circle_sweep_leaves_out_the_repeated_view():
    views = azimuth_sweep(12, (0.0, 360.0))
    assert views[:, 0].tolist() == [30.0 * k for k in range(12)]
    assert azimuth_sweep(3, (0.0, 90.0))[:, 0].tolist() == [0.0, 45.0, 90.0]


def test_circular_reading():
    c = azimuth_sweep(13, (0.0, 360.0))[:, 0].repeat(6, 1)
    offsets = torch.tensor([10.0, 50, 100, 170, 250, 330])[:, None]
    perfect = wrap_degrees(-c + offsets)  # turns the other way, each identity in its own frame
    r = read_circular(c, perfect)
    assert r.sign == -1 and r.error < 1e-3 and r.turning == 1.0 and r.score == pytest.approx(1.0)
    assert r.shared_error > 30  # the identities do not share one frame
    folded = (c - 180).abs()  # front -> side -> front: an even response
    f = read_circular(c, folded)
    assert f.error > 30 and f.turning == 0.0
    floor = circular_noise_floor(c, perfect, permutations=30)
    assert floor["circ_error"] > 40 and floor["circ_turning"] <= 0.2
    half_rate = read_circular(c, wrap_degrees(c / 2))
    assert half_rate.error > 20


def test_fold_test_separates_a_turn_from_a_fold():
    sweep = SweepSpec(azimuth_range=(0.0, 360.0), elevation_range=(0.0, 0.0), identities=3, frames=8)
    real = SyntheticSource(32, families=("car",))
    turn = fold_test(real, sweep, identities=3)
    assert turn.even > 0.3 and turn.mirror > 0.2  # real renders: the world light tells mirror views apart
    assert turn.half_turn > 0.3  # and the lamps and cabin tell the back from the front

    class Folded:  # draws the view |θ - 180| + 180: G(z, θ) == G(z, -θ)
        def identities(self, n, seed):
            return real.identities(n, seed)

        def sweep(self, identity, views):
            folded = views.clone()
            folded[:, 0] = 180 + (views[:, 0] - 180).abs()
            return real.sweep(identity, folded)

    assert fold_test(Folded(), sweep, identities=3).even < 0.05

    class HalfTurn(Folded):  # draws θ mod 180: the back looks like the front
        def sweep(self, identity, views):
            return real.sweep(identity, torch.stack([views[:, 0] % 180, views[:, 1]], 1))

    assert fold_test(HalfTurn(), sweep, identities=3).half_turn < 0.05
    assert fold_test(IgnoreView(real, (0.0, 0.0)), sweep, identities=3).even < 0.05


def test_circular_probe_reads_degrees_round_the_circle():
    spec = ProbeSpec(azimuth_range=(0.0, 360.0), elevation_range=(-15.0, 15.0), circular=True)
    probe = PoseProbe(spec)
    degrees = torch.tensor([[0.0, 0.0], [90.0, 15.0], [200.0, -15.0], [359.0, 5.0]])
    back = probe.degrees(probe.normalise(degrees))
    assert torch.allclose(back, degrees, atol=1e-3)
    assert spec.key().endswith("_circ")
    from hologan_lesson.config import DataConfig

    full = ProbeSpec.for_data(DataConfig(families=("car",), azimuth_range=(0.0, 360.0), elevation_range=(0.0, 0.0)))
    assert full.circular and full.azimuth_range == (0.0, 360.0)


def test_azimuth_curriculum_widens_from_a_quarter_turn():
    from hologan_lesson.config import make_config
    from hologan_lesson.train import azimuth_range_at

    cfg = make_config("cpu", overrides=["train.azimuth_curriculum=1000", "data.azimuth_range=0,360"])
    assert azimuth_range_at(cfg, 0) == (0.0, 90.0)
    assert azimuth_range_at(cfg, 500) == (0.0, 225.0)
    assert azimuth_range_at(cfg, 5000) == (0.0, 360.0)
    full = make_config("cpu", overrides=["data.azimuth_range=0,360"])
    assert azimuth_range_at(full, 0) == (0.0, 360.0)  # off by default


def _silhouette(params, azimuth: float, elevation: float) -> torch.Tensor:
    from hologan_lesson.eval.probe import silhouettes

    image = torch.from_numpy(render_object(params, azimuth, elevation, 32)).permute(2, 0, 1)[None].float()
    return silhouettes(image / 127.5 - 1)


def test_silhouettes_keep_the_shape_and_drop_the_colours():
    import dataclasses

    recoloured = dataclasses.replace(CAR, colours=sample_object_params(np.random.default_rng(2), "car").colours)
    a, b = _silhouette(CAR, 45, 0), _silhouette(recoloured, 45, 0)
    car = a[0, 0] < -0.9
    assert car.sum() > 100  # the car is black ...
    assert torch.allclose(a[..., 0, 0], torch.full((1, 3), 235 / 127.5 - 1))  # ... on the background
    raw = [torch.from_numpy(render_object(p, 45, 0, 32)).float() / 127.5 for p in (CAR, recoloured)]
    assert (raw[0] - raw[1]).abs()[car].mean() > 0.05  # other colours: the pictures differ on the car ...
    assert (a - b).abs().mean() < 0.01  # ... the silhouettes hardly


def test_at_eye_level_a_view_and_its_half_turn_have_one_silhouette():
    """Why 0-180° needs appearance at eye level: x' = x cos θ + z sin θ at θ, −x cos θ + z sin θ at 180° − θ; for
    a car symmetric left to right the two outlines are the same. Seen from above they differ."""
    for azimuth in (30, 60):
        assert (_silhouette(CAR, azimuth, 0) - _silhouette(CAR, 180 - azimuth, 0)).abs().mean() < 0.02
        assert (_silhouette(CAR, azimuth, 30) - _silhouette(CAR, 180 - azimuth, 30)).abs().mean() > 0.2
