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
# yourself, build a discriminator block and see the statistics that real and generated images hand to the
# style heads. Lesson 04b then writes the GAN and style losses and runs a small experiment in which the style
# heads notice a change that the real/fake logit misses.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from hologan_lesson import count_parameters, pick, seed_everything
from hologan_lesson.config import POSE_RANGES, discriminator_config, generator_config
from hologan_lesson.data import InMemorySyntheticDataset
from hologan_lesson.lessons import course
from hologan_lesson.model.discriminator import DownBlock, HoloGANDiscriminator, instance_statistics
from hologan_lesson.model.generator import HoloGANGenerator
from hologan_lesson.model.rotation import sample_views
from hologan_lesson.viz import show_images

course.setup("04")

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
# image — is *how strongly* each feature is present and how much it varies. Huang & Belongie ([AdaIN, 2017](https://arxiv.org/abs/1703.06868))
# showed that these per-channel means and standard deviations carry an image's **style** (colours, contrast,
# texture): replacing one image's statistics by another's transfers the style. [StyleGAN](https://arxiv.org/abs/1812.04948) (Karras et al., 2019)
# and HoloGAN's generator (lesson 03) *set* these statistics from `z`. HoloGAN's discriminator does the
# reverse: each instance-normed layer hands the statistics it removes to a small classifier.
#
# **Exercise 1.** Write the statistics yourself. Use the population variance (divide by $HW$, as instance
# norm does) and $\varepsilon = 10^{-5}$ inside the square root.


# %%
def my_style_stats(h: torch.Tensor) -> torch.Tensor:
    # HINT 1: for every image and channel, the mean and standard deviation over the spatial positions only
    # HINT 2: reduce over dims 2 and 3; population variance (unbiased=False); add 1e-5 before the square root; put
    # HINT 2: the means first along dim 1
    # BEGIN SOLUTION
    mean = h.mean(dim=(2, 3))  # (N, C): average over H, W only
    var = h.var(dim=(2, 3), unbiased=False)  # (N, C): divide by H·W, like instance norm
    std = torch.sqrt(var + 1e-5)  # (N, C); the eps keeps the gradient finite on a flat channel
    return torch.cat([mean, std], dim=1)  # (N, 2C): [means, stds]
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.discriminator import check_style_stats

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
# Every block after the first is: stride-2 conv (k5, [spectral norm](https://arxiv.org/abs/1802.05957) in the library) → instance norm with a
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
# ## Summary
#
# * HoloGAN's discriminator hands the per-channel **mean and standard deviation** removed by each instance norm
#   to a small linear **style head**; each head outputs its own real/fake logit.
# * These $2C$ numbers per layer are an image's style: giving one image another's statistics (AdaIN) moves its
#   colours and contrast and keeps its shapes.
# * The stem has no instance norm; each later block sees a coarser scale (16², 8², 4² positions at 64 px), hence
#   "multi-scale". The style heads are tiny next to the convolutions.
# * Real renders and an untrained generator's images have clearly different statistics in the first blocks:
#   there is something for the style heads to see.
# * What they buy when a generator trains against them is measured in [lesson 04b, section 3](04b_gan_losses.ipynb)
#   on the course's quarter-turn recipe (the `cpu` recipe before the half turn from above): KID
#   {{ fact:quarter_ablation.full.kid }} without them and {{ fact:quarter_ablation.with_style_disc.kid }} with them
#   (seeds {{ fact:quarter_ablation.seeds }}), and no steadier turn — not found to help at 32 px, so the recipes
#   keep them off.
#
# ## Questions
#
# 1. What does a style head see of a 16-channel feature map?
#    <details><summary>Answer</summary>32 numbers per image: each channel's mean and standard deviation over
#    the spatial positions.</details>
# 2. Why divide by $HW$ and not $HW - 1$ in the variance?
#    <details><summary>Answer</summary>Instance norm uses the population variance of the positions it
#    normalises; the checker compares with the library, which does the same.</details>
# 3. Why is there no style head on the stem?
#    <details><summary>Answer</summary>The stem has no instance norm, so it removes no statistics to hand on;
#    block 1 is the first normalised layer.</details>
#
# ## Links
#
# * Paper: [HoloGAN (arXiv 1904.01326)](https://arxiv.org/abs/1904.01326), section 3.3 (style discriminator)
# * [AdaIN: Huang & Belongie 2017 (arXiv 1703.06868)](https://arxiv.org/abs/1703.06868) ·
#   [StyleGAN: Karras et al. 2019 (arXiv 1812.04948)](https://arxiv.org/abs/1812.04948) ·
#   [spectral normalisation: Miyato et al. 2018 (arXiv 1802.05957)](https://arxiv.org/abs/1802.05957)
# * Official code: [thunguyenphuoc/HoloGAN](https://github.com/thunguyenphuoc/HoloGAN)
# * Fidelity notes: [Discriminator and losses](../docs/fidelity.md#discriminator-and-losses)
# * Previous: [03b — Meet the data](03b_meet_the_data.ipynb) · Next: [04b — The GAN losses and what style
#   buys](04b_gan_losses.ipynb)
