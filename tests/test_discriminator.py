"""The HoloGAN discriminator: shapes, layer layout, statistics fed to the style heads, errors."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from hologan_lesson.config import DiscriminatorConfig, discriminator_config
from hologan_lesson.lessons.checks import CheckFailed
from hologan_lesson.lessons.checks.discriminator import check_style_stats
from hologan_lesson.model.discriminator import DownBlock, HoloGANDiscriminator, instance_statistics
from hologan_lesson.utils import count_parameters


def small(resolution: int = 32, **overrides) -> HoloGANDiscriminator:
    """A narrow discriminator: 32 px, widths (8, 16, 32), so two instance-normed layers."""
    cfg = DiscriminatorConfig(resolution=resolution, channels=(8, 16, 32), z_dim=6, identity_hidden=12)
    for name, value in overrides.items():
        setattr(cfg, name, value)
    torch.manual_seed(0)
    return HoloGANDiscriminator(cfg)


@pytest.mark.parametrize("resolution", [64, 128])
def test_shapes_at_full_width(resolution):
    cfg = discriminator_config(resolution)
    torch.manual_seed(0)
    d = HoloGANDiscriminator(cfg)
    out = d(torch.rand(2, 3, resolution, resolution) * 2 - 1)
    widths = cfg.channels[1:]  # every conv after the first is instance-normed
    assert len(cfg.channels) == {64: 4, 128: 5}[resolution]
    assert out.logit.shape == (2,)
    assert [tuple(s.shape) for s in out.style_stats] == [(2, 2 * c) for c in widths]
    assert [tuple(s.shape) for s in out.style_logits] == [(2,)] * len(widths)
    assert [h.in_features for h in d.style_heads] == [2 * c for c in widths]
    assert out.latent.shape == (2, cfg.z_dim)


def test_regressed_latent_is_squashed_into_the_range_of_z():
    d = small()
    with torch.no_grad():
        d.identity_head[2].weight.mul_(1e4)  # push the pre-activation far beyond ±1
        latent = d(torch.randn(8, 3, 32, 32)).latent
    assert latent.abs().max() > 0.99 and latent.abs().max() <= 1  # tanh, as z ~ U(-1, 1)


def expected_parameters(channels, kernel=5, z_dim=128, hidden=128, style=True, affine=True) -> int:
    convs = sum(kernel * kernel * cin * cout + cout for cin, cout in zip((3, *channels[:-1]), channels))
    flat = channels[-1] * 16
    heads = (flat + 1) + (flat * hidden + hidden) + (hidden * z_dim + z_dim)
    norm = 2 * sum(channels[1:]) if affine else 0
    styles = sum(2 * c + 1 for c in channels[1:]) if style else 0
    return convs + heads + norm + styles


def test_parameter_counts():
    d64 = HoloGANDiscriminator(discriminator_config(64))
    d128 = HoloGANDiscriminator(discriminator_config(128))
    assert count_parameters(d64) == expected_parameters((64, 128, 256, 512)) == 5_383_556
    assert count_parameters(d128) == expected_parameters((64, 128, 256, 512, 1024)) == 19_552_645
    # the official 64 px layout (no style heads, no IN affine) is the public port's 5.38 M
    bare = HoloGANDiscriminator(discriminator_config(64, style_heads=False, instance_norm_affine=False))
    assert count_parameters(bare) == 5_379_969


def test_width_scales_channels():
    cfg = discriminator_config(64, width=0.25)
    assert cfg.channels == (16, 32, 64, 128)
    out = HoloGANDiscriminator(cfg)(torch.zeros(1, 3, 64, 64))
    assert [s.shape[1] for s in out.style_stats] == [64, 128, 256]


def test_spectral_norm_on_strided_convs_after_the_first_only():
    d = HoloGANDiscriminator(discriminator_config(64, width=0.25))
    assert not parametrize.is_parametrized(d.stem[0])
    assert all(parametrize.is_parametrized(b.conv, "weight") for b in d.blocks)
    parametrized = [m for m in d.modules() if parametrize.is_parametrized(m)]
    assert len(parametrized) == len(d.blocks) == 3  # and no linear head
    off = HoloGANDiscriminator(discriminator_config(64, width=0.25, spectral_norm=False))
    assert not any(parametrize.is_parametrized(m) for m in off.modules())


def test_spectral_norm_brings_largest_singular_value_to_one():
    d = small()
    conv = d.blocks[1].conv
    raw = conv.parametrizations.weight.original.flatten(1)  # (out, in·k·k)
    assert abs(torch.linalg.matrix_norm(raw, ord=2).item() - 1) > 0.1  # not already normalised
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        for _ in range(50):  # each training forward runs one power iteration
            d(x)
    sigma = torch.linalg.matrix_norm(conv.weight.flatten(1), ord=2).item()
    assert sigma == pytest.approx(1.0, abs=0.02)


def test_style_stats_are_the_conv_outputs_mean_and_std():
    d = small()
    conv_out = []
    for block in d.blocks:
        block.conv.register_forward_hook(lambda m, i, o: conv_out.append(o.detach()))
    d.eval()
    out = d(torch.randn(3, 3, 32, 32))
    assert len(conv_out) == len(out.style_stats) == 2
    for h, stats, logit, head in zip(conv_out, out.style_stats, out.style_logits, d.style_heads):
        n, c, hh, ww = h.shape
        mean = h.sum((2, 3)) / (hh * ww)  # by hand: divide by H·W
        var = ((h - mean[:, :, None, None]) ** 2).sum((2, 3)) / (hh * ww)
        assert torch.allclose(stats[:, :c], mean, atol=1e-5)
        assert torch.allclose(stats[:, c:], (var + 1e-5).sqrt(), atol=1e-5)
        assert torch.allclose(logit, head(stats).squeeze(1))


def test_var_statistic_and_official_batch_layout():
    d = small(style_statistic="var", style_concat="batch")
    x = torch.randn(3, 3, 32, 32)
    d.eval()
    out = d(x)
    ref = small(style_statistic="var")  # same seed, same weights, channel layout
    ref.eval()
    ref_out = ref(x)
    for c, stats, ref_stats, logits in zip((16, 32), out.style_stats, ref_out.style_stats, out.style_logits):
        assert stats.shape == (6, c) and logits.shape == (6,)  # (2N, C): means then variances as rows
        assert torch.allclose(stats[:3], ref_stats[:, :c], atol=1e-6)
        assert torch.allclose(stats[3:], ref_stats[:, c:], atol=1e-6)
    assert [h.in_features for h in d.style_heads] == [16, 32]


@pytest.mark.parametrize("affine", [False, True])
def test_down_block_matches_torch_instance_norm(affine):
    torch.manual_seed(0)
    block = DownBlock(4, 6, 5, use_spectral_norm=False, affine=affine, statistic="std")
    x = torch.randn(2, 4, 16, 16)
    y, mean, std = block(x)
    h = block.conv(x)
    weight, bias = (block.weight, block.bias) if affine else (None, None)
    assert y.shape == (2, 6, 8, 8)
    assert torch.allclose(y, F.leaky_relu(F.instance_norm(h, weight=weight, bias=bias), 0.2), atol=1e-5)
    assert torch.allclose(mean, h.mean((2, 3)), atol=1e-6)
    assert torch.allclose(std, h.var((2, 3), unbiased=False).add(1e-5).sqrt(), atol=1e-6)


def test_optional_heads_can_be_removed():
    d = small(style_heads=False, identity_head=False)
    out = d(torch.randn(2, 3, 32, 32))
    assert out.style_logits == [] and out.style_stats == [] and out.latent is None
    assert len(d.style_heads) == 0 and d.identity_head is None
    assert out.logit.shape == (2,)


@pytest.mark.parametrize("kernel", [3, 4, 5])
def test_every_kernel_size_halves_exactly(kernel):
    out = small(kernel_size=kernel)(torch.randn(1, 3, 32, 32))
    assert out.logit.shape == (1,) and [s.shape for s in out.style_stats] == [(1, 32), (1, 64)]


def test_initialisation_follows_the_official_code():
    d = HoloGANDiscriminator(discriminator_config(64, width=0.5))
    convs = [d.stem[0]] + [b.conv.parametrizations.weight.original for b in d.blocks]
    for w in [convs[0].weight, *convs[1:]]:
        assert w.abs().max() <= 0.04 + 1e-7  # truncated at two standard deviations
    big = d.blocks[-1].conv.parametrizations.weight.original
    phi2, mass = (
        math.exp(-2) / math.sqrt(2 * math.pi),
        math.erf(2 / math.sqrt(2)),
    )  # N(0,1) density at 2, P(|x|<2)
    truncated_std = 0.02 * math.sqrt(1 - 2 * 2 * phi2 / mass)  # std of a normal cut at ±2σ
    assert big.std().item() == pytest.approx(truncated_std, rel=0.02)
    assert d.logit_head.weight.std().item() == pytest.approx(0.02, rel=0.1)
    biases = [m.bias for m in d.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert all(torch.count_nonzero(b) == 0 for b in biases)
    assert d.blocks[0].weight.mean().item() == pytest.approx(1.0, abs=0.01)


def test_input_noise_only_while_training():
    d = small(input_noise_std=0.02, spectral_norm=False)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert not torch.equal(d(x).logit, d(x).logit)
        d.eval()
        assert torch.equal(d(x).logit, d(x).logit)


@pytest.mark.parametrize(
    "cfg, match",
    [
        (DiscriminatorConfig(resolution=128, channels=(64, 128, 256, 512)), "4x4"),
        (DiscriminatorConfig(resolution=96), "4x4"),
        (DiscriminatorConfig(channels=()), "at least one"),
        (DiscriminatorConfig(style_statistic="sigma"), "style_statistic"),
        (DiscriminatorConfig(style_concat="depth"), "style_concat"),
        (DiscriminatorConfig(resolution=8, channels=(8,)), "style heads need"),
        (DiscriminatorConfig(view_mirror=True), "view_head=true"),
    ],
)
def test_bad_configs_raise_clear_errors(cfg, match):
    with pytest.raises(ValueError, match=match):
        HoloGANDiscriminator(cfg)


def test_wrong_image_size_raises():
    with pytest.raises(ValueError, match=r"expects \(N, 3, 32, 32\)"):
        small()(torch.randn(2, 3, 64, 64))
    with pytest.raises(ValueError, match="resolution must be 32, 64 or 128"):
        discriminator_config(96)


def test_instance_statistics_rejects_unknown_statistic():
    with pytest.raises(ValueError, match="unknown style statistic"):
        instance_statistics(torch.randn(1, 2, 4, 4), "max")


def learner_style_stats(x: torch.Tensor) -> torch.Tensor:
    mean = x.mean(dim=(2, 3))
    std = (x.var(dim=(2, 3), unbiased=False) + 1e-5).sqrt()
    return torch.cat([mean, std], 1)


def test_style_stats_checker_passes_a_correct_answer(capsys):
    check_style_stats(learner_style_stats)
    assert "4/4 checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda x: torch.cat([x.mean((2, 3)), x.flatten(2).std(2)], 1), "unbiased=False"),
        (lambda x: torch.cat([x.mean((2, 3)), x.var((2, 3), unbiased=False)], 1), "variance"),
        (lambda x: learner_style_stats(x).roll(x.shape[1], 1), "swapped"),
        (lambda x: learner_style_stats(x).mean(0, keepdim=True).expand(x.shape[0], -1), "H and W only"),
        (lambda x: torch.cat([x.mean((2, 3)), x.var((2, 3), unbiased=False).sqrt()], 1), "eps"),
        (lambda x: learner_style_stats(x)[:, :-1], "shape"),
        (lambda x: learner_style_stats(x).detach(), "detach"),
    ],
)
def test_style_stats_checker_catches_mistakes(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_style_stats(wrong)


@pytest.mark.parametrize("view_input", ["features", "coarse"])
@pytest.mark.parametrize("style_concat", ["channel", "batch"])
def test_mirror_consistent_view_head_negates_azimuth_of_a_mirror_image(style_concat, view_input):
    plain = small(view_head=True, style_concat=style_concat, view_input=view_input).train()
    mirrored = small(view_head=True, view_mirror=True, style_concat=style_concat, view_input=view_input).train()
    mirrored.load_state_dict(plain.state_dict())
    x = torch.randn(5, 3, 32, 32)
    out, out_flipped = mirrored(x), mirrored(x.flip(3))
    torch.testing.assert_close(out_flipped.view, out.view * torch.tensor([1.0, -1.0, 1.0]))  # cos, -sin, elevation
    reference = plain(x)
    # the mirror images reach the view head only: every other output is the plain discriminator's
    torch.testing.assert_close(out.logit, reference.logit)
    torch.testing.assert_close(out.latent, reference.latent)
    for a, b in zip(out.style_logits + out.style_stats, reference.style_logits + reference.style_stats):
        torch.testing.assert_close(a, b)
    plain.eval(), mirrored.eval()
    expected = (plain(x).view + plain(x.flip(3)).view * torch.tensor([1.0, -1.0, 1.0])) / 2
    torch.testing.assert_close(mirrored(x).view, expected)


def test_coarse_view_head_sees_only_the_low_passed_image():
    d = small(view_head=True, view_input="coarse").eval()
    x = torch.randn(3, 3, 32, 32)
    fine = torch.randn(3, 3, 8, 4, 8, 4)
    fine = (fine - fine.mean((3, 5), keepdim=True)).reshape(3, 3, 32, 32)  # adds nothing to any 4x4 block's mean
    torch.testing.assert_close(d(x + fine).view, d(x).view)
    assert not torch.allclose(d(x + fine).logit, d(x).logit)  # the real/fake logit still sees the detail
    assert sum(p.numel() for p in d.view_head.parameters()) == 3 * 64 * 128 + 128 + 128 * 3 + 3
