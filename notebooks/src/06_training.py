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

from hologan_lesson.lessons import course
from hologan_lesson import pick, profile
from hologan_lesson.config import make_config, to_dict
from hologan_lesson.data import make_dataset
from hologan_lesson.model.losses import discriminator_loss, generator_loss
from hologan_lesson.model.rotation import sample_views
from hologan_lesson import runs
from hologan_lesson.runs import load_run_config
from hologan_lesson.train import Trainer
from hologan_lesson import shipped
from hologan_lesson.viz import show_run_samples, show_run_sweeps

course.setup("06")

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
#
# Write the two marked parts of `my_train_step`. **Exercise 1:** the discriminator step (its loss on real images
# and on the *detached* fakes, then zero its gradients, backward, optimiser step). **Exercise 2:** the loop of
# generator steps.
# `discriminator_loss` and `generator_loss` (lessons 04–05) return the total and a dict of its terms.

# %%
def my_train_step(trainer: Trainer) -> dict[str, torch.Tensor]:
    G, D, c = trainer.G, trainer.D, trainer.cfg
    real = trainer.batches.next()  # (B, 3, H, W) in [-1, 1]
    B = real.shape[0]
    z = torch.rand(B, G.latent_dim, generator=trainer.rng) * 2 - 1  # (B, 128), U(-1, 1)
    views = sample_views(B, c.data.azimuth_range, c.data.elevation_range, generator=trainer.rng)  # (B, 2) degrees

    # discriminator: real -> 1, fake -> 0 (fakes detached: no generator gradients here)
    fake = G(z, views)  # (B, 3, H, W)
    # HINT 1: the discriminator step: its loss on real and fake images, then one optimiser step; the fakes must not
    # HINT 1: send gradients into G here
    # HINT 2: discriminator_loss takes D's outputs on real and on detached fakes, z and c.loss; zero trainer.opt_d's
    # HINT 2: gradients, backward the total, step trainer.opt_d
    # BEGIN SOLUTION
    d_total, d_terms = discriminator_loss(D(real), D(fake.detach()), z, c.loss)
    trainer.opt_d.zero_grad(set_to_none=True)
    d_total.backward()
    trainer.opt_d.step()
    # END SOLUTION

    # generator: make D call the fakes real, keep z recoverable, match the real style statistics
    # HINT 1: the generator step, repeated c.train.g_steps_per_d times, each with fresh fakes from the same z and
    # HINT 1: views
    # HINT 2: generator_loss takes D's output on G(z, views), z and c.loss; zero trainer.opt_g's gradients, backward
    # HINT 2: the total, step trainer.opt_g
    # BEGIN SOLUTION
    for _ in range(c.train.g_steps_per_d):
        g_total, g_terms = generator_loss(D(G(z, views)), z, c.loss)
        trainer.opt_g.zero_grad(set_to_none=True)
        g_total.backward()
        trainer.opt_g.step()
    # END SOLUTION
    trainer.sched_d.step()
    trainer.sched_g.step()
    trainer.step += 1
    return {k: v.detach() for k, v in {**d_terms, **g_terms}.items()}


# %% [markdown]
# Compare it with the library's `Trainer.train_step` on a twin trainer with the same seed:

# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.training import check_train_step

dataset = make_dataset(cfg.data)  # in-memory synthetic objects in the ci preset
check_train_step(my_train_step, cfg, dataset)

# %% [markdown]
# Three iterations of your step on a fresh trainer, every term printed:

# %%
with tempfile.TemporaryDirectory() as tmp:
    trainer = Trainer(cfg, tmp, dataset=dataset)
    for _ in range(3):
        terms = my_train_step(trainer)
        print({k: round(float(v), 3) for k, v in terms.items()})

# %% [markdown]
# Every term is visible: `d_adv`/`g_adv` (the image-level game), `d_style`/`g_style` (the feature-level
# game on each layer's statistics) and `d_identity`/`g_identity` (the latent regression that both networks
# minimise).
#
# ## 3. Hand over to the trainer
#
# `Trainer.fit()` runs the same step and adds what a real run needs: a run folder with the resolved config,
# `metrics.csv`, sample grids, azimuth and elevation sweeps (GIF + PNG strip) at every checkpoint, atomic
# checkpoints (last K kept) that hold everything needed to resume *exactly*, NaN/Inf detection, and
# Ctrl-C handling. From a shell:
#
# ```bash
# python -m hologan_lesson demo                                       # the cpu preset on the synthetic cars
# python -m hologan_lesson train --resume runs/<run folder>           # after an interruption
# ```
#
# **The `cpu` recipe.** On two CPU cores HoloGAN only learns to turn objects with a recipe narrower than the
# paper's datasets: one object family (cars), views at eye level with azimuth between 0° (front) and 90°
# (side), and the official 64 px losses (no identity loss, no style discriminator: $\lambda_{id} = \lambda_s = 0$,
# so only `d_adv`/`g_adv` are logged). Why each choice was needed is measured in
# `docs/results/pose_emergence/README.md` and listed in `docs/fidelity.md`.
#
# **What this cell shows.** Training the recipe takes about 4 minutes on two idle CPU cores (measured; longer on
# a laptop busy with other work), so by default the lesson shows the run the course ships
# (`hologan_lesson.shipped.DEMO_RUN`: the files of one `demo`-recipe run, trained on one thread; on two threads
# the same seed takes a different trajectory, which can end in a partly folded turn — see
# `docs/results/pose_emergence/README.md`). Set
# `TRAIN_NOW = True` to train your own here instead (or run `python -m hologan_lesson demo` in a terminal). In
# the `ci` profile (the tests) a few steps of the tiny preset run instead, so the pictures there are noise.

# %%
TRAIN_NOW = False  # True: train the cpu recipe in this notebook (about 4 min on 2 idle CPU cores)
if profile() == "ci":
    RUN_DIR = Path(tempfile.mkdtemp(prefix="hologan-ci-"))
    Trainer(make_config("ci"), RUN_DIR).fit(progress=False)
elif TRAIN_NOW:
    RUN_DIR = Path("runs") / "lesson06-demo"
    resume = runs.newest_checkpoint(RUN_DIR) is not None
    run_cfg = runs.load_run_config(RUN_DIR) if resume else make_config("cpu", "synthetic")
    Trainer(run_cfg, RUN_DIR, resume=resume).fit()
else:
    RUN_DIR = shipped.asset(shipped.DEMO_RUN)
run_cfg = load_run_config(RUN_DIR)
rows = runs.read_metrics(RUN_DIR)
print(f"run: {'the shipped demo run' if RUN_DIR == shipped.DEMO_RUN else RUN_DIR}")
print(f"preset {run_cfg.preset}: {rows[-1]['step']} steps, batch {run_cfg.train.batch_size}, "
      f"{run_cfg.data.resolution} px, {run_cfg.data.name} data, families {run_cfg.data.families or 'all'}, "
      f"azimuth {run_cfg.data.azimuth_range}, elevation {run_cfg.data.elevation_range}")
info = RUN_DIR / runs.RUN_INFO_FILE
print("trained on:", json.loads(info.read_text())["machine"] if info.exists() else "(not recorded)")
wall = float(rows[-1]["time"]) - float(rows[0]["time"])
speed = sorted(float(r["images_per_s"]) for r in rows if r["images_per_s"] != "nan")
print(f"wall time of the logged steps: {wall / 60:.1f} min; median speed {speed[len(speed) // 2]:.0f} images/s")

# %% [markdown]
# ## 4. Losses

# %%
terms = [(keys, title) for keys, title in [(("d_adv", "g_adv"), "adversarial"),
                                           (("d_style", "g_style"), "style (feature level)"),
                                           (("d_identity", "g_identity"), "identity (latent regression)")]
         if keys[0] in rows[0]]
steps = [int(r["step"]) for r in rows]
fig, axes = plt.subplots(1, len(terms), figsize=(4.5 * len(terms), 3.2), squeeze=False)
for ax, (keys, title) in zip(axes[0], terms):
    for k in keys:
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
#   discriminator is ahead, which is typical of the first few hundred steps; afterwards the two settle.
# * **identity** (when $\lambda_{id} > 0$, as in the paper's presets) — if the discriminator regressed nothing
#   (ẑ = 0), the loss would be E[z²] = 1/3 for z ~ U(−1, 1). The curve must fall below 1/3 before the
#   identity term constrains anything; lesson 05 measures how slowly that happens on a CPU budget, which is one
#   reason the `cpu` recipe leaves it off, as the official 64 px configuration does.
#
# ## 5. Samples and view sweeps during training
#
# Fixed identities at fixed random views, at several points of training:

# %%
show_run_samples(RUN_DIR, count=5)

# %% [markdown]
# And what matters most: the same identities turned through the dataset's azimuth range (each row one
# identity, commanded azimuth from left to right), at the first and the last checkpoint. The GIFs in
# `sweeps/` animate the same frames.

# %%
show_run_sweeps(RUN_DIR, kind="azimuth")
print("GIFs:", *[p.name for p in runs.sweep_gifs(RUN_DIR) if p.name.startswith("azimuth")][-2:])

# %% [markdown]
# ## 6. Did it learn to turn?
#
# Lesson 07 builds the measurement; here is its verdict on this run. A pose probe (a small CNN trained on
# renders of the synthetic cars with known pose) reads the azimuth of every frame of 48 identities × 13
# commanded views. Two readings, each printed with its **noise floor** (what the same reading gives when the
# frames of every sweep are shuffled):
#
# * **signed** — does the read azimuth follow the commanded one (up to the learnt frame's offset and
#   direction)? `turning` is the fraction of identities whose own correlation is at least 0.7;
# * **unsigned** — does the distance from the front view follow the command? This one is blind to a
#   mirrored turn.

# %%
from hologan_lesson.eval.run import EvalSettings, control_of_checkpoint, format_control

scores_file = runs.eval_path(RUN_DIR, "demo_scores.json")
if scores_file.exists():
    print(format_control(json.loads(scores_file.read_text())))
else:  # a fresh run: score it now (the probe trains once, about a minute, then is cached; ci: a tiny probe)
    settings = pick(ci=EvalSettings(identities=6, frames=5, probe_images=600, probe_epochs=3), cpu=EvalSettings())
    print(format_control(control_of_checkpoint(runs.newest_checkpoint(RUN_DIR)[1], settings)))

# %% [markdown]
# The shipped model (`hologan_lesson/assets/synthetic_cpu.pt`, the same recipe trained longer) turning six of its
# cars through the training range — the animation GitHub shows, then the same as a strip of 8 views:

# %%
from IPython.display import Image as IPImage, display
from hologan_lesson.explorer import write_model_turntable

G_shipped, shipped_cfg = runs.load_generator(shipped.asset(shipped.MODEL))
with tempfile.TemporaryDirectory() as tmp:
    turntable = write_model_turntable(G_shipped, shipped_cfg, Path(tmp) / "turntable", identities=6)
    display(IPImage(data=turntable["gif"].read_bytes(), format="gif"))
    display(IPImage(data=turntable["png"].read_bytes(), format="png"))

# %% [markdown]
# How 3D control emerged during the long run behind that model, read at every checkpoint by the same probe
# (dashed: the noise floor; dotted: the course's goal):

# %%
display(IPImage(filename=str(shipped.asset(shipped.POSE_EMERGENCE / "learning_curves.png"))))

# %% [markdown]
# ## 7. Going further
#
# * **GPU.** `python -m hologan_lesson train --preset gpu --dataset celeba` (bf16 autocast, channels_last) or
#   `--preset colab` (fp16 with a gradient scaler, for a T4). The README's GPU section lists the recipes.
# * **Resume.** A dropped Colab session loses nothing but the steps since the last checkpoint:
#   `--resume RUN_DIR` continues with the same data order and random numbers, so the losses are identical
#   to an uninterrupted run (the test suite checks this by killing a real training process).
# * **Export.** `python -m hologan_lesson export RUN_DIR model.pt` writes a slim generator checkpoint; lesson
#   08 explores one.
#
# ## 8. Scaling out: several GPUs with `torchrun`
#
# The loop you just wrote is the one `Trainer` runs on one CPU, one GPU or many. To train on N GPUs, start the
# same command under PyTorch's launcher, one process per GPU:
#
# ```bash
# torchrun --standalone --nproc_per_node 4 -m hologan_lesson train --preset gpu --dataset celeba
# ```
#
# Every process builds the same networks, which DistributedDataParallel keeps identical. Each takes its quarter
# of every batch of `train.batch_size` images (the *global* batch, so the config keeps its meaning) and draws
# its own latent codes and views. After each backward pass DDP averages the gradients over the processes, so one
# step on 4 GPUs is one step on the whole batch, only faster. Learning rates are left as you set them. Process 0
# alone writes the run folder, and `--resume` continues exactly with the same number of processes. On a CPU the
# same command uses the gloo backend; that is how the tests check that 2 processes × 4 images step like
# 1 process × 8 (`tests/test_distributed.py`).

# %% [markdown]
# ## On a GPU
#
# The same recipe at 64 px and the paper's widths, trained on a GPU under the `gpu` preset, comes from one call of
# `tools/gpu_session.py` (bench/NOTES.md, "One GPU call"). That call also measures the time per 1,000 steps and the
# peak memory of the `gpu` and `colab` presets on the card it ran on. This cell prints what is stored, with the
# card's name, or says that nothing is stored yet.

# %%
from hologan_lesson.gpu_results import format_gpu_results, load_gpu_results

gpu_results = load_gpu_results()
if gpu_results is not None:
    print(format_gpu_results(gpu_results, "timings"))

# %% [markdown]
# ## Summary
#
# * One iteration is one D step on real images and **detached** fakes, then `g_steps_per_d` (2) G steps on the
#   same $z$ and views; every generated image gets its own random view.
# * Each loss is a sum of terms: adversarial, style (per-layer statistics) and identity, weighted by
#   $\lambda_s$ and $\lambda_{id}$; the `cpu` recipe sets both weights to 0, as the official 64 px code does.
# * `Trainer.fit()` runs the same step and adds resumable checkpoints, metrics, samples and view sweeps; the
#   pose probe of lesson 07 tells whether a run learnt to turn.
#
# ## Questions
#
# 1. Why does the D step use `fake.detach()`?
#    <details><summary>Answer</summary>D's loss should train D only. Without the detach its backward pass also
#    runs through G, wasting work (and freeing the graph a G step might reuse); the checker notices the extra
#    gradient reaching G.</details>
# 2. Why do the G steps reuse the same $z$ and views as the D step?
#    <details><summary>Answer</summary>That is what the library and the official code do; it also makes the
#    step reproducible from `trainer.rng` alone, which the checker relies on.</details>
# 3. Why zero the gradients before every backward pass?
#    <details><summary>Answer</summary>PyTorch adds new gradients to the stored ones; without zeroing, the
#    second G step would follow the sum of two steps' gradients.</details>
# 4. The `cpu` run logs only `d_adv` and `g_adv`. Why?
#    <details><summary>Answer</summary>Its recipe sets $\lambda_{id} = \lambda_s = 0$ (no identity loss, no
#    style discriminator), like the official 64 px configuration, so those terms are not computed.</details>
# 5. What does the random view buy, and where is it drawn?
#    <details><summary>Answer</summary>`sample_views` draws one view per image from the data's ranges; since
#    every view must look real, G is pushed to build a consistent 3D object. Lesson 07 switches it off.
#    </details>
#
# ## Links
#
# * Paper: [HoloGAN (arXiv 1904.01326)](https://arxiv.org/abs/1904.01326): the losses and the training details
# * [GAN: Goodfellow et al. 2014 (arXiv 1406.2661)](https://arxiv.org/abs/1406.2661) ·
#   [Adam: Kingma & Ba 2014 (arXiv 1412.6980)](https://arxiv.org/abs/1412.6980)
# * Official code: [thunguyenphuoc/HoloGAN](https://github.com/thunguyenphuoc/HoloGAN)
# * Fidelity notes: [Training](../docs/fidelity.md#training),
#   [Discriminator and losses](../docs/fidelity.md#discriminator-and-losses)
# * Previous: [05 — The identity loss](05_identity_loss.ipynb) · Next: [07 — Measuring 3D control and the
#   ablations](07_ablations.ipynb)
