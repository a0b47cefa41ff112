# %% [markdown]
# # Lesson 04 — The multi-scale style discriminator
#
# HoloGAN's discriminator is a DCGAN-style stack of stride-2 convolutions with **instance normalisation**,
# plus three kinds of output:
#
# * the usual **real/fake logit** from the last 4×4 feature map;
# * one **style classifier per instance-normed layer**, which judges that layer's per-channel *statistics*
#   (the paper's "multi-scale style discriminator");
# * an **identity head** that regresses the latent code `z` (lesson 05).
#
# This lesson is about the first two. You will see what "style" means as numbers, compute those numbers
# yourself, build a discriminator block, write the GAN and style losses, and run a small experiment in which
# the style heads notice a change that the real/fake logit misses.

# %%
import dataclasses

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from hologan_lesson import count_parameters, pick, seed_everything
from hologan_lesson.config import discriminator_config, generator_config
from hologan_lesson.data import InMemorySyntheticDataset
from hologan_lesson.model.discriminator import DownBlock, HoloGANDiscriminator, instance_statistics
from hologan_lesson.envcheck import machine_summary
from hologan_lesson.model.generator import HoloGANGenerator
from hologan_lesson.data.catalogue import POSE_RANGES
from hologan_lesson.model.rotation import sample_views
from hologan_lesson.lessons.style_probe import (
    TEXTURE_CHANGES,
    auc_table,
    change_texture,
    head_scores,
    steps_to_reach,
    train_real_fake,
)
from hologan_lesson.viz import show_images

seed_everything(0)
print(machine_summary())

# %% [markdown]
# ## 1. Style is a handful of statistics
#
# Take a feature map $h$ of shape `(N, C, H, W)`. For every image $n$ and channel $c$, instance norm computes
# the mean and the standard deviation over the spatial positions only:
#
# $$\mu_{nc} = \frac{1}{HW}\sum_{y,x} h_{ncyx},\qquad
# \sigma_{nc} = \sqrt{\frac{1}{HW}\sum_{y,x}\big(h_{ncyx}-\mu_{nc}\big)^2 + \varepsilon},$$
#
# and then removes them (and, with learnt $\gamma_c, \beta_c$, puts back a fixed scale and offset):
#
# $$\mathrm{IN}(h)_{ncyx} = \gamma_c\,\frac{h_{ncyx}-\mu_{nc}}{\sigma_{nc}} + \beta_c .$$
#
# What survives normalisation is *where* things are (the spatial pattern); what is removed — $2C$ numbers per
# image — is *how strongly* each feature is present and how much it varies. Huang & Belongie (AdaIN, 2017)
# showed that these per-channel means and standard deviations carry an image's **style** (colours, contrast,
# texture): replacing one image's statistics by another's transfers the style. StyleGAN (Karras et al., 2019)
# and HoloGAN's generator (lesson 03) *set* these statistics from `z`. HoloGAN's discriminator does the
# reverse: each instance-normed layer hands the statistics it removes to a small classifier.
#
# **Exercise 1.** Write the statistics yourself. Use the population variance (divide by $HW$, as instance
# norm does) and $\varepsilon = 10^{-5}$ inside the square root.


# %%
def my_style_stats(h: torch.Tensor) -> torch.Tensor:
    # HINT: mean and biased variance (unbiased=False) over dims (2, 3), std = sqrt(var + 1e-5), then
    # HINT: torch.cat([mean, std], dim=1) -> (N, 2C)
    # BEGIN SOLUTION
    mean = h.mean(dim=(2, 3))  # (N, C): average over H, W only
    var = h.var(dim=(2, 3), unbiased=False)  # (N, C): divide by H·W, like instance norm
    std = torch.sqrt(var + 1e-5)  # (N, C); the eps keeps the gradient finite on a flat channel
    return torch.cat([mean, std], dim=1)  # (N, 2C): [means, stds]
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.discriminator import check_gan_losses, check_style_losses, check_style_stats

check_style_stats(my_style_stats)
h = torch.randn(2, 5, 8, 8) * 3 + 1  # (N, C, H, W)
mean, std = instance_statistics(h)  # library version: (N, C) each
print("shape:", tuple(my_style_stats(h).shape))
print("matches library:", torch.allclose(my_style_stats(h), torch.cat([mean, std], 1), atol=1e-6))

# %% [markdown]
# ### Statistics are style: a swap at the pixel level
#
# The simplest "layer" is the image itself, with its 3 colour channels. Take real renders of the course's
# synthetic objects, and give each the RGB statistics of its neighbour (AdaIN,
# $\ \sigma_s\,(x-\mu_x)/\sigma_x + \mu_s$): the shapes stay, the colours and contrast move.

# %%
data = InMemorySyntheticDataset(pick(ci=256, cpu=512), resolution=64, seed=0)
images = torch.stack([data[i] for i in range(len(data))])  # (N, 3, 64, 64) in [-1, 1]


def restyle(content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    c = content.shape[1]
    sc, ss = my_style_stats(content), my_style_stats(style)  # (N, 2C) each
    mu_c, sd_c = sc[:, :c, None, None], sc[:, c:, None, None]  # (N, C, 1, 1)
    mu_s, sd_s = ss[:, :c, None, None], ss[:, c:, None, None]
    return (content - mu_c) / sd_c * sd_s + mu_s  # (N, C, H, W)


content = images[[0, 8, 12, 17, 26, 14]]  # (6, 3, 64, 64)
style = content.roll(1, dims=0)  # each image's style donor is its left neighbour
mixed = restyle(content, style)
err = (my_style_stats(mixed) - my_style_stats(style)).abs().max()
print(f"max |stats(restyled) - stats(style donor)| = {err:.1e}")
show_images(
    torch.cat([content, style, mixed.clamp(-1, 1)]),
    nrow=6,
    scale=3,
    title="rows: content · style donor · content with the donor's RGB mean and std",
)

# %% [markdown]
# Deeper layers do the same with richer features: a channel that responds to fine edges has a large spread
# on a textured image and a small one on a smooth image. Each layer sees a different scale (16², 8², 4²
# positions at 64 px), hence "multi-scale".
#
# ## 2. A discriminator block, from scratch
#
# Every block after the first is: stride-2 conv (k5, spectral norm in the library) → instance norm with a
# learnt scale and offset → LeakyReLU(0.2). It returns the normalised features *and* the statistics it removed.
# The first conv (the "stem") has no normalisation: block 1 is the first to hand its statistics to a style head.


# %%
class MyDownBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel_size: int = 5):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel_size, stride=2, padding=(kernel_size - 1) // 2)
        self.weight = nn.Parameter(torch.ones(c_out))  # instance-norm scale γ
        self.bias = nn.Parameter(torch.zeros(c_out))  # instance-norm offset β

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.conv(x)  # (N, C, H/2, W/2)
        stats = my_style_stats(h)  # (N, 2C): what instance norm is about to remove
        c = h.shape[1]
        mean, std = stats[:, :c, None, None], stats[:, c:, None, None]  # (N, C, 1, 1)
        normed = (h - mean) / std * self.weight[:, None, None] + self.bias[:, None, None]
        return F.leaky_relu(normed, 0.2), stats  # (N, C, H/2, W/2), (N, 2C)


# %% [markdown]
# Copy the weights of the library's `DownBlock` (spectral norm off, so the weights are plain) into yours
# and compare both outputs:

# %%
# NBVAL_CHECK_OUTPUT
seed_everything(0)
library_block = DownBlock(16, 32, 5, use_spectral_norm=False, affine=True, statistic="std")
mine = MyDownBlock(16, 32)
mine.load_state_dict(library_block.state_dict())
x = torch.randn(4, 16, 32, 32)  # (N, C_in, H, W)
h_lib, mean_lib, std_lib = library_block(x)
h_mine, stats_mine = mine(x)
print("features:", tuple(h_mine.shape), " statistics:", tuple(stats_mine.shape))
print("features match library:  ", torch.allclose(h_mine, h_lib, atol=1e-5))
print("statistics match library:", torch.allclose(stats_mine, torch.cat([mean_lib, std_lib], 1), atol=1e-5))

# %% [markdown]
# ## 3. The whole discriminator at paper width
#
# `HoloGANDiscriminator` chains a stem and the blocks until the map is 4×4, then adds the heads: one
# `Linear(2C, 1)` per block on its `[mean, std]` (the style heads), a `Linear(C·4·4, 1)` logit, and the
# identity head. We list the stages at the paper's widths for 64 and 128 px. The networks are built on
# PyTorch's `meta` device: shapes and parameter counts without allocating or computing a single number.


# %%
# NBVAL_CHECK_OUTPUT
def describe(resolution: int) -> None:
    cfg = discriminator_config(resolution)  # paper widths
    with torch.device("meta"):
        D = HoloGANDiscriminator(cfg)
        shapes = {}
        stages = [("stem", D.stem)] + [(f"block {i + 1}", b) for i, b in enumerate(D.blocks)]
        hooks = [m.register_forward_hook(lambda m, a, o, n=n: shapes.__setitem__(n, o)) for n, m in stages]
        out = D(torch.empty(1, 3, resolution, resolution))
        for hook in hooks:
            hook.remove()
    print(f"{resolution} px, conv widths {cfg.channels}")
    print(f"  {'stage':<9}{'output':<20}{'style stats':<14}{'parameters':>12}")
    print(f"  {'input':<9}{str((1, 3, resolution, resolution))}")
    print(f"  {'stem':<9}{str(tuple(shapes['stem'].shape)):<20}{'-':<14}{count_parameters(D.stem):>12,}")
    for i, block in enumerate(D.blocks):
        feats = tuple(shapes[f"block {i + 1}"][0].shape)
        stats = tuple(out.style_stats[i].shape)
        print(f"  {f'block {i + 1}':<9}{str(feats):<20}{str(stats):<14}{count_parameters(block):>12,}")
    heads = {"style heads": D.style_heads, "logit head": D.logit_head, "identity": D.identity_head}
    for name, module in heads.items():
        print(f"  {name:<43}{count_parameters(module):>12,}")
    print(f"  {'total':<43}{count_parameters(D):>12,}")


describe(64)
describe(128)

# %% [markdown]
# The style heads are tiny (a few thousand weights): they are linear classifiers of the statistics. The
# convolutions hold almost all the parameters; the identity head is the next largest (lesson 05).
#
# ## 4. Real and generated images have different statistics
#
# What do the style heads actually get to see? Below, a small discriminator (random weights, the `ci`
# width) looks at real renders and at images from an *untrained* generator. For each of its three
# instance-normed layers we plot every (image, channel) pair as a point: its mean against its spread.

# %%
seed_everything(0)
n_show = pick(ci=48, cpu=96)
small_cfg = discriminator_config(64, width=1 / 8)  # convs (8, 16, 32, 64): style stats of 16, 32, 64 channels
D_small = HoloGANDiscriminator(small_cfg).eval()
G = HoloGANGenerator(generator_config(64, width=1 / 16)).eval()
rng = torch.Generator().manual_seed(0)
pose = POSE_RANGES["synthetic"]
with torch.no_grad():
    fake = G(G.sample_z(n_show, rng), sample_views(n_show, pose.azimuth, pose.elevation, generator=rng))
    real = images[:n_show]  # (n, 3, 64, 64)
    stats_real, stats_fake = D_small(real).style_stats, D_small(fake).style_stats  # 3 × (n, 2C)
show_images(torch.cat([real[:8], fake[:8]]), nrow=8, scale=2.5, title="top: real renders · bottom: untrained G")

# %%
fig, axs = plt.subplots(1, 3, figsize=(12, 3.6))
for i, ax in enumerate(axs):
    for stats, label, colour in ((stats_real[i], "real", "C0"), (stats_fake[i], "untrained G", "C3")):
        c = stats.shape[1] // 2
        ax.scatter(stats[:, :c].flatten(), stats[:, c:].flatten(), s=3, alpha=0.3, color=colour, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("channel mean μ")
    ax.set_title(f"block {i + 1}: {c} channels at {64 // 2 ** (i + 2)}²")
axs[0].set_ylabel("channel std σ (log scale)")
axs[0].legend(markerscale=4)
plt.tight_layout()
plt.show()

# %%
for i in range(3):
    c = stats_real[i].shape[1] // 2
    r, f = stats_real[i][:, c:].mean().item(), stats_fake[i][:, c:].mean().item()
    print(f"block {i + 1}: average channel std  real {r:.4f}   untrained G {f:.4f}   (ratio {r / f:.1f}×)")

# %% [markdown]
# The untrained generator's images are nearly flat grey, so in blocks 1 and 2 every channel varies far less
# than on a real render: the clouds sit apart, and one linear classifier per layer can split them. In block 3
# of this *random* network the clouds overlap: after two instance norms and at only 4×4 positions, random
# filters no longer respond differently — a trained discriminator learns filters whose statistics do.
# Training the generator against these heads pushes its statistics onto the real cloud, layer by layer.
#
# ## 5. The losses
#
# All heads are trained with the same **non-saturating GAN loss** (sigmoid cross-entropy on raw logits):
#
# $$\mathcal{L}_D = -\mathbb{E}\log\sigma(D(x)) - \mathbb{E}\log\big(1-\sigma(D(G(z)))\big),\qquad
# \mathcal{L}_G = -\mathbb{E}\log\sigma(D(G(z))).$$
#
# The style loss applies the same two formulas to every layer's style logit and **sums** over the layers
# (as the official code). Use `F.binary_cross_entropy_with_logits`: it never forms `log(sigmoid(x))`, which
# underflows for large logits.
#
# **Exercise 2.** Write the discriminator's loss: real images are the class 1, fakes the class 0.
#
# **Exercise 3.** Write the generator's **non-saturating** loss: label its fakes as real.


# %%
def my_gan_loss_d(real_logit: torch.Tensor, fake_logit: torch.Tensor) -> torch.Tensor:
    # HINT: F.binary_cross_entropy_with_logits(real_logit, ones) + the same on fake_logit with zeros
    # BEGIN SOLUTION
    real_term = F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit))  # -log σ(real)
    fake_term = F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit))  # -log(1-σ(fake))
    return real_term + fake_term  # scalar
    # END SOLUTION


def my_gan_loss_g(fake_logit: torch.Tensor) -> torch.Tensor:
    # HINT: -log σ(fake): binary cross-entropy of fake_logit against ones (not log(1 - σ(fake)))
    # BEGIN SOLUTION
    return F.binary_cross_entropy_with_logits(fake_logit, torch.ones_like(fake_logit))  # -log σ(fake)
    # END SOLUTION


def my_style_loss_d(real_style_logits, fake_style_logits) -> torch.Tensor:
    return sum(my_gan_loss_d(r, f) for r, f in zip(real_style_logits, fake_style_logits))  # one (N,) per layer


def my_style_loss_g(fake_style_logits) -> torch.Tensor:
    return sum(my_gan_loss_g(f) for f in fake_style_logits)


# %%
# NBVAL_CHECK_OUTPUT
check_gan_losses(my_gan_loss_d, my_gan_loss_g)
check_style_losses(my_style_loss_d, my_style_loss_g)


# %% [markdown]
# Why "non-saturating"? The minimax game would have G *minimise* $\log(1-\sigma(D(G(z))))$. Early in
# training D rejects fakes confidently (logit ≪ 0), exactly where that curve is flat: G would get almost
# no gradient. $-\log\sigma(\cdot)$ has the same optimum but is steepest there.

# %%
logit = torch.linspace(-8, 8, 200, requires_grad=True)
saturating = torch.log1p(-torch.sigmoid(logit))  # minimax G objective, to minimise
non_saturating = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit), reduction="none")
grads = [torch.autograd.grad(v.sum(), logit)[0].abs() for v in (saturating, non_saturating)]
fig, axs = plt.subplots(1, 2, figsize=(10, 3.2))
for values, grad, label in zip(
    (saturating, non_saturating), grads, ("log(1 − σ(x))  (saturating)", "−log σ(x)  (non-saturating)")
):
    axs[0].plot(logit.detach(), values.detach(), label=label)
    axs[1].plot(logit.detach(), grad, label=label)
axs[0].set_title("generator loss vs D's logit on a fake")
axs[1].set_title("|gradient| reaching the generator")
for ax in axs:
    ax.set_xlabel("D's logit x on a fake (≪ 0: confidently rejected)")
    ax.legend(fontsize=8)
plt.tight_layout()
plt.show()
print(
    f"at logit -6: |grad| saturating {grads[0][logit.detach().sub(-6).abs().argmin()]:.4f}, "
    f"non-saturating {grads[1][logit.detach().sub(-6).abs().argmin()]:.4f}"
)

# %% [markdown]
# ## 6. Experiment: what the logit misses and the style heads catch
#
# To test the style heads fairly, the "fakes" must match the real images in everything *except* texture.
# We take real renders (a different set of objects from the real ones) and change only their fine texture:
#
# * **grain** — Gaussian noise with std 0.1 added to every pixel (film grain);
# * **blur** — a 3×3 binomial blur, which softens edges and removes the finest detail.
#
# Same objects, colours, poses and silhouettes; different *statistics* of the edge-like features.

# %%
half = len(images) // 2
real_pool, source_pool = images[:half], images[half:]  # two disjoint sets of objects
changed = {k: change_texture(source_pool, k, 0.1, generator=torch.Generator().manual_seed(1)) for k in TEXTURE_CHANGES}
crop = (slice(None), slice(None), slice(16, 48), slice(16, 48))  # a 32×32 window in the middle
zoom = [source_pool[:4][crop]] + [changed[k][:4][crop] for k in TEXTURE_CHANGES]
show_images(
    F.interpolate(torch.cat(zoom), scale_factor=2, mode="nearest"),
    nrow=4,
    scale=1.5,
    title="centre crops, 2× — rows: original · grain · blur",
)

# %% [markdown]
# Two discriminators with the same small widths, seed, data order, optimiser and number of steps:
#
# * **logit only** — `style_heads=False` (the official 64 px network), trained with your `my_gan_loss_d`;
# * **style heads** — the HoloGAN discriminator, trained with `my_gan_loss_d` on the logit plus
#   `my_style_loss_d` on the three style logits.
#
# Each is then scored on held-out real and changed images it has never seen, head by head, with the ROC AUC
# (the probability that a random real image scores higher than a random changed one: 0.5 is chance), and
# also on the images it was trained on: a head with a high *training* AUC but a held-out AUC near 0.5 would
# have memorised its training images rather than learnt the texture.
# The learning rate, 10⁻³, is higher than in GAN training (10⁻⁴): here the fakes do not move, and we want a
# verdict in a few hundred steps.

# %%
steps, eval_every = pick(ci=150, cpu=400), pick(ci=10, cpu=20)
cut = int(0.75 * half)  # 75 % of each pool to train on, 25 % held out
probe_cfg = discriminator_config(64, width=1 / 8, identity_head=False)
runs = {}
for kind in TEXTURE_CHANGES:
    for name, heads in (("logit only", False), ("style heads", True)):
        runs[kind, name] = train_real_fake(
            dataclasses.replace(probe_cfg, style_heads=heads),
            real_pool[:cut],
            changed[kind][:cut],
            real_pool[cut:],
            changed[kind][cut:],
            steps=steps,
            batch_size=16,
            lr=1e-3,
            seed=0,
            gan_loss=my_gan_loss_d,
            style_loss=my_style_loss_d,
            eval_every=eval_every,
        )
print(f"{steps} steps, {cut} training and {half - cut} held-out images per class; ROC AUC per head")
print(auc_table(runs, {kind: (real_pool[:cut], changed[kind][:cut]) for kind in TEXTURE_CHANGES}))

# %% [markdown]
# The same held-out AUCs recorded during training show *how soon* each head sees the change:

# %%
styles = {"logit": ("C1", "-"), "style 1": ("C0", "-"), "style 2": ("C0", "--"), "style 3": ("C0", ":")}
fig, axs = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
for ax, kind in zip(axs, TEXTURE_CHANGES):
    history = runs[kind, "logit only"].history
    ax.plot([s for s, _ in history], [a["logit"] for _, a in history], color="C7", lw=2.5, label="logit-only D: logit")
    history = runs[kind, "style heads"].history
    for head, (colour, line) in styles.items():
        label = f"style D: {head}" + (" head" if head != "logit" else "")
        ax.plot([s for s, _ in history], [a[head] for _, a in history], color=colour, ls=line, label=label)
    ax.axhline(0.5, color="k", ls=":", lw=1)
    ax.set_xlabel("training step")
    ax.set_title(f"fakes = real renders + {kind}")
axs[0].set_ylabel("held-out ROC AUC (0.5 = chance)")
axs[1].legend(fontsize=8, loc="lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# Where does the separation come from? The held-out scores of the grain experiment: the logit-only D's scores
# for real and grainy images overlap, while block 1's style classifier — a linear function of the mean and
# spread of 16 edge-like feature channels at 16² — pushes them apart.

# %%
fig, axs = plt.subplots(1, 2, figsize=(10, 3))
panels = (("logit only", "logit", "logit-only D: logit"), ("style heads", "style 1", "style D: block 1 style head"))
for ax, (name, head, title) in zip(axs, panels):
    D = runs["grain", name].discriminator.eval()
    with torch.no_grad():
        r, f = head_scores(D(real_pool[cut:]))[head], head_scores(D(changed["grain"][cut:]))[head]
    bins = torch.linspace(min(r.min(), f.min()).item(), max(r.max(), f.max()).item(), 30)
    ax.hist(r, bins=bins, alpha=0.6, label="real (held out)")
    ax.hist(f, bins=bins, alpha=0.6, label="grain (held out)")
    ax.set_title(f"{title}: AUC {runs['grain', name].auc[head]:.2f}")
    ax.set_xlabel("score (> 0: judged real)")
axs[0].legend(fontsize=8)
plt.tight_layout()
plt.show()


# %%
# NBVAL_CHECK_OUTPUT
def first_step_at(kind: str, name: str, heads: list[str], level: float = 0.9) -> float:
    found = [steps_to_reach(runs[kind, name].history, head, level) for head in heads]
    return min([s for s in found if s is not None], default=float("inf"))  # inf: never reached


style_names = ["style 1", "style 2", "style 3"]
best_grain = max(runs["grain", "style heads"].auc[h] for h in style_names)
blur_style, blur_logit = (
    first_step_at("blur", "style heads", style_names),
    first_step_at("blur", "logit only", ["logit"]),
)
print("grain: the logit-only D stays near chance (AUC < 0.7):", runs["grain", "logit only"].auc["logit"] < 0.7)
print("grain: a style head separates real from grain (AUC > 0.8):", best_grain > 0.8)
print("blur:  a style head reaches AUC 0.9 sooner than the logit-only D:", blur_style < blur_logit)

# %% [markdown]
# What the numbers say (the stored outputs are from the `cpu` profile; `ci` trains for fewer steps):
#
# * **Grain** stays invisible to the logit-only D for the whole run: with instance norm in every block and a
#   final linear layer on a 4×4 map, its main path sees the *layout*, and independent pixel noise averages out.
#   The block-1 and block-2 style heads, linear classifiers on a few dozen statistics, separate real from grainy
#   images. The style D's own logit shares its features with the style heads; it may rise a little above the
#   logit-only D's (see the table) but stays well below the style heads.
# * **Blur** changes the edges themselves, which the main path *can* see: given enough steps the logit-only D
#   learns it too. The style heads see it sooner (the curves, and the last line above).
#
# A generator trained against such a D must therefore match the real images' feature statistics at every
# scale, not only their overall layout; that is why HoloGAN adds the style loss to G's objective too
# (`style_loss_g`; see `docs/fidelity.md` for how this differs from the official code).
#
# Read each head's two AUC columns together. A head whose training AUC is near 1 while its held-out AUC is
# near 0.5 has **memorised** its training images: that is what the logits of both discriminators do with the
# grain in our runs (they fit 96 images per class perfectly, and the fit does not carry over). The block-1 and
# block-2 style heads score about the same on both sets: they learnt the texture, not the images. The deepest
# style head (block 3) sits in between and shows a gap of its own.
#
# ## Summary
#
# * HoloGAN's discriminator hands the per-channel **mean and standard deviation** removed by each instance norm
#   to a small linear **style head**; each head outputs its own real/fake logit.
# * All heads use the **non-saturating** GAN loss (`binary_cross_entropy_with_logits`); the style loss sums
#   the heads' losses over the layers, for D and for G.
# * In the experiment, a texture change (grain) that the logit-only D cannot see is caught by the style heads,
#   on held-out images as well as on the training ones; blur is seen by both, sooner by the style heads.
#
# ## Questions
#
# 1. Why does G minimise $-\log\sigma(D(G(z)))$ rather than $\log(1-\sigma(D(G(z))))$?
#    <details><summary>Answer</summary>Same optimum, but the second is flat where D confidently rejects the
#    fakes (early training), so G would get almost no gradient; the first is steepest there.</details>
# 2. Why `binary_cross_entropy_with_logits` instead of `torch.log(torch.sigmoid(x))`?
#    <details><summary>Answer</summary>For large |x| the sigmoid rounds to 0 or 1 and the log gives −inf;
#    the fused version computes the same loss stably (softplus).</details>
# 3. What does a style head see of a 16-channel feature map?
#    <details><summary>Answer</summary>32 numbers per image: each channel's mean and standard deviation over
#    the spatial positions.</details>
# 4. Why report the training AUC next to the held-out one?
#    <details><summary>Answer</summary>A high held-out AUC already rules out pure memorisation; the pair shows
#    how much of the training separation generalises (a large gap would mean overfitting).</details>
#
# ## Links
#
# * Paper: [HoloGAN (arXiv 1904.01326)](https://arxiv.org/abs/1904.01326), section 3.3 (style discriminator)
# * Official code: [thunguyenphuoc/HoloGAN](https://github.com/thunguyenphuoc/HoloGAN)
# * Fidelity notes: [Discriminator and losses](../docs/fidelity.md#discriminator-and-losses)
# * Previous: [03b — Meet the data](03b_meet_the_data.ipynb) · Next: [05 — The identity loss](05_identity_loss.ipynb)
