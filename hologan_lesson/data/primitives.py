"""Convex solid primitives (box, frustum, ellipsoid) with analytic ray intersection, normals and inside tests.

Every primitive lives in its own local frame: ``p_local = Mᵀ (p - center)``. Rays are orthographic with one
direction per image, so intersections are computed for a whole block of pixels at once from the local ray
origins ``(x, y, z)`` arrays and a constant local direction ``d``.

Determinism: only element-wise IEEE operations (+, -, *, /, sqrt) are used on per-pixel arrays, never
BLAS or reductions whose order depends on the CPU, so the same inputs give bit-identical outputs on any
machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray
_EPS = 1e-12
_IDENTITY = np.eye(3)
# Trig tables from Python's math module: NumPy's vectorised sin/cos may differ in the last bit between CPUs.
_CIRCLE = np.array(
    [[math.cos(2 * math.pi * k / 96) for k in range(96)], [math.sin(2 * math.pi * k / 96) for k in range(96)]]
)
_SPHERE = np.array(
    [
        [math.sin(math.pi * i / 47) * c, math.cos(math.pi * i / 47), math.sin(math.pi * i / 47) * s]
        for i in range(48)
        for c, s in zip(*_CIRCLE)
    ]
)


@dataclass
class Primitive:
    """One convex solid.

    ``kind`` and ``size``:
    * ``"box"``: half extents ``(hx, hy, hz)``.
    * ``"frustum"``: ``(r_top, r_bottom, half_height)`` along local y (y points down, so the top is ``-h``);
      ``r_top == r_bottom`` is a cylinder.
    * ``"ellipsoid"``: radii ``(ax, ay, az)``.

    ``subtract`` carves a second convex solid out of this one (a hollow mug, a ring handle); surfaces of the
    carved hole take colour slot ``inner_colour``.
    """

    kind: str
    center: Array
    size: Array
    colour: int
    rotation: Array = field(default_factory=lambda: _IDENTITY.copy())  # local -> object frame
    subtract: Primitive | None = None
    inner_colour: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("box", "frustum", "ellipsoid"):
            raise ValueError(f"unknown primitive kind {self.kind!r}: use 'box', 'frustum' or 'ellipsoid'")
        self.center = np.asarray(self.center, dtype=np.float64)
        self.size = np.asarray(self.size, dtype=np.float64)
        self.rotation = np.asarray(self.rotation, dtype=np.float64)

    def scaled(self, offset: Array, scale: float) -> Primitive:
        """The same solid after ``p -> (p + offset) * scale`` (used to normalise whole objects)."""
        sub = self.subtract.scaled(offset, scale) if self.subtract is not None else None
        return Primitive(
            self.kind,
            (self.center + offset) * scale,
            self.size * scale,
            self.colour,
            self.rotation,
            sub,
            self.inner_colour,
        )

    def bounding_radius(self) -> float:
        """Radius of a sphere about ``center`` that contains the solid."""
        if self.kind == "box":
            return float(np.sqrt(self.size[0] ** 2 + self.size[1] ** 2 + self.size[2] ** 2))
        if self.kind == "frustum":
            return float(np.sqrt(max(self.size[0], self.size[1]) ** 2 + self.size[2] ** 2))
        return float(self.size.max())

    def extreme_points(self) -> Array:
        """Points whose convex hull is (or closely approximates) the solid, object frame: ``(K, 3)``."""
        if self.kind == "box":
            signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], float)
            local = signs * self.size
        elif self.kind == "frustum":
            cos, sin = _CIRCLE
            r_top, r_bot, h = self.size
            top = np.stack([r_top * cos, np.full_like(cos, -h), r_top * sin], 1)
            bottom = np.stack([r_bot * cos, np.full_like(cos, h), r_bot * sin], 1)
            local = np.concatenate([top, bottom])
        else:
            local = _SPHERE * self.size
        return _rows_times(local, self.rotation.T) + self.center


def _rows_times(points: Array, m: Array) -> Array:
    """``points @ m`` for ``(K, 3)`` rows, written out element-wise (no BLAS: same bits on every CPU)."""
    cols = [points[..., 0] * m[0, j] + points[..., 1] * m[1, j] + points[..., 2] * m[2, j] for j in range(3)]
    return np.stack(cols, axis=-1)


def _ray_box(o: tuple[Array, Array, Array], d: Array, half: Array) -> tuple[Array, Array]:
    t_near: Array | None = None
    t_far: Array | None = None
    for k in range(3):
        dk = d[k] if abs(d[k]) > _EPS else _EPS
        inv = 1.0 / dk
        t1 = (-half[k] - o[k]) * inv
        t2 = (half[k] - o[k]) * inv
        lo, hi = np.minimum(t1, t2), np.maximum(t1, t2)
        t_near = lo if t_near is None else np.maximum(t_near, lo)
        t_far = hi if t_far is None else np.minimum(t_far, hi)
    return t_near, t_far


def _ray_ellipsoid(o: tuple[Array, Array, Array], d: Array, radii: Array) -> tuple[Array, Array]:
    # Scale to the unit sphere: |o' + t d'|^2 = 1.
    ox, oy, oz = o[0] / radii[0], o[1] / radii[1], o[2] / radii[2]
    dx, dy, dz = d / radii
    a = dx * dx + dy * dy + dz * dz
    half_b = (ox * dx + oy * dy + oz * dz) / a
    c = (ox * ox + oy * oy + oz * oz - 1.0) / a
    disc = half_b * half_b - c
    root = np.sqrt(np.maximum(disc, 0.0))
    t_near = np.where(disc >= 0, -half_b - root, np.inf)
    t_far = np.where(disc >= 0, -half_b + root, -np.inf)
    return t_near, t_far


def _ray_frustum(o: tuple[Array, Array, Array], d: Array, size: Array) -> tuple[Array, Array]:
    r_top, r_bot, h = size
    # radius(y) = m + k y on y in [-h, h]; the side surface is x^2 + z^2 = (m + k y)^2.
    m, k = 0.5 * (r_top + r_bot), 0.5 * (r_bot - r_top) / h
    dy = d[1] if abs(d[1]) > _EPS else _EPS
    t1, t2 = (-h - o[1]) / dy, (h - o[1]) / dy
    slab_near, slab_far = np.minimum(t1, t2), np.maximum(t1, t2)

    ry = m + k * o[1]  # radius at the ray origin's height
    a = d[0] * d[0] + d[2] * d[2] - k * k * d[1] * d[1]  # one scalar per image: d is constant
    b = 2.0 * (o[0] * d[0] + o[2] * d[2] - ry * k * d[1])
    c = o[0] * o[0] + o[2] * o[2] - ry * ry
    if abs(a) < 1e-10:
        # The ray runs parallel to a generator line (or to the axis of a cylinder): f(t) = b t + c is linear.
        if abs(k) < _EPS:  # cylinder seen straight along its axis
            inside = c <= 0
            return np.where(inside, slab_near, np.inf), np.where(inside, slab_far, -np.inf)
        safe_b = np.where(np.abs(b) > _EPS, b, _EPS)
        t0 = -c / safe_b
        side_near = np.where(b < 0, t0, -np.inf)
        side_far = np.where(b < 0, np.inf, t0)
        return np.maximum(slab_near, side_near), np.minimum(slab_far, side_far)
    disc = b * b - 4.0 * a * c
    root = np.sqrt(np.maximum(disc, 0.0))
    q1, q2 = (-b - root) / (2.0 * a), (-b + root) / (2.0 * a)
    lo, hi = np.minimum(q1, q2), np.maximum(q1, q2)
    if a > 0:  # inside the (infinite) cone between the roots
        near, far = np.maximum(slab_near, lo), np.minimum(slab_far, hi)
        near = np.where(disc >= 0, near, np.inf)
        return near, far
    # a < 0: inside outside the roots; the other nappe lies beyond the slab, so one piece remains.
    first_far = np.minimum(slab_far, lo)
    second_near = np.maximum(slab_near, hi)
    use_first = slab_near <= first_far
    near = np.where(disc < 0, slab_near, np.where(use_first, slab_near, second_near))
    far = np.where(disc < 0, slab_far, np.where(use_first, first_far, slab_far))
    # With no real roots and a < 0 every point of the line is inside the double cone; keep the slab part.
    return near, far


def local_rays(prim: Primitive, origin: tuple[Array, Array, Array], direction: Array) -> tuple[tuple, Array]:
    """Ray origins and direction in the primitive's frame (origins given in the object frame)."""
    m, c = prim.rotation, prim.center
    rel = (origin[0] - c[0], origin[1] - c[1], origin[2] - c[2])
    local = tuple(rel[0] * m[0, j] + rel[1] * m[1, j] + rel[2] * m[2, j] for j in range(3))
    return local, _rows_times(direction, m)


def intersect(prim: Primitive, origin: tuple[Array, Array, Array], direction: Array) -> tuple[Array, Array]:
    """Entry and exit distances ``(t_near, t_far)`` of rays with the convex solid (a miss has near > far)."""
    o, d = local_rays(prim, origin, direction)
    if prim.kind == "box":
        return _ray_box(o, d, prim.size)
    if prim.kind == "ellipsoid":
        return _ray_ellipsoid(o, d, prim.size)
    return _ray_frustum(o, d, prim.size)


def first_hit(prim: Primitive, origin: tuple[Array, Array, Array], direction: Array) -> tuple[Array, Array]:
    """Distance to the first visible surface of ``prim`` minus its hole (inf on a miss), and a hole flag."""
    near, far = intersect(prim, origin, direction)
    hit = near <= far
    if prim.subtract is None:
        return np.where(hit, near, np.inf), np.zeros(near.shape, bool)
    s_near, s_far = intersect(prim.subtract, origin, direction)
    # The entry point lies inside the hole: the ray instead meets the hole's far wall, if still in the solid.
    in_hole = (s_near <= s_far) & (s_near <= near) & (near < s_far)
    t = np.where(in_hole, s_far, near)
    hit &= ~in_hole | (s_far < far)
    return np.where(hit, t, np.inf), in_hole & hit


def contains(prim: Primitive, points: Array) -> Array:
    """Which object-frame ``points`` ``(..., 3)`` lie inside the solid (minus its hole)."""
    p = _rows_times(points - prim.center, prim.rotation)  # local coordinates: Mᵀ (p - c) for row vectors
    if prim.kind == "box":
        inside = np.all(np.abs(p) <= prim.size, axis=-1)
    elif prim.kind == "ellipsoid":
        q = p / prim.size
        inside = q[..., 0] ** 2 + q[..., 1] ** 2 + q[..., 2] ** 2 <= 1.0
    else:
        r_top, r_bot, h = prim.size
        radius = 0.5 * (r_top + r_bot) + 0.5 * (r_bot - r_top) / h * p[..., 1]
        inside = (np.abs(p[..., 1]) <= h) & (p[..., 0] ** 2 + p[..., 2] ** 2 <= radius**2)
    if prim.subtract is not None:
        inside &= ~contains(prim.subtract, points)
    return inside


def outward_normal(prim: Primitive, points: Array) -> Array:
    """Unit outward normals ``(K, 3)`` in the object frame at object-frame surface ``points`` ``(K, 3)``."""
    p = _rows_times(points - prim.center, prim.rotation)
    if prim.kind == "box":
        ratio = np.abs(p) / prim.size
        axis = np.argmax(ratio, axis=1)
        n = np.zeros_like(p)
        n[np.arange(len(p)), axis] = np.sign(p[np.arange(len(p)), axis])
    elif prim.kind == "ellipsoid":
        n = p / prim.size**2
    else:
        r_top, r_bot, h = prim.size
        k = 0.5 * (r_bot - r_top) / h
        radius = 0.5 * (r_top + r_bot) + k * p[:, 1]
        rho = np.sqrt(p[:, 0] ** 2 + p[:, 2] ** 2)
        on_cap = np.abs(p[:, 1]) / h >= rho / np.maximum(radius, _EPS)
        safe_rho = np.maximum(rho, _EPS)
        side = np.stack([p[:, 0] / safe_rho, np.full_like(rho, -k), p[:, 2] / safe_rho], 1)
        cap = np.stack([np.zeros_like(rho), np.sign(p[:, 1]), np.zeros_like(rho)], 1)
        n = np.where(on_cap[:, None], cap, side)
    n = n / np.sqrt(n[:, 0:1] ** 2 + n[:, 1:2] ** 2 + n[:, 2:3] ** 2)
    return _rows_times(n, prim.rotation.T)
