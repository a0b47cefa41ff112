# %% [markdown]
# # Lesson 09 — What came next
#
# HoloGAN (2019) showed that a generator which holds its object as a 3D feature volume, turns it by a rigid
# rotation and then *learns* to project it, gives control over pose without a single pose label. Four lines
# of work took it further. Each section below gives the idea, one picture and one small runnable version of it,
# in the course's conventions (volumes `(N, C, D, H, W)`, depth index 0 nearest, a pose `R` moves content at
# `q` to `R q`):
#
# | Section | Paper | What it changed |
# |---|---|---|
# | 1 | **BlockGAN** (NeurIPS 2020) | one 3D feature volume *per object*, each with its own pose, composed into a scene |
# | 2 | **GRAF** (NeurIPS 2020), **pi-GAN** (CVPR 2021) | a radiance field and volume rendering along rays instead of a learnt projection |
# | 3 | **GIRAFFE** (CVPR 2021) | several feature *fields*, composited by density, then a 2D neural renderer |
# | 4 | **EG3D** (CVPR 2022) | tri-planes: 3D features stored on three 2D planes; a pose-conditioned discriminator |
#
# Nothing here is trained as a GAN: the toy volumes are voxelised synthetic objects from lesson 03b, so each
# idea can be seen on its own. Two exercises ask you to write the core lines of volume rendering and of
# GIRAFFE's composition.

# %%
import matplotlib.pyplot as plt
import torch

from hologan_lesson.data import sample_object_params, voxelize
from hologan_lesson.lessons import course
from hologan_lesson.model.rotation import rotate_volume, rotation_matrix
from hologan_lesson.viz import render_voxels, show_images

course.setup("09")
car = voxelize(sample_object_params(3, family="car"), 32)[None]  # (1, 4, D, H, W): RGB + occupancy in [0, 1]
chair = voxelize(sample_object_params(7, family="chair"), 32)[None]

# %% [markdown]
# ## 1. BlockGAN: several objects in one volume
#
# HoloGAN has one feature volume for the whole image, so "the car" and "the background" cannot be moved
# apart. **BlockGAN** ([Nguyen-Phuoc et al., NeurIPS 2020](https://arxiv.org/abs/2002.08988)) gives every
# object — the background included — its own HoloGAN-style 3D feature generator with its own code and its own
# 3D pose (rotation and translation). The posed object volumes are combined by an **element-wise maximum** into
# one scene volume, and the scene goes through the camera rotation and HoloGAN's projection unit as before.
# Because objects meet *in 3D*, before the projection, the projection unit sees which one is in front, so
# occlusion comes out right; and each object can be moved or swapped on its own.
#
# Below, `place_object(volume, R, t, scale)` poses an object (content at $q$ moves to $s R q + t$, by inverse
# warping like lesson 01's `rotate_volume`), `compose_max` takes the maximum, and the scene is drawn with
# `rotate_volume` for the camera and the fixed front-to-back renderer of lesson 01 (`render_voxels`) in place of a
# trained projection unit. Top row: the camera turns around the scene. Bottom row: the camera stays, only the
# chair turns.


# %%
from hologan_lesson.lessons.next_steps import compose_max, place_object


def posed_objects(chair_turn: float = 0.0) -> list[torch.Tensor]:
    """The car on the left and the chair on the right, turned by its own azimuth ``chair_turn``."""
    left = place_object(car, rotation_matrix(30.0, 0.0), translation=(-0.45, 0.1, 0.1), scale=0.55)
    right = place_object(chair, rotation_matrix(chair_turn, 0.0), translation=(0.45, 0.1, -0.1), scale=0.55)
    return [left, right]


def scene(chair_turn: float = 0.0) -> torch.Tensor:
    """One scene volume (1, 4, D, H, W): the posed objects composed by an element-wise maximum."""
    return compose_max(posed_objects(chair_turn))


turns = [-60.0, -30.0, 0.0, 30.0, 60.0]
camera_sweep = torch.cat([render_voxels(rotate_volume(scene(), rotation_matrix(az, 15.0))) for az in turns])
object_sweep = torch.cat([render_voxels(rotate_volume(scene(t), rotation_matrix(0.0, 15.0))) for t in turns])
show_images(
    torch.cat([camera_sweep, object_sweep]),
    nrow=5,
    scale=3,
    title="top: the camera turns (-60° … 60°) · bottom: only the chair turns (its own pose)",
)

# %%
# NBVAL_CHECK_OUTPUT
car_posed, chair_posed = posed_objects()
empty = torch.zeros_like(car)
print("the car with an empty object equals the car alone:", torch.equal(compose_max([car_posed, empty]), car_posed))
print("the order of the objects does not matter:", torch.equal(scene(), compose_max([chair_posed, car_posed])))

# %% [markdown]
# The maximum is simple, order-free and differentiable, but it is not physics: where two objects overlap, the
# larger feature wins channel by channel. GIRAFFE (section 3) replaces it by a weighting with density.
#
# ## 2. GRAF and pi-GAN: a radiance field, rendered along rays
#
# HoloGAN's projection unit has to *learn* what a renderer does. **GRAF** ([Schwarz et al., NeurIPS
# 2020](https://arxiv.org/abs/2007.02442)) and **pi-GAN** ([Chan et al., CVPR
# 2021](https://arxiv.org/abs/2012.00926)) write the renderer down instead, following NeRF ([Mildenhall et al.,
# ECCV 2020](https://arxiv.org/abs/2003.08934)). The generator is a **radiance field**: an MLP that maps a 3D
# point (and a viewing direction), plus the latent codes, to a density $\sigma$ and a colour $c$. GRAF conditions
# the MLP on a shape and an appearance code; pi-GAN uses a SIREN (sine activations) whose layers are modulated
# by the code (FiLM). To draw an image, each pixel casts a ray, the field is queried at $S$ points along it,
# from near to far, and the samples are **alpha-composited**:
#
# $$\alpha_i = 1 - e^{-\sigma_i \delta_i}, \qquad T_i = \prod_{j<i} (1 - \alpha_j), \qquad
# w_i = T_i\,\alpha_i, \qquad C = \sum_i w_i\, c_i .$$
#
# $T_i$, the **transmittance**, is the share of light that gets through every sample *in front of* $i$ (so
# $T_0 = 1$); the weights $w_i$ are never negative and sum to at most 1 (the rest is background). Turning the
# object is now turning the **rays**, not resampling a volume: with pose $R$ the camera-frame point $p$ looks at
# the object point $R^\top p$ — exactly the points lesson 01's `rotate_volume` reads.
#
# **Exercise 1.** Write `my_compositing_weights(alpha)`: `alpha` holds the opacities of the samples along the
# **last** dimension, index 0 nearest; return the weights $w_i = T_i\,\alpha_i$, same shape.


# %%
def my_compositing_weights(alpha: torch.Tensor) -> torch.Tensor:
    # HINT 1: each weight is the sample's own opacity times the light that is still left when the ray reaches it,
    # HINT 1: i.e. after passing every sample in front of it (none for the first one).
    # HINT 2: torch.cumprod over the last dimension of (1 - alpha) gives a product that includes sample i;
    # HINT 2: prepend a column of ones (torch.cat) and drop the last column, so that sample i only sees j < i.
    # BEGIN SOLUTION
    passed = torch.cat([torch.ones_like(alpha[..., :1]), 1 - alpha[..., :-1]], dim=-1)  # light let through so far
    transmittance = torch.cumprod(passed, dim=-1)  # T_i = prod_{j<i} (1 - alpha_j), T_0 = 1
    return transmittance * alpha
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.next_steps import check_compositing_weights

check_compositing_weights(my_compositing_weights)

# %% [markdown]
# Now the comparison, on the **same toy volume**: the car, voxelised at $16^3$, seen at five azimuths.
#
# * **volume rendering** (GRAF / pi-GAN): rays through the field, your weights, no parameters;
# * **learnt projection** (HoloGAN): `rotate_volume`, then lesson 02's projection unit and a 1×1 conv to RGB,
#   trained to imitate that renderer on random box scenes at random poses (it never sees the car).
#
# Both read the same samples of the same volume; only the rule that turns samples into a pixel differs.

# %%
from hologan_lesson import count_parameters, pick
from hologan_lesson.lessons.next_steps import render_field, voxel_projection_input
from hologan_lesson.lessons.toy_render import fit_projection_toy, random_voxel_scenes
from hologan_lesson.model.rotation import sample_views, view_to_rotation

size = 16
small_car = voxelize(sample_object_params(3, family="car"), size)[None]
g = torch.Generator().manual_seed(0)
n_scenes = pick(ci=32, cpu=64, gpu=128)
views = sample_views(n_scenes, (-180.0, 180.0), (-30.0, 60.0), generator=g)
training_scenes = voxel_projection_input(random_voxel_scenes(n_scenes, size=size, seed=0), view_to_rotation(views))
learnt = fit_projection_toy(training_scenes, kind="projection", steps=pick(ci=60, cpu=200, gpu=400), seed=0)

azimuths = [-90.0, -45.0, 0.0, 45.0, 90.0]
with torch.no_grad():
    rays = torch.cat(
        [render_field(small_car, rotation_matrix(az, 20.0), weights_fn=my_compositing_weights) for az in azimuths]
    )
    projected = torch.cat(
        [learnt.model(voxel_projection_input(small_car, rotation_matrix(az, 20.0))) for az in azimuths]
    )
difference = (rays - projected).abs().mean(1, keepdim=True).expand(-1, 3, -1, -1)  # (5, 3, H, W), grey
show_images(
    torch.cat([rays, projected, (1 - 4 * difference).clamp(0, 1)]) * 2 - 1,
    nrow=5,
    scale=6,
    title="rows: volume rendering · learnt projection (HoloGAN) · |difference| (darker = larger)",
)
print(
    f"learnt projection: {count_parameters(learnt.model)} parameters, trained for {len(learnt.losses)} steps; "
    f"mean |difference| to volume rendering: {(rays - projected).abs().mean():.3f}"
)

# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.viz import composite_front_to_back

R = rotation_matrix(45.0, 20.0)
turned = voxel_projection_input(small_car, R)
same = torch.allclose(render_field(small_car, R), composite_front_to_back(turned[:, :3], turned[:, 3:4]), atol=1e-5)
print("rays turned by R see what rotate_volume + front-to-back compositing sees:", same)

# %% [markdown]
# The learnt projection gets close, but only close: it had to learn occlusion from examples, its weights are
# tied to the 16 depth slices it was trained on, and in a GAN nothing forces it to stay a faithful renderer —
# which is one source of the view-dependent flicker of HoloGAN's images. Volume rendering is exact and
# consistent from every view by construction, and the same field can be rendered at any resolution. The price:
# an MLP evaluation for every sample of every ray ($64^2$ pixels × 64 samples is already 262 144 evaluations
# per image), which is why GRAF trains on random patches of rays and pi-GAN at low resolution.
#
# The course's own `cpu` recipe borrows this rule for HoloGAN's projection unit (`generator.projection=composite`,
# `CompositingProjection`): an opacity per voxel of the rotated *feature* volume, the features composited front to
# back, then HoloGAN's 1×1 convolution. Because that sum cannot choose which depth to draw, the picture can only
# turn as fast as the volume does — what made the half turn, and then the full circle, from above work on a CPU
# (lessons 06 and 08).
#
# ## 3. GIRAFFE: compositing feature fields
#
# **GIRAFFE** ([Niemeyer & Geiger, CVPR 2021](https://arxiv.org/abs/2011.12100)) joins the two previous ideas:
# several objects, each a **field** with its own pose (BlockGAN), rendered along rays (GRAF). Each object's
# field returns a density $\sigma_k$ and a *feature* vector $f_k$ (not a colour). At every sample the fields are
# composited by a physically sensible rule — densities add, features are the density-weighted mean:
#
# $$\sigma = \sum_k \sigma_k, \qquad f = \frac{1}{\sigma}\sum_k \sigma_k f_k .$$
#
# The composite is volume-rendered into a small **feature image** ($16^2$), and a 2D CNN, the *neural
# renderer*, turns it into the full RGB image. Here the features are just colours, so the feature image is
# already a picture.
#
# **Exercise 2.** Write `my_composite_fields(sigmas, features)`: `sigmas` is `(K, N, 1, ...)` and `features`
# `(K, N, C, ...)` for `K` fields at the same points; return `(sigma, feature)` with the field dimension (dim 0)
# summed away. Where every field is empty, the feature must be 0, not NaN.


# %%
def my_composite_fields(sigmas: torch.Tensor, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # HINT 1: the total density is what all fields put at the point together; the feature is an average of the
    # HINT 1: fields' features in which a field counts as much as its density.
    # HINT 2: sum over dim 0; before dividing by the total density, keep it away from zero (clamp_min with a tiny
    # HINT 2: number) so that empty points give 0 instead of 0 / 0.
    # BEGIN SOLUTION
    sigma = sigmas.sum(0)  # (N, 1, ...): densities add
    feature = (sigmas * features).sum(0) / sigma.clamp_min(1e-8)  # (N, C, ...): density-weighted mean
    return sigma, feature
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.next_steps import check_composite_fields

check_composite_fields(my_composite_fields)

# %% [markdown]
# The car stands still; the chair moves from behind it (right, far) to in front of it (left, near). Each is its
# own field with its own pose; the composite density decides, sample by sample, what hides what.

# %%
from hologan_lesson.lessons.next_steps import render_fields

car_field = place_object(car, rotation_matrix(-30.0, 0.0), translation=(0.0, 0.15, 0.0), scale=0.6)
path = torch.linspace(0, 1, 5)
frames = []
for u in path:
    x, z = 0.55 - 1.1 * u.item(), 0.6 - 1.2 * u.item()  # from right and far to left and near
    chair_field = place_object(chair, rotation_matrix(150.0, 0.0), translation=(x, 0.15, z), scale=0.5)
    frames.append(render_fields([car_field, chair_field], rotation_matrix(0.0, 25.0), compose=my_composite_fields))
show_images(torch.cat(frames) * 2 - 1, nrow=5, scale=3, title="GIRAFFE-style composition: the chair passes the car")

# %% [markdown]
# ## 4. EG3D: tri-planes and a pose-conditioned discriminator
#
# A radiance-field MLP is slow (section 2) and a voxel volume is big: $R^3$ cells. **EG3D** ([Chan et al., CVPR
# 2022](https://arxiv.org/abs/2112.07945)) stores 3D features on **three axis-aligned planes** $F_{xy}, F_{xz},
# F_{yz}$, each $C \times R \times R$, produced by an ordinary StyleGAN2 2D generator. A point is projected
# onto each plane, the three bilinearly sampled features are summed (the official code averages them, the same
# up to a factor 3), and a small MLP decodes the result into a density and a feature vector (its first three
# channels are the colour) for volume rendering; a 2D super-resolution network finishes the image.
#
# Below, a tri-plane with $C = 8$ channels at $R = 32$ and a two-layer decoder are fitted directly to the car's
# $32^3$ RGBA volume (no GAN: plain regression), then volume-rendered next to the original.

# %%
from hologan_lesson.lessons.next_steps import fit_triplane

triplane, tri_losses = fit_triplane(car, steps=pick(ci=60, cpu=150, gpu=300), channels=8, seed=0)
with torch.no_grad():
    fitted = triplane.as_volume(32).clamp(0, 1)
    views_eg3d = [(-60.0, 20.0), (30.0, 20.0), (150.0, 35.0)]
    truth = [render_field(car, rotation_matrix(az, el), density=40.0) for az, el in views_eg3d]
    mine = [render_field(fitted, rotation_matrix(az, el), density=40.0) for az, el in views_eg3d]
    planes = triplane.planes[0].norm(dim=1)  # (3, R, R): feature magnitude on each plane

fig, axs = plt.subplots(1, 6, figsize=(13, 2.6))
for ax, plane, name in zip(axs[:3], planes, ["xy plane", "xz plane", "yz plane"]):
    ax.imshow(plane.detach(), cmap="magma")
    ax.set_title(name)
for ax, seen, fit, (az, _) in zip(axs[3:], truth, mine, views_eg3d):
    ax.imshow(torch.cat([seen[0], fit[0]], 2).permute(1, 2, 0).clamp(0, 1))
    ax.set_title(f"{az:.0f}°: voxels | tri-plane", fontsize=9)
for ax in axs:
    ax.set_axis_off()
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
voxel_numbers = car.numel()
plane_numbers = triplane.planes.numel()
print(
    f"voxel grid 4 x 32^3: {voxel_numbers} numbers; tri-plane 3 x 8 x 32^2: {plane_numbers} numbers "
    f"+ {count_parameters(triplane.decoder)} decoder weights"
)
print("the fit improved the loss more than tenfold:", tri_losses[-1] * 10 < tri_losses[0])

# %% [markdown]
# At $R = 256$ and $C = 32$ (EG3D's sizes) the planes hold $3 \cdot 32 \cdot 256^2 \approx 6.3$ M numbers; a
# voxel grid of the same resolution would hold $32 \cdot 256^3 \approx 537$ M. That is what lets EG3D render
# $128^2$ feature images with 96 samples per ray at a GAN's pace.
#
# **The pose-conditioned discriminator.** A 3D-aware GAN can cheat: produce the image that looks most real
# whatever camera it was given, for example a frontal face for every view. EG3D's discriminator therefore also
# receives the camera (its 25 numbers: a 4×4 pose and 3×3 intrinsics) as conditioning, in the style of a
# projection discriminator ([Miyato & Koyama, ICLR 2018](https://arxiv.org/abs/1802.05637)), so an image that
# does not match its camera is scored as fake. (The generator's mapping network sees the camera too, which lets
# it model pose-dependent details; the paper randomly swaps that camera to keep it from cheating.) Our tiny
# version adds $\mathrm{embed}(\text{pose}) \cdot h(x)$ to an ordinary critic's score and is trained to rate a
# render of the car with its own pose above the same render with another image's pose:

# %%
from hologan_lesson.lessons.next_steps import pose_code, train_pose_critic

n_views = pick(ci=96, cpu=192, gpu=384)
critic_views = sample_views(n_views, (-180.0, 180.0), (0.0, 40.0), generator=torch.Generator().manual_seed(1))
cars = car.expand(n_views, -1, -1, -1, -1)
with torch.no_grad():
    renders = render_field(cars, view_to_rotation(critic_views), resolution=24, samples=24, density=40.0)
images = renders * 2 - 1  # (n, 3, 24, 24) in [-1, 1]
train, held_out = slice(0, 2 * n_views // 3), slice(2 * n_views // 3, n_views)
critic, critic_losses = train_pose_critic(images[train], critic_views[train], steps=pick(ci=60, cpu=150, gpu=300))
with torch.no_grad():
    code = pose_code(critic_views[held_out])
    prefers_truth = critic(images[held_out], code) > critic(images[held_out], code.roll(1, 0))

# %%
# NBVAL_CHECK_OUTPUT
print(
    "on held-out views the critic prefers the true pose more often than chance:",
    prefers_truth.float().mean().item() > 0.6,
)

# %% [markdown]
# ## Summary
#
# * **BlockGAN**: one 3D feature volume per object, each posed on its own, composed by an element-wise maximum
#   *before* the projection, so objects can be moved or swapped and occlusion stays right.
# * **GRAF / pi-GAN**: the generator is a radiance field; volume rendering with
#   $w_i = \alpha_i \prod_{j<i}(1-\alpha_j)$ replaces the learnt projection. It is exact and view-consistent
#   but costs a network evaluation per sample.
# * **GIRAFFE**: objects as feature fields with their own poses, composited by $\sigma=\sum_k\sigma_k$,
#   $f=\sum_k\sigma_k f_k/\sigma$, volume-rendered at low resolution and finished by a 2D neural renderer.
# * **EG3D**: 3D features on three planes (summed after bilinear look-ups, decoded by a small MLP): $O(R^2)$
#   memory instead of $O(R^3)$; the discriminator sees the camera, so images must match their pose.
#
# ## Questions
#
# 1. In your weights, why must $T_0 = 1$, and what does $1 - \sum_i w_i$ mean?
#    <details><summary>Answer</summary>Nothing stands in front of the nearest sample, so all the light reaches
#    it. $1-\sum_i w_i = \prod_i (1-\alpha_i)$ is the light that passes every sample: the share of the
#    background in the pixel.</details>
# 2. BlockGAN composes with a maximum, GIRAFFE with a density-weighted mean. What does each do where two objects
#    overlap in space?
#    <details><summary>Answer</summary>The maximum mixes the two objects channel by channel, keeping the larger
#    value of each feature; the weighted mean blends their features in proportion to their densities, as two
#    overlapping clouds of coloured particles would.</details>
# 3. Why does rendering along rays at a new resolution need no retraining, while HoloGAN's projection unit does?
#    <details><summary>Answer</summary>The field can be queried at any point, and the compositing rule has no
#    parameters; the projection unit's 1×1 conv has one weight per depth slice, so its input size is fixed by
#    the number of slices it was trained on.</details>
# 4. Can two different points get the same tri-plane features? What limits what a tri-plane can store?
#    <details><summary>Answer</summary>Their projections (x, y), (x, z) and (y, z) cannot all coincide, but the
#    *sums* of the three looked-up features can: the feature is a sum of three 2D functions, not an arbitrary 3D
#    one. The MLP decoder and the number of channels have to make up for that, so fine 3D detail costs
#    channels.</details>
# 5. Without pose conditioning, what could the generator of a 3D-aware GAN learn that the discriminator would
#    not punish?
#    <details><summary>Answer</summary>To ignore the camera in part: for example, faces that keep looking at the
#    viewer, or the same flattering view for every pose. Each image looks real; only with the pose can the
#    discriminator see that it is the wrong view.</details>
#
# ## Links
#
# * BlockGAN: [arXiv 2002.08988](https://arxiv.org/abs/2002.08988) ·
#   code: [thunguyenphuoc/BlockGAN](https://github.com/thunguyenphuoc/BlockGAN)
# * GRAF: [arXiv 2007.02442](https://arxiv.org/abs/2007.02442) ·
#   code: [autonomousvision/graf](https://github.com/autonomousvision/graf)
# * pi-GAN: [arXiv 2012.00926](https://arxiv.org/abs/2012.00926) ·
#   code: [marcoamonteiro/pi-GAN](https://github.com/marcoamonteiro/pi-GAN)
# * GIRAFFE: [arXiv 2011.12100](https://arxiv.org/abs/2011.12100) ·
#   code: [autonomousvision/giraffe](https://github.com/autonomousvision/giraffe)
# * EG3D: [arXiv 2112.07945](https://arxiv.org/abs/2112.07945) · code: [NVlabs/eg3d](https://github.com/NVlabs/eg3d)
# * Background: NeRF, [arXiv 2003.08934](https://arxiv.org/abs/2003.08934); projection discriminator,
#   [arXiv 1802.05637](https://arxiv.org/abs/1802.05637); HoloGAN, [arXiv 1904.01326](https://arxiv.org/abs/1904.01326)
# * The code of this lesson: `hologan_lesson/lessons/next_steps.py`
# * Previous: [08 — Explore a trained HoloGAN](08_explorer.ipynb) · Back to the start:
#   [00 — Welcome](00_welcome.ipynb)
