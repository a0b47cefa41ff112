# %% [markdown]
# # Lesson 08 — Explore a trained HoloGAN
#
# The course ships a HoloGAN trained with the `cpu` recipe (lesson 06) on a CPU: synthetic cars seen from 20–40°
# above, all the way round — azimuth 0° (front) through 90° (side), 180° (back) and 270° (the other side) —
# through a compositing projection, with the official 64 px losses plus pi-GAN's view head. It turns its cars:
# lesson 07's pose probe reads the commanded azimuth back from its images with a circular error of
# {{ fact:shipped.circ_error }}° (all numbers are printed in section 2). This lesson loads it — or any checkpoint of
# yours, for example a CelebA run from a GPU — and plays with the three inputs HoloGAN separates:
#
# * the **view** (azimuth, elevation), which only rotates the 3D features;
# * the **shape code** $z_\text{shape}$, which styles the 3D layers;
# * the **appearance code** $z_\text{appearance}$, which styles the 2D layers after the projection.
#
# Everything here runs on a CPU in seconds.

# %%
import tempfile
from pathlib import Path

import torch

from hologan_lesson.lessons import course
from hologan_lesson.config import make_config
from hologan_lesson import shipped
from hologan_lesson.utils import count_parameters

course.setup("08")

# %% [markdown]
# ## 1. Load a checkpoint
#
# `load_explorer_generator` reads a checkpoint file, a run folder (its newest checkpoint) or a slim file written
# by `python -m hologan_lesson export RUN_DIR OUT.pt`, and rebuilds the generator from the config stored in it.
# The shipped one is `hologan_lesson/assets/synthetic_cpu.pt`, installed with the package. (Should it be
# missing from your installation, a few steps of the `ci` preset are trained so that the controls below still
# work — as pictures, they are noise.)

# %%
from hologan_lesson.explorer import (
    SHIPPED_CHECKPOINT,
    Explorer,
    checkpoint_step,
    code_from_seed,
    composite_depth_maps,
    load_explorer_generator,
    projection_depth_weights,
    turntable_frames,
    turntable_views,
    volume_top_views,
    write_turntable_gif,
)

CHECKPOINT = SHIPPED_CHECKPOINT
if not CHECKPOINT.exists():
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
from hologan_lesson.model.generator import azimuth_sweep, elevation_sweep, render_views
from hologan_lesson.viz import show_images

views = azimuth_sweep(7, AZ, sum(EL) / 2)  # (7, 2) degrees
codes = G.sample_z(6, generator=torch.Generator().manual_seed(1))  # (6, z_dim)
rows = torch.cat([render_views(G, z, views) for z in codes])  # (6·7, 3, H, W)
show_images(rows, nrow=7, scale=2.5, labels=[f"{a:.0f}°" for a in views[:, 0]])

# %% [markdown]
# Every car turns the same way as the commanded azimuth grows, round the whole circle — front, one side, back, the
# other side — while its shape stays. The model picks its own frame: its 0° need not be the renderer's front view, and
# it may turn the other way round (the `sign` below), which is as good; lesson 07 explains why the frame is free. The
# images are blurry — 32 px and {{ fact:shipped.step }} CPU steps — and the views straight from the front and straight
# from behind come out worst, as blocky narrow shapes (in the real renders of lesson 03b these are the narrowest
# outlines).
# The pose probe of lesson 07 still reads the turn clearly (48 identities × 13 views; "null" is each number's noise
# floor):

# %%
import json

scores_file = shipped.scores_of(shipped.MODEL)
if CHECKPOINT == SHIPPED_CHECKPOINT and scores_file.exists():
    from hologan_lesson.eval.run import format_control

    print(format_control(json.loads(scores_file.read_text())))

# %% [markdown]
# On the circle the error is {{ fact:shipped.circ_error }}° with {{ fact:shipped.circ_turning }} of the identities
# turning, and the fold test stays far from 0 — {{ fact:shipped.fold_even }} between a view and its reflection
# about the middle of the range, {{ fact:shipped.fold_half_turn }} between a view and the one half a turn away:
# the model turns its cars rather than folding the circle or drawing the back like the front (lesson 07 explains
# these readings, and why the third, against the mirror image, reads low even for real renders of a full circle).
# In the strip above the narrow, end-on views — the least sharp of the turn — sit near 51° and 206° of command: the
# model's own front is offset from the renderer's.
#
# The trained range is the whole circle, so every azimuth is a view the generator was asked to make look real.
# The elevation is not: the recipe trains at 20–40° only. Commanding elevations from 0° (eye level) to 60°, most of them
# never trained on, shows what the generator does with those views:

# %%
views_el = elevation_sweep(7, (0.0, 60.0), sum(AZ) / 2)  # (7, 2): mostly untrained elevations
show_images(
    torch.cat([render_views(G, z, views_el) for z in codes[:3]]),
    nrow=7,
    scale=2.5,
    labels=[f"{e:.0f}°" + (" (trained)" if EL[0] <= e <= EL[1] else "") for e in views_el[:, 1]],
)

# %% [markdown]
# Outside the trained range the generator has never been asked to look real, so expect the object to blur or
# change there. (The explorer's sliders below stay inside the trained range; to look past it, give `render_views`
# wider views, as the cells above do.)
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
# `turntable_views` turns round a full circle — the shipped model's range — and goes there and back through a
# narrower one (a seamless loop that stays where the model was trained); `turntable_frames` renders them and
# `write_turntable_gif` saves a looping GIF.

# %%
from IPython.display import Image as IPImage
from IPython.display import display
import matplotlib.pyplot as plt

FRAMES = 24
frames = turntable_frames(G, codes[0], FRAMES, AZ, sum(EL) / 2)  # FRAMES arrays (H, W, 3) uint8
print(f"{len(frames)} frames of {frames[0].shape[1]}×{frames[0].shape[0]} px")
fig, axes = plt.subplots(1, 12, figsize=(13, 1.6))
for ax, k in zip(axes, range(0, FRAMES, 2)):
    ax.imshow(frames[k], interpolation="nearest")
    ax.set_axis_off()
plt.show()
gif_dir = Path(tempfile.mkdtemp(prefix="turntable-"))  # pass gif_dir=... to keep your GIFs somewhere else
gif = write_turntable_gif(G, codes[0], gif_dir / "turntable.gif", FRAMES, AZ, sum(EL) / 2, scale=3)
print(f"wrote {gif.name} ({gif.stat().st_size / 1e3:.0f} kB)")
display(IPImage(data=gif.read_bytes(), format="gif"))

# %% [markdown]
# ## 5. The explorer
#
# Sliders turn the object; **shape code** and **appearance** pick the two codes by seed (type a number); the
# panel's **new shape** / **new appearance** buttons draw random ones; **write turntable GIF** saves the current
# identity at the current elevation into `gif_dir`. The sliders span the azimuth and elevation ranges the
# checkpoint was trained on, read from its config (`AZ`, `EL` above): for the shipped model azimuth 0…360° and
# elevation 20…40°. A checkpoint trained at one elevation only (for example one of `--set
# data.elevation_range=30,30`, the recipe before 2026-12-06's last change) would give its elevation slider nothing
# to move: the cell below hides it then and keeps the elevation at that value.
# Run it in Jupyter or Colab to play with it. What it shows at its start (shape 1, appearance 1), as a static strip
# for readers of the stored notebook:

# %%
strip_views = azimuth_sweep(7, AZ, sum(EL) / 2)  # (7, 2)
z_start = (code_from_seed(G, 1), code_from_seed(G, 1))
show_images(render_views(G, z_start, strip_views), nrow=7, scale=2.5, labels=[f"{a:.0f}°" for a in strip_views[:, 0]])

# %%
from hologan_lesson import pick

explorer = Explorer(G, AZ, EL, shape_seed=1, appearance_seed=1, gif_dir=gif_dir, scale=pick(ci=2, cpu=6))
sliders = explorer.panel
print(f"azimuth slider {sliders.azimuth.min:g}…{sliders.azimuth.max:g}°")
if EL[0] == EL[1]:  # trained at one elevation: nothing to slide, so keep it at that value and hide it
    sliders.elevation.layout.display = "none"
    print(f"elevation fixed at {sliders.elevation.value:g}° (trained at this elevation only): slider hidden")
else:
    print(f"elevation slider {sliders.elevation.min:g}…{sliders.elevation.max:g}°")
display(explorer.widget)

# %% [markdown]
# ## 6. What the trained model learnt inside
#
# Two looks under the hood. First, the projection. The official unit (lesson 02) sees the rotated volume with its
# depth slices stacked as channels, and the norm of its 1×1 convolution's weights per slice says how much each
# depth contributes. The `cpu` recipe's compositing projection (lesson 09) instead gives every voxel an opacity
# and lets each pixel take the features of the first opaque voxels along its ray: its pictures are, per pixel, the
# **coverage** $\sum_d w_d$ (how opaque the ray is, a silhouette) and the **expected depth**
# $\sum_d d\,w_d / \sum_d w_d$ (slice 0 nearest), at five commanded azimuths. Second, the feature volume itself:
# summing the feature magnitude over channels and height gives a bird's-eye map (depth down, image x across) of one
# identity's features at the same azimuths. The rotation is rigid by construction (the corners of the grid leave
# the view, black, at in-between angles); what training decided is what the volume holds.

# %%
views_top = azimuth_sweep(5, AZ, sum(EL) / 2)  # (5, 2)
maps = volume_top_views(G, codes[0], views_top)  # (5, D, W)
if cfg.generator.projection == "composite":
    seen = composite_depth_maps(G, codes[0], views_top)  # (5, 2, H, W): coverage, expected depth
    print(f"coverage {seen[:, 0].min():.2f}…{seen[:, 0].max():.2f}, expected depth {seen[:, 1].min():.1f}…"
          f"{seen[:, 1].max():.1f} slices of {maps.shape[1]}; opacity where the opacity conv reads 0: "
          f"{torch.sigmoid(torch.tensor(G.project.alpha_offset)):.2f} at initialisation, "
          f"{torch.sigmoid(G.project.opacity.bias + G.project.alpha_offset).item():.2f} now (its learnt bias)")
    fig, axes = plt.subplots(3, 5, figsize=(11, 7))
    for k, v in enumerate(views_top):
        axes[0, k].imshow(seen[k, 0].numpy(), cmap="gray", vmin=0, vmax=1)
        axes[0, k].set_title(f"coverage, az {v[0]:.0f}°", fontsize=9)
        axes[1, k].imshow(seen[k, 1].numpy(), cmap="viridis", vmin=0, vmax=maps.shape[1] - 1)
        axes[1, k].set_title("expected depth (dark: near)", fontsize=9)
        axes[2, k].imshow(maps[k].numpy(), cmap="magma")
        axes[2, k].set_title("volume from above", fontsize=9)
    images = axes.flat
else:
    fig, axes = plt.subplots(1, 6, figsize=(14, 2.6))
    weights = projection_depth_weights(G)  # (D,)
    axes[0].bar(range(len(weights)), weights.numpy())
    axes[0].set_title("projection weight norm\nper depth slice", fontsize=9)
    axes[0].set_xlabel("depth slice")
    for ax, m, v in zip(axes[1:], maps, views_top):
        ax.imshow(m.numpy(), cmap="magma")
        ax.set_title(f"from above, az {v[0]:.0f}°", fontsize=9)
    images = axes[1:]
for ax in images:
    ax.set_axis_off()
plt.tight_layout()
plt.show()

# %% [markdown]
# What the pictures show for this model: the compositing projection has **not** learnt a surface. Every ray is
# about equally opaque (coverage flat across the image, even where the picture is background) and its expected
# depth sits near the same slice everywhere: the opacity stayed close to where it started, so the unit composites
# every pixel with nearly the same weights, falling off from the near slices to the far ones. That is still what
# makes the turn work: a fixed, near-weighted sum over depth cannot choose to draw a slice the rotation put
# at the back, so the picture can only change as fast as the rotated volume does — the official unit's free 1×1
# convolution over stacked depth could, and from above it drew a shape that repeated every 90° of command
# (`docs/results/full_turn/README.md`, "Seen from above"). The bird's-eye maps show the volume turning rigidly
# with the command; the car's shape lives in which features sit where, and the 2D layers after the projection do
# much of the drawing.
#
# ## 7. The paper's second family: chairs
#
# The paper trains one model per family, chairs as well as cars. The course ships a second model,
# `synthetic_cpu_chairs.pt`, trained by the `cpu_chairs` recipe: the same network, losses and 2,400 steps, on
# synthetic chairs seen from **45–70° above** (`python -m hologan_lesson demo --preset cpu_chairs`). From 20–40°,
# the cars' range, chair runs folded: a chair's back is a thin board, and from a low angle its front and back
# views differ little. From well above, the seat shows in front of the back or hides behind it.

# %%
if shipped.CHAIR_MODEL.exists():
    from hologan_lesson.eval.run import format_control

    G_chair, cfg_chair = load_explorer_generator(shipped.CHAIR_MODEL)
    AZ_C, EL_C = tuple(cfg_chair.data.azimuth_range), tuple(cfg_chair.data.elevation_range)
    views_c = azimuth_sweep(9, AZ_C, sum(EL_C) / 2)  # (9, 2): round the circle at 57.5° above
    chair_codes = G_chair.sample_z(4, generator=torch.Generator().manual_seed(1))
    show_images(
        torch.cat([render_views(G_chair, z, views_c) for z in chair_codes]),
        nrow=9,
        scale=2.5,
        labels=[f"{a:.0f}°" for a in views_c[:, 0]],
    )
    print(format_control(json.loads(shipped.scores_of(shipped.CHAIR_MODEL).read_text())))

# %% [markdown]
# Blurrier than the cars and read by its own chair probe: {{ fact:chairs.circ_error }}° on the circle with
# {{ fact:chairs.circ_turning }} of the identities turning. The chair recipe turned in
# {{ fact:chairs.turned }} runs of its sweep (seeds × threads). To explore it with sliders, set
# `USER_CHECKPOINT = shipped.CHAIR_MODEL` below.
#
# ## 8. Your own checkpoint
#
# Point `USER_CHECKPOINT` at a run folder or checkpoint file of yours — for example a CelebA run trained on a GPU
# (`python -m hologan_lesson train --preset gpu --dataset celeba`), or its slim export — and run the cell. The
# explorer reads the pose range the run was trained with from its config.

# %%
USER_CHECKPOINT = ""  # e.g. "runs/gpu-celeba-20250101-120000" or "celeba.pt"
if USER_CHECKPOINT:
    G_user, cfg_user = load_explorer_generator(USER_CHECKPOINT, device="cuda" if torch.cuda.is_available() else "cpu")
    print(f"{cfg_user.data.name} at {cfg_user.generator.resolution} px, preset {cfg_user.preset}")
    display(Explorer(G_user, cfg_user.data.azimuth_range, cfg_user.data.elevation_range, gif_dir=gif_dir).widget)
else:
    print("set USER_CHECKPOINT to explore a checkpoint of yours")

# %% [markdown]
# ## Check yourself
#
# **Exercise 1.** Write the turntable's views: `frames` views whose azimuth goes from the low end of the range to the high end and
# back — a triangle wave — so that a looping GIF neither jumps nor shows the same view twice where it closes.
# Frame $k$ of $T$ sits at fraction $1 - |2k/T - 1|$ of the way from `lo` to `hi`.


# %%
def my_turntable_views(frames: int, azimuth_range: tuple[float, float], elevation: float) -> torch.Tensor:
    lo, hi = azimuth_range
    # HINT 1: a triangle wave: frame k sits at fraction 1 - |2k/T - 1| of the way from lo to hi
    # HINT 2: build k with torch.arange as floats, compute the azimuths from the formula, and stack them with a
    # HINT 2: column full of the elevation along dim 1: shape (frames, 2)
    # BEGIN SOLUTION
    k = torch.arange(frames, dtype=torch.float32)
    azimuth = lo + (hi - lo) * (1 - (2 * k / frames - 1).abs())
    return torch.stack([azimuth, torch.full_like(azimuth, elevation)], 1)  # (frames, 2)
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.explorer import check_turntable_views

check_turntable_views(my_turntable_views)
print("library turntable, 8 frames:", turntable_views(8, (0.0, 180.0), 30.0)[:, 0].tolist())

# %% [markdown]
# ## Summary
#
# * A trained HoloGAN separates three inputs: the view only rotates the 3D features, $z_\text{shape}$ styles the
#   3D layers and $z_\text{appearance}$ the 2D layers.
# * The shipped model, trained with the `cpu` recipe, turns its cars all the way round (0…360°) seen from 20–40°
#   above (circular error {{ fact:shipped.circ_error }}°, no fold; elevation |r| {{ fact:shipped.elevation_r }});
#   at elevations outside the views it was trained on nothing asked it to look real.
# * The explorer's sliders cover the trained azimuth and elevation ranges, read from the checkpoint's config; an
#   elevation fixed in training is shown at its value, without a slider.
# * `render_views` computes an identity's volume once and reruns only the rotation and what follows it; a
#   turntable goes round a full circle and there and back inside a narrower range, so the GIF loops seamlessly.
# * The projection weights per depth slice and the bird's-eye map of the volume show what training put into the
#   3D features; for this model (section 6) the features spread over most of the volume rather than forming a
#   car-shaped footprint, and the 2D layers after the projection do much of the drawing.
#
# ## Questions
#
# 1. The shipped model's turntable goes round; for a model trained on 0…180° it goes there and back. Why, and why
#    divide by `frames` and not `frames - 1`?
#    <details><summary>Answer</summary>Going round from 180° would leave the views a 0…180° model was trained
#    on, so inside a narrower range the loop turns back at its ends; on a full circle 360° is 0° again, so going
#    round stays inside. With `frames` the last frame stops one step short of frame 0, so the loop closes without
#    showing the same view twice.</details>
# 2. Why can `render_views` reuse one feature volume for all the views of an identity?
#    <details><summary>Answer</summary>The view enters only at the rotation: everything before it depends on
#    $z$ alone.</details>
# 3. The shipped model was trained with one $z$ for shape and appearance. What do mixed pairs show?
#    <details><summary>Answer</summary>Combinations it never saw in training: how well shape and appearance
#    separate is something to look at, not something the training asked for.</details>
# 4. What do you expect at elevation 0° (eye level), and why?
#    <details><summary>Answer</summary>Blur or a changed object: the recipe trains at 20–40° above only, so the
#    generator was never asked to make eye-level views look real.</details>
# 5. Why does the elevation slider stop at 20° and 40°, when the rotation could tilt the volume to any angle?
#    <details><summary>Answer</summary>The checkpoint's config says it was trained on 20–40°; the rotation is
#    rigid at any angle, but past that range nothing asked the pictures to look real, so a wider slider would
#    promise control the training never asked for. A checkpoint trained at one elevation gets no slider at
#    all.</details>
#
# ## Links
#
# * Paper: [HoloGAN (arXiv 1904.01326)](https://arxiv.org/abs/1904.01326): pose control and
#   disentangling shape from appearance
# * Official code: [thunguyenphuoc/HoloGAN](https://github.com/thunguyenphuoc/HoloGAN)
# * The view head of the `cpu` recipe: [pi-GAN, Chan et al. 2021 (arXiv 2012.00926)](https://arxiv.org/abs/2012.00926)
# * Fidelity notes: [Generator](../docs/fidelity.md#generator), [Rotation and views](../docs/fidelity.md#rotation-and-views)
# * Previous: [07 — Measuring 3D control and the ablations](07_ablations.ipynb) · Back to the start:
#   [00 — Welcome](00_welcome.ipynb)
