"""Lesson 04's experiment helpers: texture changes, AUC, per-head scores and the training routine."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from hologan_lesson.config import discriminator_config
from hologan_lesson.lessons.style_probe import (
    auc,
    change_texture,
    evaluate_heads,
    head_scores,
    steps_to_reach,
    train_real_fake,
)
from hologan_lesson.model.discriminator import DiscriminatorOutput


def test_auc_by_hand():
    assert auc(torch.tensor([2.0, 3.0]), torch.tensor([0.0, 1.0])) == 1.0
    assert auc(torch.tensor([0.0, 1.0]), torch.tensor([2.0, 3.0])) == 0.0
    assert auc(torch.tensor([1.0, 3.0]), torch.tensor([2.0])) == 0.5  # one pair won, one lost
    assert auc(torch.tensor([1.0]), torch.tensor([1.0])) == 0.5  # a tie counts one half
    with pytest.raises(ValueError):
        auc(torch.tensor([]), torch.tensor([1.0]))


def test_grain_adds_noise_of_the_requested_size():
    flat = torch.zeros(4, 3, 32, 32)
    grainy = change_texture(flat, "grain", 0.1, generator=torch.Generator().manual_seed(0))
    assert grainy.std().item() == pytest.approx(0.1, rel=0.05)
    again = change_texture(flat, "grain", 0.1, generator=torch.Generator().manual_seed(0))
    assert torch.equal(grainy, again)
    assert change_texture(torch.ones(1, 3, 8, 8), "grain", 0.5).max() <= 1  # stays a valid image


def test_blur_keeps_flat_areas_and_mean_but_softens_edges():
    edge = torch.full((1, 3, 16, 16), -1.0)
    edge[..., 8:] = 1.0  # a vertical step edge
    blurred = change_texture(edge, "blur")
    assert blurred.shape == edge.shape
    assert torch.allclose(blurred[..., :6], edge[..., :6]) and torch.allclose(blurred[..., 10:], edge[..., 10:])
    assert blurred[0, 0, 0, 7].item() == pytest.approx(-0.5) and blurred[0, 0, 0, 8].item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown texture change"):
        change_texture(edge, "sharpen")


def test_head_scores_names_every_head():
    out = DiscriminatorOutput(torch.zeros(2), [torch.ones(2), torch.ones(2)], [], None)
    assert list(head_scores(out)) == ["logit", "style 1", "style 2"]
    batch_layout = DiscriminatorOutput(torch.zeros(2), [torch.ones(4)], [], None)
    with pytest.raises(ValueError, match="style_concat"):
        head_scores(batch_layout)


def test_a_style_head_learns_a_contrast_change_and_training_is_reproducible():
    g = torch.Generator().manual_seed(0)
    real = torch.rand(48, 3, 64, 64, generator=g) * 2 - 1
    fake = (torch.rand(48, 3, 64, 64, generator=g) * 2 - 1) * 0.5  # same kind of content, half the contrast
    cfg = discriminator_config(64, width=1 / 8, identity_head=False)
    kwargs = dict(steps=30, batch_size=8, lr=1e-3, seed=0)
    run = train_real_fake(cfg, real[:32], fake[:32], real[32:], fake[32:], **kwargs)
    assert list(run.auc) == ["logit", "style 1", "style 2", "style 3"] and len(run.losses) == 30
    assert max(run.auc[h] for h in ("style 1", "style 2", "style 3")) > 0.9
    assert set(run.accuracy) == set(run.auc) and all(0 <= a <= 1 for a in run.accuracy.values())
    again = train_real_fake(cfg, real[:32], fake[:32], real[32:], fake[32:], **kwargs)
    assert again.losses == run.losses and again.auc == run.auc
    tracked = train_real_fake(cfg, real[:32], fake[:32], real[32:], fake[32:], eval_every=10, **kwargs)
    assert [s for s, _ in tracked.history] == [0, 10, 20, 30]
    assert tracked.losses == run.losses and tracked.history[-1][1] == run.auc  # evaluating changes nothing
    logit_only = train_real_fake(
        dataclasses.replace(cfg, style_heads=False), real[:32], fake[:32], real[32:], fake[32:], **kwargs
    )
    assert list(logit_only.auc) == ["logit"]
    aucs, _ = evaluate_heads(run.discriminator, real[32:], fake[32:])
    assert aucs == run.auc and run.discriminator.training  # evaluation restores training mode


def test_steps_to_reach():
    history = [(0, {"logit": 0.5}), (10, {"logit": 0.8}), (20, {"logit": 0.95})]
    assert steps_to_reach(history, "logit", 0.9) == 20
    assert steps_to_reach(history, "logit", 0.5) == 0
    assert steps_to_reach(history, "logit", 0.99) is None
