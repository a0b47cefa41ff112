# %% [markdown]
# # Lesson 03 — AdaIN style control and the generator
#
# HoloGAN's generator has two inputs: a latent code $z$ (*what* to draw) and a view (*from where*). Lessons
# 01 and 02 built the path of the view: a rigid rotation of a 3D feature volume, then a projection unit.
# This lesson builds the path of $z$ and assembles the whole generator:
#
# 1. **AdaIN** from scratch: normalise every feature channel, then give it the statistics $z$ asks for;
# 2. the **style mapping** $z \to$ (scale, bias), and what the official ReLU in it does;
# 3. the **generator, block by block**, with shapes and parameter counts at the paper's widths;
# 4. **shape vs appearance**: the 3D layers and the 2D layers can take different codes (style mixing);
# 5. the rotation is **exact before any training**;
# 6. an interactive viewer you will reuse on trained weights.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from IPython.display import display

from hologan_lesson.lessons import course
from hologan_lesson import count_parameters, pick
from hologan_lesson.model.adain import AdaIN, StyleMapping, adain
from hologan_lesson.config import generator_config
from hologan_lesson.model.generator import HoloGANGenerator, azimuth_sweep, elevation_sweep
from hologan_lesson.model.rotation import rotate_volume, view_to_rotation
from hologan_lesson.viz import plot_adain_statistics, plot_rotation_sweep, plot_style_mixing, show_images, stretch
from hologan_lesson.widgets import view_panel

course.setup("03")

# %% [markdown]
# ## 1. AdaIN from scratch
#
# Adaptive instance normalisation takes a feature map $x$ of shape `(N, C, H, W)` or `(N, C, D, H, W)` and,
# for every sample $n$ and channel $c$ separately:
#
# 1. **normalises**: subtracts the channel's mean $\mu_{nc}$ and divides by its standard deviation
#    $\sigma_{nc}$, both taken over the spatial positions only;
# 2. **re-styles**: multiplies by a scale $s_{nc}$ and adds a bias $b_{nc}$ that come from $z$.
#
# $$\mathrm{AdaIN}(x, s, b)_{nc} = s_{nc}\,\frac{x_{nc} - \mu_{nc}}{\sqrt{\sigma^2_{nc} + \epsilon}} + b_{nc}$$
#
# Step 1 erases whatever statistics the convolution produced; step 2 installs the ones $z$ chooses. The
# *spatial pattern* inside each channel survives. The same code serves 2D and 3D features: reduce over every
# dimension after the first two.
#
# **Exercise 1 (normalise).** Compute the per-sample, per-channel mean and *biased* variance over the spatial
# dims (keep the dims so they broadcast), and the normalised features.
#
# **Exercise 2 (re-style).** `scale` and `bias` are `(N, C)`; reshape them to `(N, C, 1, 1)` or
# `(N, C, 1, 1, 1)` so they broadcast over the spatial dims, and return `scale · normalised + bias`.


# %%
def my_adain(x: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    spatial = tuple(range(2, x.ndim))  # (H, W) or (D, H, W)
    # HINT 1: instance norm: each sample and channel has its own mean and variance over the spatial positions only
    # HINT 2: reduce over the dims in `spatial` with keepdim=True; the variance is the biased one (correction=0),
    # HINT 2: and eps goes inside the square root
    # BEGIN SOLUTION
    mean = x.mean(dim=spatial, keepdim=True)  # (N, C, 1, 1[, 1])
    var = x.var(dim=spatial, keepdim=True, correction=0)  # biased, like tf.nn.moments in the official code
    normalised = (x - mean) / torch.sqrt(var + eps)  # every (n, c): mean 0, std 1
    # END SOLUTION
    # HINT 1: scale and bias are one number per sample and channel: they must broadcast over every spatial position
    # HINT 2: view them as (N, C) followed by one 1 per spatial dim, then scale times normalised plus bias
    # BEGIN SOLUTION
    style_shape = (*scale.shape, *[1] * len(spatial))  # (N, C) -> (N, C, 1, 1[, 1]) to broadcast
    return normalised * scale.view(style_shape) + bias.view(style_shape)
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.generator import check_adain, check_forward

check_adain(my_adain)

# %%
# NBVAL_CHECK_OUTPUT
x2d = torch.randn(4, 8, 16, 16) * 3 + 1  # (N, C, H, W)
x3d = torch.randn(4, 8, 6, 6, 6) * 0.2 - 5  # (N, C, D, H, W)
s, b = torch.randn(4, 8), torch.randn(4, 8)  # (N, C) each
print("2D matches library:", torch.allclose(my_adain(x2d, s, b), adain(x2d, s, b), atol=1e-5))
print("3D matches library:", torch.allclose(my_adain(x3d, s, b), adain(x3d, s, b), atol=1e-5))
print("module == function:", torch.equal(AdaIN()(x3d, s, b), adain(x3d, s, b)))

# %% [markdown]
# ## 2. What AdaIN does to the statistics
#
# Take a 2D feature map with smooth patterns and arbitrary per-channel statistics, and a target style
# (scale, bias) per channel. After AdaIN every channel's mean is exactly its bias and its standard deviation
# exactly its |scale| — whatever they were before — while each channel's picture keeps its shape.

# %%
g = torch.Generator().manual_seed(0)
channels = 12
smooth = F.interpolate(
    torch.randn(1, channels, 5, 5, generator=g), size=32, mode="bicubic", align_corners=False
)
features = (
    smooth * (torch.rand(1, channels, 1, 1, generator=g) * 3)
    + torch.randn(1, channels, 1, 1, generator=g) * 2
)
target_scale = torch.rand(1, channels, generator=g) * 1.5 + 0.2  # (1, C)
target_bias = torch.randn(1, channels, generator=g)  # (1, C)
styled = adain(features, target_scale, target_bias)  # (1, C, 32, 32)

plot_adain_statistics(features, styled, target_scale, target_bias)

# %%
# NBVAL_CHECK_OUTPUT
std_after, mean_after = torch.std_mean(styled, dim=(2, 3), correction=0)
print("means are the biases:  ", torch.allclose(mean_after, target_bias, atol=1e-5))
print("stds are the scales:   ", torch.allclose(std_after, target_scale, atol=1e-4))
corr = torch.corrcoef(torch.stack([features[0, 0].flatten(), styled[0, 0].flatten()]))[0, 1]
print("pattern kept (corr > 0.9999):", bool(corr > 0.9999))

# %% [markdown]
# ## 3. From $z$ to a style: the mapping
#
# Each AdaIN layer has its own small **style mapping**: one linear layer $z \to 2C$ numbers, split into the
# scale and the bias. The paper describes a learnt affine map. The official code passes its output through a
# **ReLU**, so scale and bias are never negative — this course keeps the official choice as the default
# (`GeneratorConfig.mapping_activation="relu"`; `"none"` gives the paper's version, see `docs/fidelity.md`).
#
# A consequence worth seeing: a ReLU'd scale is exactly 0 for about half of the (sample, channel) pairs. A
# channel with scale 0 loses its whole spatial pattern and becomes a constant (its bias) — the code switches
# patterns on and off rather than only turning their volume up and down.

# %%
z = torch.rand(2000, 128, generator=g) * 2 - 1  # U(-1, 1), the paper's prior
relu_map, linear_map = StyleMapping(128, 256, "relu"), StyleMapping(128, 256, "none")
linear_map.load_state_dict(relu_map.state_dict())  # the same weights: only the activation differs
with torch.no_grad():
    scale_relu, _ = relu_map(z)  # (2000, 256)
    scale_linear, _ = linear_map(z)

fig, axes = plt.subplots(1, 2, figsize=(10, 2.8), sharex=True)
for ax, values, title in [
    (axes[0], scale_linear, "'none' (paper): affine"),
    (axes[1], scale_relu, "'relu' (official)"),
]:
    ax.hist(values.flatten(), bins=80, color="tab:blue")
    ax.set_title(f"AdaIN scales at init, mapping {title}", fontsize=10)
    ax.set_xlabel("scale $s_{nc}$")
axes[1].set_yscale("log")
plt.tight_layout()
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
print("style mapping 128 -> 2x256: parameters", count_parameters(relu_map))
print("scale, bias shapes:", tuple(relu_map(z[:4])[0].shape), tuple(relu_map(z[:4])[1].shape))
print(
    "fraction of scales exactly 0 with ReLU: about one half:",
    0.45 < (scale_relu == 0).float().mean().item() < 0.55,
)

# %% [markdown]
# ## 4. The generator, block by block
#
# The official 64 px generator (`generator_AdaIN` in the TensorFlow code), at the paper's widths:
#
# | stage | layer | output | styled by |
# |---|---|---|---|
# | `blocks3d.0` | learnt constant $4^3\times512$, AdaIN, ReLU | $(512, 4, 4, 4)$ | $z_\text{shape}$ |
# | `blocks3d.1` | 3D transposed conv $k3\,s2$, AdaIN, ReLU | $(128, 8, 8, 8)$ | $z_\text{shape}$ |
# | `blocks3d.2` | 3D transposed conv $k3\,s2$, AdaIN, ReLU | $(64, 16, 16, 16)$ | $z_\text{shape}$ |
# | `rotate` | rigid rotation by the view (lesson 01) | $(64, 16, 16, 16)$ | — |
# | `project` | reshape $(c\,d)$ + 1×1 conv, ReLU (lesson 02) | $(1024, 16, 16)$ | — |
# | `blocks2d.0` | 2D transposed conv $k4\,s2$, AdaIN, ReLU | $(256, 32, 32)$ | $z_\text{appearance}$ |
# | `blocks2d.1` | 2D transposed conv $k4\,s2$, AdaIN, ReLU | $(64, 64, 64)$ | $z_\text{appearance}$ |
# | `to_rgb` | $k4$ conv (stride 1), tanh | $(3, 64, 64)$ | — |
#
# Two things stand out. The network's input is a **constant**, the same for every sample: $z$ enters *only*
# through the AdaIN styles. And the view enters *only* through the rotation. Normally one $z$ styles every
# layer ($z_\text{shape} = z_\text{appearance} = z$); passing a pair `(z_shape, z_appearance)` styles the 3D
# and the 2D halves separately.
#
# Here is the forward pass written out by hand from the library's blocks. We run it on PyTorch's **meta**
# device: tensors there have shapes but no data, so tracing the 7.8 M-parameter network costs nothing.
#
# **Exercise 3.** Fill in the three stages between the 3D blocks and the 2D blocks: rotate by the view, the
# post-rotation 3D convs, and the projection unit.


# %%
def my_forward(G: HoloGANGenerator, z, view: torch.Tensor, verbose: bool = False) -> torch.Tensor:
    def show(stage: str, t: torch.Tensor) -> None:
        if verbose:
            print(f"{stage:<28}{tuple(t.shape)}")

    z_shape, z_appearance = G.split_z(z)  # (N, z_dim) each; one z -> (z, z)
    h = z_shape  # the first block turns z into the 4³ start (the constant only looks at the batch size)
    for i, block in enumerate(G.blocks3d):
        h = block(h, z_shape)  # (N, C, D, H, W)
        show(f"blocks3d.{i}", h)
    # HINT 1: the view enters the generator here and nowhere else: turn the 3D volume, finish it in 3D, then make it
    # HINT 1: 2D
    # HINT 2: the generator has a method for each of the three stages, named after what it does (rotate,
    # HINT 2: post_rotation, project); call show(...) after each if you like
    # BEGIN SOLUTION
    h = G.rotate(h, view)  # (N, C, 16, 16, 16): the only place the view enters
    show("rotate", h)
    h = G.post_rotation(h)  # 128 px: two 3D convs; 64 px: nothing
    show("post_rotation", h)
    h = G.project(h)  # (N, P, 16, 16)
    show("project", h)
    # END SOLUTION
    for i, block in enumerate(G.blocks2d):
        h = block(h, z_appearance)  # (N, C, 2H, 2W)
        show(f"blocks2d.{i}", h)
    image = G.to_rgb(h)  # (N, 3, H, W) in [-1, 1]
    show("to_rgb", image)
    return image


# %%
# NBVAL_CHECK_OUTPUT
check_forward(my_forward)

# %%
# NBVAL_CHECK_OUTPUT
with torch.device("meta"):  # shapes only: no memory, no arithmetic
    G64 = HoloGANGenerator(generator_config(64))
    image = my_forward(G64, G64.sample_z(2), torch.zeros(2, 2), verbose=True)

# %% [markdown]
# ### Parameters per block, at the paper's widths
#
# `layer` counts the convolution (or the constant), `style` the $z \to (s, b)$ mappings of that block. The
# 128 px generator (`generator_AdaIN_res128`) uses LeakyReLU(0.2), widens the 3D layers (256, 128), adds two 3D
# convolutions *after* the rotation, projects to 512 channels and has a third 2D block.


# %%
def block_table(resolution: int) -> None:
    with torch.device("meta"):
        G = HoloGANGenerator(generator_config(resolution))
        shapes = dict(G.trace_shapes(G.sample_z(1), torch.zeros(1, 2)))
    print(f"{resolution} px generator\n{'stage':<24}{'output (N=1)':>22}{'layer':>12}{'style':>10}")
    totals = [0, 0]
    for stage, shape in shapes.items():
        if stage == "project (reshape c d)":
            print(f"{stage:<24}{str(shape):>22}{'-':>12}{'-':>10}")
            continue
        module = G.get_submodule(stage.split(" ")[0])
        style = getattr(module, "style", None)
        n_style = count_parameters(style) if style is not None else 0
        n_layer = count_parameters(module) - n_style
        totals[0], totals[1] = totals[0] + n_layer, totals[1] + n_style
        print(f"{stage:<24}{str(shape):>22}{n_layer:>12,}{n_style:>10,}")
    print(f"{'total':<46}{totals[0]:>12,}{totals[1]:>10,}  = {sum(totals):,} ({sum(totals) / 1e6:.2f} M)\n")


# %%
# NBVAL_CHECK_OUTPUT
block_table(64)
block_table(128)

# %% [markdown]
# The 64 px total, 7.80 M, matches the public PyTorch port of HoloGAN. Most parameters sit in the first 2D
# transposed conv (1024 → 256 channels with 4×4 kernels) and the first 3D one; the style mappings are a few
# percent. The rotation has no parameters at all: HoloGAN does not *learn* how to turn things.
#
# Weights start as in the official code: every convolution, linear layer and the constant are drawn from
# $\mathcal N(0, 0.02^2)$, biases start at 0.

# %% [markdown]
# ## 5. Shape and appearance: style mixing
#
# The 3D blocks take $z_\text{shape}$ and the 2D blocks $z_\text{appearance}$. Passing pairs lets us swap one
# and keep the other. Below: rows share $z_\text{shape}$, columns share $z_\text{appearance}$; the left column
# shows the 3D features themselves (a horizontal slice through the middle of the volume, three channels as
# RGB — more on this picture in section 6).
#
# The generator is **untrained**, so do not expect objects. Its images are nearly flat, so we stretch their
# colours for display (one stretch for the whole grid, so differences stay comparable).

# %%
width = pick(ci=0.25, cpu=1.0)  # the ci profile runs a narrower network of the same structure
torch.manual_seed(0)
G = HoloGANGenerator(generator_config(64, width=width))
rng = torch.Generator().manual_seed(1)
z_shapes, z_apps = G.sample_z(3, generator=rng), G.sample_z(3, generator=rng)  # (3, 128) each
front = torch.zeros(3, 2)  # (3, 2): azimuth 0, elevation 0
with torch.no_grad():
    volumes = G.volume(z_shapes)  # (3, C, 16, 16, 16): depends on z_shape only
    rows = [G((z_shapes[i : i + 1].expand(3, -1), z_apps), front) for i in range(3)]  # row i: z_shape i
    mixed = torch.stack(rows)  # (3 shapes, 3 appearances, 3, H, W)
print("3D features:", tuple(volumes.shape), " images:", tuple(mixed.shape))


# %%
plot_style_mixing(volumes, mixed)

# %% [markdown]
# Even untrained, the split is visible: the appearance code sets the palette of each column (it styles the
# last layers, right before the colours), the shape code changes the 3D features of each row. Training will
# make $z_\text{shape}$ matter for the image too — this is how HoloGAN separates *what the object is* from
# *how it is painted* (the paper's Figures 6-7). The checks below use exact equality, not pictures:


# %%
def rotated_features(G: HoloGANGenerator, z, view: torch.Tensor) -> torch.Tensor:
    """Run ``G(z, view)`` and return the rotated 3D features it computed on the way."""
    seen = {}
    hook = G.rotate.register_forward_hook(lambda module, args, out: seen.update(rotated=out))
    with torch.no_grad():
        G(z, view)
    hook.remove()
    return seen["rotated"]  # (N, C, 16, 16, 16)


# %%
# NBVAL_CHECK_OUTPUT
base = rotated_features(G, (z_shapes[:1], z_apps[:1]), front[:1])
print(
    "new z_appearance -> same 3D features:  ",
    torch.equal(base, rotated_features(G, (z_shapes[:1], z_apps[1:2]), front[:1])),
)
print(
    "new z_shape      -> other 3D features: ",
    not torch.allclose(base, rotated_features(G, (z_shapes[1:2], z_apps[:1]), front[:1])),
)
print("new z_appearance -> other image:       ", not torch.allclose(mixed[0, 0], mixed[0, 1]))

# %% [markdown]
# ## 6. The rotation is exact before training
#
# Turn one identity through a sweep of views. The 3D features turn *rigidly* — not because the network has
# learnt anything, but because the rotation is a fixed, exact resampling (lesson 01). Top row: a horizontal
# slice through the middle of the rotated volume, seen from above (the viewer stands at the bottom edge), as an
# azimuth sweep turns it like a turntable; corners that leave the cube come back as zeros (black). Middle row:
# a vertical slice seen from the side during an elevation sweep. Bottom row: the images — still noise, since
# nothing after the rotation has been trained.
#
# To follow the turn, the white circle marks one bright spot of the unrotated features and, in every frame,
# the place the rotation matrix sends it: content at $q$ moves to $Rq$. The spot stays inside its circle.

# %%
z_one = G.sample_z(1, generator=rng)  # (1, 128)
turns, tilts = azimuth_sweep(7, (-90.0, 90.0)), elevation_sweep(7, (-90.0, 90.0))  # (7, 2) each
with torch.no_grad():
    volume = G.volume(z_one)  # (1, C, 16, 16, 16)
    turned = G.rotate(volume.expand(7, -1, -1, -1, -1), turns)  # (7, C, 16, 16, 16)
    tilted = G.rotate(volume.expand(7, -1, -1, -1, -1), tilts)
    images = G.render(volume.expand(7, -1, -1, -1, -1), turns, z_one.expand(7, -1))  # (7, 3, 64, 64)
plot_rotation_sweep(volume, turned, tilted, images, turns, tilts)

# %% [markdown]
# The generator's rotated volume is *exactly* `rotate_volume(volume, R)` — the same numbers, not an
# approximation the network has to learn. At a quarter turn the resampling points land on voxel centres and
# the rotation is a pure permutation of voxels, equal to `torch.rot90`:

# %%
# NBVAL_CHECK_OUTPUT
views = torch.tensor([[90.0, 0.0], [0.0, 90.0], [37.0, -12.0]])  # (3, 2)
inside = rotated_features(G, z_one.expand(3, -1), views)  # (3, C, 16, 16, 16)
with torch.no_grad():
    by_hand = rotate_volume(G.volume(z_one.expand(3, -1)), view_to_rotation(views))  # (3, C, 16, 16, 16)
print("inside the generator == rotate_volume:", torch.equal(inside, by_hand))
quarter_az = (inside[0] - torch.rot90(volume[0], 1, dims=(1, 3))).abs().max()
quarter_el = (inside[1] - torch.rot90(volume[0], -1, dims=(1, 2))).abs().max()
print("azimuth 90° == rot90 over (D, W):  ", bool(quarter_az < 1e-5))
print("elevation 90° == rot90 over (H, D):", bool(quarter_el < 1e-5))

# %% [markdown]
# ## 7. The ablation: $z$ at the input, no AdaIN
#
# The paper compares HoloGAN with a "traditional" generator that feeds $z$ through a linear layer into the
# $4^3$ starting volume and has no AdaIN anywhere (`z_input="traditional"`). Its normalisation layers are plain
# BatchNorm, as in DCGAN; there are no style mappings and no constant. Lesson 07 trains both and measures the
# difference; here we only look at what changes in the network.

# %%
# NBVAL_CHECK_OUTPUT
with torch.device("meta"):
    traditional = HoloGANGenerator(generator_config(64, z_input="traditional"))
    holo = HoloGANGenerator(generator_config(64))
print("AdaIN layers:          ", sum(isinstance(m, AdaIN) for m in traditional.modules()))
print("style parameters:      ", sum(p.numel() for n, p in traditional.named_parameters() if ".style." in n))
print("z -> 4³ linear input:  ", f"{count_parameters(traditional.blocks3d[0].layer):,}")
print("total (traditional):   ", f"{count_parameters(traditional):,}")
print("total (HoloGAN, AdaIN):", f"{count_parameters(holo):,}")

# %% [markdown]
# ## 8. An interactive viewer
#
# `view_panel` turns any generator — here the untrained one, later your trained weights — with two sliders,
# and redraws $z_\text{shape}$ or $z_\text{appearance}$ alone with two buttons. While only the view changes,
# the panel reuses the 3D features and reruns only the part after the rotation. (`stretch=True` stretches the
# nearly flat colours of an untrained network; leave it off for trained weights.) Run it in Jupyter or Colab
# to play with it. A stored copy of the notebook cannot run the widget, so first a static strip of what it
# shows: the same identity at seven azimuths across the slider's range, elevation 0, colours stretched.

# %%
with torch.no_grad():
    strip = G(z_one.expand(7, -1), azimuth_sweep(7, (-90.0, 90.0)))  # (7, 3, 64, 64)
show_images(stretch(strip) * 2 - 1, nrow=7, scale=2.5, labels=[f"{a:+.0f}°" for a in torch.linspace(-90, 90, 7)],
            title="what the viewer shows: azimuth -90° … +90° (untrained)")

# %%
panel = view_panel(G, z_one, azimuth_range=(-90.0, 90.0), elevation_range=(-45.0, 45.0), stretch=True)
display(panel)

# %% [markdown]
# ## Summary
#
# * **AdaIN** normalises every channel of every sample over its spatial positions (biased variance), then
#   installs a scale and a bias computed from $z$; the spatial pattern survives, the statistics are replaced.
# * The generator is: learnt constant → 3D blocks (AdaIN with $z_\text{shape}$) → **rotate** by the view →
#   (post-rotation 3D convs at 128 px) → **project** → 2D blocks (AdaIN with $z_\text{appearance}$) → RGB.
# * The view enters in exactly one place, and the rotation there is exact before any training.
# * Shape and appearance codes can be mixed; the "traditional" ablation feeds $z$ at the input instead.
#
# ## Questions
#
# 1. After AdaIN, what are a channel's mean and standard deviation?
#    <details><summary>Answer</summary>Its bias and |scale| (up to the tiny ε), whatever they were before.
#    </details>
# 2. Why the biased variance (divide by H·W) and not `torch.var`'s default?
#    <details><summary>Answer</summary>Instance norm and the official code (`tf.nn.moments`) use the biased
#    estimate; the unbiased one gives a slightly different scale, which the checker spots.</details>
# 3. Where does the view enter the generator, and what would break if it entered elsewhere too?
#    <details><summary>Answer</summary>Only in `G.rotate`. If it also fed a learnt layer, the network could
#    draw views without rotating its 3D features, and the explicit 3D control would be lost.</details>
# 4. Which code changes the 3D features: $z_\text{shape}$ or $z_\text{appearance}$?
#    <details><summary>Answer</summary>$z_\text{shape}$; $z_\text{appearance}$ only styles the 2D layers
#    after the projection (section 5 checks it with exact equality).</details>
#
# ## Links
#
# * Paper: [HoloGAN (arXiv 1904.01326)](https://arxiv.org/abs/1904.01326), section 3 and Figures 6-7
# * [AdaIN: Huang & Belongie 2017 (arXiv 1703.06868)](https://arxiv.org/abs/1703.06868) ·
#   [StyleGAN: Karras et al. 2019 (arXiv 1812.04948)](https://arxiv.org/abs/1812.04948) ·
#   [DCGAN: Radford et al. 2015 (arXiv 1511.06434)](https://arxiv.org/abs/1511.06434)
# * Official code: [thunguyenphuoc/HoloGAN](https://github.com/thunguyenphuoc/HoloGAN)
# * Fidelity notes: [Generator](../docs/fidelity.md#generator)
# * Previous: [02 — The projection unit](02_projection.ipynb) · Next: [03b — Meet the data](03b_meet_the_data.ipynb)
