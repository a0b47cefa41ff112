import pytest
import torch

from hologan_lesson.lessons.toy_render import fit_projection_toy, random_voxel_scenes
from hologan_lesson.model.projection import CompositingProjection, ProjectionUnit
from hologan_lesson.model.rotation import rotate_volume, view_to_rotation


def test_shapes_and_gradients():
    unit = ProjectionUnit(channels=4, depth=8, out_channels=16)
    vol = torch.randn(2, 4, 8, 10, 12, requires_grad=True)
    out = unit(vol)
    assert out.shape == (2, 16, 10, 12)
    out.sum().backward()
    assert vol.grad.abs().sum() > 0 and unit.conv.weight.grad.abs().sum() > 0


def test_activation_choice():
    assert isinstance(ProjectionUnit(2, 2, 2, activation="relu").act, torch.nn.ReLU)
    assert isinstance(ProjectionUnit(2, 2, 2, activation="lrelu").act, torch.nn.LeakyReLU)
    with pytest.raises(ValueError, match="unknown activation"):
        ProjectionUnit(2, 2, 2, activation="gelu")


def test_wrong_input_shape_is_explained():
    with pytest.raises(ValueError, match=r"\(N, 4, 8, H, W\)"):
        ProjectionUnit(4, 8, 3)(torch.zeros(1, 4, 6, 5, 5))


def test_depth_channels_are_kept_separate():
    # Same voxels at a different depth must be distinguishable by the 1x1 conv: this is what lets it occlude.
    unit = ProjectionUnit(channels=1, depth=4, out_channels=4, activation="none")
    torch.nn.init.eye_(unit.conv.weight[:, :, 0, 0])
    torch.nn.init.zeros_(unit.conv.bias)
    a = torch.zeros(1, 1, 4, 2, 2)
    b = torch.zeros(1, 1, 4, 2, 2)
    a[:, :, 0] = 1
    b[:, :, 3] = 1
    assert not torch.allclose(unit(a), unit(b))


def test_toy_experiment_projection_beats_depth_blind():
    scenes = random_voxel_scenes(96, size=8, seed=0)
    projection = fit_projection_toy(scenes, kind="projection", steps=250, seed=0)
    depth_blind = fit_projection_toy(scenes, kind="sum", steps=250, seed=0)
    # A depth-blind unit (sum over depth then 1x1 conv) cannot tell which voxel is in front.
    assert depth_blind.final_loss > 0.008
    assert projection.final_loss < 0.4 * depth_blind.final_loss
    assert projection.losses[-1] < projection.losses[0]


def _reversed_depth_twin(unit: ProjectionUnit) -> ProjectionUnit:
    """The same unit for volumes stacked far-to-near: its input channels are the (c, d) channels with d reversed."""
    twin = ProjectionUnit(unit.channels, unit.depth, unit.conv.out_channels, activation="lrelu")
    w = unit.conv.weight.detach().view(-1, unit.channels, unit.depth)
    twin.conv.weight.data.copy_(w.flip(2).reshape_as(unit.conv.weight))
    twin.conv.bias.data.copy_(unit.conv.bias.detach())
    return twin


def test_near_to_far_order_is_a_relabelling_that_training_preserves():
    # Issue lever "a near-to-far order in the projection unit": the order of the stacked depth slices is a fixed
    # permutation of the 1x1 conv's inputs. A unit trained on far-to-near stacks stays the exact twin of one trained
    # near-to-far (Adam is elementwise), so the order changes nothing but which initial weights a seed draws.
    torch.manual_seed(0)
    near, vol, target = ProjectionUnit(3, 5, 4), torch.randn(6, 3, 5, 7, 7), torch.randn(6, 4, 7, 7)
    far = _reversed_depth_twin(near)
    opts = [torch.optim.Adam(u.parameters(), lr=1e-2) for u in (near, far)]
    for _ in range(5):
        for unit, opt, v in zip((near, far), opts, (vol, vol.flip(2))):
            opt.zero_grad()
            ((unit(v) - target) ** 2).mean().backward()
            opt.step()
    torch.testing.assert_close(near(vol), far(vol.flip(2)))
    assert not torch.allclose(near(vol), near(vol.flip(2)))  # the unit itself does see the order


def _two_faced_volume(channels: int = 2, size: int = 8) -> torch.Tensor:
    """An opaque slab whose near face holds feature 0 and whose far face holds feature 1."""
    vol = torch.zeros(1, channels, size, size, size)
    vol[:, 0, size // 2 - 2, 2:-2, 2:-2] = 1.0  # near face
    vol[:, 1, size // 2 + 1, 2:-2, 2:-2] = 1.0  # far face
    return vol


def test_compositing_weights_see_the_nearest_opaque_voxel_only():
    unit = CompositingProjection(channels=2, depth=8, out_channels=2, activation="none")
    torch.nn.init.zeros_(unit.opacity.weight)
    torch.nn.init.constant_(unit.opacity.bias, 0.0)
    weights = unit.weights(torch.rand(3, 2, 8, 5, 5))
    assert weights.shape == (3, 1, 8, 5, 5) and (weights >= 0).all() and (weights.sum(2) <= 1 + 1e-6).all()
    with torch.no_grad():  # opaque wherever a voxel holds anything
        unit.opacity.weight.fill_(60.0)
        unit.opacity.bias.fill_(-30.0)  # empty voxels clear
        unit.conv.weight.copy_(torch.eye(2)[:, :, None, None])
        unit.conv.bias.zero_()
    vol = _two_faced_volume()
    front = unit(vol)[0, :, 4, 4]
    assert front[0] > 0.95 and front[1] < 0.05, f"the near face should hide the far one, saw {front.tolist()}"
    turned = unit(rotate_volume(vol, view_to_rotation(torch.tensor([[180.0, 0.0]]))))[0, :, 4, 4]
    assert turned[1] > 0.95 and turned[0] < 0.05, f"half a turn should show the far face, saw {turned.tolist()}"


def test_generator_builds_with_either_projection():
    from hologan_lesson.config import make_config
    from hologan_lesson.model.generator import HoloGANGenerator

    for kind, unit in (("stack", ProjectionUnit), ("composite", CompositingProjection)):
        G = HoloGANGenerator(make_config("cpu", overrides=[f"generator.projection={kind}"]).generator)
        assert isinstance(G.project, unit)
        out = G(torch.zeros(2, G.latent_dim), torch.tensor([[0.0, 0.0], [180.0, 10.0]]))
        assert out.shape == (2, 3, 32, 32) and torch.isfinite(out).all()
    with pytest.raises(ValueError, match=r"\(N, 2, 8, H, W\)"):
        CompositingProjection(2, 8, 3)(torch.zeros(1, 2, 6, 5, 5))
