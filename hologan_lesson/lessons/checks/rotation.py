"""Checkers for lesson 01 (rotation)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...model.rotation import rotate_volume, rotation_matrix
from ._core import check, report


def check_rotation_matrix(fn: Callable[[float, float], torch.Tensor]) -> None:
    """Compare a learner's ``fn(azimuth, elevation) -> (3, 3)`` with the course convention."""
    cases = [(0.0, 0.0), (90.0, 0.0), (0.0, 90.0), (30.0, -20.0), (-135.0, 45.0)]
    passed = 0
    for az, el in cases:
        mine = torch.as_tensor(fn(az, el), dtype=torch.float64)
        ok = mine.shape == (3, 3) and torch.allclose(mine, rotation_matrix(az, el).double(), atol=1e-5)
        check(ok, f"rotation_matrix({az:g}, {el:g})", "R = R_x(elevation) @ R_y(azimuth), angles in degrees")
        passed += 1
    report(passed, len(cases), "rotation matrices")


def check_rotate_volume(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """Compare a learner's ``fn(volume, R)`` (content at q moves to R q) with the library."""
    g = torch.Generator().manual_seed(1)
    volume = torch.rand(2, 3, 12, 12, 12, generator=g)
    passed, total = 0, 3
    for az, el in [(90.0, 0.0), (0.0, 90.0), (33.0, -12.0)]:
        R = rotation_matrix(az, el)
        mine, ref = fn(volume, R), rotate_volume(volume, R)
        if mine.shape != ref.shape:
            check(False, f"shape for ({az:g}, {el:g})", f"expected {tuple(ref.shape)}, got {tuple(mine.shape)}")
        wrong_way = torch.allclose(mine, rotate_volume(volume, R.T), atol=1e-4) and not torch.allclose(
            mine, ref, atol=1e-4
        )
        hint = (
            "you rotated the sampling grid by R, which moves content by Rᵀ: build the grid from Rᵀ"
            if wrong_way
            else "affine_grid maps output to input coordinates; grid order is (x, y, z) = (W, H, D); "
            "use align_corners=False"
        )
        check(torch.allclose(mine, ref, atol=1e-4), f"rotate_volume at azimuth {az:g}, elevation {el:g}", hint)
        passed += 1
    report(passed, total, "rotating feature volumes")
