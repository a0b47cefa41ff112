# %% [markdown]
# # Lesson 02 — The projection unit
#
# After rotation, HoloGAN holds a 3D feature volume `(N, C, D, H, W)` but must output a 2D image. How do we
# collapse depth? A renderer of real objects shows, at each pixel, the **nearest** surface: the things behind
# it are *occluded*. This lesson shows that the obvious collapses (sum or max over depth) cannot do that,
# and builds HoloGAN's answer, the **projection unit**:
#
# $$\underbrace{(N, C, D, H, W)}_{\text{rotated volume}} \xrightarrow{\ \text{reshape}\ } (N, C\cdot D, H, W)
# \xrightarrow{\ 1\times1\ \text{conv}\ } (N, C', H, W) \xrightarrow{\ \text{ReLU / LeakyReLU}\ }$$
#
# Keeping every depth slice as its own group of channels lets the 1×1 convolution weigh slices by depth —
# and, with its nonlinearity and the 2D layers after it, learn *which* slice wins at each pixel.

# %%
import matplotlib.pyplot as plt
import torch
from einops import rearrange
from torch import nn

from hologan_lesson.lessons import course
from hologan_lesson import count_parameters, pick
from hologan_lesson.model.projection import ProjectionUnit
from hologan_lesson.lessons.toy_render import fit_projection_toy, random_voxel_scenes, render_scenes
from hologan_lesson.viz import show_images

course.setup("02")

# %% [markdown]
# ## 1. Why a sum or a max over depth cannot occlude
#
# Two scenes with the same two boxes, swapped in depth: a red box in front of a blue one, and the reverse.
# A correct renderer shows different images. A sum over depth sees the same numbers in both — it has thrown
# away *which box is in front*.

# %%
size = 16
scene_a = torch.zeros(1, 4, size, size, size)  # (N, RGBA, D, H, W), depth index 0 is nearest
scene_a[0, :, 2:6, 3:11, 3:11] = torch.tensor([0.9, 0.1, 0.1, 1.0])[:, None, None, None]  # red, near
scene_a[0, :, 9:13, 6:14, 6:14] = torch.tensor([0.1, 0.2, 0.9, 1.0])[:, None, None, None]  # blue, far
scene_b = scene_a.clone()
scene_b[:, :, 2:6], scene_b[:, :, 9:13] = torch.zeros_like(scene_b[:, :, 2:6]), torch.zeros_like(scene_b[:, :, 9:13])
scene_b[0, :, 9:13, 3:11, 3:11] = scene_a[0, :, 2:6, 3:11, 3:11]  # red, now far
scene_b[0, :, 2:6, 6:14, 6:14] = scene_a[0, :, 9:13, 6:14, 6:14]  # blue, now near

renders = render_scenes(torch.cat([scene_a, scene_b])) * 2 - 1  # (2, 3, H, W) in [-1, 1]
sums = torch.cat([scene_a, scene_b])[:, :3].sum(2)  # (2, 3, H, W): depth-blind
sums = sums / sums.amax() * 2 - 1
show_images(torch.cat([renders, sums]), nrow=4, scale=4,
            labels=["render A", "render B", "sum over depth A", "sum over depth B"])

# %%
# NBVAL_CHECK_OUTPUT
print("renders differ:           ", not torch.allclose(renders[0], renders[1]))
print("sums over depth identical:", torch.allclose(sums[0], sums[1]))

# %% [markdown]
# ## 2. The projection unit, from scratch
#
# **Exercise 1.** In `__init__`, create the 1×1 convolution: how many input channels does it see once every
# depth slice of every feature channel is its own channel?
#
# **Exercise 2.** In `forward`, reshape the volume `(N, C, D, H, W)` to `(N, C·D, H, W)` — channel-major, so
# that the `D` slices of channel 0 come first — then apply the conv and the LeakyReLU. `einops.rearrange`
# makes the order explicit; `volume.flatten(1, 2)` does the same.

# %%
class MyProjectionUnit(nn.Module):
    def __init__(self, channels: int, depth: int, out_channels: int):
        super().__init__()
        # HINT 1: after the reshape every depth slice of every channel is its own input channel
        # HINT 2: a 2D convolution with kernel size 1: how many channels come in once C channels of depth D are
        # HINT 2: stacked?
        # BEGIN SOLUTION
        self.conv = nn.Conv2d(channels * depth, out_channels, kernel_size=1)
        # END SOLUTION
        self.act = nn.LeakyReLU(0.2)

    def forward(self, volume: torch.Tensor) -> torch.Tensor:
        # HINT 1: fold the depth axis into the channel axis, then apply the conv and the nonlinearity you built in
        # HINT 1: __init__
        # HINT 2: einops' rearrange with the pattern 'n c d h w -> n (c d) h w' (channel-major), or flatten dims 1
        # HINT 2: and 2
        # BEGIN SOLUTION
        stacked = rearrange(volume, "n c d h w -> n (c d) h w")  # (N, C·D, H, W): depth slices become channels
        return self.act(self.conv(stacked))  # (N, out, H, W)
        # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.projection import check_projection_unit

check_projection_unit(MyProjectionUnit)


# %% [markdown]
# In the 64 px generator the rotated volume is `(N, 64, 16, 16, 16)`, so the 1×1 conv sees 64·16 = 1024
# channels per pixel and outputs 1024 (ReLU, as the official 64 px code); at 128 px the paper's LeakyReLU is
# used. The library version, `hologan_lesson.model.projection.ProjectionUnit`, takes the nonlinearity as an option.

# %%
# NBVAL_CHECK_OUTPUT
unit = ProjectionUnit(channels=64, depth=16, out_channels=1024, activation="relu")
volume = torch.randn(2, 64, 16, 16, 16)  # (N, C, D, H, W)
print("in :", tuple(volume.shape))
print("out:", tuple(unit(volume).shape))
print("parameters:", sum(p.numel() for p in unit.parameters()))

# %% [markdown]
# ## 3. Teach it to render
#
# Now a small experiment. Random scenes of coloured boxes in an 8³ RGBA grid are rendered front to back (the
# "true" renderer). Three learners try to imitate it from the voxels alone, each a first unit followed by a
# 1×1 conv to RGB:
#
# * **projection** — our unit (depth slices kept as channels),
# * **sum** and **max** — collapse depth first, then the same layers.
#
# Same data, same optimiser, same number of steps — but **not the same number of parameters**: the projection
# unit's first conv sees $C\cdot D = 4\cdot 8 = 32$ channels, the depth-blind ones only $C = 4$, so the
# projection learner has about 4.5× more weights (counts printed below). That is not what decides the
# contest: section 1 showed that a sum over depth gives *identical* inputs for two scenes that must render
# differently, so no number of weights after the sum can tell them apart. The extra weights are exactly
# the per-depth ones that make occlusion learnable.

# %%
scenes = random_voxel_scenes(pick(ci=64, cpu=128, gpu=256), size=8, seed=0)  # (N, 4, 8, 8, 8)
steps = pick(ci=150, cpu=400, gpu=600)
fits = {kind: fit_projection_toy(scenes, kind=kind, steps=steps, seed=0) for kind in ("projection", "sum", "max")}
for kind, fit in fits.items():
    print(f"{kind:>10}: {count_parameters(fit.model):5d} parameters")

fig, ax = plt.subplots(figsize=(6, 3.5))
for kind, fit in fits.items():
    ax.plot(fit.losses, label=f"{kind} (final {fit.final_loss:.4f})")
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("MSE to the true render")
ax.legend()
ax.set_title("only the projection unit can learn occlusion")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
best_blind = min(fits["sum"].final_loss, fits["max"].final_loss)
print("projection loss at least 2x lower than any depth-blind unit:", fits["projection"].final_loss * 2 < best_blind)

# %% [markdown]
# Before and after: the true renders, then what each learner draws for the same scenes. Look at places where
# boxes overlap: only the projection unit puts the *nearer* colour on top.

# %%
test_scenes = random_voxel_scenes(6, size=8, seed=123)  # scenes never seen in training
with torch.no_grad():
    rows = [render_scenes(test_scenes)] + [fit.model(test_scenes) for fit in fits.values()]
show_images(torch.cat(rows) * 2 - 1, nrow=6, scale=7, title="rows: true render · projection · sum · max")

# %% [markdown]
# In HoloGAN the same idea works on learnt features rather than colours: the 3D features carry what is
# where, the projection unit decides what is visible, and the 2D layers after it finish the rendering.
#
# ## Summary
#
# * A sum or a max over depth throws away *which* slice is in front, so it cannot render occlusion.
# * The projection unit keeps every depth slice: reshape `(N, C, D, H, W) -> (N, C·D, H, W)` (channel-major,
#   `(c d)`), then a 1×1 conv and a nonlinearity (ReLU at 64 px as in the official code, LeakyReLU at 128 px).
# * In the toy experiment only the projection unit learns to put the nearer colour on top; it has ~4.5× more
#   parameters, but the depth-blind units fail because their inputs are identical, not for lack of weights.
#
# ## Questions
#
# 1. The rotated volume is `(N, 64, 16, 16, 16)`. How many weights does a 1×1 conv to 1024 channels have?
#    <details><summary>Answer</summary>64·16 = 1024 input channels, so 1024·1024 weights + 1024 biases
#    = 1 049 600.</details>
# 2. You stack `(d c)` instead of `(c d)`. Would training still work? Why does the checker object?
#    <details><summary>Answer</summary>A freshly initialised unit would learn either order just as well; the
#    checker compares against the library's weights, which assume channel-major `(c d)` stacking.</details>
# 3. Why can't a wider depth-blind unit catch up?
#    <details><summary>Answer</summary>Scenes A and B give exactly the same summed input (section 1); any
#    function of that input returns the same image for both.</details>
# 4. What does the nonlinearity after the 1×1 conv add?
#    <details><summary>Answer</summary>Without it the unit is linear in the slices, a weighted sum over depth;
#    occlusion ("the nearest opaque slice wins") is not linear, so the unit and the layers after it need the
#    nonlinearity to express it.</details>
#
# ## Links
#
# * Paper: [HoloGAN (arXiv 1904.01326)](https://arxiv.org/abs/1904.01326), section 3.2 (projection unit)
# * Official code: [thunguyenphuoc/HoloGAN](https://github.com/thunguyenphuoc/HoloGAN)
# * Fidelity notes: [Generator](../docs/fidelity.md#generator)
# * Previous: [01 — Rotation](01_rotation.ipynb) · Next: [03 — AdaIN and the generator](03_generator.ipynb)
