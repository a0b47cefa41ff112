"""Rigid-body rotation of 3D feature volumes.

Convention (every lesson, test and dataset in this course uses it):

* A feature volume is ``(N, C, D, H, W)``.
* A point is ``p = (x, y, z)`` in normalised coordinates ``[-1, 1]``: x along W (image right),
  y along H (image down), z along D (depth, away from the viewer: ``z = -1`` is the nearest slice).
* ``rotation_matrix(azimuth, elevation) = R_x(elevation) @ R_y(azimuth)`` (degrees, right-handed in
  that frame), which equals SciPy's ``Rotation.from_euler('yx', [azimuth, elevation], degrees=True)``.
  Positive azimuth turns the object's front towards image-left; positive elevation tilts its top
  towards the viewer (we see it from above).
* ``rotate_volume(volume, R)`` moves the content at point ``q`` to ``R q`` (about the volume centre),
  by inverse warping: output voxel ``p`` reads the input at ``Rᵀ p`` with trilinear interpolation and
  zeros outside. ``align_corners=False``: ``[-1, 1]`` spans the outer faces of the edge voxels, so the
  centre of rotation is the centre of the cube whatever its size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..pose_ranges import POSE_RANGES

Angle = float | torch.Tensor


def _as_tensor(angle: Angle, like: torch.Tensor | None = None) -> torch.Tensor:
    if isinstance(angle, torch.Tensor):
        return angle if angle.is_floating_point() else angle.float()
    dtype = like.dtype if like is not None else torch.get_default_dtype()
    device = like.device if like is not None else None
    return torch.tensor(float(angle), dtype=dtype, device=device)


def rotation_y(azimuth: Angle) -> torch.Tensor:
    """Rotation about the y axis (image down) by ``azimuth`` degrees: ``(..., 3, 3)``."""
    a = torch.deg2rad(_as_tensor(azimuth))
    c, s = torch.cos(a), torch.sin(a)
    one, zero = torch.ones_like(a), torch.zeros_like(a)
    rows = [torch.stack([c, zero, s], -1), torch.stack([zero, one, zero], -1), torch.stack([-s, zero, c], -1)]
    return torch.stack(rows, -2)


def rotation_x(elevation: Angle) -> torch.Tensor:
    """Rotation about the x axis (image right) by ``elevation`` degrees: ``(..., 3, 3)``."""
    e = torch.deg2rad(_as_tensor(elevation))
    c, s = torch.cos(e), torch.sin(e)
    one, zero = torch.ones_like(e), torch.zeros_like(e)
    rows = [torch.stack([one, zero, zero], -1), torch.stack([zero, c, -s], -1), torch.stack([zero, s, c], -1)]
    return torch.stack(rows, -2)


def rotation_matrix(azimuth: Angle, elevation: Angle) -> torch.Tensor:
    """``R = R_x(elevation) @ R_y(azimuth)`` for angles in degrees; broadcasts to ``(..., 3, 3)``."""
    az = _as_tensor(azimuth)
    el = _as_tensor(elevation, like=az)
    az, el = torch.broadcast_tensors(az, el.to(az))
    return rotation_x(el) @ rotation_y(az)


def view_to_rotation(view: torch.Tensor) -> torch.Tensor:
    """``(N, 2)`` views in degrees (azimuth, elevation) -> ``(N, 3, 3)`` rotation matrices."""
    if view.ndim != 2 or view.shape[1] != 2:
        raise ValueError(f"view must have shape (N, 2) = (azimuth, elevation) in degrees, got {tuple(view.shape)}")
    return rotation_matrix(view[:, 0], view[:, 1])


def rotate_volume(volume: torch.Tensor, rotation: torch.Tensor) -> torch.Tensor:
    """Rotate ``(N, C, D, H, W)`` volumes so that content at ``q`` moves to ``R q``; same shape out."""
    if volume.ndim != 5:
        raise ValueError(f"volume must be (N, C, D, H, W), got shape {tuple(volume.shape)}")
    n = volume.shape[0]
    if rotation.shape[-2:] != (3, 3):
        raise ValueError(f"rotation must be (3, 3) or (N, 3, 3), got {tuple(rotation.shape)}")
    rotation = rotation.expand(n, 3, 3) if rotation.ndim == 2 else rotation
    if rotation.shape[0] != n:
        raise ValueError(f"{rotation.shape[0]} rotations for a batch of {n} volumes")
    # grid_sample works in fp32 for the coordinates; the volume keeps its dtype.
    inverse = rotation.transpose(-1, -2).to(device=volume.device, dtype=torch.float32)
    theta = torch.cat([inverse, inverse.new_zeros(n, 3, 1)], dim=-1)  # (N, 3, 4), no translation
    grid = F.affine_grid(theta, list(volume.shape), align_corners=False)  # (N, D, H, W, 3) in (x, y, z)
    out = F.grid_sample(volume.float(), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out.to(volume.dtype)


def sample_views(
    n: int,
    azimuth_range: tuple[float, float],
    elevation_range: tuple[float, float],
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Draw ``n`` views uniformly from the ranges: ``(n, 2)`` degrees (azimuth, elevation)."""
    for name, (lo, hi) in (("azimuth_range", azimuth_range), ("elevation_range", elevation_range)):
        if hi < lo:
            raise ValueError(f"{name}=({lo}, {hi}) is empty: the low end must not exceed the high end")
    u = torch.rand(n, 2, generator=generator)
    lo = torch.tensor([azimuth_range[0], elevation_range[0]])
    hi = torch.tensor([azimuth_range[1], elevation_range[1]])
    return (lo + u * (hi - lo)).to(device) if device is not None else lo + u * (hi - lo)


def views_for(name: str, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """``sample_views`` with a named pose range from ``pose_ranges.POSE_RANGES``."""
    if name not in POSE_RANGES:
        raise KeyError(f"unknown pose range {name!r}; known: {', '.join(POSE_RANGES)}")
    pr = POSE_RANGES[name]
    return sample_views(n, pr.azimuth, pr.elevation, generator=generator)


def angle_between(r1: torch.Tensor, r2: torch.Tensor) -> torch.Tensor:
    """Geodesic angle in degrees between rotations ``r1`` and ``r2`` (``(..., 3, 3)``)."""
    trace = (r1.transpose(-1, -2) @ r2).diagonal(dim1=-2, dim2=-1).sum(-1)
    return torch.rad2deg(torch.acos(((trace - 1) / 2).clamp(-1.0, 1.0)))
