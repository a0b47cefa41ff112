# %% [markdown]
# # Lesson 01 — Rigid-body rotation of 3D features
#
# HoloGAN's generator holds its object as a 3D **feature volume** and turns it by a rigid rotation before
# drawing it. In this lesson you build that rotation from scratch: the matrices, the resampling of a volume,
# and the three classic mistakes that make a rotation silently wrong.
#
# ## The convention used in the whole course
#
# A feature volume is a tensor of shape `(N, C, D, H, W)`. A point is $p = (x, y, z)$ in normalised
# coordinates $[-1, 1]$:
#
# * $x$ runs along **W** (image right), $y$ along **H** (image down), $z$ along **D** (depth, away from the
#   viewer: the slice $z=-1$ is nearest).
# * **Azimuth** $\theta$ rotates about the $y$ axis, **elevation** $\phi$ about the $x$ axis, angles in degrees:
#
# $$R_y(\theta)=\begin{pmatrix}\cos\theta&0&\sin\theta\\0&1&0\\-\sin\theta&0&\cos\theta\end{pmatrix},\quad
# R_x(\phi)=\begin{pmatrix}1&0&0\\0&\cos\phi&-\sin\phi\\0&\sin\phi&\cos\phi\end{pmatrix},\quad
# R = R_x(\phi)\,R_y(\theta).$$
#
# * Rotating a volume by $R$ moves the content at point $q$ to $R\,q$.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from hologan_lesson.lessons import course
from hologan_lesson.model.rotation import rotate_volume, rotation_matrix
from hologan_lesson.lessons.toy_render import axes_object, chair_object
from hologan_lesson.viz import render_voxels, show_images

course.setup("01")

# %% [markdown]
# ## 1. The matrices, by hand
#
# **Exercise 1.** Write `my_rotation_matrix(azimuth, elevation)`: convert the degrees to radians, build
# $R_y(\theta)$ and $R_x(\phi)$ from the formulas above as `(3, 3)` tensors, and return $R_x R_y$. Then run
# the check cell below it.

# %%
def my_rotation_matrix(azimuth: float, elevation: float) -> torch.Tensor:
    # HINT 1: build the two elementary rotations from the formulas above and multiply them: the azimuth turn first,
    # HINT 1: then the elevation tilt
    # HINT 2: math.cos and math.sin want radians (math.radians); write each matrix row by row with torch.tensor, and
    # HINT 2: remember that in a product the matrix applied first stands on the right
    # BEGIN SOLUTION
    a, e = math.radians(azimuth), math.radians(elevation)
    R_y = torch.tensor([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    R_x = torch.tensor([[1, 0, 0], [0, math.cos(e), -math.sin(e)], [0, math.sin(e), math.cos(e)]])
    return R_x @ R_y  # (3, 3): first turn about y (azimuth), then tilt about x (elevation)
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.rotation import check_rotate_volume, check_rotation_matrix

check_rotation_matrix(my_rotation_matrix)

# %% [markdown]
# A rotation matrix is orthonormal ($R^\top R = I$) with determinant $+1$, and its inverse is its transpose.
# The library's `rotation_matrix` does the same for tensors of angles (batched, differentiable) and equals
# SciPy's `Rotation.from_euler('yx', [θ, φ], degrees=True)`.

# %%
# NBVAL_CHECK_OUTPUT
R = my_rotation_matrix(30, 20)
print(R)
print("orthonormal:", torch.allclose(R.T @ R, torch.eye(3), atol=1e-6))
print("det = +1:   ", round(torch.linalg.det(R).item(), 6))
print("matches library:", torch.allclose(R, rotation_matrix(30.0, 20.0), atol=1e-6))
print("batched shape:", tuple(rotation_matrix(torch.zeros(8), torch.zeros(8)).shape))

# %% [markdown]
# ## 2. A coloured voxel object
#
# To *see* rotations we use a small RGBA voxel volume `(1, 4, D, H, W)`: a grey cube with a **red** arm
# pointing right (+x), a **green** arm pointing up (−y) and a **blue** arm pointing at you (−z). We draw it with
# a front-to-back compositing renderer (the nearest opaque voxel wins).

# %%
axes = axes_object(32)  # (1, 4, 32, 32, 32): RGB + alpha
chair = chair_object(32)
show_images(render_voxels(torch.cat([axes, chair])), nrow=2, scale=4, title="front view (azimuth 0, elevation 0)")

# %% [markdown]
# ## 3. Rotating a volume by inverse warping
#
# We cannot push voxels forward (they would land between grid points and leave holes). Instead, for every
# *output* voxel $p$ we ask where it came from, $q = R^{-1}p = R^\top p$, and read the input there with
# trilinear interpolation. PyTorch does exactly this with two calls:
#
# * `F.affine_grid(theta, size)` builds, for every output voxel, the input coordinate `theta @ [p, 1]`;
# * `F.grid_sample(volume, grid)` reads the input at those coordinates (zeros outside).
#
# So `theta` must be $R^\top$, not $R$.
#
# **Exercise 2.** Write the inverse warp: build `theta`, a `(N, 3, 4)` affine matrix $[R^\top \mid 0]$ (no
# translation), turn it into a sampling grid with `F.affine_grid`, and read the volume there with
# `F.grid_sample`. Use `align_corners=False` in both calls.

# %%
def my_rotate_volume(volume: torch.Tensor, R: torch.Tensor) -> torch.Tensor:
    n = volume.shape[0]  # volume: (N, C, D, H, W)
    R = R.expand(n, 3, 3) if R.ndim == 2 else R  # (N, 3, 3)
    # HINT 1: inverse warping: every output voxel p reads the input at R^T p, and affine_grid turns a (N, 3, 4)
    # HINT 1: matrix into exactly those read positions
    # HINT 2: theta is R transposed (swap dims 1 and 2 of the batch) with a zero translation column appended (N, 3,
    # HINT 2: 1); the grid needs the full size list(volume.shape); pass align_corners=False to both calls
    # BEGIN SOLUTION
    theta = torch.cat([R.transpose(1, 2), torch.zeros(n, 3, 1)], dim=2)  # (N, 3, 4): output -> input coords
    grid = F.affine_grid(theta, list(volume.shape), align_corners=False)  # (N, D, H, W, 3), ordered (x, y, z)
    return F.grid_sample(volume, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check_rotate_volume(my_rotate_volume)

# %%
azimuths = torch.linspace(-90, 90, 7)
turned = torch.cat([my_rotate_volume(axes, rotation_matrix(a, 0.0)) for a in azimuths])  # (7, 4, 32, 32, 32)
show_images(render_voxels(turned), nrow=7, scale=4, title="azimuth -90° … +90° (elevation 0)")

# %%
elevations = torch.linspace(-60, 60, 7)
tilted = torch.cat([my_rotate_volume(chair, rotation_matrix(30.0, e)) for e in elevations])
show_images(render_voxels(tilted), nrow=7, scale=4, title="azimuth 30°, elevation -60° … +60°")

# %% [markdown]
# Positive azimuth turns the object's front towards image-left; positive elevation tilts its top towards you
# (you look from above). The library's `rotate_volume` is the same function, batched with one rotation per
# sample:

# %%
# NBVAL_CHECK_OUTPUT
views = torch.tensor([[0.0, 0.0], [45.0, 10.0], [-30.0, 25.0]])
Rs = rotation_matrix(views[:, 0], views[:, 1])  # (3, 3, 3)
batch = chair.expand(3, -1, -1, -1, -1)  # (3, 4, 32, 32, 32)
ours, library = my_rotate_volume(batch, Rs), rotate_volume(batch, Rs)
print("shape in == shape out:", tuple(library.shape) == tuple(batch.shape))
print("matches library:", torch.allclose(ours, library, atol=1e-5))

# %% [markdown]
# ## 4. Three classic pitfalls
#
# ### Pitfall 1 — axis order: the grid is $(x, y, z) = (W, H, D)$
#
# The last dimension of the sampling grid is ordered $(x, y, z)$, i.e. $(W, H, D)$ — the *reverse* of the
# tensor's dimension order. Writing the matrix in $(z, y, x)$ order swaps the roles of the axes: an
# elevation becomes a rotation about the viewing axis (a roll).

# %%
swap = torch.tensor([[0.0, 0, 1], [0, 1, 0], [1, 0, 0]])  # exchanges x and z
R_good = rotation_matrix(0.0, 50.0)
R_zyx = swap @ R_good @ swap  # the same matrix written in (z, y, x) order
pair = torch.cat([my_rotate_volume(axes, R_good), my_rotate_volume(axes, R_zyx)])
show_images(render_voxels(pair), nrow=2, scale=4, labels=["right: elevation 50°", "wrong axis order"])

# %% [markdown]
# ### Pitfall 2 — rotating the grid instead of the content
#
# `affine_grid` maps *output* coordinates to *input* coordinates. Passing $R$ itself moves the content by
# $R^\top = R^{-1}$: the object turns the other way.

# %%
def rotate_with(volume, theta3x3):
    theta = torch.cat([theta3x3[None], torch.zeros(1, 3, 1)], dim=2)
    grid = F.affine_grid(theta, list(volume.shape), align_corners=False)
    return F.grid_sample(volume, grid, align_corners=False)


R40 = rotation_matrix(40.0, 0.0)
pair = torch.cat([rotate_with(axes, R40.T), rotate_with(axes, R40)])
show_images(render_voxels(pair), nrow=2, scale=4, labels=["theta = Rᵀ (right)", "theta = R (turns back)"])

# %% [markdown]
# ### Pitfall 3 — `align_corners` must agree
#
# With `align_corners=False`, $[-1, 1]$ spans the outer faces of the edge voxels; with `True` it spans the
# centres of the corner voxels. If `affine_grid` and `grid_sample` disagree, every resampling also scales the
# volume slightly; repeated rotations (four quarter turns should give back the original) make it drift.

# %%
def quarter_turns(volume, grid_corners, sample_corners, turns=4):
    theta = torch.cat([rotation_matrix(90.0, 0.0).T[None], torch.zeros(1, 3, 1)], dim=2)
    for _ in range(turns):
        grid = F.affine_grid(theta, list(volume.shape), align_corners=grid_corners)
        volume = F.grid_sample(volume, grid, align_corners=sample_corners)
    return volume


consistent = quarter_turns(chair, False, False)
mismatched = quarter_turns(chair, True, False)
print(f"after 4 quarter turns, max error: consistent {(consistent - chair).abs().max():.4f}, "
      f"mismatched {(mismatched - chair).abs().max():.4f}")
show_images(render_voxels(torch.cat([chair, consistent, mismatched])), nrow=3, scale=4,
            labels=["original", "4 × 90°, consistent", "4 × 90°, mismatched"])

# %% [markdown]
# ## 5. Rotations compose — and interpolation costs a little
#
# Rotating by $R_1$ then $R_2$ equals rotating once by $R_2R_1$, up to interpolation error. HoloGAN rotates
# once per image, so this error is paid once; the 3D convolutions after the rotation (128 px model) or the
# projection unit can smooth it.

# %%
R1, R2 = rotation_matrix(35.0, 0.0), rotation_matrix(0.0, 25.0)
two_steps = rotate_volume(rotate_volume(chair, R1), R2)
one_step = rotate_volume(chair, R2 @ R1)
print(f"mean |two steps - one step| = {(two_steps - one_step).abs().mean():.4f}")
fig, axs = plt.subplots(1, 3, figsize=(7, 2.6))
for ax, img, title in zip(axs, [two_steps, one_step, (two_steps - one_step).abs()], ["R1 then R2", "R2·R1", "|difference|"]):
    ax.imshow(render_voxels(img)[0].permute(1, 2, 0).add(1).div(2).clamp(0, 1) if title != "|difference|"
              else img[0, 3].amax(0), cmap="magma")
    ax.set_title(title)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ## Summary
#
# * A view is two angles; the course turns the volume by $R = R_x(\text{elevation})\,R_y(\text{azimuth})$, with
#   $x$ along W, $y$ along H (down) and $z$ along D (away from the viewer).
# * A volume is rotated by **inverse warping**: every output voxel $p$ reads the input at $R^\top p$
#   (`affine_grid` with $\theta=[R^\top\mid 0]$, then trilinear `grid_sample`).
# * Three silent bugs: grid axes in $(z, y, x)$ order, $\theta = R$ instead of $R^\top$, and mismatched
#   `align_corners`.
# * Each resampling costs a little interpolation blur; HoloGAN rotates once per image.
#
# ## Questions
#
# 1. Why can't we rotate a volume by moving every voxel forward to $R\,q$?
#    <details><summary>Answer</summary>The targets fall between grid points: some output voxels receive
#    nothing (holes) and others several. Inverse warping visits every output voxel exactly once.</details>
# 2. You pass $R$ instead of $R^\top$ to `affine_grid`. What do you see?
#    <details><summary>Answer</summary>The object turns by $R^\top = R^{-1}$: the same angle, the other
#    way.</details>
# 3. What does an elevation turn into if the grid is written in $(z, y, x)$ order?
#    <details><summary>Answer</summary>A rotation about the viewing axis (a roll): the roles of x and z are
#    exchanged.</details>
# 4. Is $R_x(\phi)R_y(\theta)$ the same rotation as $R_y(\theta)R_x(\phi)$?
#    <details><summary>Answer</summary>No, rotations do not commute (except about the same axis or at zero
#    angle); the checker tells you when you swapped them.</details>
#
# ## Links
#
# * Paper: [HoloGAN, Nguyen-Phuoc et al. 2019 (arXiv 1904.01326)](https://arxiv.org/abs/1904.01326), section 3.1
# * Spatial transformers, where `affine_grid` and `grid_sample` come from: [Jaderberg et al. 2015 (arXiv
#   1506.02025)](https://arxiv.org/abs/1506.02025)
# * Official code: [thunguyenphuoc/HoloGAN](https://github.com/thunguyenphuoc/HoloGAN)
# * Fidelity notes: [Rotation and views](../docs/fidelity.md#rotation-and-views)
# * Previous: [00 — Welcome](00_welcome.ipynb) · Next: [02 — The projection unit](02_projection.ipynb)
