"""Check-yourself cells for lessons 04 (discriminator) and 05 (losses)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from ...model.discriminator import instance_statistics
from ...model.losses import gan_loss_d, gan_loss_g, identity_loss, style_loss_d, style_loss_g
from ._core import check, friendly, report


def _close(a: object, b: Tensor, atol: float = 1e-4) -> bool:
    return (
        isinstance(a, Tensor)
        and a.shape == b.shape
        and bool(torch.allclose(a.detach().float(), b.float(), atol=atol, rtol=1e-4))
    )


def _features(n: int = 3, c: int = 5, size: int = 4, seed: int = 0) -> Tensor:
    """Feature maps whose channels have clearly different means and spreads: ``(n, c, size, size)``."""
    g = torch.Generator().manual_seed(seed)
    scale = 0.5 + 2 * torch.rand(n, c, 1, 1, generator=g)
    shift = 3 * torch.randn(n, c, 1, 1, generator=g)
    return shift + scale * torch.randn(n, c, size, size, generator=g)


@friendly
def check_style_stats(fn: Callable[[Tensor], Tensor]) -> None:
    """Check ``fn(features (N, C, H, W)) -> (N, 2C)``: per-image, per-channel ``[mean, std]`` over H, W."""
    x = _features()
    n, c = x.shape[:2]
    out = fn(x)
    check(
        isinstance(out, Tensor) and tuple(out.shape) == (n, 2 * c),
        f"statistics of a {tuple(x.shape)} feature map have shape (N, 2C) = {(n, 2 * c)}",
        f"got {tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__}: concatenate the means "
        "(N, C) and the standard deviations (N, C) along dim=1",
    )
    mean, std = instance_statistics(x, "std")  # (N, C) each
    first, second = out[:, :c], out[:, c:]
    mean_hint = "average over H and W only (dims 2 and 3): each image and channel has its own mean"
    if _close(first, std) and _close(second, mean):
        mean_hint = "the halves are swapped: put the means first, then the standard deviations"
    check(_close(first, mean), "the first C columns are the per-channel means over H, W", mean_hint)
    std_hint = "the standard deviation over H and W of each image and channel"
    unbiased = x.flatten(2).std(dim=2, unbiased=True)
    if _close(second, unbiased, atol=1e-3):
        std_hint = "instance norm divides by H·W, not H·W - 1: use unbiased=False (or correction=0)"
    elif _close(second, std**2, atol=1e-3):
        std_hint = "that is the variance: take its square root (the paper uses mean and std)"
    check(_close(second, std), "the last C columns are the per-channel standard deviations", std_hint)

    x = _features(n=2, c=3)
    x[0, 1] = 0.7  # a constant channel: zero variance
    x.requires_grad_(True)
    out = fn(x)
    grad_ok = isinstance(out, Tensor) and out.requires_grad
    if grad_ok:
        (grad,) = torch.autograd.grad(out.sum(), x)
        grad_ok = bool(torch.isfinite(grad).all())
    check(
        grad_ok,
        "gradients flow and stay finite, even through a constant channel",
        "keep everything in torch (no .detach(), .numpy() or .item()), and take sqrt(var + eps) with a small "
        "eps such as 1e-5: the gradient of sqrt at 0 is infinite",
    )
    report(4, 4, "instance-norm style statistics")


@friendly
def check_identity_loss(fn: Callable[[Tensor, Tensor], Tensor]) -> None:
    """Check ``fn(z_hat, z) -> scalar``: the mean squared error between regressed and true codes."""
    g = torch.Generator().manual_seed(1)
    z = torch.rand(4, 6, generator=g) * 2 - 1  # (N, z_dim), U(-1, 1) like the course's z
    z_hat = torch.tanh(torch.randn(4, 6, generator=g)).requires_grad_(True)
    out = fn(z_hat, z)
    check(
        isinstance(out, Tensor) and out.ndim == 0,
        "the identity loss is a single number (a 0-dim tensor)",
        "reduce over both the batch and the latent dimensions, e.g. with .mean()",
    )
    diff = z_hat.detach() - z
    hint = "the mean over all N·z_dim entries of (z_hat - z)²"
    if _close(out, diff.pow(2).sum()):
        hint = "that is the sum: average instead, so the weight does not depend on batch size or z_dim"
    elif _close(out, diff.pow(2).mean().sqrt()):
        hint = "no square root: the loss is the mean squared error, not its root"
    elif _close(out, diff.abs().mean()):
        hint = "square the differences (L2) instead of taking their absolute value (L1)"
    check(_close(out, identity_loss(z_hat.detach(), z)), "the value is the mean squared error", hint)
    (grad,) = torch.autograd.grad(out, z_hat) if out.requires_grad else (None,)
    check(
        grad is not None and _close(grad, 2 * diff / diff.numel(), atol=1e-6),
        "its gradient reaches z_hat (so it can train the identity head and the generator)",
        "compute it with torch operations on z_hat itself: no .detach(), .numpy() or .item()",
    )
    report(3, 3, "identity loss")


@friendly
def check_gan_losses(d_fn: Callable[[Tensor, Tensor], Tensor], g_fn: Callable[[Tensor], Tensor]) -> None:
    """Check ``d_fn(real_logit, fake_logit)`` and ``g_fn(fake_logit)``: the non-saturating GAN losses."""
    real = torch.tensor([2.0, -0.5, 0.3, 1.2])  # (N,) raw logits
    fake = torch.tensor([-1.5, 0.4, -3.0, 0.0])
    d_hint = "mean over the batch of -log σ(real) plus mean of -log(1 - σ(fake)): reals labelled 1, fakes 0"
    if _close(d_fn(real, fake), gan_loss_d(fake, real)):
        d_hint = "the labels are swapped: real images are the class 1, fakes the class 0"
    check(_close(d_fn(real, fake), gan_loss_d(real, fake)), "the discriminator loss", d_hint)
    g_hint = "the non-saturating loss: mean of -log σ(fake), i.e. label the fakes as real"
    if _close(g_fn(fake), -_bce0(fake)):
        g_hint = "that is the saturating log(1 - D(G(z))) of the minimax game: use -log D(G(z)) instead"
    check(_close(g_fn(fake), gan_loss_g(fake)), "the generator loss", g_hint)

    big = torch.tensor([100.0, -100.0])
    stable = _close(d_fn(big, -big), gan_loss_d(big, -big)) and _close(g_fn(-big), gan_loss_g(-big))
    check(
        stable,
        "both stay finite and correct for logits of ±100",
        "log(sigmoid(x)) underflows to log(0): use F.binary_cross_entropy_with_logits or F.softplus",
    )
    x = torch.tensor([-8.0, -8.0], requires_grad=True)  # D is sure these fakes are fake
    (grad,) = torch.autograd.grad(g_fn(x), x)
    check(
        bool((grad.abs() > 0.4).all()),
        "the generator still gets a strong gradient when D confidently rejects its images",
        "with log(1 - D(G(z))) the gradient vanishes there; minimise -log D(G(z)) instead",
    )
    report(4, 4, "non-saturating GAN losses")


def _bce0(logits: Tensor) -> Tensor:
    # mean of -log(1 - σ(x)) = softplus(x): the discriminator's loss on fakes
    return F.softplus(logits).mean()


@friendly
def check_style_losses(
    d_fn: Callable[[Sequence[Tensor], Sequence[Tensor]], Tensor], g_fn: Callable[[Sequence[Tensor]], Tensor]
) -> None:
    """Check ``d_fn(real_logits, fake_logits)`` and ``g_fn(fake_logits)``: lists with one (N,) per layer."""
    g = torch.Generator().manual_seed(2)
    real = [torch.randn(4, generator=g) + 1 for _ in range(3)]  # 3 layers, (N,) each
    fake = [torch.randn(4, generator=g) - 1 for _ in range(3)]
    d_hint = "for each layer the GAN loss BCE(real_l, 1) + BCE(fake_l, 0), summed over the layers"
    if _close(d_fn(real, fake), style_loss_d(real, fake) / len(real)):
        d_hint = "that is the mean over layers: sum them, as the official code does"
    check(_close(d_fn(real, fake), style_loss_d(real, fake)), "the discriminator's style loss", d_hint)
    g_hint = "for each layer the non-saturating BCE(fake_l, 1), summed over the layers"
    if _close(g_fn(fake), style_loss_g(fake) / len(fake)):
        g_hint = "that is the mean over layers: sum them"
    check(_close(g_fn(fake), style_loss_g(fake)), "the generator's style loss", g_hint)
    one = [real[0]], [fake[0]]
    check(
        _close(d_fn(*one), gan_loss_d(real[0], fake[0])),
        "with a single layer it is just the GAN loss on that layer's logits",
        "do not weight or rescale the layers inside the function; the weight is applied by the caller",
    )
    report(3, 3, "style losses")


@friendly
def check_identity_head(cls: Callable[..., torch.nn.Module]) -> None:
    """Check ``cls(features, z_dim)``: ``.net`` is Linear(features, 128), LeakyReLU(0.2), Linear(128, z_dim), tanh."""
    torch.manual_seed(0)
    mine = cls(24, 6)
    ref = torch.nn.Sequential(
        torch.nn.Linear(24, 128), torch.nn.LeakyReLU(0.2), torch.nn.Linear(128, 6), torch.nn.Tanh()
    )
    linears = [m for m in mine.modules() if isinstance(m, torch.nn.Linear)]
    shapes = [(m.in_features, m.out_features) for m in linears]
    check(
        shapes == [(24, 128), (128, 6)],
        "two linear layers: features -> 128 -> z_dim",
        f"found {shapes or 'none'}; with features=24 and z_dim=6 the head is Linear(24, 128) then Linear(128, 6)",
    )
    ref[0].load_state_dict(linears[0].state_dict())
    ref[2].load_state_dict(linears[1].state_dict())
    flat = 3 * torch.randn(5, 24, generator=torch.Generator().manual_seed(3))  # (N, features)
    out = mine(flat)
    check(
        isinstance(out, Tensor) and tuple(out.shape) == (5, 6),
        "a (5, 24) batch of flattened features gives a (5, 6) code",
        "forward returns self.net(flat), one z_dim vector per image",
    )
    hint = "Linear -> LeakyReLU(0.2) -> Linear -> Tanh, in that order"
    with torch.no_grad():
        if bool(out.abs().max() > 1):
            hint = "some outputs lie outside (-1, 1): end with nn.Tanh(), since z ~ U(-1, 1)"
        elif _close(out, torch.tanh(linears[1](torch.relu(linears[0](flat))))):
            hint = "the hidden nonlinearity is LeakyReLU with slope 0.2, not ReLU"
    check(_close(out, ref(flat)), "same code as the library's identity head", hint)
    report(3, 3, "the identity head")


__all__ = [
    "check_gan_losses",
    "check_identity_head",
    "check_identity_loss",
    "check_style_losses",
    "check_style_stats",
]
