# %% [markdown]
# # Lesson 06 — Training HoloGAN
#
# All the parts exist: the generator with its rigid rotation (lessons 01–03), the style discriminator and
# the identity loss (lessons 04–05). Now we put them in one training iteration, check it against the
# library, and hand over to the library's trainer, which adds checkpoints, sample grids, view sweeps and
# resumable runs.
#
# ## The objective
#
# For real images $x$ and generated images $\hat x = G(z, v)$ with **a random view $v$ for every image**:
#
# $$\mathcal L_D = \underbrace{\mathrm{BCE}(D(x), 1) + \mathrm{BCE}(D(\hat x), 0)}_{\texttt{d\_adv}}
#   + \lambda_s \underbrace{\sum_l \big[\mathrm{BCE}(D_l(x), 1) + \mathrm{BCE}(D_l(\hat x), 0)\big]}_{\texttt{d\_style}}
#   + \lambda_{id} \underbrace{\lVert z - \hat z(\hat x) \rVert^2}_{\texttt{d\_identity}}$$
#
# $$\mathcal L_G = \underbrace{\mathrm{BCE}(D(\hat x), 1)}_{\texttt{g\_adv}}
#   + \lambda_s \underbrace{\sum_l \mathrm{BCE}(D_l(\hat x), 1)}_{\texttt{g\_style}}
#   + \lambda_{id} \underbrace{\lVert z - \hat z(\hat x) \rVert^2}_{\texttt{g\_identity}}$$
#
# where $D_l$ are the style heads on each layer's instance-norm statistics and $\hat z$ is the identity
# head. The view is the key: since $v$ is drawn at random and the discriminator sees only single images,
# the generator's cheapest way to look real from *every* view is to build a consistent 3D object in its
# feature volume.

# %%
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from PIL import Image

from hologan_lesson import pick, profile, seed_everything
from hologan_lesson.config import make_config, to_dict
from hologan_lesson.data import make_dataset
from hologan_lesson.envcheck import machine_summary
from hologan_lesson.model.losses import discriminator_loss, generator_loss
from hologan_lesson.model.rotation import sample_views
from hologan_lesson import runs
from hologan_lesson.runs import load_run_config
from hologan_lesson.train import Trainer

seed_everything(0)
print(machine_summary())

# %% [markdown]
# ## 1. A configuration
#
# All settings live in dataclasses in `hologan_lesson/config.py`, grouped in named presets. The `ci` preset
# is tiny (seconds); `cpu` is what `python -m hologan_lesson demo` trains; `gpu`, `colab`, `paper` and
# `paper128` are the full-size recipes.

# %%
# NBVAL_CHECK_OUTPUT
cfg = make_config("ci")
for section in ("generator", "discriminator", "loss", "train"):
    print(section, {k: v for k, v in to_dict(getattr(cfg, section)).items()
                    if k in ("resolution", "const_channels", "channels", "style_weight", "identity_weight",
                             "batch_size", "lr_g", "betas", "g_steps_per_d")})

# %% [markdown]
# ## 2. One training iteration, written out
#
# One iteration = one discriminator step, then `g_steps_per_d` generator steps (the official code runs the
# generator optimiser twice) on the same codes and views. Latent codes are $z \sim U(-1, 1)$ as in the paper.

# %%
def my_train_step(trainer: Trainer) -> dict[str, torch.Tensor]:
    G, D, c = trainer.G, trainer.D, trainer.cfg
    real = trainer.batches.next()  # (B, 3, H, W) in [-1, 1]
    B = real.shape[0]
    z = torch.rand(B, G.latent_dim, generator=trainer.rng) * 2 - 1  # (B, 128), U(-1, 1)
    views = sample_views(B, c.data.azimuth_range, c.data.elevation_range, generator=trainer.rng)  # (B, 2) degrees

    # discriminator: real -> 1, fake -> 0 (fakes detached: no generator gradients here)
    fake = G(z, views)  # (B, 3, H, W)
    d_total, d_terms = discriminator_loss(D(real), D(fake.detach()), z, c.loss)
    trainer.opt_d.zero_grad(set_to_none=True)
    d_total.backward()
    trainer.opt_d.step()

    # generator: make D call the fakes real, keep z recoverable, match the real style statistics
    for _ in range(c.train.g_steps_per_d):
        g_total, g_terms = generator_loss(D(G(z, views)), z, c.loss)
        trainer.opt_g.zero_grad(set_to_none=True)
        g_total.backward()
        trainer.opt_g.step()
    trainer.sched_d.step()
    trainer.sched_g.step()
    trainer.step += 1
    return {k: v.detach() for k, v in {**d_terms, **g_terms}.items()}


dataset = make_dataset(cfg.data)  # in-memory synthetic objects in the ci preset
with tempfile.TemporaryDirectory() as tmp:
    trainer = Trainer(cfg, tmp, dataset=dataset)
    for _ in range(3):
        terms = my_train_step(trainer)
        print({k: round(float(v), 3) for k, v in terms.items()})

# %% [markdown]
# Every term is visible: `d_adv`/`g_adv` (the image-level game), `d_style`/`g_style` (the feature-level
# game on each layer's statistics) and `d_identity`/`g_identity` (the latent regression that both networks
# minimise). Now compare with the library's `Trainer.train_step` on a twin trainer with the same seed:

# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.training import check_train_step

check_train_step(my_train_step, cfg, dataset)

# %% [markdown]
# ## 3. Hand over to the trainer
#
# `Trainer.fit()` runs the same step and adds what a real run needs: a run folder with the resolved config,
# `metrics.csv`, sample grids, azimuth and elevation sweeps (GIF + PNG strip) at every checkpoint, atomic
# checkpoints (last K kept) that hold everything needed to resume *exactly*, NaN/Inf detection, and
# Ctrl-C handling. From a shell:
#
# ```bash
# python -m hologan_lesson train --preset cpu --dataset synthetic     # = python -m hologan_lesson demo
# python -m hologan_lesson train --resume runs/<run folder>           # after an interruption
# ```
#
# In the `ci` profile this notebook trains the tiny preset for a few steps. In the `cpu` and `gpu` profiles
# it shows a finished run of the `cpu` preset (the `demo` command) if one exists at `RUN_DIR`, and trains
# one otherwise.

# %%
RUN_DIR = Path(pick(ci=tempfile.mkdtemp(prefix="hologan-ci-"), cpu="../runs/demo", gpu="../runs/demo"))
if runs.is_run_folder(RUN_DIR):  # a run made earlier, e.g. by `python -m hologan_lesson demo`
    run_cfg = load_run_config(RUN_DIR)
else:
    run_cfg = make_config("ci") if profile() == "ci" else make_config("cpu")
if not runs.checkpoint_path(RUN_DIR, run_cfg.train.steps).exists():
    Trainer(run_cfg, RUN_DIR, resume=(RUN_DIR / runs.CHECKPOINT_DIR).exists()).fit(progress=False)
rows = runs.read_metrics(RUN_DIR)
print(f"preset {run_cfg.preset}: {rows[-1]['step']} steps, batch {run_cfg.train.batch_size}, "
      f"{run_cfg.data.resolution} px, {run_cfg.data.name} data")
info = RUN_DIR / runs.RUN_INFO_FILE
print("trained on:", json.loads(info.read_text())["machine"] if info.exists() else "(not recorded)")
wall = float(rows[-1]["time"]) - float(rows[0]["time"])
speed = sorted(float(r["images_per_s"]) for r in rows if r["images_per_s"] != "nan")
print(f"wall time of the logged steps: {wall / 60:.1f} min; median speed {speed[len(speed) // 2]:.0f} images/s")


# %% [markdown]
# ## 4. Losses

# %%
steps = [int(r["step"]) for r in rows]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.2))
for ax, keys, title in zip(axes, [("d_adv", "g_adv"), ("d_style", "g_style"), ("d_identity", "g_identity")],
                           ["adversarial", "style (feature level)", "identity (latent regression)"]):
    for k in keys:
        if k in rows[0]:
            ax.plot(steps, [float(r[k]) for r in rows], label=k)
    ax.set_title(title)
    ax.set_xlabel("step")
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# How to read these curves:
#
# * **adversarial** — neither side should win outright. A low `d_adv` with a high `g_adv` means the
#   discriminator is ahead, which is typical of the first few thousand steps.
# * **identity** — if the discriminator regressed nothing (ẑ = 0), the loss would be E[z²] = 1/3 for
#   z ~ U(−1, 1). The curve must fall below 1/3 before the identity term constrains anything; lesson 05
#   measures how fast that happens.
#
# The next cell prints where the run shown here ended, so you can compare your own run with it.
#
# ## 5. Samples and view sweeps during training
#
# Fixed identities at fixed random views, at several points of training:

# %%
grids = sorted((RUN_DIR / runs.SAMPLES_DIR).glob("step_*.png"))
picked = [grids[i] for i in sorted({round(k * (len(grids) - 1) / 4) for k in range(5)})]  # up to 5, first and last
fig, axes = plt.subplots(len(picked), 1, figsize=(8, 1.3 * len(picked)))
for ax, path in zip(axes, picked):
    ax.imshow(Image.open(path))
    ax.set_axis_off()
    ax.set_title(f"step {int(path.stem.split('_')[1])}", fontsize=9)
plt.tight_layout()
plt.show()

# %% [markdown]
# And what matters most: the same identities turned through the dataset's azimuth range (each row one
# identity), at the first and the last checkpoint. The GIFs in `sweeps/` animate the same frames.

# %%
for kind in ("azimuth", "elevation"):
    strips = sorted((RUN_DIR / runs.SWEEPS_DIR).glob(f"{kind}_step_*.png"))
    for path in [strips[0], strips[-1]] if len(strips) > 1 else strips:
        fig, ax = plt.subplots(figsize=(10, 3))
        ax.imshow(Image.open(path))
        ax.set_axis_off()
        ax.set_title(f"{kind} sweep, step {int(path.stem.split('_')[-1])}")
        plt.show()
print("GIFs:", *[p.name for p in runs.sweep_gifs(RUN_DIR)][-2:])

# %% [markdown]
# ## 6. Going further
#
# * **GPU.** `python -m hologan_lesson train --preset gpu --dataset celeba` (bf16 autocast, channels_last) or
#   `--preset colab` (fp16 with a gradient scaler, for a T4). The README's GPU section lists the recipes.
# * **Resume.** A dropped Colab session loses nothing but the steps since the last checkpoint:
#   `--resume RUN_DIR` continues with the same data order and random numbers, so the losses are identical
#   to an uninterrupted run (the test suite checks this by killing a real training process).
# * **Export.** `python -m hologan_lesson export RUN_DIR model.pt` writes a slim generator checkpoint; lesson
#   08 explores one.
