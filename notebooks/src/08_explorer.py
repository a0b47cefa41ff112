# %% [markdown]
# # Lesson 08 — Explore a trained HoloGAN
#
# The course ships a HoloGAN trained on the synthetic objects with the `cpu` preset on two CPU cores. This lesson
# loads it — or any checkpoint of yours, for example a CelebA run from a GPU —
# and plays with the three inputs HoloGAN separates:
#
# * the **view** (azimuth, elevation), which only rotates the 3D features;
# * the **shape code** $z_\text{shape}$, which styles the 3D layers;
# * the **appearance code** $z_\text{appearance}$, which styles the 2D layers after the projection.
#
# Everything here runs on a CPU in seconds.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from IPython.display import display

from hologan_lesson import pick, seed_everything
from hologan_lesson import runs
from hologan_lesson.config import make_config
from hologan_lesson.envcheck import machine_summary
from hologan_lesson.explorer import (
    SHIPPED_CHECKPOINT,
    Explorer,
    checkpoint_step,
    code_from_seed,
    load_explorer_generator,
    turntable_frames,
    turntable_views,
    write_turntable_gif,
)
from hologan_lesson.model.generator import azimuth_sweep, elevation_sweep, render_views
from hologan_lesson.utils import count_parameters
from hologan_lesson.viz import show_images

seed_everything(0)
print(machine_summary())

# %% [markdown]
# ## 1. Load a checkpoint
#
# `load_explorer_generator` reads a checkpoint file, a run folder (its newest checkpoint) or a slim file written
# by `python -m hologan_lesson export RUN_DIR OUT.pt`, and rebuilds the generator from the config stored in it.
# The shipped one is `hologan_lesson/assets/synthetic_cpu.pt`. (Should it be missing from your copy of the
# course, the full model of lesson 07's CPU ablation is used, and failing that a few steps of the `ci` preset
# are trained so that the controls below still work.)

# %%
CHECKPOINT = SHIPPED_CHECKPOINT
if not CHECKPOINT.exists():
    CHECKPOINT = Path("../runs/ablation_cpu/full")
    if not (CHECKPOINT / runs.CHECKPOINT_DIR).is_dir():
        from hologan_lesson.train import Trainer

        CHECKPOINT = Path(tempfile.mkdtemp(prefix="explorer-ci-")) / "run"
        Trainer(make_config("ci", overrides=["train.steps=4"]), CHECKPOINT).fit(progress=False)
    print(f"the shipped checkpoint is missing; using {CHECKPOINT}")
G, cfg = load_explorer_generator(CHECKPOINT)
AZ, EL = tuple(cfg.data.azimuth_range), tuple(cfg.data.elevation_range)
print(
    f"{CHECKPOINT.name}: preset {cfg.preset}, {checkpoint_step(CHECKPOINT)} steps, data {cfg.data.name} at {cfg.generator.resolution} px"
)
print(f"generator: {count_parameters(G):,} parameters, z_dim {cfg.generator.z_dim}, z input {cfg.generator.z_input}")
print(f"trained views: azimuth {AZ[0]:g}…{AZ[1]:g}°, elevation {EL[0]:g}…{EL[1]:g}°")

# %% [markdown]
# ## 2. Identities through the trained range of views
#
# Each row is one latent code $z$ (the same code for shape and appearance, as in training), turned through the
# azimuth range at the middle elevation. `render_views` computes an identity's 3D features once and only reruns
# the rotation and everything after it for each view.

# %%
views = azimuth_sweep(7, AZ, sum(EL) / 2)  # (7, 2) degrees
codes = G.sample_z(6, generator=torch.Generator().manual_seed(1))  # (6, z_dim)
rows = torch.cat([render_views(G, z, views) for z in codes])  # (6·7, 3, H, W)
show_images(rows, nrow=7, scale=2.5, labels=[f"{a:.0f}°" for a in views[:, 0]])

# %% [markdown]
# After a CPU budget the objects are blurry, but the view does act like a view: outlines change smoothly and
# in the same way for every identity (widest near 0°, narrower towards the ends of the range), while colour and
# family mostly stay. Lesson 07 puts numbers on this: at this budget its pose probe reads the elevation turn of
# this model but not yet its azimuth turn.
#
# And elevation, at the middle azimuth:

# %%
views_el = elevation_sweep(7, EL, sum(AZ) / 2)  # (7, 2)
show_images(
    torch.cat([render_views(G, z, views_el) for z in codes[:3]]),
    nrow=7,
    scale=2.5,
    labels=[f"{e:.0f}°" for e in views_el[:, 1]],
)

# %% [markdown]
# Outside the trained range the generator has never been asked to look real, so expect the object to blur or
# change there (try the sliders below past the range).
#
# ## 3. Shape and appearance codes
#
# The 3D layers and the 2D layers take their AdaIN styles from $z_\text{shape}$ and $z_\text{appearance}$; the
# generator accepts the pair separately even when it was trained with one $z$ for both. Rows: one shape code;
# columns: one appearance code, all at the same view. The shipped model was trained with a single $z$ for both,
# so mixed pairs are combinations it never saw in training — how well shape and appearance separate is
# something to look at here, not something the training asked for.

# %%
shape_seeds, appearance_seeds = [11, 12, 13, 14], [21, 22, 23, 24, 25]
view = torch.tensor([[30.0, sum(EL) / 2]])  # (1, 2)
grid = []
for s in shape_seeds:
    z_shape = code_from_seed(G, s)  # (1, z_dim)
    with torch.no_grad():
        volume = G.volume(z_shape)  # (1, C, 16, 16, 16): computed once per shape
    for a in appearance_seeds:
        grid.append(render_views(G, (z_shape, code_from_seed(G, a)), view, volume=volume))
show_images(torch.cat(grid), nrow=len(appearance_seeds), scale=2.5, labels=[f"app. {a}" for a in appearance_seeds])

# %% [markdown]
# ## 4. A turntable GIF
#
# `turntable_views` goes there and back through the azimuth range (a seamless loop that stays where the model was
# trained); `turntable_frames` renders them and `write_turntable_gif` saves a looping GIF.

# %%
FRAMES = 24
frames = turntable_frames(G, codes[0], FRAMES, AZ, sum(EL) / 2)  # FRAMES arrays (H, W, 3) uint8
print(f"{len(frames)} frames of {frames[0].shape[1]}×{frames[0].shape[0]} px")
fig, axes = plt.subplots(1, 12, figsize=(13, 1.6))
for ax, k in zip(axes, range(0, FRAMES, 2)):
    ax.imshow(frames[k], interpolation="nearest")
    ax.set_axis_off()
plt.show()
gif_dir = Path(pick(ci=tempfile.mkdtemp(prefix="turntable-"), cpu="../runs/turntables"))
gif = write_turntable_gif(G, codes[0], gif_dir / "turntable.gif", FRAMES, AZ, sum(EL) / 2, scale=3)
print(f"wrote {gif.name} ({gif.stat().st_size / 1e3:.0f} kB) in {gif_dir}")

# %% [markdown]
# ## 5. The explorer
#
# Sliders turn the object; **shape code** and **appearance** pick the two codes by seed (type a number); the
# panel's **new shape** / **new appearance** buttons draw random ones; **write turntable GIF** saves the current
# identity at the current elevation into `runs/turntables/`. Run it in Jupyter or Colab to play with it: a stored
# copy of the notebook shows only its first frame.

# %%
explorer = Explorer(G, AZ, EL, shape_seed=1, appearance_seed=1, gif_dir=gif_dir, scale=pick(ci=2, cpu=6))
display(explorer.widget)

# %% [markdown]
# ## 6. Your own checkpoint
#
# Point `USER_CHECKPOINT` at a run folder or checkpoint file of yours — for example a CelebA run trained on a GPU
# (`python -m hologan_lesson train --preset gpu --dataset celeba`), or its slim export — and run the cell. The
# explorer reads the pose range the run was trained with from its config.

# %%
USER_CHECKPOINT = ""  # e.g. "../runs/gpu-celeba-20250101-120000" or "celeba.pt"
if USER_CHECKPOINT:
    G_user, cfg_user = load_explorer_generator(USER_CHECKPOINT, device="cuda" if torch.cuda.is_available() else "cpu")
    print(f"{cfg_user.data.name} at {cfg_user.generator.resolution} px, preset {cfg_user.preset}")
    display(Explorer(G_user, cfg_user.data.azimuth_range, cfg_user.data.elevation_range, gif_dir=gif_dir).widget)
else:
    print("set USER_CHECKPOINT to explore a checkpoint of yours")

# %% [markdown]
# ## Check yourself
#
# Write the turntable's views: `frames` views whose azimuth goes from the low end of the range to the high end and
# back — a triangle wave — so that a looping GIF neither jumps nor shows the same view twice where it closes.
# Frame $k$ of $T$ sits at fraction $1 - |2k/T - 1|$ of the way from `lo` to `hi`.


# %%
def my_turntable_views(frames: int, azimuth_range: tuple[float, float], elevation: float) -> torch.Tensor:
    lo, hi = azimuth_range
    k = torch.arange(frames, dtype=torch.float32)
    azimuth = lo + (hi - lo) * (1 - (2 * k / frames - 1).abs())
    return torch.stack([azimuth, torch.full_like(azimuth, elevation)], 1)  # (frames, 2)


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.explorer import check_turntable_views

check_turntable_views(my_turntable_views)
print("library turntable, 8 frames:", turntable_views(8, (-60.0, 60.0), 0.0)[:, 0].tolist())
