import dataclasses

import ipywidgets
import pytest
import torch
from torch import nn

from hologan_lesson.config import generator_config
from hologan_lesson.lessons.checks import CheckFailed
from hologan_lesson.lessons.checks.generator import check_adain, check_forward
from hologan_lesson.model.adain import AdaIN, StyleMapping
from hologan_lesson.model.generator import (
    HoloGANGenerator,
    azimuth_sweep,
    elevation_sweep,
    render_views,
    resample_appearance,
    resample_shape,
)
from hologan_lesson.model.rotation import rotate_volume, view_to_rotation
from hologan_lesson.utils import count_parameters
from hologan_lesson.viz import to_uint8

SMALL = 1 / 16  # channel widths x 1/16: same layer structure, fast on CPU


def small(resolution: int = 64, seed: int = 0, **overrides) -> HoloGANGenerator:
    torch.manual_seed(seed)
    return HoloGANGenerator(generator_config(resolution, width=SMALL, **overrides))


def stages(g: HoloGANGenerator, z, view: torch.Tensor) -> dict[str, torch.Tensor]:
    """One forward pass: the image, the 3D features before rotation ("volume") and after ("rotated")."""
    seen = {}

    def keep(name: str):
        return lambda module, args, out: seen.__setitem__(name, out.detach().clone())

    hooks = [
        g.blocks3d[-1].register_forward_hook(keep("volume")),
        g.rotate.register_forward_hook(keep("rotated")),
    ]
    try:
        seen["image"] = g(z, view).detach()
    finally:
        for hook in hooks:
            hook.remove()
    return seen


VIEWS = torch.tensor([[0.0, 0.0], [40.0, 10.0], [-55.0, -20.0]])


@pytest.mark.parametrize("resolution", [64, 128])
def test_output_shape_and_range(resolution):
    g = small(resolution)
    out = g(g.sample_z(3), VIEWS)
    assert out.shape == (3, 3, resolution, resolution)
    assert torch.isfinite(out).all() and out.abs().max() <= 1.0
    assert out.std() > 0  # not a constant image


def official_count(resolution: int, z_dim: int = 128) -> int:
    """Parameter count of the official generator, written out layer by layer from the paper's widths."""

    def conv(c_in: int, c_out: int, k: int, dims: int) -> int:
        return c_in * c_out * k**dims + c_out

    def style(c: int) -> int:  # z -> (scale, bias): one linear layer
        return z_dim * 2 * c + 2 * c

    if resolution == 64:
        volume, post, projection, image = [128, 64], [], 1024, [256, 64]
    else:
        volume, post, projection, image = [256, 128], [64, 64], 512, [256, 64, 32]
    total = 4 * 4 * 4 * 512 + style(512)  # learnt constant + its AdaIN
    c = 512
    for out in volume:  # k3 3D transposed convs with AdaIN
        total += conv(c, out, 3, 3) + style(out)
        c = out
    for out in post:  # k3 3D convs after rotation, no AdaIN
        total += conv(c, out, 3, 3)
        c = out
    total += conv(16 * c, projection, 1, 2)  # projection: 1x1 conv over C·D channels
    c = projection
    for out in image:  # k4 2D transposed convs with AdaIN
        total += conv(c, out, 4, 2) + style(out)
        c = out
    return total + conv(c, 3, 4, 2)  # to RGB


@pytest.mark.parametrize("resolution", [64, 128])
def test_parameter_count_at_paper_width(resolution):
    count = count_parameters(HoloGANGenerator(generator_config(resolution)))
    assert abs(count - official_count(resolution)) <= 0.01 * official_count(resolution)
    assert count == official_count(resolution)


def test_parameter_count_matches_public_port():
    # The public PyTorch port reports G = 7.80 M at 64 px.
    assert round(count_parameters(HoloGANGenerator(generator_config(64))) / 1e6, 2) == 7.80


def test_z_shape_drives_3d_features_and_z_appearance_only_2d():
    g = small(128)
    z_shape, z_app, other = g.sample_z(2), g.sample_z(2), g.sample_z(2)
    base = stages(g, (z_shape, z_app), VIEWS[:2])
    new_app = stages(g, (z_shape, other), VIEWS[:2])
    new_shape = stages(g, (other, z_app), VIEWS[:2])
    assert torch.equal(new_app["volume"], base["volume"]) and torch.equal(new_app["rotated"], base["rotated"])
    assert not torch.allclose(new_app["image"], base["image"])
    assert not torch.allclose(new_shape["volume"], base["volume"])
    assert not torch.allclose(new_shape["image"], base["image"])


def test_view_changes_only_what_is_after_the_rotation():
    g = small(128)
    z = g.sample_z(2)
    a, b = stages(g, z, VIEWS[:2]), stages(g, z, VIEWS[1:])
    assert torch.equal(a["volume"], b["volume"])
    assert not torch.allclose(a["rotated"], b["rotated"])
    assert not torch.allclose(a["image"], b["image"])


def test_rotation_inside_the_generator_is_exact():
    g = small(64)
    z = g.sample_z(3)
    seen = stages(g, z, VIEWS)
    with torch.no_grad():
        volume = g.volume(z)  # (N, C, 16, 16, 16), computed on its own
    assert torch.equal(seen["volume"], volume)
    assert torch.equal(seen["rotated"], rotate_volume(volume, view_to_rotation(VIEWS)))
    # A quarter turn is a pure permutation of voxels: no interpolation blur at all.
    quarter = stages(g, z, torch.tensor([[90.0, 0.0]]).expand(3, 2))["rotated"]
    torch.testing.assert_close(quarter, torch.rot90(volume, 1, dims=(2, 4)), atol=1e-5, rtol=0)
    up = stages(g, z, torch.tensor([[0.0, 90.0]]).expand(3, 2))["rotated"]
    torch.testing.assert_close(up, torch.rot90(volume, -1, dims=(2, 3)), atol=1e-5, rtol=0)


@pytest.mark.parametrize("resolution", [64, 128])
def test_gradients_reach_every_parameter(resolution):
    g = small(resolution)
    g(g.sample_z(4), VIEWS[[0, 1, 2, 1]]).square().mean().backward()
    for name, p in g.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    styles = [m for m in g.modules() if isinstance(m, StyleMapping)]
    assert len(styles) == 3 + len(g.cfg.image_channels)
    assert g.blocks3d[0].layer.weight.grad.abs().sum() > 0  # the learnt constant


def test_traditional_variant_has_no_style_anywhere():
    g = small(64, z_input="traditional")
    assert not any(isinstance(m, (AdaIN, StyleMapping)) for m in g.modules())
    assert not any("style" in name for name, _ in g.named_parameters())
    z = g.sample_z(3)
    out = g(z, VIEWS)
    assert out.shape == (3, 3, 64, 64) and out.abs().max() <= 1
    assert not torch.allclose(g(z.flip(0), VIEWS)[0], out[0])  # z still matters, via the input
    # The 2D layers ignore the appearance code: only z at the input counts.
    torch.testing.assert_close(g((z, z.flip(0)), VIEWS), out)
    # Parameters: AdaIN model - every mapping - the constant + the z -> 4³ linear + BatchNorm affines.
    styled = small(64)
    cfg = g.cfg
    mappings = sum(count_parameters(m) for m in styled.modules() if isinstance(m, StyleMapping))
    norm_channels = cfg.const_channels + sum(cfg.volume_channels) + sum(cfg.image_channels)
    linear_input = cfg.z_dim * cfg.const_channels * 64 + cfg.const_channels * 64
    expected = count_parameters(styled) - mappings - cfg.const_channels * 64 + linear_input + 2 * norm_channels
    assert count_parameters(g) == expected
    with pytest.raises(ValueError, match="separate_z needs AdaIN"):
        small(64, z_input="traditional", separate_z=True)


def test_deterministic_under_a_seed():
    a, b = small(64, seed=7), small(64, seed=7)
    za = a.sample_z(2, generator=torch.Generator().manual_seed(1))
    zb = b.sample_z(2, generator=torch.Generator().manual_seed(1))
    assert torch.equal(za, zb)
    assert torch.equal(a(za, VIEWS[:2]), b(zb, VIEWS[:2]))
    assert not torch.equal(small(64, seed=8)(za, VIEWS[:2]), a(za, VIEWS[:2]))


def test_one_z_is_the_pair_z_z():
    g = small(64)
    z = g.sample_z(3)
    assert g.latent_dim == g.cfg.z_dim
    torch.testing.assert_close(g(z, VIEWS), g((z, z), VIEWS))


def test_separate_z_splits_a_tensor_in_halves():
    g = small(64, separate_z=True)
    assert g.latent_dim == 2 * g.cfg.z_dim
    z = g.sample_z(3)
    z_shape, z_app = g.split_z(z)
    torch.testing.assert_close(torch.cat([z_shape, z_app], 1), z)
    torch.testing.assert_close(g(z, VIEWS), g((z_shape, z_app), VIEWS))
    assert not torch.allclose(g(z, VIEWS), g((z_app, z_shape), VIEWS))


def test_wrong_z_is_explained():
    g = small(64)
    with pytest.raises(ValueError, match=r"z must be \(N, 128\)"):
        g(torch.zeros(2, 256), VIEWS[:2])
    with pytest.raises(ValueError, match=r"z_appearance must be \(N, 128\)"):
        g.split_z((torch.zeros(2, 128), torch.zeros(2, 64)))
    with pytest.raises(ValueError, match="rows"):
        g.split_z((torch.zeros(2, 128), torch.zeros(3, 128)))


def test_invalid_configs_are_explained():
    with pytest.raises(ValueError, match="resolution=96"):
        HoloGANGenerator(dataclasses.replace(generator_config(64, width=SMALL), resolution=96))
    with pytest.raises(ValueError, match="volume_size=32"):
        HoloGANGenerator(generator_config(64, width=SMALL, volume_size=32))
    with pytest.raises(ValueError, match="z_input"):
        HoloGANGenerator(generator_config(64, width=SMALL, z_input="concat"))


def test_official_init():
    torch.manual_seed(0)
    g = HoloGANGenerator(generator_config(64))
    weights = torch.cat([p.flatten() for n, p in g.named_parameters() if n.endswith("weight")])
    biases = torch.cat([p.flatten() for n, p in g.named_parameters() if n.endswith("bias")])
    assert abs(weights.std().item() - 0.02) < 5e-4 and abs(weights.mean().item()) < 5e-4
    assert biases.abs().max() == 0


def test_activations_64_relu_128_lrelu():
    def kinds(g):
        return {type(m) for m in g.modules() if isinstance(m, (nn.ReLU, nn.LeakyReLU))}

    assert kinds(small(64)) == {nn.ReLU}
    assert kinds(small(128)) == {nn.ReLU, nn.LeakyReLU}  # ReLU only inside the style mappings
    assert kinds(small(128, mapping_activation="none")) == {nn.LeakyReLU}


def test_sample_z_is_uniform_in_minus_one_one():
    g = small(64)
    z = g.sample_z(4000, generator=torch.Generator().manual_seed(0))
    assert z.shape == (4000, 128) and z.min() >= -1 and z.max() <= 1
    assert abs(z.mean().item()) < 0.01 and abs(z.var().item() - 1 / 3) < 0.01


def test_render_views_is_forward_with_one_repeated_code():
    g = small(64)
    z = g.sample_z(1)
    views = azimuth_sweep(5, (-60, 60), elevation=10)
    images = render_views(g, z[0], views, batch_size=2)  # (T, 3, H, W), chunked
    assert images.shape == (5, 3, 64, 64)
    torch.testing.assert_close(images, g(z.expand(5, -1), views), atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="one identity"):
        render_views(g, g.sample_z(2), views)


def test_sweeps():
    a = azimuth_sweep(5, (-60.0, 60.0), elevation=15.0)
    torch.testing.assert_close(a, torch.tensor([[-60.0, 15], [-30, 15], [0, 15], [30, 15], [60, 15]]))
    e = elevation_sweep(3, (0.0, 30.0), azimuth=-20.0)
    torch.testing.assert_close(e, torch.tensor([[-20.0, 0], [-20, 15], [-20, 30]]))


def test_resample_shape_and_appearance():
    g = small(64)
    z = g.sample_z(2)
    z_shape, z_app = resample_shape(g, z, torch.Generator().manual_seed(3))
    assert torch.equal(z_app, z) and not torch.allclose(z_shape, z) and z_shape.abs().max() <= 1
    z_shape2, z_app2 = resample_appearance(g, z, torch.Generator().manual_seed(3))
    assert torch.equal(z_shape2, z) and torch.equal(z_app2, z_shape)  # same draw from the same seed
    torch.testing.assert_close(stages(g, (z_shape2, z_app2), VIEWS[:2])["rotated"], stages(g, z, VIEWS[:2])["rotated"])


def test_trace_shapes_follows_the_architecture():
    g = small(128)
    c = g.cfg
    trace = dict(g.trace_shapes(g.sample_z(2), VIEWS[:2]))
    assert trace["blocks3d.0"] == (2, c.const_channels, 4, 4, 4)
    assert trace["blocks3d.2"] == trace["rotate"] == (2, c.volume_channels[-1], 16, 16, 16)
    assert trace["post_rotation.1"] == (2, c.post_rotation_channels[-1], 16, 16, 16)
    assert trace["project (reshape c d)"] == (2, 16 * c.post_rotation_channels[-1], 16, 16)
    assert trace["project (1x1 conv)"] == (2, c.projection_channels, 16, 16)
    assert trace["blocks2d.2"] == (2, c.image_channels[-1], 128, 128)
    assert trace["to_rgb"] == (2, 3, 128, 128)
    assert list(trace)[-1] == "to_rgb" and len(trace) == 12


def test_channels_last_and_bf16_autocast():
    g = small(128)
    z = g.sample_z(2)
    reference = g(z, VIEWS[:2])
    g.to_channels_last()
    assert g.blocks3d[1].layer.weight.is_contiguous(memory_format=torch.channels_last_3d)
    assert g.blocks2d[0].layer.weight.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(g(z, VIEWS[:2]), reference, atol=1e-5, rtol=1e-4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = g(z, VIEWS[:2])
    assert out.dtype == torch.bfloat16
    err = (out.float() - reference).abs().max()
    assert err < 0.1 * reference.abs().max()
    out.float().square().mean().backward()
    assert g.blocks3d[0].layer.weight.grad.abs().sum() > 0


def test_checkers_accept_the_library_and_reject_mistakes(capsys):
    from hologan_lesson.model.adain import adain

    check_adain(adain)

    def unbiased(x, scale, bias):
        std, mean = torch.std_mean(x, dim=tuple(range(2, x.ndim)), keepdim=True)
        e = (*scale.shape, *[1] * (x.ndim - 2))
        return (x - mean) / std * scale.reshape(e) + bias.reshape(e)

    with pytest.raises(CheckFailed, match="biased variance"):
        check_adain(unbiased)

    def forward(g, z, view):
        z_shape, z_app = g.split_z(z)
        h = g.project(g.post_rotation(g.rotate(g.volume(z_shape), view)))
        for block in g.blocks2d:
            h = block(h, z_app)
        return g.to_rgb(h)

    check_forward(forward)

    def wrong_way(g, z, view):  # a classic slip: turning the volume by the inverse rotation
        return forward(g, z, -view)

    with pytest.raises(CheckFailed, match="same image"):
        check_forward(wrong_way)
    assert "4/4 checks passed: assembling the generator" in capsys.readouterr().out


def test_panel_render_and_view_panel():
    from hologan_lesson.widgets import ViewPanel, panel_render, view_panel

    g = small(64)
    z = g.sample_z(1)
    image = panel_render(g, z, 30.0, 10.0, scale=2)
    assert image.shape == (128, 128, 3) and image.dtype.name == "uint8"
    expected = render_views(g, z, torch.tensor([[30.0, 10.0]]))
    assert (image[::2, ::2] == to_uint8(expected)[0]).all()
    stretched = panel_render(g, z, 30.0, 10.0, scale=1, stretch=True)
    assert stretched.min() == 0 and stretched.max() == 255

    panel = ViewPanel(g, z, scale=1)
    first = bytes(panel.image.value)
    assert bytes(first).startswith(b"\x89PNG")
    panel.azimuth.value = 45.0
    turned = bytes(panel.image.value)
    assert turned != first
    panel.elevation.value = -20.0
    tilted = bytes(panel.image.value)
    assert tilted != turned
    panel.elevation.value = 0.0
    assert bytes(panel.image.value) == turned  # same view, same z: same picture
    assert panel.image.layout.align_self == "flex-start"  # natural size, not stretched to the cell width
    volume = panel._volume
    z_shape = panel.z_shape
    panel.new_appearance.click()
    assert torch.equal(panel.z_shape, z_shape) and panel._volume is volume  # 3D features reused
    assert bytes(panel.image.value) != turned
    panel.new_shape.click()
    assert not torch.equal(panel.z_shape, z_shape) and panel._volume is not volume
    assert isinstance(view_panel(g), ipywidgets.VBox)


def test_last_layer_equals_tf_same_stride_one_transposed_conv():
    # TF conv2d_transpose(k=4, stride 1, 'SAME') = the full transposed conv cropped by 1 before (its forward
    # 'SAME' conv pads 1 before, 2 after). Our pad (2, 1) + conv must equal it once the kernel is flipped.
    g = small(64)
    torch.manual_seed(1)
    c = g.cfg.image_channels[-1]
    tf_like = nn.ConvTranspose2d(c, 3, 4, stride=1)
    x = torch.randn(2, c, 10, 10)
    expected = torch.tanh(tf_like(x)[:, :, 1:11, 1:11])  # (2, 3, 10, 10)
    conv = g.to_rgb[1]
    with torch.no_grad():
        conv.weight.copy_(tf_like.weight.transpose(0, 1).flip(2, 3))  # (in, out, k, k) -> (out, in, k, k), flipped
        conv.bias.copy_(tf_like.bias)
    torch.testing.assert_close(g.to_rgb(x), expected, atol=1e-6, rtol=1e-5)
