"""The view range HoloGAN samples from for each dataset, in this course's convention (degrees).

The model (``rotation.views_for``), the configuration (``make_config``) and the data (``data.catalogue``, the
synthetic renderer) all read this one table. Official HoloGAN code measures azimuth around 270° (frontal) and
elevation around 90° (horizon). Here: azimuth = official - 270, elevation = official - 90. See docs/fidelity.md.
"""

from __future__ import annotations

from dataclasses import dataclass

Range = tuple[float, float]


@dataclass(frozen=True)
class PoseRange:
    """Uniform pose distribution in degrees, in this course's convention."""

    azimuth: Range
    elevation: Range
    source: str = ""


POSE_RANGES: dict[str, PoseRange] = {
    "celeba": PoseRange((-50.0, 50.0), (-20.0, 20.0), "official config_HoloGAN.json: azi 220-320, ele 70-110"),
    "cats": PoseRange((-50.0, 50.0), (-20.0, 20.0), "paper supplementary (same as CelebA)"),
    "cars": PoseRange((-180.0, 180.0), (0.0, 35.0), "paper supplementary: full azimuth circle"),
    "chairs": PoseRange((-180.0, 180.0), (0.0, 35.0), "paper supplementary: full azimuth circle"),
    "lsun": PoseRange((-45.0, 45.0), (0.0, 0.0), "paper supplementary: azi 225-315, fixed elevation"),
    "synthetic": PoseRange((-60.0, 60.0), (0.0, 30.0), "this course's synthetic objects"),
}
