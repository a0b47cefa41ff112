"""Lesson 04's experiment: which discriminator heads notice a change of texture that keeps the layout?

The "fakes" here are real renders with their *texture* changed and everything else kept: the same
objects, poses, colours and silhouettes, but with film grain added or the fine detail blurred away.
A discriminator is trained to tell real from changed images for a fixed number of steps, then every
head (the real/fake logit and each layer's style classifier) is scored on held-out images by its
ROC AUC: 0.5 is chance, 1.0 is perfect separation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from ..config import DiscriminatorConfig
from ..model.discriminator import DiscriminatorOutput, HoloGANDiscriminator
from ..model.losses import gan_loss_d, style_loss_d
from ..utils import binomial_blur

TEXTURE_CHANGES = ("grain", "blur")


def change_texture(
    images: Tensor, kind: str, strength: float = 0.1, generator: torch.Generator | None = None
) -> Tensor:
    """Change the fine texture of ``(N, 3, H, W)`` images in [-1, 1], keeping layout and colours.

    * ``"grain"``: add Gaussian noise of standard deviation ``strength`` to every pixel (clamped);
    * ``"blur"``: a 3×3 binomial blur (``strength`` unused), which removes the finest detail.
    """
    if images.ndim != 4:
        raise ValueError(f"expected images (N, C, H, W), got {tuple(images.shape)}")
    if kind == "grain":
        noise = torch.randn(images.shape, generator=generator, device=images.device, dtype=images.dtype)
        return (images + strength * noise).clamp(-1, 1)
    if kind == "blur":
        return binomial_blur(images)  # (N, C, H, W)
    raise ValueError(f"unknown texture change {kind!r}: use one of {', '.join(TEXTURE_CHANGES)}")


def auc(real_scores: Tensor, fake_scores: Tensor) -> float:
    """ROC AUC of "real" scores against "fake" scores: P(real > fake), ties counting one half."""
    r = real_scores.detach().float().flatten()[:, None]  # (R, 1)
    f = fake_scores.detach().float().flatten()[None, :]  # (1, F)
    if r.numel() == 0 or f.numel() == 0:
        raise ValueError("AUC needs at least one real and one fake score")
    return float(((r > f).float() + 0.5 * (r == f).float()).mean())


def head_scores(out: DiscriminatorOutput) -> dict[str, Tensor]:
    """Every head's raw score per image: ``{"logit": (N,), "style 1": (N,), ...}`` (channel layout only)."""
    scores = {"logit": out.logit}
    for i, logits in enumerate(out.style_logits):
        if logits.shape != out.logit.shape:
            raise ValueError("head_scores needs style_concat='channel' (one style logit per image)")
        scores[f"style {i + 1}"] = logits
    return scores


@dataclass
class RealFakeRun:
    """One trained real-vs-changed discriminator and its held-out scores per head."""

    discriminator: HoloGANDiscriminator
    losses: list[float] = field(default_factory=list)  # training loss per step
    history: list[tuple[int, dict[str, float]]] = field(default_factory=list)  # (step, held-out AUC per head)
    auc: dict[str, float] = field(default_factory=dict)  # held-out ROC AUC per head
    accuracy: dict[str, float] = field(default_factory=dict)  # held-out accuracy per head, threshold 0


@torch.no_grad()
def evaluate_heads(discriminator: HoloGANDiscriminator, real: Tensor, fake: Tensor) -> tuple[dict, dict]:
    """Held-out ``(auc, accuracy)`` per head; a logit above 0 counts as "real"."""
    was_training = discriminator.training
    discriminator.eval()
    try:
        real_scores, fake_scores = head_scores(discriminator(real)), head_scores(discriminator(fake))
    finally:
        discriminator.train(was_training)
    aucs, accs = {}, {}
    for name in real_scores:
        r, f = real_scores[name], fake_scores[name]
        aucs[name] = auc(r, f)
        accs[name] = float(torch.cat([(r > 0).float(), (f <= 0).float()]).mean())
    return aucs, accs


def train_real_fake(
    cfg: DiscriminatorConfig,
    real_train: Tensor,
    fake_train: Tensor,
    real_test: Tensor,
    fake_test: Tensor,
    steps: int,
    batch_size: int = 16,
    lr: float = 2e-4,
    seed: int = 0,
    gan_loss: Callable[[Tensor, Tensor], Tensor] = gan_loss_d,
    style_loss: Callable[[Sequence[Tensor], Sequence[Tensor]], Tensor] = style_loss_d,
    eval_every: int = 0,
) -> RealFakeRun:
    """Train a discriminator built from ``cfg`` to tell ``real_train`` from ``fake_train``.

    The loss is ``gan_loss`` on the logit, plus ``style_loss`` on the style logits when ``cfg`` has
    style heads (weight 1, as ``LossConfig.style_weight``). Each step draws ``batch_size`` real and
    ``batch_size`` changed images; the data order depends only on ``seed``. With ``eval_every > 0`` the
    held-out AUC of every head is also recorded at step 0 and every ``eval_every`` steps (``history``).
    """
    if cfg.style_concat != "channel":
        raise ValueError("train_real_fake scores one style logit per image: use style_concat='channel'")
    torch.manual_seed(seed)
    disc = HoloGANDiscriminator(cfg)
    opt = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.999))
    order = torch.Generator().manual_seed(seed + 1)
    run = RealFakeRun(disc)
    for step in range(steps):
        if eval_every and step % eval_every == 0:
            run.history.append((step, evaluate_heads(disc, real_test, fake_test)[0]))
        i = torch.randint(len(real_train), (batch_size,), generator=order)
        j = torch.randint(len(fake_train), (batch_size,), generator=order)
        out_real, out_fake = disc(real_train[i]), disc(fake_train[j])
        loss = gan_loss(out_real.logit, out_fake.logit)
        if out_real.style_logits:
            loss = loss + style_loss(out_real.style_logits, out_fake.style_logits)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run.losses.append(float(loss.detach()))
    run.auc, run.accuracy = evaluate_heads(disc, real_test, fake_test)
    if eval_every:
        run.history.append((steps, run.auc))
    return run


def steps_to_reach(history: Sequence[tuple[int, dict[str, float]]], head: str, level: float) -> int | None:
    """The first recorded step at which ``head``'s held-out AUC is at least ``level`` (None: never)."""
    for step, aucs in history:
        if aucs[head] >= level:
            return step
    return None


def auc_table(runs: dict[tuple[str, str], RealFakeRun], train: dict[str, tuple[Tensor, Tensor]]) -> str:
    """Training and held-out ROC AUC per head for ``runs[kind, name]``; ``train[kind] = (real, fake)`` are the
    images each discriminator was trained on. A head that memorised its training set shows a training AUC near
    1 and a held-out one near 0.5."""
    kinds = list(dict.fromkeys(kind for kind, _ in runs))
    names = list(dict.fromkeys(name for _, name in runs))
    train_auc = {}
    for (kind, name), run in runs.items():
        with torch.no_grad():
            train_auc[kind, name] = evaluate_heads(run.discriminator, *train[kind])[0]
    lines = [f"{'':<10}" + "".join(f"{kind + ' · ' + name:>26}" for kind in kinds for name in names)]
    lines.append(f"{'head':<10}" + f"{'train':>14}{'held out':>12}" * (len(kinds) * len(names)))
    heads = list(runs[kinds[0], names[-1]].auc)
    for head in heads:
        row = f"{head:<10}"
        for kind in kinds:
            for name in names:
                held, tr = runs[kind, name].auc.get(head), train_auc[kind, name].get(head)
                row += f"{tr:>14.3f}{held:>12.3f}" if held is not None else f"{'—':>14}{'—':>12}"
        lines.append(row)
    return "\n".join(lines)
