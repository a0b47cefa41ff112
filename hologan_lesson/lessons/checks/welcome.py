"""Checker for lesson 00: the order of HoloGAN's generator stages."""

from __future__ import annotations

from collections.abc import Callable

from ._core import CheckFailed, check, friendly, report

PIPELINE = ["constant", "3d convs", "rotation", "projection", "2d convs"]


@friendly
def check_pipeline(stages: list[str] | Callable[[], list[str]]) -> None:
    """The learner lists the generator stages in order: a list of names from ``PIPELINE``, or a function
    returning one (the lesson's exercise ``my_pipeline_order``)."""
    if callable(stages):
        stages = stages()
    if isinstance(stages, str) or not isinstance(stages, (list, tuple)):
        raise CheckFailed(
            f"FAIL: expected a list of five names, got {type(stages).__name__}\n"
            f'  hint: return a list such as ["constant", ...], using exactly these names: {PIPELINE}'
        )
    if not stages:
        raise CheckFailed(
            "FAIL: your list is empty\n"
            f"  hint: put the five stages in the order the generator applies them, using these names: {PIPELINE}"
        )
    got = [str(s).strip().lower() for s in stages]
    unknown = [s for s in got if s not in PIPELINE]
    missing = [s for s in PIPELINE if s not in got]
    check(
        not unknown and not missing and len(got) == len(PIPELINE),
        "all five stages named, once each",
        (f"unknown name(s) {unknown}; " if unknown else "")
        + (f"missing {missing}; " if missing else "")
        + f"use each of these names once: {PIPELINE}",
    )
    check(
        got.index("rotation") > got.index("3d convs") and got[0] == "constant",
        "the 3D features exist before they are rotated",
        "the generator starts from the learnt constant, grows it with 3D convs, and only then rotates the volume",
    )
    check(
        got.index("projection") == got.index("rotation") + 1,
        "projection right after rotation",
        "rotate while the features are still 3D, then project them to 2D: a 2D image can no longer be turned",
    )
    check(got == PIPELINE, "full order", "the 2D convs come last: they render the projected features into the image")
    report(4, 4, "the HoloGAN pipeline")
