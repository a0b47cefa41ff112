"""HoloGAN's losses: hand-computed values, switching terms off, and where the gradients go."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from hologan_lesson.config import DiscriminatorConfig, LossConfig
from hologan_lesson.lessons.checks import CheckFailed
from hologan_lesson.lessons.checks.discriminator import check_gan_losses, check_identity_loss, check_style_losses
from hologan_lesson.model.discriminator import DiscriminatorOutput, HoloGANDiscriminator
from hologan_lesson.model.losses import (
    discriminator_loss,
    gan_loss_d,
    gan_loss_g,
    generator_loss,
    identity_loss,
    r1_penalty,
    style_loss_d,
    style_loss_g,
)


def bce_real(x: float) -> float:
    """-log σ(x), by hand."""
    return math.log(1 + math.exp(-x))


def bce_fake(x: float) -> float:
    """-log(1 - σ(x)), by hand."""
    return math.log(1 + math.exp(x))


def mean(values) -> float:
    return sum(values) / len(values)


REAL, FAKE = [0.5, -1.0], [2.0, 0.0]
REAL_STYLE, FAKE_STYLE = [[1.0, 0.0], [-0.5, 3.0]], [[-2.0, 0.5], [0.25, -1.0]]
Z_HAT, Z = [[0.5, -0.5], [0.0, 1.0]], [[1.0, 0.0], [0.0, -1.0]]
GAN_D = mean([bce_real(x) for x in REAL]) + mean([bce_fake(x) for x in FAKE])
GAN_G = mean([bce_real(x) for x in FAKE])
STYLE_D = sum(mean([bce_real(x) for x in r]) + mean([bce_fake(x) for x in f]) for r, f in zip(REAL_STYLE, FAKE_STYLE))
STYLE_G = sum(mean([bce_real(x) for x in f]) for f in FAKE_STYLE)
IDENTITY = (0.25 + 0.25 + 0.0 + 4.0) / 4  # squared differences of Z_HAT - Z, averaged


def t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def outputs(with_style: bool = True, with_latent: bool = True) -> tuple[DiscriminatorOutput, DiscriminatorOutput]:
    real = DiscriminatorOutput(t(REAL), [t(s) for s in REAL_STYLE] if with_style else [], [], None)
    fake = DiscriminatorOutput(
        t(FAKE), [t(s) for s in FAKE_STYLE] if with_style else [], [], t(Z_HAT) if with_latent else None
    )
    return real, fake


def test_building_blocks_match_hand_computed_values():
    assert gan_loss_d(t(REAL), t(FAKE)).item() == pytest.approx(GAN_D, rel=1e-12)
    assert gan_loss_g(t(FAKE)).item() == pytest.approx(GAN_G, rel=1e-12)
    real, fake = [t(s) for s in REAL_STYLE], [t(s) for s in FAKE_STYLE]
    assert style_loss_d(real, fake).item() == pytest.approx(STYLE_D, rel=1e-12)
    assert style_loss_g(fake).item() == pytest.approx(STYLE_G, rel=1e-12)
    assert identity_loss(t(Z_HAT), t(Z)).item() == pytest.approx(IDENTITY, rel=1e-12)


def test_gan_losses_are_stable_and_non_saturating():
    logits = torch.tensor([100.0, -100.0])
    # real [100, -100] costs [0, 100], fake [-100, 100] costs [0, 100]: batch means 50 + 50
    assert gan_loss_d(logits, -logits).item() == pytest.approx(100.0)
    fake = torch.tensor([-10.0, -10.0], requires_grad=True)  # D is sure these are fake
    gan_loss_g(fake).backward()
    assert torch.allclose(fake.grad, torch.full((2,), -0.5), atol=1e-4)  # -(1 - σ(x)) / N, not ≈ 0


def test_combined_losses_weigh_and_name_every_term():
    cfg = LossConfig(adversarial_weight=2.0, style_weight=0.5, identity_weight=3.0)
    real, fake = outputs()
    d_total, d_terms = discriminator_loss(real, fake, t(Z), cfg)
    g_total, g_terms = generator_loss(fake, t(Z), cfg)
    assert list(d_terms) == ["d_adv", "d_style", "d_identity"]
    assert list(g_terms) == ["g_adv", "g_style", "g_identity"]
    assert d_terms["d_adv"].item() == pytest.approx(2.0 * GAN_D)
    assert d_terms["d_style"].item() == pytest.approx(0.5 * STYLE_D)
    assert d_terms["d_identity"].item() == pytest.approx(3.0 * IDENTITY)
    assert g_terms["g_adv"].item() == pytest.approx(2.0 * GAN_G)
    assert g_terms["g_style"].item() == pytest.approx(0.5 * STYLE_G)
    assert g_terms["g_identity"].item() == pytest.approx(3.0 * IDENTITY)
    assert d_total.item() == pytest.approx(2.0 * GAN_D + 0.5 * STYLE_D + 3.0 * IDENTITY)
    assert g_total.item() == pytest.approx(2.0 * GAN_G + 0.5 * STYLE_G + 3.0 * IDENTITY)


@pytest.mark.parametrize(
    "cfg, d_names, g_names",
    [
        (LossConfig(style_weight=0.0), ["d_adv", "d_identity"], ["g_adv", "g_identity"]),
        (LossConfig(identity_weight=0.0), ["d_adv", "d_style"], ["g_adv", "g_style"]),
        (LossConfig(style_to_generator=False), ["d_adv", "d_style", "d_identity"], ["g_adv", "g_identity"]),
        (LossConfig(adversarial_weight=0.0), ["d_style", "d_identity"], ["g_style", "g_identity"]),
    ],
)
def test_switched_off_terms_are_absent_and_add_nothing(cfg, d_names, g_names):
    real, fake = outputs()
    d_total, d_terms = discriminator_loss(real, fake, t(Z), cfg)
    g_total, g_terms = generator_loss(fake, t(Z), cfg)
    assert list(d_terms) == d_names and list(g_terms) == g_names
    hand = {"d_adv": GAN_D, "d_style": STYLE_D, "d_identity": IDENTITY}
    hand |= {"g_adv": GAN_G, "g_style": STYLE_G, "g_identity": IDENTITY}
    assert d_total.item() == pytest.approx(sum(hand[n] for n in d_names))
    assert g_total.item() == pytest.approx(sum(hand[n] for n in g_names))


def test_missing_heads_switch_their_terms_off():
    real, fake = outputs(with_style=False, with_latent=False)
    _, d_terms = discriminator_loss(real, fake, None, LossConfig())
    _, g_terms = generator_loss(fake, None, LossConfig())
    assert list(d_terms) == ["d_adv"] and list(g_terms) == ["g_adv"]


def test_clear_errors():
    real, fake = outputs()
    with pytest.raises(ValueError, match="z is None"):
        discriminator_loss(real, fake, None, LossConfig())
    with pytest.raises(ValueError, match="full latent length"):
        identity_loss(torch.zeros(2, 4), torch.zeros(2, 6))
    with pytest.raises(ValueError, match="switched off"):
        generator_loss(fake, t(Z), LossConfig(adversarial_weight=0.0, style_weight=0.0, identity_weight=0.0))
    with pytest.raises(ValueError, match="same, non-zero number"):
        style_loss_d([t(REAL)], [])


def test_official_batch_layout_losses_average_over_both_rows():
    logits = t([0.5, -1.0, 2.0, 0.0])  # (2N,) with N=2: mean rows then spread rows
    assert style_loss_g([logits]).item() == pytest.approx(mean([bce_real(x) for x in [0.5, -1.0, 2.0, 0.0]]))


# --- gradients through real networks -------------------------------------------------------------

Z_DIM = 6


class TinyGenerator(nn.Module):
    """A stand-in generator: z (N, 6) -> image (N, 3, 32, 32) in [-1, 1]."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(Z_DIM, 3 * 32 * 32)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.fc(z)).view(-1, 3, 32, 32)


def networks():
    torch.manual_seed(0)
    cfg = DiscriminatorConfig(resolution=32, channels=(8, 16, 32), z_dim=Z_DIM, identity_hidden=12)
    return TinyGenerator(), HoloGANDiscriminator(cfg)


def grads_of(loss: torch.Tensor, module: nn.Module) -> list[torch.Tensor | None]:
    params = list(module.parameters())
    return list(torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True))


def reached(loss: torch.Tensor, module: nn.Module) -> bool:
    """True when ``loss`` has a non-zero gradient for some parameter of ``module``."""
    return any(g is not None and bool(g.abs().sum() > 0) for g in grads_of(loss, module))


def batch(g: TinyGenerator):
    z = torch.rand(4, Z_DIM) * 2 - 1
    return torch.rand(4, 3, 32, 32) * 2 - 1, z, g(z)


def test_discriminator_loss_on_detached_fakes_trains_only_d():
    g, d = networks()
    real, z, fake = batch(g)
    total, terms = discriminator_loss(d(real), d(fake.detach()), z, LossConfig())
    assert not reached(total, g)
    named = dict(d.named_parameters())
    for (name, _), grad in zip(named.items(), grads_of(total, d)):
        assert grad is not None and grad.abs().sum() > 0, name  # every D parameter learns
    assert reached(terms["d_style"], d.style_heads) and not reached(terms["d_style"], d.logit_head)
    assert reached(terms["d_identity"], d.identity_head) and not reached(terms["d_identity"], d.style_heads)
    assert not reached(terms["d_adv"], d.identity_head) and not reached(terms["d_adv"], d.style_heads)


def test_generator_loss_reaches_g_through_every_term():
    g, d = networks()
    _, z, fake = batch(g)
    _, terms = generator_loss(d(fake), z, LossConfig())
    for name in ("g_adv", "g_style", "g_identity"):
        assert reached(terms[name], g), name
    # as the official code, the identity term also reaches D's identity head (G's optimiser ignores it)
    assert reached(terms["g_identity"], d.identity_head)


@pytest.mark.parametrize(
    "cfg, silent",
    [
        (LossConfig(style_weight=0.0), "style_heads"),
        (LossConfig(style_to_generator=False), "style_heads"),
        (LossConfig(identity_weight=0.0), "identity_head"),
    ],
)
def test_switched_off_terms_give_no_gradient(cfg, silent):
    g, d = networks()
    _, z, fake = batch(g)
    g_total, _ = generator_loss(d(fake), z, cfg)
    assert all(x is None for x in grads_of(g_total, getattr(d, silent)))
    if not (silent == "style_heads" and cfg.style_weight):  # style_to_generator=False keeps D's style loss
        real = torch.rand(4, 3, 32, 32)
        d_total, _ = discriminator_loss(d(real), d(fake.detach()), z, cfg)
        assert all(x is None for x in grads_of(d_total, getattr(d, silent)))


# --- the check-yourself helpers --------------------------------------------------------------------


def test_loss_checkers_pass_correct_answers(capsys):
    softplus = nn.functional.softplus
    check_gan_losses(lambda r, f: softplus(-r).mean() + softplus(f).mean(), lambda f: softplus(-f).mean())
    check_identity_loss(lambda z_hat, z: ((z_hat - z) ** 2).mean())
    check_style_losses(
        lambda rs, fs: sum(softplus(-r).mean() + softplus(f).mean() for r, f in zip(rs, fs)),
        lambda fs: sum(softplus(-f).mean() for f in fs),
    )
    out = capsys.readouterr().out
    assert "4/4 checks passed: non-saturating GAN losses" in out
    assert "3/3 checks passed: identity loss" in out and "3/3 checks passed: style losses" in out


def naive_d(r, f):
    return -(torch.log(torch.sigmoid(r)).mean() + torch.log(1 - torch.sigmoid(f)).mean())


@pytest.mark.parametrize(
    "d_fn, g_fn, hint",
    [
        (lambda r, f: gan_loss_d(f, r), gan_loss_g, "swapped"),
        (gan_loss_d, lambda f: torch.log(1 - torch.sigmoid(f)).mean(), "saturating"),
        (naive_d, gan_loss_g, "underflows"),
    ],
)
def test_gan_checker_catches_mistakes(d_fn, g_fn, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_gan_losses(d_fn, g_fn)


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda a, b: ((a - b) ** 2).sum(), "sum"),
        (lambda a, b: ((a - b) ** 2).mean().sqrt(), "square root"),
        (lambda a, b: (a - b).abs().mean(), "L1"),
        (lambda a, b: ((a - b) ** 2).mean(1), "single number"),
        (lambda a, b: ((a.detach() - b) ** 2).mean(), "detach"),
    ],
)
def test_identity_checker_catches_mistakes(fn, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_identity_loss(fn)


def test_style_checker_catches_a_mean_over_layers():
    with pytest.raises(CheckFailed, match="mean over layers"):
        check_style_losses(lambda r, f: style_loss_d(r, f) / len(r), style_loss_g)


def test_r1_penalty_is_the_squared_gradient_norm_on_real_images():
    """A linear D (logit = <w, x>) has gradient w at every image: R1 = |w|^2, the term gamma/2 |w|^2."""
    w = torch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=torch.float64, requires_grad=True)
    real = torch.randn(4, 1, 2, 2, dtype=torch.float64).requires_grad_(True)
    logit = (real.flatten(1) * w.flatten()).sum(1)
    assert r1_penalty(logit, real).item() == pytest.approx(1 + 4 + 0.25 + 9)

    out_real = DiscriminatorOutput(logit, [], [], None)
    out_fake = DiscriminatorOutput(t(FAKE + FAKE), [], [], None)
    total, terms = discriminator_loss(out_real, out_fake, None, LossConfig(style_weight=0, r1_weight=10), real=real)
    assert terms["d_r1"].item() == pytest.approx(5 * 14.25)
    (grad_w,) = torch.autograd.grad(terms["d_r1"], w)  # the penalty trains D: d/dw 5|w|^2 = 10 w
    assert torch.allclose(grad_w, 10 * w.detach())
    assert "d_r1" not in discriminator_loss(out_real, out_fake, None, LossConfig(style_weight=0), real=real)[1]


def test_r1_asks_for_the_real_images_and_their_gradient():
    out_real, out_fake = DiscriminatorOutput(t(REAL), [], [], None), DiscriminatorOutput(t(FAKE), [], [], None)
    with pytest.raises(ValueError, match="pass the real images"):
        discriminator_loss(out_real, out_fake, None, LossConfig(style_weight=0, r1_weight=1))
    with pytest.raises(ValueError, match="requires_grad_"):
        r1_penalty(t(REAL), torch.zeros(2, 3))


def test_labelled_contrast_term_reads_the_real_images_true_views():
    """``view_real_weight`` (a labelled contrast) regresses D's view head on real images to their true poses."""
    from hologan_lesson.model.losses import view_loss

    head = t([[1.0, 0.0, 0.0], [0.0, 1.0, 0.1]])
    poses = t([[0.0, 0.0], [90.0, 0.0]])
    out_real = DiscriminatorOutput(t(REAL), [], [], None, head)
    out_fake = DiscriminatorOutput(t(FAKE), [], [], None, head)
    cfg = LossConfig(style_weight=0, identity_weight=0, view_real_weight=2)
    _, terms = discriminator_loss(out_real, out_fake, None, cfg, real_views=poses)
    assert terms["d_view_real"].item() == pytest.approx(2 * view_loss(head, poses).item())
    assert view_loss(head, poses).item() == pytest.approx(0.01 / 6)  # only the elevation 0.1 rad is off
    with pytest.raises(ValueError, match="real images' poses"):
        discriminator_loss(out_real, out_fake, None, cfg)
    assert "d_view_real" not in discriminator_loss(out_real, out_fake, None, LossConfig(style_weight=0))[1]


def test_view_head_on_real_poses_only_still_penalises_the_generator():
    """``view_fakes_in_d=false``: D's view head learns only the real poses; G is still judged by its reading."""
    head, poses, views = t([[1.0, 0.0, 0.0]]), t([[90.0, 0.0]]), t([[0.0, 0.0]])
    out = DiscriminatorOutput(t(REAL), [], [], None, head)
    both = LossConfig(style_weight=0, identity_weight=0, view_weight=1, view_real_weight=1)
    real_only = LossConfig(style_weight=0, identity_weight=0, view_weight=1, view_real_weight=1, view_fakes_in_d=False)
    assert {"d_view", "d_view_real"} <= set(discriminator_loss(out, out, None, both, views, real_views=poses)[1])
    terms = discriminator_loss(out, out, None, real_only, views, real_views=poses)[1]
    assert "d_view" not in terms and terms["d_view_real"].item() > 0
    assert generator_loss(out, None, real_only, views)[1]["g_view"].item() == pytest.approx(0.0)
