"""Orthographic ray casting of synthetic objects, in the course's pose convention.

The object's points ``q`` move to ``R q`` with ``R = rotation_matrix(azimuth, elevation)`` (x right, y down,
z away from the viewer), then the camera looks along ``+z`` from ``z = CAMERA_Z`` and the nearest surface
wins. Pixel ``(i, j)`` of an ``S x S`` image sees ``x = (j + 0.5) / S * 2 - 1``,
``y = (i + 0.5) / S * 2 - 1``:
the same sample positions as ``rotate_volume`` (``align_corners=False``), so a rendered silhouette matches a
rotated, projected voxel volume. Shading is Lambertian with an ambient term, on a constant light-grey
background; the light is fixed in the world (the object's frame, as if the camera orbited a lit object), so the
object's left flank is always the lit one and a view is never the mirror image of another. Lamps (parts coloured
with ``shapes.FIXED_COLOURS``) glow, unshaded. ``supersample`` casts ``k x k`` rays per pixel and averages them
(anti-aliasing).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .primitives import Primitive, contains, first_hit, outward_normal
from .shapes import NUM_COLOURS, ObjectParams, rotation_x, rotation_y

BACKGROUND = (235, 235, 235)  # uint8 RGB
CAMERA_Z = -3.0  # ray origins, in front of any object (objects fit in a sphere of radius 0.9)
_light = np.array([-0.6, -0.65, -0.45])  # towards the light, object frame: from its upper left, in front
LIGHT_DIRECTION = _light / math.sqrt(float(_light[0] ** 2 + _light[1] ** 2 + _light[2] ** 2))
AMBIENT, DIFFUSE = 0.35, 0.65


def _matmul3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """3x3 @ 3x3 in plain Python arithmetic (identical bits on every CPU, unlike BLAS)."""
    return np.array([[sum(a[i, k] * b[k, j] for k in range(3)) for j in range(3)] for i in range(3)])


def view_rotation(azimuth: float, elevation: float) -> np.ndarray:
    """``R = R_x(elevation) @ R_y(azimuth)`` in degrees, as ``hologan_lesson.rotation.rotation_matrix``."""
    return _matmul3(rotation_x(float(elevation)), rotation_y(float(azimuth)))


def _pixel_centres(n: int) -> np.ndarray:
    return (np.arange(n, dtype=np.float64) + 0.5) / n * 2.0 - 1.0


def _cast(prims: list, r: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest hit per pixel: depth along the ray (inf: background), part index (-1), hole-wall flag."""
    centres = _pixel_centres(n)
    direction = r[2].copy()  # the view direction +z expressed in the object frame: Rᵀ e_z
    depth = np.full((n, n), np.inf)
    part = np.full((n, n), -1, dtype=np.int16)
    in_hole = np.zeros((n, n), dtype=bool)
    for k, prim in enumerate(prims):
        c = prim.center
        cx, cy = (sum(r[row, m] * c[m] for m in range(3)) for row in (0, 1))
        reach = prim.bounding_radius() + 2.0 / n  # only rays near the part's screen footprint can hit it
        i0, i1 = np.searchsorted(centres, [cy - reach, cy + reach])
        j0, j1 = np.searchsorted(centres, [cx - reach, cx + reach])
        if i0 >= i1 or j0 >= j1:
            continue
        xs, ys = centres[None, j0:j1], centres[i0:i1, None]
        origin = tuple(xs * r[0, m] + ys * r[1, m] + CAMERA_Z * r[2, m] for m in range(3))
        t, hole = first_hit(prim, origin, direction)
        block = depth[i0:i1, j0:j1]
        closer = t < block
        np.copyto(block, t, where=closer)
        np.copyto(part[i0:i1, j0:j1], k, where=closer)
        np.copyto(in_hole[i0:i1, j0:j1], hole, where=closer)
    return depth, part, in_hole


def _glowing(prims: list, hit_part: np.ndarray, hit_hole: np.ndarray) -> np.ndarray:
    """Which hits are on a lamp (a part coloured with one of ``FIXED_COLOURS``): drawn unshaded."""
    lamps = [k for k, prim in enumerate(prims) if prim.colour >= NUM_COLOURS]
    return np.isin(hit_part, lamps) & ~hit_hole


def _surface(params: ObjectParams, r: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Per visible pixel (``rows``, ``cols``): object-frame normal, view-frame normal, albedo, shading."""
    prims = params.primitives
    depth, part, in_hole = _cast(prims, r, n)
    rows, cols = np.nonzero(part >= 0)
    t = depth[rows, cols]
    centres = _pixel_centres(n)
    xs, ys = centres[cols], centres[rows]
    points = np.stack([xs * r[0, m] + ys * r[1, m] + (CAMERA_Z + t) * r[2, m] for m in range(3)], 1)
    normals = np.zeros_like(points)
    albedo = np.zeros_like(points)
    hit_part, hit_hole = part[rows, cols], in_hole[rows, cols]
    for k, prim in enumerate(prims):
        on_part = hit_part == k
        for hole in (False, True) if prim.subtract is not None else (False,):
            sel = on_part & (hit_hole == hole) if prim.subtract is not None else on_part
            if not sel.any():
                continue
            if hole:  # the far wall of a carved hole: its normal points into the hole, towards the viewer
                normals[sel] = -outward_normal(prim.subtract, points[sel])
                albedo[sel] = params.colour_of(prim.inner_colour)
            else:
                normals[sel] = outward_normal(prim, points[sel])
                albedo[sel] = params.colour_of(prim.colour)
    # Object-frame normals to the view frame: n_view = R n_obj.
    n_view = np.stack(
        [normals[:, 0] * r[m, 0] + normals[:, 1] * r[m, 1] + normals[:, 2] * r[m, 2] for m in range(3)], 1
    )
    # The light is fixed in the object's (world) frame: shade with object-frame normals.
    lambert = (
        normals[:, 0] * LIGHT_DIRECTION[0] + normals[:, 1] * LIGHT_DIRECTION[1] + normals[:, 2] * LIGHT_DIRECTION[2]
    )
    shade = AMBIENT + DIFFUSE * np.maximum(lambert, 0.0)
    shade[_glowing(prims, hit_part, hit_hole)] = 1.0  # lamps light themselves
    return {
        "rows": rows,
        "cols": cols,
        "depth": depth,
        "part": part,
        "normal_object": normals,
        "normal": n_view,
        "albedo": albedo,
        "colour": albedo * shade[:, None],
    }


def _image(n: int, hits: dict[str, np.ndarray], key: str, fill) -> np.ndarray:
    out = np.empty((n, n, 3))
    out[...] = fill
    out[hits["rows"], hits["cols"]] = hits[key]
    return out


def render_layers(params: ObjectParams, azimuth: float, elevation: float, resolution: int) -> dict[str, np.ndarray]:
    """One ray per pixel: ``colour``, ``albedo`` (H, W, 3), ``mask``, ``depth``, ``part``, normals."""
    if resolution < 1:
        raise ValueError(f"resolution must be positive, got {resolution}")
    n = resolution
    hits = _surface(params, view_rotation(azimuth, elevation), n)
    background = np.array(BACKGROUND, dtype=np.float64) / 255.0
    mask = hits["part"] >= 0
    return {
        "colour": _image(n, hits, "colour", background),
        "albedo": _image(n, hits, "albedo", background),
        "mask": mask,
        "depth": np.where(mask, CAMERA_Z + hits["depth"], np.inf),
        "part": hits["part"],
        "normal": _image(n, hits, "normal", 0.0),
        "normal_object": _image(n, hits, "normal_object", 0.0),
    }


def _box_downsample(image: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return image
    n = image.shape[0] // factor
    blocks = image.reshape(n, factor, n, factor, -1)
    total = blocks[:, 0, :, 0]
    for a in range(factor):  # a fixed summation order keeps the result identical across machines
        for b in range(factor):
            if a or b:
                total = total + blocks[:, a, :, b]
    return total / (factor * factor)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] to uint8 with round-half-up."""
    return np.floor(np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def render_object(
    params: ObjectParams,
    azimuth: float,
    elevation: float,
    resolution: int = 64,
    supersample: int = 2,
    shading: bool = True,
) -> np.ndarray:
    """Render one object at one pose (degrees): ``(resolution, resolution, 3)`` uint8 RGB."""
    if supersample < 1:
        raise ValueError(f"supersample must be >= 1, got {supersample}")
    if resolution < 1:
        raise ValueError(f"resolution must be positive, got {resolution}")
    n = resolution * supersample
    hits = _surface(params, view_rotation(azimuth, elevation), n)
    image = _image(n, hits, "colour" if shading else "albedo", np.array(BACKGROUND, dtype=np.float64) / 255.0)
    return to_uint8(_box_downsample(image, supersample))


def render_silhouette(params: ObjectParams, azimuth: float, elevation: float, resolution: int = 64) -> np.ndarray:
    """Which pixel centres see the object: ``(resolution, resolution)`` bool."""
    if resolution < 1:
        raise ValueError(f"resolution must be positive, got {resolution}")
    _, part, _ = _cast(params.primitives, view_rotation(azimuth, elevation), resolution)
    return part >= 0


def render_views(params: ObjectParams, poses, resolution: int = 64, supersample: int = 2) -> torch.Tensor:
    """Render one identity at poses ``(N, 2)`` (azimuth, elevation; degrees): ``(N, 3, H, W)`` in [-1, 1]."""
    poses = np.asarray(poses.detach().cpu() if isinstance(poses, torch.Tensor) else poses, dtype=np.float64)
    if poses.ndim != 2 or poses.shape[1] != 2:
        raise ValueError(f"poses must have shape (N, 2) = (azimuth, elevation) in degrees, got {poses.shape}")
    images = np.stack([render_object(params, az, el, resolution, supersample) for az, el in poses])
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def voxelize(params: ObjectParams, size: int = 64) -> torch.Tensor:
    """The object as an RGBA voxel volume ``(4, D, H, W)`` in [0, 1] (unshaded colours, binary occupancy).

    Voxel centres sit where ``rotate_volume`` samples (``align_corners=False``); depth index 0 is ``z = -1``.
    """
    c = _pixel_centres(size)
    z, y, x = np.meshgrid(c, c, c, indexing="ij")
    points = np.stack([x, y, z], -1)  # (D, H, W, 3)
    rgb = np.zeros((size, size, size, 3))
    alpha = np.zeros((size, size, size))
    margin = 1.0 / size  # half a voxel: thinner than any wall
    for prim in params.primitives:  # later parts overwrite earlier ones where they overlap
        inside = contains(prim, points)
        rgb[inside] = params.colour_of(prim.colour)
        alpha[inside] = 1.0
        if prim.subtract is not None:  # the walls of a carved hole take the hole's colour, as in renders
            grown = Primitive(
                prim.subtract.kind,
                prim.subtract.center,
                prim.subtract.size + margin,
                0,
                prim.subtract.rotation,
            )
            rgb[inside & contains(grown, points)] = params.colour_of(prim.inner_colour)
    volume = np.concatenate([rgb, alpha[..., None]], -1)
    return torch.from_numpy(volume).permute(3, 0, 1, 2).float()
