"""Checkers for lesson 01 (rotation)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...model.rotation import rotate_volume, rotation_matrix
from ._core import check, friendly, report


@friendly
def check_rotation_matrix(fn: Callable[[float, float], torch.Tensor]) -> None:
    """Compare a learner's ``fn(azimuth, elevation) -> (3, 3)`` with the course convention."""
    cases = [(0.0, 0.0), (90.0, 0.0), (0.0, 90.0), (30.0, -20.0), (-135.0, 45.0)]
    passed = 0
    for az, el in cases:
        mine = torch.as_tensor(fn(az, el), dtype=torch.float64)
        check(
            mine.shape == (3, 3),
            f"rotation_matrix({az:g}, {el:g}) is 3×3",
            f"got shape {tuple(mine.shape)}; return one (3, 3) tensor, R_x(elevation) @ R_y(azimuth)",
        )
        ref = rotation_matrix(az, el).double()
        check(torch.allclose(mine, ref, atol=1e-5), f"rotation_matrix({az:g}, {el:g})", _matrix_hint(mine, az, el))
        passed += 1
    report(passed, len(cases), "rotation matrices")


SWAP = torch.tensor([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])  # exchanges x and z


def zyx(R: torch.Tensor) -> torch.Tensor:
    """``R`` written in (z, y, x) order: rows and columns 0 and 2 exchanged."""
    return SWAP.to(R) @ R @ SWAP.to(R)


ZYX_HINT = (
    "your matrix is written in (z, y, x) order (x and z exchanged), so an elevation turns into a roll: the "
    "course, and affine_grid's last axis, order coordinates (x, y, z) = (W, H, D), the reverse of the tensor's "
    "(D, H, W)"
)


def _matrix_hint(mine: torch.Tensor, az: float, el: float) -> str:
    """Name the usual slip behind a wrong rotation matrix."""
    close = lambda other: torch.allclose(mine, other.double(), atol=1e-5)  # noqa: E731
    ref = rotation_matrix(az, el)
    if close(zyx(ref)) or close(zyx(ref).T):
        return ZYX_HINT
    if close(ref.T):
        return "you built the inverse (the transpose): a sign of the sin terms is flipped"
    r_y, r_x = rotation_matrix(az, 0.0), rotation_matrix(0.0, el)
    if close(r_y @ r_x):
        return "wrong order: the course uses R = R_x(elevation) @ R_y(azimuth) (turn first, then tilt)"
    a, e = torch.tensor(az), torch.tensor(el)
    if close(rotation_matrix(torch.rad2deg(a), torch.rad2deg(e))):
        return "the angles come in degrees: convert with math.radians before cos and sin"
    if close(rotation_matrix(-a, 0.0).T @ r_x) or close(r_x @ rotation_matrix(-a, 0.0)):
        return "the azimuth turns the wrong way: R_y has +sin in row 0, column 2 and -sin in row 2, column 0"
    if close(rotation_matrix(a, -e)):
        return "the elevation tilts the wrong way: R_x has -sin in row 1, column 2 and +sin in row 2, column 1"
    return "R = R_x(elevation) @ R_y(azimuth), angles in degrees; compare your matrix with the formula above"


# (volume shape, azimuth, elevation); the last volume is not a cube: there align_corners=True differs from False
VOLUME_CASES = [((2, 3, 12, 12, 12), 90.0, 0.0), ((2, 3, 12, 12, 12), 0.0, 90.0), ((1, 2, 6, 10, 14), 33.0, -12.0)]


def _volume_hint(matches: dict[str, bool]) -> str:
    """The usual slip that explains the learner's output at every case, else the general advice."""
    if matches["zyx"]:
        return ZYX_HINT.replace("your matrix is", "your grid is") + "; build theta from R as it is"
    if matches["grid by R"]:
        return "you rotated the sampling grid by R, which moves content by Rᵀ: build the grid from Rᵀ"
    if matches["corners"]:
        return (
            "use align_corners=False in both affine_grid and grid_sample, as the lesson says: with True the "
            "edges of the grid sit on voxel centres, which stretches a volume that is not a cube"
        )
    return "affine_grid maps output to input coordinates; grid order is (x, y, z) = (W, H, D); use align_corners=False"


@friendly
def check_rotate_volume(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """Compare a learner's ``fn(volume, R)`` (content at q moves to R q) with the library."""
    g = torch.Generator().manual_seed(1)
    outputs = []
    for shape, az, el in VOLUME_CASES:
        volume, R = torch.rand(*shape, generator=g), rotation_matrix(az, el)
        mine, ref = fn(volume, R), rotate_volume(volume, R)
        check(
            isinstance(mine, torch.Tensor) and mine.shape == ref.shape,
            f"rotating a {tuple(volume.shape)} volume keeps its shape",
            f"got {tuple(mine.shape) if isinstance(mine, torch.Tensor) else type(mine).__name__}: affine_grid "
            "needs the full size list(volume.shape) and grid_sample returns (N, C, D, H, W)",
        )
        outputs.append((volume, R, mine, ref))
    same = lambda a, b: a.shape == b.shape and torch.allclose(a, b, atol=1e-4)  # noqa: E731
    matches = {
        "zyx": all(same(m, rotate_volume(v, zyx(R))) or same(m, rotate_volume(v, zyx(R).T)) for v, R, m, _ in outputs),
        "grid by R": all(same(m, rotate_volume(v, R.T)) for v, R, m, _ in outputs),
        "corners": all(same(m, _rotate_corners(v, R)) for v, R, m, _ in outputs),
    }
    for (shape, az, el), (_, _, mine, ref) in zip(VOLUME_CASES, outputs):
        where = f"a {'x'.join(map(str, shape[2:]))} volume" if len(set(shape[2:])) > 1 else "a cube"
        check(same(mine, ref), f"rotate_volume of {where} at azimuth {az:g}, elevation {el:g}", _volume_hint(matches))
    report(2 * len(VOLUME_CASES), 2 * len(VOLUME_CASES), "rotating feature volumes")


def _rotate_corners(volume: torch.Tensor, R: torch.Tensor) -> torch.Tensor:
    theta = torch.cat([R.T.expand(volume.shape[0], 3, 3), torch.zeros(volume.shape[0], 3, 1)], dim=2)
    grid = torch.nn.functional.affine_grid(theta, list(volume.shape), align_corners=True)
    return torch.nn.functional.grid_sample(volume, grid, align_corners=True)
