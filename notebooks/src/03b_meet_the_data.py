# %% [markdown]
# # Lesson 03b — Meet the data
#
# HoloGAN learns 3D structure from **unlabelled** 2D images: nobody tells it the pose of an image. To know
# whether it really learnt to separate pose from identity, this course also trains on a **synthetic** set
# where we *do* know every image's pose, so later lessons can measure pose control exactly.
#
# In this lesson you meet:
#
# 1. the synthetic objects and their ground-truth pose,
# 2. the data the course's `cpu` recipe trains on — synthetic cars seen from 20–40° above all the way round —
#    and the cues that tell a car's front from its back and one flank from the other,
# 3. one object at a sweep of poses, and a check that the renderer uses the course's rotation convention,
# 4. the object families,
# 5. how CelebA faces are cropped,
# 6. how each real dataset (CelebA, Cars, Chairs, LSUN bedrooms, Cats) is prepared.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from hologan_lesson.lessons import course
from hologan_lesson import pick
from hologan_lesson.data import (
    FAMILIES,
    ImageFolderDataset,
    InMemorySyntheticDataset,
    make_dataset,
    manual_steps,
    prepare_dataset,
    render_views,
    sample_object_params,
    voxelize,
)
from hologan_lesson.data.catalogue import POSE_RANGES

course.setup("03b")

# %% [markdown]
# ## 1. Synthetic objects with ground-truth pose
#
# Each synthetic object is built from boxes, cylinders, cones and ellipsoids with random proportions and
# random colours per part. It is rendered with the course's convention from lesson 01: the object's points
# $q$ move to $R\,q$ with $R = R_x(\text{elevation})\,R_y(\text{azimuth})$ (x right, y down, z away from you),
# then an orthographic camera looks along $+z$ and the nearest surface wins. Shading is Lambertian plus an ambient
# term, on a plain light-grey background. The light is fixed in the **world** — in the object's own frame, as if
# the camera walked round a lit object — not in the camera: one flank of an object is always the lit one, the
# other always in shade, so no view is the mirror image of another. Lamps (a car's headlamps and tail lamps) glow:
# they are drawn at full brightness whatever the light.
#
# Poses are drawn uniformly from `POSE_RANGES['synthetic']`. Image `i` of a set with seed `s` depends only on
# `(s, i)`, so the same seed gives the same pixels on any machine. The full set (20,000 images at 64 px) is
# rendered once into a cache (`python data_scripts/make_synthetic.py`); here we render a few into memory.

# %%
n_images = pick(ci=16, cpu=48)
ds = InMemorySyntheticDataset(n_images, resolution=64, seed=0)
print(ds, "| pose range:", POSE_RANGES["synthetic"])
print("images:", tuple(ds[0].shape), "in [-1, 1]; poses:", tuple(ds.poses.shape), "degrees (azimuth, elevation)")


# %%
def show_with_poses(images: torch.Tensor, titles: list[str], ncol: int = 8) -> None:
    """Images in [-1, 1] with a title under each."""
    nrow = -(-len(images) // ncol)
    fig, axs = plt.subplots(nrow, ncol, figsize=(1.3 * ncol, 1.55 * nrow), squeeze=False)
    for ax in axs.flat:
        ax.set_axis_off()
    for ax, image, title in zip(axs.flat, images, titles):
        ax.imshow(image.permute(1, 2, 0).add(1).div(2).clamp(0, 1))
        ax.set_title(title, fontsize=7)
    plt.tight_layout()
    plt.show()


k = 16
titles = [f"{ds.family_names[ds.families[i]]}\naz {ds.poses[i, 0]:+.0f}° el {ds.poses[i, 1]:.0f}°" for i in range(k)]
show_with_poses(torch.stack([ds[i] for i in range(k)]), titles)

# %% [markdown]
# Every image carries its ground truth: pose, family, the 8 proportions the family's builder maps to
# measurements (seat width, leg height, ...), and 4 colour slots. Together, family + proportions + colours
# are the object's **identity**.

# %%
# NBVAL_CHECK_OUTPUT
gt = ds.ground_truth(0)
print(f"image 0: a {gt['family_name']} at azimuth {gt['azimuth']:.2f}°, elevation {gt['elevation']:.2f}°")
print("proportions:", np.round(gt["proportions"], 3))
print("colour slot 0 (RGB):", np.round(gt["colours"][0], 3))

# %% [markdown]
# The poses cover the range uniformly, and the families are drawn with equal probability:

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 2.8))
ax1.scatter(ds.poses[:, 0], ds.poses[:, 1], s=12)
ax1.set_xlabel("azimuth (°)")
ax1.set_ylabel("elevation (°)")
ax1.set_title(f"poses of {len(ds)} images")
counts = torch.bincount(ds.families, minlength=len(FAMILIES))
ax2.bar(FAMILIES, counts.numpy())
ax2.set_title("images per family")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. The data the `cpu` recipe trains on
#
# The recipe that `python -m hologan_lesson demo` trains (lesson 06), and that the shipped model was trained with,
# uses a slice of this data: **one family, cars, seen from 20° to 40° above, with azimuth all the way round, from 0°
# (the front) through 90° (a side), 180° (the back) and 270° (the other side)**, at 32 px. Its configuration says so;
# here are images drawn exactly as that training set draws them (the same renderer, ranges and families; the cached
# set holds 20,000 of them):

# %%
from hologan_lesson.config import make_config
from hologan_lesson.data.synthetic import SYNTHETIC_VERSION

RECIPE = make_config("cpu").data
print(f"cpu recipe: {RECIPE.name} data v{SYNTHETIC_VERSION}, families {RECIPE.families}, {RECIPE.resolution} px, "
      f"azimuth {RECIPE.azimuth_range[0]:g}…{RECIPE.azimuth_range[1]:g}°, "
      f"elevation {RECIPE.elevation_range[0]:g}…{RECIPE.elevation_range[1]:g}°")
cars = InMemorySyntheticDataset(
    pick(ci=8, cpu=24), resolution=RECIPE.resolution, seed=0, families=RECIPE.families,
    azimuth_range=RECIPE.azimuth_range, elevation_range=RECIPE.elevation_range,
)
show_with_poses(torch.stack([cars[i] for i in range(len(cars))]), [f"az {a:.0f}°\nel {e:.0f}°" for a, e in cars.poses])

# %% [markdown]
# Why cars, and why from above? A generator that is never told the pose can cheat: if the view at $-a$ looked
# like the mirror image of the view at $+a$, it could cover a wide range by drawing mirror images instead of
# turning its object (a *fold*). On a full circle every view has such a partner ($a$ and $360° - a$ show the two
# flanks), so the data carries the cues real cars carry, and the view keeps out of trouble:
#
# * **front and back differ**: a long bonnet, pale glowing headlamps and a dark grille in front, the cabin set
#   back, red glowing tail lamps behind;
# * **the two flanks differ**: the light is fixed in the world, so one flank is lit and the other in shade —
#   this is what tells the view at $a$ from its mirror partner at $360° - a$;
# * **seen from above, a view and its half-turn partner have different outlines** (the picture after the next):
#   at eye level the view at $a$ and the view at $180° - a$ cast the same silhouette, and only small cues (lamp
#   colours, the cabin's offset) tell them apart — at eye level no CPU run of this course turned further than a
#   quarter turn.
#
# One car, the same car, at the four quarter turns (the recipe trains on all four and everything between):

# %%
car = sample_object_params(4, family="car")
quarter = torch.tensor([[0.0, 30.0], [90.0, 30.0], [180.0, 30.0], [270.0, 30.0]])  # from 30° above
views4 = render_views(car, quarter, resolution=64)
mask = (views4 - views4[:, :, :1, :1]).abs().sum(1) > 0.1  # (4, H, W): the car (differs from the corner's background)
brightness = [float(v.add(1).div(2).mean(0)[m].mean()) for v, m in zip(views4, mask)]
captions = [
    "0°: front\nheadlamps, grille",
    "90°: a flank\nin shade",
    "180°: back\nred tail lamps",
    "270°: other flank\nlit",
]
show_with_poses(views4, [f"{c}\nbrightness {b:.2f}" for c, b in zip(captions, brightness)], ncol=4)

# %% [markdown]
# The mean brightness of the car under each picture is the lighting cue in numbers: the flank at 270° is lit, the
# flank at 90° in shade. Without a world-fixed light a car is nearly left–right symmetric, and a probe — or a
# generator — could not tell the view at 90° from the one at 270°.
#
# The outline cue: the same car at 30° and at its half-turn partner 150°, at eye level and from 30° above, the
# silhouettes laid over each other (red: only at 30°, blue: only at 150°, magenta: both; the overlap as an IoU).
# At eye level the outlines coincide; from above the camera sees the bonnet at one view and the boot at the other.

# %%
from hologan_lesson.data.render import render_layers

pair = torch.tensor([[30.0, 0.0], [150.0, 0.0], [30.0, 30.0], [150.0, 30.0]])
masks = [render_layers(car, float(a), float(e), 64)["mask"] for a, e in pair]
fig, axs = plt.subplots(1, 2, figsize=(6, 3))
for ax, (m30, m150), where in zip(axs, (masks[:2], masks[2:]), ("eye level", "30° above")):
    ax.imshow(np.stack([m30, np.zeros_like(m30), m150], -1).astype(float))
    ax.set_title(f"{where}: IoU {(m30 & m150).sum() / (m30 | m150).sum():.2f}", fontsize=9)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# From above, the outline alone tells a view from its half-turn partner; at eye level only lamp colours and the
# cabin's offset do, cues too small to learn at this budget (a probe that sees only outlines misreads eye-level
# views of 0…180° by 49.0°, from above by 6.6°: the record, "What G is told, and what a silhouette can tell").
#
# ## 3. One identity, many poses
#
# `ds.object_params(i)` returns image `i`'s identity, and `render_views` renders it at any poses. Later lessons
# use exactly this as the "real renders" reference for pose metrics. **Positive azimuth turns the object's
# front towards image-left; positive elevation shows its top.**

# %%
from hologan_lesson.viz import composite_front_to_back, show_images

params = sample_object_params(7, family="chair")
azimuths = torch.arange(-60, 61, 20).float()
strip = render_views(params, torch.stack([azimuths, torch.full_like(azimuths, 15.0)], 1))  # (7, 3, 64, 64)
show_images(strip, nrow=7, scale=2.5, title="azimuth sweep (elevation 15°)", labels=[f"{a:+.0f}°" for a in azimuths])
elevations = torch.tensor([-30.0, -15.0, 0.0, 15.0, 30.0, 45.0, 60.0])
strip = render_views(params, torch.stack([torch.full_like(elevations, 30.0), elevations], 1))
show_images(strip, nrow=7, scale=2.5, title="elevation sweep (azimuth 30°)", labels=[f"{e:+.0f}°" for e in elevations])

# %% [markdown]
# ### Does the renderer really use the course convention?
#
# Later metrics compare generated images with renders at the same pose, so this must hold exactly. We
# voxelise the object in its canonical pose, rotate the voxels with lesson 01's `rotate_volume`, composite them
# front to back, and compare with the ray-cast render at the same pose. (The test suite checks every family.)

# %%
from hologan_lesson.model.rotation import rotate_volume, rotation_matrix

volume = voxelize(params, 64)[None]  # (1, 4, D, H, W): unshaded colours + occupancy
az, el = 40.0, 20.0
rotated = rotate_volume(volume, rotation_matrix(az, el))
alpha = (rotated[:, 3:] > 0.5).float()  # (1, 1, D, H, W)
colour = rotated[:, :3] / rotated[:, 3:].clamp_min(1e-3)  # undo trilinear blending with empty voxels
voxel_view = composite_front_to_back(colour, alpha)[0]  # (3, H, W) on white
layers = render_layers(params, az, el, 64)
render_mask, voxel_mask = layers["mask"], alpha[0, 0].amax(0).numpy() > 0
iou = (render_mask & voxel_mask).sum() / (render_mask | voxel_mask).sum()
fig, axs = plt.subplots(1, 3, figsize=(7, 2.6))
axs[0].imshow(layers["albedo"])
axs[0].set_title("ray-cast render")
axs[1].imshow(voxel_view.permute(1, 2, 0).clamp(0, 1))
axs[1].set_title("voxels + rotate_volume")
axs[2].imshow(render_mask.astype(int) - voxel_mask.astype(int), cmap="coolwarm", vmin=-1, vmax=1)
axs[2].set_title("silhouette difference")
for ax in axs:
    ax.set_axis_off()
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
print(f"silhouette IoU at azimuth {az:.0f}°, elevation {el:.0f}°: {iou:.2f}")

# %% [markdown]
# The small differences are the voxel grid's staircase edges; the renderer itself is exact.
#
# ## 4. The families
#
# Five families, each with its own builder: **chair**, **car**, **mug** (hollow, with a ring handle),
# **table** (rectangular or round) and **lamp** (a desk lamp with a cone shade). Objects are centred and scaled
# to fit in a sphere of radius 0.9, so they stay inside the image at every pose.

# %%
per_family = pick(ci=6, cpu=8)
images, labels = [], []
for f, name in enumerate(FAMILIES):
    for j in range(per_family):
        p = sample_object_params(100 * f + j, family=name)
        images.append(render_views(p, [[30.0, 20.0]])[0])
show_images(torch.stack(images), nrow=per_family, scale=2.0, title="each row one family (azimuth 30°, elevation 20°)")

# %% [markdown]
# ## 5. How CelebA is cropped
#
# The aligned CelebA images are 178 px wide and 218 px tall, with the eyes at a fixed height. The official
# HoloGAN code (like DCGAN before it) cuts the centred **108 x 108** square, then resizes it to 64 x 64; at
# 128 px it cuts a centred **128 x 128** square instead (no upsampling). The resize is bilinear with
# antialiasing (what `scipy.misc.imresize`, used by the official code, did through PIL).
#
# Real CelebA is not available offline, so we demonstrate on a **stand-in**: a drawn 178 x 218 face placed
# like an aligned CelebA image.

# %%
from PIL import Image, ImageDraw
from hologan_lesson.data.fakes import fake_face, write_fake_dataset
from hologan_lesson.data.images import celeba_crop_size, center_crop_box

face = fake_face(np.random.default_rng(3))  # PIL image, 178 x 218
boxes = {
    64: center_crop_box(178, 218, celeba_crop_size(64)),
    128: center_crop_box(178, 218, celeba_crop_size(128)),
}
annotated = face.copy()
draw = ImageDraw.Draw(annotated)
draw.rectangle(boxes[64], outline=(255, 0, 0), width=2)
draw.rectangle(boxes[128], outline=(0, 90, 255), width=2)
fig, axs = plt.subplots(1, 3, figsize=(8, 3.2), gridspec_kw={"width_ratios": [178, 108, 108]})
axs[0].imshow(annotated)
axs[0].set_title("178x218: red 108 px, blue 128 px", fontsize=9)
axs[1].imshow(face.crop(boxes[64]).resize((64, 64), Image.BILINEAR))
axs[1].set_title("64 px (from 108)", fontsize=9)
axs[2].imshow(face.crop(boxes[128]).resize((128, 128), Image.BILINEAR))
axs[2].set_title("128 px (from 128)", fontsize=9)
for ax in axs:
    ax.set_axis_off()
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
for res, box in boxes.items():
    print(f"{res} px: crop (left, top, right, bottom) = {box}, then resize to {res}x{res}")

# %% [markdown]
# ## 6. Preparing the real datasets
#
# Real datasets are downloaded once (by hand for most: the original hosts need accounts or are gone) and
# turned into a **prepared folder** of square images with a `manifest.json` recording the source, the crop, and
# every skipped file with its reason. Each dataset has a script in `data_scripts/`:

# %%
from hologan_lesson.data.prepare import SPECS

for name, spec in SPECS.items():
    print(f"{name:7s} python {spec.script} --source <download> --resolution 64")
    print(f"        {spec.notes}\n")

# %% [markdown]
# `--steps` (or `--help`) prints where to get each download. For example CelebA:

# %%
print(manual_steps("celeba", raw_folder="$HOLOGAN_DATA/raw"))  # the scripts print your actual folder

# %% [markdown]
# Let us run the whole pipeline on a small **fake** CelebA download (drawn faces, plus the kinds of broken files
# real downloads contain: random bytes, a truncated JPEG, an empty file, a greyscale and a transparent image).
# `prepare_dataset` is what the script calls; it skips and reports what it cannot read.

# %%
from pathlib import Path
import json
import tempfile

workdir = Path(tempfile.mkdtemp(prefix="hologan_03b_"))
source = write_fake_dataset("celeba", workdir / "img_align_celeba", n=pick(ci=8, cpu=16), as_zip=True)
prepared = prepare_dataset("celeba", source, workdir / "celeba_64", resolution=64, progress=False, workers=1)
print("zip:", source.name, "->", prepared.name)
manifest = json.loads((prepared / "manifest.json").read_text())
print(f"prepared {manifest['count']} images, crop {manifest['crop']} ({manifest['crop_px']} px)")
for item in manifest["skipped"]:
    print(f"  skipped {item['file']}: {item['reason']}")

# %% [markdown]
# Training code never calls the prepare step: `make_dataset` reads the prepared folder (at `data.root`, or the
# default `$HOLOGAN_DATA/celeba_64`), and tells you which script to run when it is missing.

# %%
from hologan_lesson.config import DataConfig

faces = make_dataset(DataConfig(name="celeba", resolution=64, root=str(prepared)))
print(type(faces).__name__, "with", len(faces), "images of shape", tuple(faces[0].shape))
show_images(torch.stack([faces[i] for i in range(8)]), nrow=8, scale=2.0, title="prepared stand-in faces")
try:
    make_dataset(DataConfig(name="celeba", resolution=64, root=str(workdir / "missing")))
except FileNotFoundError as err:
    print("FileNotFoundError:", str(err).replace(str(workdir), "<tmp>"))

# %% [markdown]
# A folder you filled yourself works too: `ImageFolderDataset` reads any images (jpg, png, webp, bmp) under a
# folder, converts greyscale and transparent images to RGB, and with `on_error="skip"` leaves out files it
# cannot decode (listing them) instead of stopping.

# %%
import shutil
import warnings

raw = workdir / "my_images"
write_fake_dataset("lsun", raw, n=4)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    mine = ImageFolderDataset(raw, resolution=64, on_error="skip")
print(len(mine), "usable images; skipped:", [path.name for path, reason in mine.skipped])
print("warning:", str(caught[0].message).replace(str(workdir), "<tmp>"))
shutil.rmtree(workdir)

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Write the centre crop used for CelebA (arrays are `(H, W, C)`; a crop that does not fit
# raises `ValueError`).
#
# **Exercise 2.** Convert a `uint8` image `(H, W, 3)` to the generator's range: a float tensor `(3, H, W)` in
# $[-1, 1]$. Try breaking them (swap height and width, forget `//`) to see what the checker says.


# %%
def my_center_crop(image: np.ndarray, size: int) -> np.ndarray:
    # HINT 1: the crop starts half the leftover margin in from the top and from the left; refuse a crop that does
    # HINT 1: not fit
    # HINT 2: arrays are (H, W, C), so the height comes first; integer division rounds odd margins down; raise
    # HINT 2: ValueError before slicing
    # BEGIN SOLUTION
    h, w = image.shape[:2]  # arrays are (H, W, C)
    if size > h or size > w:
        raise ValueError(f"a {size} px crop does not fit in a {w}x{h} image")
    top, left = (h - size) // 2, (w - size) // 2
    return image[top : top + size, left : left + size]
    # END SOLUTION


def my_to_model_input(image: np.ndarray) -> torch.Tensor:
    # HINT 1: torch layers want channels first and floats, and the generator's images live in [-1, 1]
    # HINT 2: from_numpy, then move the last axis to the front (permute), convert to float, and map 0 to -1 and 255
    # HINT 2: to +1 with one division and one subtraction
    # BEGIN SOLUTION
    return torch.from_numpy(image).permute(2, 0, 1).float() / 127.5 - 1.0  # (3, H, W) in [-1, 1]
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks import all_reported
from hologan_lesson.lessons.checks.data import check_center_crop, check_to_model_input

with all_reported():  # both checkers run, and every failure is reported
    check_center_crop(my_center_crop)
    check_to_model_input(my_to_model_input)

# %% [markdown]
# ## Summary
#
# * The synthetic data set renders objects whose true pose is known, so later lessons can measure whether a
#   generator learnt to turn them; CelebA crops are the real-image data set of the paper.
# * The `cpu` recipe trains on synthetic cars seen from 20–40° above all the way round (0…360°). The cars carry
#   the cues that keep a view from passing for another: a distinct front and back (headlamps and grille, tail
#   lamps), a light fixed in the world that lights one flank only, and — from above — an outline that differs
#   between a view and its half-turn partner.
# * Images are stored `(H, W, C)` uint8; the model takes `(3, H, W)` floats in $[-1, 1]$, the range of the
#   generator's tanh.
#
# ## Questions
#
# 1. An aligned CelebA image is 178 wide and 218 tall. Where does a 108 px centre crop start?
#    <details><summary>Answer</summary>Row (218 − 108) // 2 = 55, column (178 − 108) // 2 = 35.</details>
# 2. Why map pixels to $[-1, 1]$ rather than $[0, 1]$?
#    <details><summary>Answer</summary>The generator ends in a tanh, whose range is $(-1, 1)$; real and fake
#    images must live in the same range for the discriminator.</details>
# 3. Why does the synthetic set record the true pose of every image, when HoloGAN never sees poses?
#    <details><summary>Answer</summary>Training does not use them; the metrics do: they let us check whether the
#    learnt view control agrees with the true rotation (lesson 07).</details>
# 4. Why is the light fixed in the world rather than in the camera?
#    <details><summary>Answer</summary>A car is nearly left–right symmetric. With a light that moves with the
#    camera, the view at $-a$ would be almost the mirror image of the view at $+a$, and a generator could fake a
#    turn by drawing mirror images; a world-fixed light lights one flank only, so the two views differ.</details>
# 5. The recipe trains from 20–40° above. Would the same full circle at eye level turn, and why (not)?
#    <details><summary>Answer</summary>It did not here: at eye level a view and its half-turn partner cast the
#    same outline, so only lamp colours and the cabin's offset tell the front from the back, cues too small for
#    these generators to learn on a CPU budget (eye-level full circles: 37–54° circular error against a chance
#    level of about 70°; the record is in `docs/results/full_turn/README.md`).</details>
#
# ## Links
#
# * Paper: [HoloGAN (arXiv 1904.01326)](https://arxiv.org/abs/1904.01326), section 4 (data sets)
# * Official code: [thunguyenphuoc/HoloGAN](https://github.com/thunguyenphuoc/HoloGAN)
# * Fidelity notes: [Data](../docs/fidelity.md#data)
# * Previous: [03 — AdaIN and the generator](03_generator.ipynb) · Next: [04 — The style discriminator](04_style_discriminator.ipynb)
