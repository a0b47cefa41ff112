"""The fast paths compute the same thing as the fp32 default: bf16 autocast (loosely) and channels_last (exactly).

Tolerances, and where they come from (ci widths, batch 8, CPU autocast; GPU kernels round differently but to
the same precision):

* bf16 keeps 8 significant bits: each rounding costs up to 2^-9 ≈ 2e-3 relative. Autocast rounds the inputs
  and outputs of every conv/linear (fp32 accumulation inside), about ten roundings between ``z`` and a loss,
  so losses of order 1 should agree to ~1e-2. Measured on 20 seeds: loss relative error 8e-4 to 1.3e-2
  (median ~4e-3). Bound: **relative error of every loss term < 2e-2**.
* Generator output (tanh, amplitude ~0.1 at init): measured max |fp32 − bf16| 1e-3 to 4e-3, at most ~3% of
  the output's own max |value|. Bounds: **max abs diff < 5e-2 and < 0.1 × max |fp32 output|** (the second is
  the one that bites at init).
* A few optimiser steps: GAN updates amplify differences (Adam moves every weight by ~lr whatever the size of
  its gradient, so sign flips in tiny gradients matter). Measured over 8 steps: loss terms within 0.04
  absolute. Bound: **every loss term within 0.1 absolute for 6 steps, all finite**.
* channels_last is the same arithmetic in another memory order: only the summation order inside the conv
  kernels changes, fp32 rounding ~1e-7 relative per op. Measured, same weights and inputs: images equal,
  losses within 5e-7, every gradient within 7e-6 (relative norm); after 3 trainer steps losses within 6e-6
  relative and images within 6e-8. Bounds: **rtol 1e-4 on losses and gradients, atol 1e-5 on images**.
  Excluded from the gradient comparison: conv biases that feed AdaIN / instance norm. Their exact gradient
  is zero (the norm subtracts the mean), so what is computed is rounding noise whose value depends on
  summation order (the two layouts differ there by 1e-5 to 6e-4). Adam turns that noise into ±lr steps,
  and these biases are the parameters that differ most between the two layouts. The layouts drift apart
  after a few steps (measured: images 2e-4 apart at step 4), which is why the trainer test stops at 2 steps.
"""

import copy
import re

import pytest
import torch

from hologan_lesson.config import make_config
from hologan_lesson.data import InMemorySyntheticDataset
from hologan_lesson.model.losses import discriminator_loss, generator_loss
from hologan_lesson.model.rotation import sample_views
from hologan_lesson.train import Trainer, build_networks

CPU = torch.device("cpu")
LOSS_RTOL_BF16 = 2e-2
OUT_ATOL_BF16 = 5e-2
OUT_REL_BF16 = 0.1
STEP_ATOL_BF16 = 0.1
LOSS_RTOL_CL, IMAGE_ATOL_CL = 1e-4, 1e-5
PRE_NORM_BIAS = re.compile(r"(blocks[23]d\.\d+\.layer|blocks\.\d+\.conv)\.bias$")  # feed AdaIN / IN


@pytest.fixture(scope="module")
def dataset():
    return InMemorySyntheticDataset(num_images=16, resolution=64)


def _one_pass(generator, discriminator, z, views, real, loss_cfg, dtype=torch.float32):
    """One iteration's passes on copies of the networks: fake, loss terms, and D's and G's gradients."""
    generator, discriminator = copy.deepcopy(generator), copy.deepcopy(discriminator)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
        fake = generator(z, views)  # (B, 3, 64, 64)
        d_total, d_terms = discriminator_loss(discriminator(real), discriminator(fake.detach()), z, loss_cfg)
    d_total.backward()
    grads = {f"D.{n}": p.grad.clone() for n, p in discriminator.named_parameters()}
    discriminator.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
        g_total, g_terms = generator_loss(discriminator(fake), z, loss_cfg)
    g_total.backward()
    grads.update({f"G.{n}": p.grad.clone() for n, p in generator.named_parameters()})
    return fake, {"d_total": d_total, **d_terms, "g_total": g_total, **g_terms}, grads


def _inputs(cfg, latent_dim, dataset, seed):
    rng = torch.Generator().manual_seed(100 + seed)
    z = torch.rand(8, latent_dim, generator=rng) * 2 - 1  # (8, latent)
    views = sample_views(8, cfg.data.azimuth_range, cfg.data.elevation_range, generator=rng)  # (8, 2)
    real = torch.stack([dataset[i] for i in range(8)])  # (8, 3, 64, 64) in [-1, 1]
    return z, views, real


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bf16_autocast_matches_fp32_same_weights(dataset, seed):
    cfg = make_config("ci")
    torch.manual_seed(seed)
    generator, discriminator = build_networks(cfg, CPU)
    z, views, real = _inputs(cfg, generator.latent_dim, dataset, seed)

    fake32, terms32, _ = _one_pass(generator, discriminator, z, views, real, cfg.loss)
    fake16, terms16, grads16 = _one_pass(generator, discriminator, z, views, real, cfg.loss, torch.bfloat16)

    assert fake32.dtype == torch.float32 and fake16.dtype == torch.bfloat16  # autocast really ran in bf16
    diff = (fake32 - fake16.float()).abs().max().item()
    assert 0 < diff < OUT_ATOL_BF16
    assert diff < OUT_REL_BF16 * fake32.abs().max().item()
    assert terms32.keys() == terms16.keys()
    for name in terms32:
        ref, low = terms32[name].item(), terms16[name].float().item()
        assert abs(low - ref) < LOSS_RTOL_BF16 * abs(ref), f"{name}: fp32 {ref:.5f} vs bf16 {low:.5f}"
    for name, grad in grads16.items():
        assert grad.dtype == torch.float32 and torch.isfinite(grad).all(), name


def _trainer(dataset, tmp_path, name, **train):
    overrides = ["train.device=cpu", *(f"train.{k}={v}" for k, v in train.items())]
    return Trainer(make_config("ci", overrides=overrides), tmp_path / name, dataset=dataset)


def _run(trainer, steps):
    rows = [trainer.train_step().terms for _ in range(steps)]
    return rows, trainer.render(trainer.fixed_z, trainer.fixed_views)  # (8, 3, 64, 64) fp32


def test_bf16_training_steps_stay_finite_and_track_fp32(dataset, tmp_path):
    rows32, images32 = _run(_trainer(dataset, tmp_path, "fp32"), 6)
    rows16, images16 = _run(_trainer(dataset, tmp_path, "bf16", precision="bf16"), 6)
    for step, (ref, low) in enumerate(zip(rows32, rows16), start=1):
        assert ref.keys() == low.keys()
        for name in ref:
            assert torch.isfinite(low[name]), f"step {step}: bf16 {name} is {low[name].item()}"
            gap = abs(low[name].item() - ref[name].item())
            assert gap < STEP_ATOL_BF16, f"step {step}: {name} fp32 {ref[name].item():.4f} bf16 {low[name].item():.4f}"
    assert torch.isfinite(images16).all()
    assert (images32 - images16).abs().max().item() < OUT_ATOL_BF16


def test_channels_last_matches_default_layout_same_weights(dataset):
    seed = 0
    nets = {}
    for channels_last in (False, True):
        cfg = make_config("ci", overrides=[f"train.channels_last={channels_last}"])
        torch.manual_seed(seed)
        nets[channels_last] = build_networks(cfg, CPU)
    conv3d, conv2d = nets[True][0].blocks3d[1].layer.weight, nets[True][1].stem[0].weight
    assert conv3d.is_contiguous(memory_format=torch.channels_last_3d) and not conv3d.is_contiguous()
    assert conv2d.is_contiguous(memory_format=torch.channels_last) and not conv2d.is_contiguous()
    z, views, real = _inputs(cfg, nets[False][0].latent_dim, dataset, seed)

    fake, terms, grads = _one_pass(*nets[False], z, views, real, cfg.loss)
    real_cl = real.contiguous(memory_format=torch.channels_last)  # as Trainer.train_step feeds D
    fake_cl, terms_cl, grads_cl = _one_pass(*nets[True], z, views, real_cl, cfg.loss)

    assert fake_cl.is_contiguous(memory_format=torch.channels_last)  # the fast layout was really used
    torch.testing.assert_close(fake_cl, fake, rtol=0, atol=IMAGE_ATOL_CL)
    for name in terms:
        torch.testing.assert_close(terms_cl[name], terms[name], rtol=LOSS_RTOL_CL, atol=1e-6, msg=name)
    compared = 0
    for name, grad in grads.items():
        if PRE_NORM_BIAS.search(name):
            continue  # exact gradient 0: rounding noise only (see the module docstring)
        rel = ((grads_cl[name] - grad).norm() / grad.norm().clamp_min(1e-30)).item()
        assert rel < LOSS_RTOL_CL, f"gradient of {name}: relative difference {rel:.2e}"
        compared += 1
    assert compared > 40


def test_channels_last_trainer_steps_match_default_layout(dataset, tmp_path):
    default = _trainer(dataset, tmp_path, "default")
    fast = _trainer(dataset, tmp_path, "cl", channels_last="true")
    rows, images = _run(default, 2)
    rows_cl, images_cl = _run(fast, 2)
    for ref, other in zip(rows, rows_cl):
        for name in ref:
            torch.testing.assert_close(other[name], ref[name], rtol=LOSS_RTOL_CL, atol=1e-6, msg=name)
    torch.testing.assert_close(images_cl, images, rtol=0, atol=IMAGE_ATOL_CL)
