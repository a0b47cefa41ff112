import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from hologan_lesson.data.catalogue import POSE_RANGES
from hologan_lesson.model.rotation import (
    angle_between,
    rotate_volume,
    rotation_matrix,
    sample_views,
    view_to_rotation,
    views_for,
)


def random_angles(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, generator=g) * 360 - 180).double(), (torch.rand(n, generator=g) * 180 - 90).double()


def voxel_coords(size):
    """Normalised (x, y, z) centre of every voxel of a size³ volume, align_corners=False."""
    c = (2 * torch.arange(size, dtype=torch.float64) + 1) / size - 1
    return c


def test_orthonormal_and_proper():
    az, el = random_angles(200)
    R = rotation_matrix(az, el)
    assert R.shape == (200, 3, 3)
    eye = torch.eye(3, dtype=torch.float64).expand(200, 3, 3)
    torch.testing.assert_close(R @ R.transpose(-1, -2), eye, atol=1e-12, rtol=0)
    torch.testing.assert_close(torch.linalg.det(R), torch.ones(200, dtype=torch.float64), atol=1e-12, rtol=0)


def test_equals_scipy():
    az, el = random_angles(100, seed=1)
    ours = rotation_matrix(az, el).numpy()
    ref = Rotation.from_euler("yx", np.stack([az.numpy(), el.numpy()], 1), degrees=True).as_matrix()
    np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_floats_and_broadcasting():
    assert rotation_matrix(10.0, 20.0).shape == (3, 3)
    assert rotation_matrix(torch.zeros(4, 1), torch.zeros(1, 5)).shape == (4, 5, 3, 3)
    torch.testing.assert_close(rotation_matrix(0.0, 0.0), torch.eye(3))


def test_axes_meaning():
    # azimuth 90: the nearest point (0, 0, -1) turns to image-left (-1, 0, 0)
    front = torch.tensor([0.0, 0.0, -1.0])
    torch.testing.assert_close(rotation_matrix(90.0, 0.0) @ front, torch.tensor([-1.0, 0.0, 0.0]), atol=1e-6, rtol=0)
    # elevation 90: the top (0, -1, 0) comes to the front (0, 0, -1): we look from above
    top = torch.tensor([0.0, -1.0, 0.0])
    torch.testing.assert_close(rotation_matrix(0.0, 90.0) @ top, torch.tensor([0.0, 0.0, -1.0]), atol=1e-6, rtol=0)


@pytest.mark.parametrize("az,el", [(90.0, 0.0), (0.0, 90.0), (-90.0, 90.0), (180.0, 0.0), (90.0, -90.0)])
def test_point_voxel_lands_at_Rq(az, el):
    size = 17
    c = voxel_coords(size)
    volume = torch.zeros(1, 1, size, size, size, dtype=torch.float64)
    d, h, w = 8, 3, 13  # an off-centre voxel
    volume[0, 0, d, h, w] = 1.0
    q = torch.stack([c[w], c[h], c[d]])
    R = rotation_matrix(az, el).double()
    p = R @ q
    out = rotate_volume(volume, R)
    peak = (out[0, 0] == out[0, 0].max()).nonzero()[0]
    landed = torch.stack([c[peak[2]], c[peak[1]], c[peak[0]]])
    torch.testing.assert_close(landed, p, atol=1e-6, rtol=0)
    assert out.max() > 0.99  # multiples of 90 degrees land on voxel centres exactly


def test_arbitrary_angle_centre_of_mass_moves_to_Rq():
    size = 33
    c = voxel_coords(size)
    zz, yy, xx = torch.meshgrid(c, c, c, indexing="ij")
    q = torch.tensor([0.3, -0.2, 0.25], dtype=torch.float64)
    blob = torch.exp(-((xx - q[0]) ** 2 + (yy - q[1]) ** 2 + (zz - q[2]) ** 2) / (2 * 0.08**2))
    R = rotation_matrix(37.0, -23.0).double()
    out = rotate_volume(blob[None, None], R)[0, 0]
    com = torch.stack([(out * xx).sum(), (out * yy).sum(), (out * zz).sum()]) / out.sum()
    torch.testing.assert_close(com, R @ q, atol=0.01, rtol=0)


def interior_mask(size, radius=0.55):
    c = voxel_coords(size)
    zz, yy, xx = torch.meshgrid(c, c, c, indexing="ij")
    return (xx**2 + yy**2 + zz**2) < radius**2


def smooth_volume(size, channels=2, seed=0):
    c = voxel_coords(size)
    zz, yy, xx = torch.meshgrid(c, c, c, indexing="ij")
    g = torch.Generator().manual_seed(seed)
    k = torch.randn(channels, 3, generator=g, dtype=torch.float64) * 2
    return torch.stack([torch.sin(k[i, 0] * xx + k[i, 1] * yy + k[i, 2] * zz) for i in range(channels)])[None]


def test_inverse_returns_interior():
    vol = smooth_volume(32)
    R = rotation_matrix(41.0, 17.0).double()
    back = rotate_volume(rotate_volume(vol, R), R.T)
    m = interior_mask(32)
    err = (back - vol)[..., m].abs().max()
    assert err < 0.05, f"interpolation error too large: {err}"


def test_composition_matches_single_rotation():
    vol = smooth_volume(32, seed=3)
    R1, R2 = rotation_matrix(30.0, 0.0).double(), rotation_matrix(0.0, 20.0).double()
    two_steps = rotate_volume(rotate_volume(vol, R1), R2)
    one_step = rotate_volume(vol, R2 @ R1)
    m = interior_mask(32)
    assert (two_steps - one_step)[..., m].abs().max() < 0.05


def test_batch_of_mixed_rotations_matches_one_by_one():
    vol = smooth_volume(16, channels=3).float().repeat(4, 1, 1, 1, 1)
    views = torch.tensor([[0.0, 0.0], [90.0, 0.0], [-30.0, 20.0], [45.0, -10.0]])
    batch = rotate_volume(vol, view_to_rotation(views))
    for i in range(4):
        single = rotate_volume(vol[i : i + 1], rotation_matrix(views[i, 0], views[i, 1]))
        torch.testing.assert_close(batch[i : i + 1], single)
    torch.testing.assert_close(batch[0], vol[0], atol=1e-5, rtol=0)  # identity rotation


def test_gradients_flow_to_volume():
    vol = torch.randn(2, 3, 8, 8, 8, requires_grad=True)
    out = rotate_volume(vol, view_to_rotation(torch.tensor([[30.0, 10.0], [-20.0, 5.0]])))
    out.square().sum().backward()
    assert vol.grad is not None and vol.grad.abs().sum() > 0


def test_shape_errors():
    with pytest.raises(ValueError, match="N, C, D, H, W"):
        rotate_volume(torch.zeros(1, 8, 8, 8), torch.eye(3))
    with pytest.raises(ValueError, match="2 rotations for a batch of 3"):
        rotate_volume(torch.zeros(3, 1, 4, 4, 4), torch.eye(3).expand(2, 3, 3))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        view_to_rotation(torch.zeros(3, 3))


def test_sample_views_ranges_and_seed():
    v = sample_views(1000, (-50, 50), (10, 20), generator=torch.Generator().manual_seed(0))
    assert v.shape == (1000, 2)
    assert v[:, 0].min() >= -50 and v[:, 0].max() <= 50 and v[:, 1].min() >= 10 and v[:, 1].max() <= 20
    assert v[:, 0].std() > 25  # uniform on 100 degrees: std ≈ 28.9
    again = sample_views(1000, (-50, 50), (10, 20), generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(v, again)
    with pytest.raises(ValueError, match="azimuth_range"):
        sample_views(1, (10, -10), (0, 0))


def test_named_pose_ranges():
    for name in ("celeba", "cars", "chairs", "lsun", "cats", "synthetic"):
        pr = POSE_RANGES[name]
        v = views_for(name, 64, generator=torch.Generator().manual_seed(1))
        assert (v[:, 0] >= pr.azimuth[0]).all() and (v[:, 0] <= pr.azimuth[1]).all()
        assert (v[:, 1] >= pr.elevation[0]).all() and (v[:, 1] <= pr.elevation[1]).all()
    with pytest.raises(KeyError, match="unknown pose range"):
        views_for("mnist", 1)


def test_angle_between():
    R1 = rotation_matrix(10.0, 0.0)
    R2 = rotation_matrix(40.0, 0.0)
    assert abs(angle_between(R1, R2).item() - 30.0) < 1e-3
