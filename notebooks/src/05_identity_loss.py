# %% [markdown]
# # Lesson 05 — The identity (latent regression) loss
#
# The generator receives a code $z$ (which object) and a view $v$ (from where). The adversarial loss only asks
# that every image look real. Nothing in it says that $G(z, v_1)$ and $G(z, v_2)$ must show the *same* object,
# or even that $z$ must matter at all: a generator that draws a plausible object chosen by the view, or that
# ignores half of $z$, can fool a discriminator just as well.
#
# HoloGAN adds an **identity regulariser**: a head on the discriminator regresses the code back from any
# generated image, and both networks minimise
#
# $$\mathcal{L}_{\text{identity}} = \mathbb{E}_{z, v}\,\big\lVert \hat z\big(G(z, v)\big) - z \big\rVert^2 .$$
#
# In this lesson you write the loss and the head, see why it ties identity to $z$ across views, and run two
# small HoloGANs side by side — with and without it — measuring what it changes at a CPU budget.

# %%
import tempfile

import matplotlib.pyplot as plt
import torch
from torch import nn

from hologan_lesson import count_parameters, pick, seed_everything
from hologan_lesson.config import apply_overrides, discriminator_config, make_config
from hologan_lesson.data import InMemorySyntheticDataset
from hologan_lesson.discriminator import HoloGANDiscriminator
from hologan_lesson.envcheck import machine_summary
from hologan_lesson.generator import HoloGANGenerator, azimuth_sweep
from hologan_lesson.identity import (
    embed,
    identity_stability,
    latent_head,
    latent_recovery_error,
    render_sweeps,
    train_latent_probe,
)
from hologan_lesson.rotation import sample_views
from hologan_lesson.train import Trainer
from hologan_lesson.viz import show_images

seed_everything(0)
print(machine_summary())

# %% [markdown]
# ## 1. Why regressing $z$ keeps the identity
#
# This is InfoGAN's argument (Chen et al., 2016) applied to the whole code. Read $\hat z(x)$ as the mean of a
# Gaussian guess $Q(z \mid x)$ with a fixed spread. Then for images $x = G(z, v)$
#
# $$I(z;\,x) \;\ge\; H(z) + \mathbb{E}\,\log Q(z \mid x) \;=\; \text{const} - \tfrac{1}{2s^2}\,
# \mathbb{E}\,\lVert z - \hat z(x)\rVert^2 ,$$
#
# so lowering the squared error raises a lower bound on the information the image carries about $z$.
# Two details make it an *identity* loss rather than just an information loss:
#
# * the view $v$ is drawn at random and independently of $z$ for every image, and the regressor is **not told
#   the view**. One and the same function $\hat z$ must read $z$ from a front view, a side view, and anything in
#   between;
# * therefore $z$ has to be visible in *every* view, written in a way that does not depend on the view. If the
#   generator let the view change how $z$ shows (a colour that drifts with azimuth, a part that only exists from
#   one side), a view-blind regressor could not undo it, and the loss would go up.
#
# The generator cannot hide $z$-information in view-dependent ways; the cheapest way to keep the loss low is to
# draw the same object from every view.
#
# ## 2. The loss and the head
#
# $z \sim U(-1, 1)$, so the head ends in a `tanh`. The official head reads the flattened last feature map of
# the discriminator: `Linear(C·4·4, 128) → LeakyReLU(0.2) → Linear(128, z_dim) → tanh`.


# %%
def my_identity_loss(z_hat: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    return (z_hat - z).pow(2).mean()  # scalar: mean over the batch and the code dimensions


class MyIdentityHead(nn.Module):
    def __init__(self, features: int, z_dim: int, hidden: int = 128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, z_dim), nn.Tanh())

    def forward(self, flat: torch.Tensor) -> torch.Tensor:
        return self.net(flat)  # (N, C·4·4) -> (N, z_dim) in (-1, 1)


# %% [markdown]
# Copy the weights of the library discriminator's `identity_head` into yours (paper widths, 64 px) and check
# that both read the same code off the same features:

# %%
# NBVAL_CHECK_OUTPUT
seed_everything(0)
D_full = HoloGANDiscriminator(discriminator_config(64))
flat_features = D_full.logit_head.in_features  # 512 channels × 4 × 4
head = MyIdentityHead(flat_features, z_dim=128)
head.net.load_state_dict(D_full.identity_head.state_dict())
flat = torch.randn(4, flat_features)  # (N, C·4·4)
print("flattened features:", tuple(flat.shape), "-> z_hat:", tuple(head(flat).shape))
print("parameters:", f"{count_parameters(head):,}")
print("matches library head:", torch.allclose(head(flat), D_full.identity_head(flat), atol=1e-6))

# %% [markdown]
# A reference number for everything below: a regressor that knows nothing and always answers $\hat z = 0$
# scores $\mathbb{E}[z^2] = \int_{-1}^{1} \tfrac{z^2}{2}\,dz = 1/3$.

# %%
g = torch.Generator().manual_seed(0)
z = torch.rand(100_000, 16, generator=g) * 2 - 1  # (N, z_dim), U(-1, 1)
print(f"MSE of always answering 0: {my_identity_loss(torch.zeros_like(z), z):.4f}  (1/3 = {1 / 3:.4f})")
plt.figure(figsize=(4, 2.4))
plt.hist(z[:, 0], bins=40, density=True, alpha=0.7, label="z ~ U(-1, 1)")
xs = torch.linspace(-3, 3, 200)
plt.plot(xs, torch.tanh(xs), label="tanh: the head's output range")
plt.legend(fontsize=7)
plt.title("what the head must hit")
plt.show()

# %% [markdown]
# ## 3. Two rulers for identity
#
# * **Latent recovery.** The MSE between $z$ and a regressor's $\hat z$ on generated images at random views,
#   for a fixed set of codes and views. Reference: 1/3.
# * **Stability across a view sweep.** Take K identities and render each at T azimuths from −60° to +60°.
#   With an embedding $e$ of each image (the pixels, or a regressed $\hat z$), measure
#
# $$\text{ratio} = \frac{\text{mean distance between two views of the same identity}}
# {\text{mean distance between two identities seen from the same view}} .$$
#
# 0 means the embedding ignores the view; about 1 means a view change moves it as far as a new identity does.
# A ratio is free of the embedding's scale, so different embeddings can be put side by side. On *pixels* even a
# perfect 3D generator scores above 0 (turning an object moves its pixels), so there the ratio is only
# meaningful as a comparison between generators at the same views.


# %%
def my_stability_ratio(e: torch.Tensor) -> float:
    k, t = e.shape[:2]  # e: (K identities, T views, d)
    intra = torch.cdist(e, e).sum() / (k * t * (t - 1))  # (K, T, T) distances, diagonal = 0
    across = e.transpose(0, 1)  # (T, K, d)
    inter = torch.cdist(across, across).sum() / (t * k * (k - 1))
    return (intra / inter).item()


toy = torch.tensor([[[0.0], [1.0]], [[4.0], [5.0]]])  # 2 identities 4 apart, views move each by 1
print("toy ratio (1 / 4):", my_stability_ratio(toy), "  library:", identity_stability(toy).ratio)

# %% [markdown]
# ## 4. Experiment: two small HoloGANs, with and without the identity loss
#
# Both runs use the library `Trainer` with the `ci` preset's small networks, the same seed, the same data and
# the same number of steps. Two settings differ from the preset, the same in both runs, so that a CPU budget
# shows something: a 16-number code (`generator.z_dim=16`; the paper's 128 dimensions need far more steps to
# regress) and a learning rate of 5·10⁻⁴ instead of 10⁻⁴. The only difference between the runs is
# `loss.identity_weight` (1 or 0): without it, the identity head exists but never receives a gradient.

# %%
steps = pick(ci=150, cpu=1000)
eval_every = pick(ci=15, cpu=50)
base = make_config("ci", overrides=["generator.z_dim=16", "train.lr_d=5e-4", "train.lr_g=5e-4"])
dataset = InMemorySyntheticDataset(pick(ci=256, cpu=1024), resolution=64, seed=0)
configs = {name: apply_overrides(base, [f"loss.identity_weight={w}"]) for name, w in (("with", 1), ("without", 0))}
g_params = count_parameters(HoloGANGenerator(base.generator))
print(
    f"{steps} steps of batch {base.train.batch_size}; generator: {g_params:,} parameters, z_dim {base.generator.z_dim}"
)

# %% [markdown]
# Every `eval_every` steps we record D's own latent-recovery error on 128 fixed codes at random views, and the
# pixel stability ratio of K fixed identities over the azimuth sweep.

# %%
pose = base.data
rng = torch.Generator().manual_seed(123)
z_eval = torch.rand(128, base.generator.z_dim, generator=rng) * 2 - 1  # (128, 16): fresh codes, fixed once
views_eval = sample_views(128, pose.azimuth_range, pose.elevation_range, generator=rng)  # (128, 2) degrees
zero_guess = float(z_eval.pow(2).mean())  # the "answer 0" reference on these codes
K, T = pick(ci=8, cpu=12), 9
z_ids = torch.rand(K, base.generator.z_dim, generator=torch.Generator().manual_seed(7)) * 2 - 1  # (K, 16)
sweep = azimuth_sweep(T, pose.azimuth_range, elevation=sum(pose.elevation_range) / 2)  # (T, 2)

trainers, history = {}, {}
with tempfile.TemporaryDirectory() as tmp:
    for name, cfg in configs.items():
        seed_everything(0)
        trainer = Trainer(cfg, f"{tmp}/{name}", dataset=dataset)
        rows = []  # (step, D's head MSE, pixel stability ratio)
        for step in range(steps + 1):
            if step % eval_every == 0:
                mse = latent_recovery_error(trainer.G, latent_head(trainer.D), z_eval, views_eval)
                ratio = identity_stability(render_sweeps(trainer.G, z_ids, sweep).flatten(2)).ratio  # (K, T, 3·H·W)
                rows.append((step, mse, ratio))
            if step < steps:
                trainer.train_step()
        trainers[name], history[name] = trainer, rows


def late_mean(name: str, column: int) -> float:
    """Mean over the second half of training: single evaluations of a GAN jump around."""
    values = [row[column] for row in history[name] if row[0] >= steps // 2]
    return sum(values) / len(values)


head_error = {name: late_mean(name, 1) for name in history}
pixel_ratio = {name: late_mean(name, 2) for name in history}
n_late = sum(1 for row in history["with"] if row[0] >= steps // 2)
print(f"means over the second half of training (steps {steps // 2}-{steps}, {n_late} evaluations)")
table = {"D's head latent MSE": head_error, "pixel stability ratio": pixel_ratio}
print(f"{'':<30}{'with':>9}{'without':>9}")
for label, values in table.items():
    print(f"{label:<30}{values['with']:>9.4f}{values['without']:>9.4f}")

# %%
fig, axs = plt.subplots(1, 2, figsize=(11, 3.4))
for name, rows in history.items():
    step_axis = [r[0] for r in rows]
    axs[0].plot(step_axis, [r[1] for r in rows], marker=".", label=f"{name} identity loss")
    axs[1].plot(step_axis, [r[2] for r in rows], marker=".", label=f"{name} identity loss")
axs[0].axhline(zero_guess, color="k", ls=":", lw=1, label="always answer 0 (E[z²])")
axs[0].set_ylabel("MSE(z, D's ẑ) on held-out fakes")
axs[0].set_title("latent recovery by D's identity head")
axs[1].set_ylabel("intra / inter pixel distance")
axs[1].set_title(f"pixel stability over the azimuth sweep ({K} identities)")
for ax in axs:
    ax.axvspan(steps // 2, steps, color="0.93", zorder=0)  # the averaged second half
    ax.set_xlabel("training step")
    ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# With the loss, D's head learns to read $z$ and its error drops below the "answer 0" line; without it, the
# head is never trained and stays on the line. That alone says nothing about the *generators* — the second run
# simply never trained its head. To compare the generators with one ruler, we freeze each and train a **fresh
# probe** on it: the same small architecture, the same steps, codes and views for both.

# %%
probe_steps = pick(ci=60, cpu=200)
probes = {}
for name, trainer in trainers.items():
    probes[name], _ = train_latent_probe(
        trainer.G,
        trainer.D.cfg,
        steps=probe_steps,
        batch_size=32,
        azimuth_range=pose.azimuth_range,
        elevation_range=pose.elevation_range,
        lr=1e-3,
        seed=0,
    )
probe_error = {n: latent_recovery_error(trainers[n].G, latent_head(p), z_eval, views_eval) for n, p in probes.items()}
rows = {
    "D's head (2nd-half mean)": (head_error["with"], head_error["without"]),
    f"fresh probe, {probe_steps} steps": (probe_error["with"], probe_error["without"]),
    "always answer 0": (zero_guess, zero_guess),
}
print(f"{'latent-recovery MSE':<30}{'with':>9}{'without':>9}")
for label, (a, b) in rows.items():
    print(f"{label:<30}{a:>9.4f}{b:>9.4f}")

# %% [markdown]
# The same identities swept through the views by the two final generators (rows: identities; columns:
# azimuth −60° … +60°):

# %%
sweeps = {name: render_sweeps(trainer.G, z_ids, sweep) for name, trainer in trainers.items()}  # (K, T, 3, H, W)
for name, images in sweeps.items():
    show_images(images[:4].flatten(0, 1), nrow=T, scale=2.2, title=f"{name} identity loss, step {steps}")

# %% [markdown]
# And the stability ratio of these final sweeps under three embeddings: the pixels, the fresh probe's $\hat z$
# and D's own $\hat z$ (`identity_stability` is the library version of `my_stability_ratio`):

# %%
stability = {}
for name, images in sweeps.items():
    stability[name] = {
        "pixels": identity_stability(images.flatten(2)),  # (K, T, 3·H·W)
        "fresh probe ẑ": identity_stability(embed(latent_head(probes[name]), images)),  # (K, T, 16)
        "D's own head ẑ*": identity_stability(embed(latent_head(trainers[name].D), images)),
    }
print(f"final generators {'with identity loss':>37}{'without':>27}")
print(f"{'embedding':<18}" + f"{'intra':>9}{'inter':>9}{'ratio':>9}" * 2)
for kind in stability["with"]:
    cells = [stability[n][kind] for n in ("with", "without")]
    print(f"{kind:<18}" + "".join(f"{c.intra:>9.3f}{c.inter:>9.3f}{c.ratio:>9.3f}" for c in cells))
print("* without the identity loss this head is never trained: its ẑ is a random function of D's features")

# %%
kinds = list(stability["with"])
fig, ax = plt.subplots(figsize=(6.5, 3.2))
for i, name in enumerate(("with", "without")):
    positions = [k + (i - 0.5) * 0.38 for k in range(len(kinds))]
    ax.bar(positions, [stability[name][k].ratio for k in kinds], width=0.38, label=f"{name} identity loss")
ax.set_xticks(range(len(kinds)), kinds)
ax.set_ylabel("intra / inter distance")
ax.set_title(f"stability of the final sweeps ({K} identities; * see above)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 5. What the numbers say
#
# The comparisons, computed from the tables above (positive = the run *with* the identity loss is better):

# %%
comparisons = {
    "D's head latent MSE (2nd-half mean)": (head_error["without"] - head_error["with"], head_error["without"]),
    "fresh-probe latent MSE (final)": (probe_error["without"] - probe_error["with"], probe_error["without"]),
    "pixel stability ratio (2nd-half mean)": (pixel_ratio["without"] - pixel_ratio["with"], pixel_ratio["without"]),
    "probe-ẑ stability ratio (final)": (
        stability["without"]["fresh probe ẑ"].ratio - stability["with"]["fresh probe ẑ"].ratio,
        stability["without"]["fresh probe ẑ"].ratio,
    ),
}
for label, (gap, reference) in comparisons.items():
    print(f"{label:<40} without − with = {gap:+.4f}  ({100 * gap / reference:+.0f} % of 'without')")

# %% [markdown]
# READING_PLACEHOLDER
#
# ## Check yourself
#
# Hand your loss to the checker. Try `.sum()` instead of `.mean()`, an L1 loss, or a square root to see the
# hints.

# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.checks.discriminator import check_identity_loss

check_identity_loss(my_identity_loss)
