import numpy as np
import pytest
import torch

from hologan_lesson.model.adain import AdaIN, StyleMapping, adain


def hand_adain(x: np.ndarray, scale: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """AdaIN written out sample by sample, channel by channel, in float64."""
    out = np.empty_like(x, dtype=np.float64)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            values = x[n, c].astype(np.float64)
            mean = values.sum() / values.size
            var = ((values - mean) ** 2).sum() / values.size  # biased, as tf.nn.moments
            out[n, c] = scale[n, c] * (values - mean) / np.sqrt(var + eps) + bias[n, c]
    return out


@pytest.mark.parametrize("spatial", [(5, 7), (3, 4, 5)], ids=["2d", "3d"])
def test_matches_hand_computation(spatial):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, *spatial, generator=g) * 2.5 + 1.0
    scale, bias = torch.randn(3, 4, generator=g), torch.randn(3, 4, generator=g)
    out = adain(x, scale, bias, eps=1e-5)
    assert out.shape == x.shape and out.dtype == x.dtype
    np.testing.assert_allclose(out.numpy(), hand_adain(x.numpy(), scale.numpy(), bias.numpy(), 1e-5), atol=1e-5)


def test_output_statistics_are_the_style():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 6, 8, 8, 8, generator=g) * torch.rand(2, 6, 1, 1, 1, generator=g) * 5 + 3
    scale, bias = torch.rand(2, 6, generator=g) + 0.5, torch.randn(2, 6, generator=g)
    out = adain(x, scale, bias)
    std, mean = torch.std_mean(out, dim=(2, 3, 4), correction=0)
    torch.testing.assert_close(mean, bias, atol=1e-5, rtol=0)
    torch.testing.assert_close(std, scale, atol=1e-4, rtol=1e-4)


def test_statistics_are_per_sample_and_per_channel():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(2, 3, 6, 6, generator=g)
    scale, bias = torch.ones(2, 3), torch.zeros(2, 3)
    changed = x.clone()
    changed[1] = changed[1] * 10 + 4  # another sample
    changed[0, 2] = changed[0, 2] * 7 - 1  # another channel of the same sample
    before, after = adain(x, scale, bias), adain(changed, scale, bias)
    torch.testing.assert_close(after[0, :2], before[0, :2])
    # A channel's own affine change is undone by normalising it.
    torch.testing.assert_close(after[0, 2], before[0, 2], atol=1e-5, rtol=1e-5)


def test_constant_channel_gives_bias_without_nans():
    x = torch.full((1, 2, 4, 4), 3.0)
    out = adain(x, torch.full((1, 2), 5.0), torch.tensor([[0.25, -1.0]]))
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out[0, :, 0, 0], torch.tensor([0.25, -1.0]))


def test_wrong_style_shape_is_explained():
    with pytest.raises(ValueError, match=r"scale must be \(N, C\) = \(2, 3\)"):
        adain(torch.zeros(2, 3, 4, 4), torch.zeros(3), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="adain expects"):
        adain(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3))


def test_bf16_input_keeps_dtype_and_fp32_statistics():
    g = torch.Generator().manual_seed(3)
    x = (torch.randn(2, 4, 8, 8, 8, generator=g) * 0.5 + 20.0).bfloat16()  # a small spread on an offset
    scale, bias = torch.ones(2, 4), torch.zeros(2, 4)
    out = adain(x, scale.bfloat16(), bias.bfloat16())
    assert out.dtype == torch.bfloat16
    reference = adain(x.float(), scale, bias)
    # Statistics taken in bf16 are off by ~0.09 here; in fp32 only the final rounding to bf16 remains.
    torch.testing.assert_close(out.float(), reference, atol=0.03, rtol=0.0)


def test_module_matches_function():
    g = torch.Generator().manual_seed(4)
    x, s, b = (
        torch.randn(2, 3, 4, 4, 4, generator=g),
        torch.randn(2, 3, generator=g),
        torch.randn(2, 3, generator=g),
    )
    layer = AdaIN(eps=1e-5)
    torch.testing.assert_close(layer(x, s, b), adain(x, s, b, eps=1e-5))
    assert sum(p.numel() for p in layer.parameters()) == 0


def test_style_mapping_official_relu_and_paper_linear():
    torch.manual_seed(0)
    z = torch.rand(64, 16) * 2 - 1
    relu = StyleMapping(16, 8, activation="relu")
    scale, bias = relu(z)
    assert scale.shape == bias.shape == (64, 8)
    assert (scale >= 0).all() and (bias >= 0).all() and (scale > 0).any()
    linear = StyleMapping(16, 8, activation="none")
    linear.load_state_dict(relu.state_dict())
    s_lin, b_lin = linear(z)
    assert (s_lin < 0).any() and (b_lin < 0).any()
    torch.testing.assert_close(scale, s_lin.clamp_min(0))
    # The first C outputs are the scale, the next C the bias.
    torch.testing.assert_close(torch.cat([s_lin, b_lin], 1), linear.linear(z))


def test_style_mapping_official_init():
    torch.manual_seed(0)
    mapping = StyleMapping(128, 512)
    assert mapping.linear.weight.shape == (1024, 128)
    assert abs(mapping.linear.weight.std().item() - 0.02) < 0.001
    assert mapping.linear.bias.abs().max() == 0
    with pytest.raises(ValueError, match="'relu' \\(official\\) or 'none' \\(paper\\)"):
        StyleMapping(4, 4, activation="lrelu")
