"""Procedural object families built from boxes, frustums (cylinders, cones) and ellipsoids.

An object's identity is ``ObjectParams``: a family, eight proportions in [0, 1) that each family maps to its
own measurements, and four RGB colour slots. Objects are modelled in the course frame (x right, y down,
z away from the viewer), standing on the floor ``y = 0`` with their front facing the viewer (``-z``), then
centred and scaled so that every point lies within ``OBJECT_RADIUS`` of the origin: they stay inside the
image at every pose.
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .primitives import Primitive

FAMILIES: tuple[str, ...] = ("chair", "car", "mug", "table", "lamp")
NUM_PROPORTIONS = 8
NUM_COLOURS = 4
OBJECT_RADIUS = 0.9  # in normalised image units, where the image spans [-1, 1]
# Lamp colours every object shares, addressed by slot numbers after the sampled ones; lamps glow (unshaded).
FIXED_COLOURS: tuple[tuple[float, float, float], ...] = ((0.95, 0.12, 0.08), (1.0, 0.96, 0.78))
TAIL_LIGHT, HEAD_LIGHT = NUM_COLOURS, NUM_COLOURS + 1  # red, warm white


def rotation_x(degrees: float) -> np.ndarray:
    """Rotation about the x axis (course convention, as ``hologan_lesson.rotation.rotation_x``)."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rotation_y(degrees: float) -> np.ndarray:
    """Rotation about the y axis (course convention, as ``hologan_lesson.rotation.rotation_y``)."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rotation_z(degrees: float) -> np.ndarray:
    """Rotation about the z axis."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


AXIS_X = rotation_z(90.0)  # turns a frustum's local y axis onto the object's x axis
AXIS_Z = rotation_x(90.0)  # turns a frustum's local y axis onto the object's z axis


def _box(center, half, colour: int, rotation=None) -> Primitive:
    return Primitive("box", center, half, colour, *([rotation] if rotation is not None else []))


def _cyl(center, radius: float, half_height: float, colour: int, rotation=None, top: float | None = None) -> Primitive:
    size = (radius if top is None else top, radius, half_height)
    return Primitive("frustum", center, size, colour, *([rotation] if rotation is not None else []))


def _ball(center, radii, colour: int) -> Primitive:
    return Primitive("ellipsoid", center, radii, colour)


def _leg(x: float, z: float, height: float, thick: float, style: float, colour: int) -> Primitive:
    center = (x, -height / 2, z)
    if style < 1 / 3:
        return _box(center, (thick, height / 2, thick), colour)
    if style < 2 / 3:
        return _cyl(center, thick, height / 2, colour)
    return _cyl(center, 0.6 * thick, height / 2, colour, top=1.25 * thick)  # tapered towards the floor


def _chair(u: np.ndarray) -> list[Primitive]:
    width, depth = 0.8 + 0.5 * u[0], 0.7 + 0.4 * u[1]
    leg_h, back_h = 0.55 + 0.4 * u[2], 0.5 + 0.6 * u[3]
    tilt, leg_t, seat_t = 4.0 + 14.0 * u[4], 0.035 + 0.035 * u[5], 0.07 + 0.05 * u[7]
    seat_top = -leg_h - seat_t
    parts = [_box((0.0, -leg_h - seat_t / 2, 0.0), (width / 2, seat_t / 2, depth / 2), 0)]
    inset = 1.3 * leg_t
    for sx in (-1.0, 1.0):
        for sz in (-1.0, 1.0):
            parts.append(_leg(sx * (width / 2 - inset), sz * (depth / 2 - inset), leg_h, leg_t, u[6], 1))
    back_t = 0.05 + 0.03 * u[5]
    t = math.radians(tilt)  # the back leans away from the viewer, hinged at the seat's rear edge
    back_center = (
        0.0,
        seat_top - math.cos(t) * back_h / 2,
        depth / 2 - back_t / 2 + math.sin(t) * back_h / 2,
    )
    parts.append(_box(back_center, (0.47 * width, back_h / 2, back_t / 2), 2, rotation_x(-tilt)))
    if u[7] > 0.55:  # armrests on short posts
        for sx in (-1.0, 1.0):
            x = sx * (width / 2 - 0.04)
            parts.append(_box((x, seat_top - 0.25, 0.05 * depth), (0.045, 0.03, 0.42 * depth), 2))
            parts.append(_cyl((x, seat_top - 0.11, -0.3 * depth), 0.028, 0.12, 2))
    return parts


def _car(u: np.ndarray) -> list[Primitive]:
    # Front and back differ as on real cars, so that no view passes for its half-turn: a long bonnet, pale
    # headlamps and a dark grille in front; the cabin set well back; red tail lamps behind.
    length, width = 1.6 + 0.6 * u[0], 0.75 + 0.25 * u[1]
    body_h, wheel_r = 0.22 + 0.12 * u[2], 0.14 + 0.07 * u[3]
    cabin_l, cabin_h = (0.35 + 0.2 * u[4]) * length, 0.17 + 0.14 * u[5]
    cabin_z = (0.1 + 0.1 * u[6]) * length  # towards the rear (+z): its back end stays on the body
    body_y = -wheel_r - body_h / 2
    body_top = body_y - body_h / 2
    parts = [
        _box((0.0, body_y, 0.0), (width / 2, body_h / 2, length / 2), 0),
        _box((0.0, body_top - cabin_h / 2, cabin_z), (0.44 * width, cabin_h / 2, cabin_l / 2), 1),
        _box((0.0, body_top - cabin_h - 0.015, cabin_z), (0.46 * width, 0.02, cabin_l / 2 + 0.02), 0),
        _box((0.0, body_y + 0.05 * body_h, -length / 2), (0.2 * width, 0.3 * body_h, 0.02), 2),  # grille
        # a rounded bonnet over the front half (higher with u[7])
        _ball((0.0, body_top, -0.25 * length), (0.45 * width, (0.25 + 0.2 * u[7]) * body_h, 0.25 * length), 0),
    ]
    wheel_z = length / 2 - 1.7 * wheel_r
    for sx in (-1.0, 1.0):
        for sz in (-1.0, 1.0):
            parts.append(_cyl((sx * (width / 2 - 0.05), -wheel_r, sz * wheel_z), wheel_r, 0.075, 2, AXIS_X))
        parts.append(_ball((sx * 0.32 * width, body_y - 0.1 * body_h, -length / 2), (0.12, 0.07, 0.04), HEAD_LIGHT))
        parts.append(_ball((sx * 0.35 * width, body_y - 0.1 * body_h, length / 2), (0.11, 0.07, 0.04), TAIL_LIGHT))
    return parts


def _mug(u: np.ndarray) -> list[Primitive]:
    radius, height, wall = 0.33 + 0.2 * u[0], 0.6 + 0.6 * u[2], 0.04 + 0.03 * u[3]
    top_r = radius * (1.0 + 0.3 * (u[1] - 0.5))  # straight, flared or narrowing walls

    def outer(y: float) -> float:  # outer radius at height y in [-height, 0]
        return radius + (top_r - radius) * (-y / height)

    def cavity(y0: float, y1: float) -> Primitive:  # the inside, from y0 (top) to y1 (bottom)
        return _cyl((0.0, (y0 + y1) / 2, 0.0), outer(y1) - wall, (y1 - y0) / 2, 1, top=outer(y0) - wall)

    hole = cavity(-height - 0.1, -1.5 * wall)
    body = _cyl((0.0, -height / 2, 0.0), radius, height / 2, 0, top=top_r)
    body.subtract, body.inner_colour = hole, 1
    parts = [body]
    if u[6] > 0.5:  # a coloured band around the body, hollow like the body
        band_h = 0.05 + 0.05 * u[5]
        y_mid = -height * (0.2 + 0.6 * u[7])
        y0, y1 = y_mid - band_h, y_mid + band_h
        band = _cyl((0.0, y_mid, 0.0), outer(y1) + 0.012, band_h, 2, top=outer(y0) + 0.012)
        band.subtract, band.inner_colour = hole, 1
        parts.append(band)
    ring_r = (0.24 + 0.08 * u[4]) * height
    tube = (0.22 + 0.12 * u[5]) * ring_r
    y_h = -height * 0.52
    # The ring's inner arc sinks into the wall by less than the wall's thickness, so it never shows inside.
    x_h = outer(y_h) + ring_r - 0.8 * wall
    handle = _cyl((x_h, y_h, 0.0), ring_r, 0.05, 3 if u[6] > 0.8 else 0, AXIS_Z)
    handle.subtract = _cyl((x_h, y_h, 0.0), ring_r - tube, 0.2, 0, AXIS_Z)
    handle.inner_colour = handle.colour
    parts.append(handle)
    return parts


def _table(u: np.ndarray) -> list[Primitive]:
    height, top_t, leg_t = 0.5 + 0.45 * u[2], 0.05 + 0.06 * u[3], 0.04 + 0.05 * u[4]
    top_y = -height + top_t / 2
    parts: list[Primitive] = []
    if u[5] < 0.75:  # rectangular top, four legs, sometimes a shelf
        width, depth = 1.1 + 0.7 * u[0], 0.6 + 0.5 * u[1]
        inset = leg_t + 0.12 * u[7] * depth
        parts.append(_box((0.0, top_y, 0.0), (width / 2, top_t / 2, depth / 2), 0))
        legs_h = height - top_t
        for sx in (-1.0, 1.0):
            for sz in (-1.0, 1.0):
                parts.append(_leg(sx * (width / 2 - inset), sz * (depth / 2 - inset), legs_h, leg_t, u[6], 1))
        if u[5] > 0.45:
            shelf_y = -0.3 * legs_h
            parts.append(_box((0.0, shelf_y, 0.0), (width / 2 - inset, 0.02, depth / 2 - inset), 2))
    else:  # round top on three legs
        radius = 0.55 + 0.3 * u[0]
        parts.append(_cyl((0.0, top_y, 0.0), radius, top_t / 2, 0))
        legs_h = height - top_t
        for k in range(3):
            a = math.radians(90.0 + 120.0 * k)  # one leg at the back, two towards the front
            r = radius - leg_t - 0.15 * u[7] * radius
            parts.append(_leg(r * math.cos(a), r * math.sin(a), legs_h, leg_t, u[6], 1))
    return parts


def _lamp(u: np.ndarray) -> list[Primitive]:
    base_r, base_h = 0.22 + 0.1 * u[0], 0.03 + 0.02 * u[1]
    lean, arm1 = 10.0 + 25.0 * u[2], 0.6 + 0.4 * u[3]
    lift, arm2 = -10.0 + 40.0 * u[4], 0.5 + 0.35 * u[5]
    shade_top, shade_bot, shade_h = 0.06 + 0.04 * u[6], 0.17 + 0.1 * u[7], 0.2 + 0.1 * u[6]
    p0 = np.array([0.0, -2 * base_h, 0.1 * base_r])
    p1 = p0 + arm1 * np.array([0.0, -math.cos(math.radians(lean)), math.sin(math.radians(lean))])
    p2 = p1 + arm2 * np.array([0.0, -math.sin(math.radians(lift)), -math.cos(math.radians(lift))])
    parts = [_cyl((0.0, -base_h, 0.0), base_r, base_h, 0, top=0.8 * base_r)]
    parts.append(_cyl((p0 + p1) / 2, 0.025, arm1 / 2, 1, rotation_x(-lean)))
    parts.append(_cyl((p1 + p2) / 2, 0.025, arm2 / 2, 1, rotation_x(90.0 - lift)))
    for p in (p0, p1, p2):
        parts.append(_ball(p, (0.045, 0.045, 0.045), 0))
    # The shade hangs from p2 and points down and towards the viewer; it is open at the bottom.
    tip = 35.0
    axis = np.array([0.0, math.cos(math.radians(tip)), -math.sin(math.radians(tip))])
    shade = _cyl(p2 + axis * shade_h / 2, shade_bot, shade_h / 2, 2, rotation_x(-tip), top=shade_top)
    wall = 0.02
    slope = (shade_bot - shade_top) / shade_h  # radius gain per unit length along the axis
    inner_top = shade_top - wall + slope * 0.03
    inner_bot = shade_top - wall + slope * (shade_h + 0.05)
    inner_half = (shade_h - 0.03 + 0.05) / 2  # from just below the closed top to beyond the open bottom
    inner_center = p2 + axis * (0.03 + inner_half)
    shade.subtract = _cyl(inner_center, inner_bot, inner_half, 3, rotation_x(-tip), top=inner_top)
    shade.inner_colour = 3
    parts.append(shade)
    parts.append(_ball(p2 + axis * 0.6 * shade_h, (0.06, 0.06, 0.06), 3))
    return parts


_BUILDERS = {"chair": _chair, "car": _car, "mug": _mug, "table": _table, "lamp": _lamp}

# Colour slot kinds per family; see _sample_colour.
_COLOUR_KINDS = {
    "chair": ("any", "wood_or_metal", "any", "any"),
    "car": ("any", "glass", "dark", "light"),
    "mug": ("any", "light_or_any", "any", "any"),
    "table": ("wood", "wood_or_metal", "any", "any"),
    "lamp": ("any", "metal", "any", "light"),
}


def _sample_colour(rng: np.random.Generator, kind: str) -> tuple[float, float, float]:
    a, b, c, choice = rng.random(4)  # always four draws, whatever the kind
    if kind == "wood_or_metal":
        kind = "wood" if choice < 0.6 else "metal"
    elif kind == "light_or_any":
        kind = "light" if choice < 0.5 else "any"
    h_lo, h_hi, s_lo, s_hi, v_lo, v_hi = {
        "any": (0.0, 1.0, 0.35, 0.85, 0.35, 0.85),
        "wood": (0.05, 0.11, 0.45, 0.75, 0.3, 0.7),
        "metal": (0.0, 1.0, 0.0, 0.1, 0.45, 0.75),
        "dark": (0.0, 1.0, 0.0, 0.2, 0.08, 0.22),
        "glass": (0.5, 0.65, 0.2, 0.5, 0.15, 0.35),
        "light": (0.1, 0.17, 0.15, 0.45, 0.85, 0.97),
    }[kind]
    return colorsys.hsv_to_rgb(h_lo + a * (h_hi - h_lo), s_lo + b * (s_hi - s_lo), v_lo + c * (v_hi - v_lo))


def family_index(family: int | str) -> int:
    """Family number from a number or a name in ``FAMILIES``."""
    if isinstance(family, str):
        if family not in FAMILIES:
            raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")
        return FAMILIES.index(family)
    if not 0 <= int(family) < len(FAMILIES):
        raise ValueError(f"family index {family} out of range 0..{len(FAMILIES) - 1} ({', '.join(FAMILIES)})")
    return int(family)


def check_families(families: Sequence[str] | None) -> tuple[str, ...]:
    """The object families of a set: ``None`` or empty means all of ``FAMILIES``; unknown names are an error."""
    if not families:
        return FAMILIES
    chosen = tuple(str(f) for f in families)
    unknown = [f for f in chosen if f not in FAMILIES]
    if unknown:
        raise ValueError(
            f"unknown synthetic famil{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
            f"data.families takes names from: {', '.join(FAMILIES)}"
        )
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"data.families lists a family twice: {', '.join(chosen)}")
    return tuple(f for f in FAMILIES if f in chosen)  # canonical order: one cache per set of families


def sample_from_families(rng: np.random.Generator, families: Sequence[str] | None = None) -> ObjectParams:
    """A random identity of one of ``families`` (``None``/empty or all five: the original identity stream)."""
    fams = check_families(families)
    if fams == FAMILIES:
        return sample_object_params(rng)
    return sample_object_params(rng, fams[int(rng.integers(len(fams)))])


def family_key(families: Sequence[str] | None) -> tuple[str, ...]:
    """``()`` for all five families (the default), else the families in canonical order (``check_families``)."""
    fams = check_families(families)
    return () if fams == FAMILIES else fams


def normalise(parts: list[Primitive], radius: float = OBJECT_RADIUS) -> list[Primitive]:
    """Centre the parts on their bounding box and scale them so that all points lie within ``radius``."""
    xyz = np.ascontiguousarray(np.concatenate([p.extreme_points() for p in parts]).T)  # (3, K): fast row reductions
    offset = -0.5 * (xyz.min(1) + xyz.max(1))
    x, y, z = xyz[0] + offset[0], xyz[1] + offset[1], xyz[2] + offset[2]
    farthest = float(np.sqrt(x * x + y * y + z * z).max())
    return [p.scaled(offset, radius / farthest) for p in parts]


@dataclass(frozen=True, eq=False)
class ObjectParams:
    """One synthetic object's identity: family, proportions ``(8,)`` in [0, 1), colours ``(4, 3)`` RGB."""

    family: int
    proportions: np.ndarray
    colours: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "family", family_index(self.family))
        props = np.asarray(self.proportions, dtype=np.float64).reshape(-1)
        cols = np.asarray(self.colours, dtype=np.float64)
        if props.shape != (NUM_PROPORTIONS,):
            raise ValueError(f"proportions must have {NUM_PROPORTIONS} values, got shape {props.shape}")
        if cols.shape != (NUM_COLOURS, 3):
            raise ValueError(f"colours must have shape ({NUM_COLOURS}, 3), got {cols.shape}")
        object.__setattr__(self, "proportions", props)
        object.__setattr__(self, "colours", cols)

    def colour_of(self, slot: int) -> np.ndarray:
        """RGB of a colour slot: a sampled one (0-3) or one of ``FIXED_COLOURS`` (4, ...)."""
        if slot < NUM_COLOURS:
            return self.colours[slot]
        return np.asarray(FIXED_COLOURS[slot - NUM_COLOURS], dtype=np.float64)

    @property
    def family_name(self) -> str:
        """The family's name, e.g. ``"chair"``."""
        return FAMILIES[self.family]

    @cached_property
    def primitives(self) -> list[Primitive]:
        """The object's solids, centred and scaled to fit within ``OBJECT_RADIUS``."""
        return normalise(_BUILDERS[self.family_name](self.proportions))

    def to_dict(self) -> dict:
        """Plain JSON-ready data (round-trips exactly through ``from_dict``)."""
        return {
            "family": self.family,
            "family_name": self.family_name,
            "proportions": self.proportions.tolist(),
            "colours": self.colours.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ObjectParams:
        """Rebuild from ``to_dict`` output or a dataset's ``ground_truth(i)``."""
        return cls(int(data["family"]), np.asarray(data["proportions"]), np.asarray(data["colours"]))


def sample_object_params(rng: np.random.Generator | int, family: int | str | None = None) -> ObjectParams:
    """Draw a random identity (any family unless ``family`` is given) from a NumPy Generator or a seed."""
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    fam = int(rng.integers(len(FAMILIES))) if family is None else family_index(family)
    proportions = rng.random(NUM_PROPORTIONS)
    colours = np.array([_sample_colour(rng, kind) for kind in _COLOUR_KINDS[FAMILIES[fam]]])
    return ObjectParams(fam, proportions, colours)
