"""Checker for lesson 00: the order of HoloGAN's generator stages."""

from __future__ import annotations

from ._core import check, friendly, report

PIPELINE = ["constant", "3d convs", "rotation", "projection", "2d convs"]


@friendly
def check_pipeline(stages: list[str]) -> None:
    """The learner lists the generator stages in order (names from ``PIPELINE``, any order given)."""
    got = [s.strip().lower() for s in stages]
    check(sorted(got) == sorted(PIPELINE), "all five stages named", f"use exactly these names: {PIPELINE}")
    check(got.index("rotation") > got.index("3d convs"), "rotation after the 3D convs", "rotate 3D features")
    check(got.index("projection") == got.index("rotation") + 1, "projection right after rotation", "3D -> 2D")
    check(got == PIPELINE, "full order", "template -> 3D features -> rotate -> project -> 2D rendering")
    report(4, 4, "the HoloGAN pipeline")
