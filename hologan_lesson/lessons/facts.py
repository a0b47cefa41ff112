"""Numbers that the lesson text quotes, read from the stored results when a notebook is built.

A markdown cell of ``notebooks/src/NN_slug.py`` writes ``{{ fact:ablation.chance_error }}`` where a stored
number belongs; ``tools/build_notebooks.py`` replaces it with ``fact("ablation.chance_error")``. When the
stored results change (a new shipped model, a new ablation), rebuilding the notebooks changes the text with
them, and ``tests/test_facts.py`` (with ``build_notebooks.py --check``) fails while a notebook still shows an
old number.

To add a fact: add an entry to ``FACTS`` (name -> a function returning the text, already formatted, read from a
file under ``hologan_lesson/assets`` or ``docs/results``), then write ``{{ fact:<name> }}`` in the lesson.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from .. import shipped

PLACEHOLDER = re.compile(r"\{\{\s*fact:([\w.]+)\s*\}\}")


@cache
def _json(path: Path) -> dict:
    return json.loads(path.read_text())


@cache
def _ablation_rows() -> tuple[dict[str, str], ...]:
    with open(shipped.ABLATION / "results.csv", newline="") as f:
        return tuple(csv.DictReader(f))


def _row(kind: str, name: str, seed: int | None = None) -> dict[str, str]:
    for row in _ablation_rows():
        if row["kind"] == kind and row["variant"] == name and (seed is None or row["seed"] == str(seed)):
            return row
    raise KeyError(f"{shipped.ABLATION / 'results.csv'} has no {kind} row {name!r} (seed {seed})")


def _seeds(variant: str) -> list[int]:
    return sorted(int(r["seed"]) for r in _ablation_rows() if r["kind"] == "variant" and r["variant"] == variant)


def _values(variant: str, column: str) -> list[float]:
    return [float(_row("variant", variant, s)[column]) for s in _seeds(variant)]


def _mean_abs(variant: str, column: str) -> float:
    values = [abs(v) for v in _values(variant, column)]
    return sum(values) / len(values)


def _per_seed(variant: str, column: str, fmt: str, absolute: bool = False) -> str:
    """One value per seed of the stored ablation, joined with " / " (the seeds in increasing order)."""
    return " / ".join(format(abs(v) if absolute else v, fmt) for v in _values(variant, column))


def _range(variant: str, column: str, fmt: str) -> str:
    values = _values(variant, column)
    return f"{format(min(values), fmt)}–{format(max(values), fmt)}"


def _kid_ratio() -> str:
    """How many times the KID without random views exceeds the full model's, seed by seed: "6–20"."""
    ratios = [b / a for a, b in zip(_values("full", "kid_mean"), _values("no_random_views", "kid_mean"))]
    return f"{min(ratios):.0f}–{max(ratios):.0f}"


def _r_gaps() -> str:
    """Per seed, full minus no-random-views azimuth |r|, smallest first: "0.30 and 0.78"."""
    full, ablated = _values("full", "azimuth_corr"), _values("no_random_views", "azimuth_corr")
    gaps = sorted(abs(a) - abs(b) for a, b in zip(full, ablated))
    return " and ".join(f"{g:.2f}" for g in gaps)


def _shipped_scores() -> dict:
    return _json(shipped.POSE_EMERGENCE / "shipped_model_scores.json")


FACTS: dict[str, Callable[[], str]] = {
    # the pose probe of the stored ablation (lesson 07)
    "probe.azimuth_mae": lambda: f"{_json(shipped.ABLATION / 'probe_accuracy.json')['azimuth_mae']:.1f}",
    # calibration rows of the stored ablation
    "ablation.real_error": lambda: f"{float(_row('reference', 'real_renders')['azimuth_error']):.1f}",
    "ablation.chance_error": lambda: f"{float(_row('reference', 'view_ignored')['azimuth_error']):.1f}",
    "ablation.noise_floor": lambda: f"{float(_row('variant', 'full', _seeds('full')[0])['null_signed_r']):.2f}",
    "ablation.seeds": lambda: " / ".join(str(s) for s in _seeds("full")),
    "ablation.steps": lambda: f"{int(_row('variant', 'full', _seeds('full')[0])['steps']):,}",
    # the table of the stored ablation: one value per seed
    "ablation.full.r": lambda: _per_seed("full", "azimuth_corr", ".2f", absolute=True),
    "ablation.ablated.r": lambda: _per_seed("no_random_views", "azimuth_corr", ".2f", absolute=True),
    "ablation.full.turning": lambda: _per_seed("full", "azimuth_turning", ".0%").replace("%", " %"),
    "ablation.ablated.turning": lambda: _per_seed("no_random_views", "azimuth_turning", ".0%").replace("%", " %"),
    "ablation.full.kid": lambda: _per_seed("full", "kid_mean", ".3f"),
    "ablation.ablated.kid": lambda: _per_seed("no_random_views", "kid_mean", ".2f"),
    "ablation.full.identity": lambda: _per_seed("full", "identity_consistency", ".2f"),
    "ablation.ablated.identity": lambda: _per_seed("no_random_views", "identity_consistency", ".2f"),
    # what the text says about the table
    "ablation.full.mean_r": lambda: f"{_mean_abs('full', 'azimuth_corr'):.2f}",
    "ablation.ablated.mean_r": lambda: f"{_mean_abs('no_random_views', 'azimuth_corr'):.2f}",
    "ablation.r_gap": lambda: f"{_mean_abs('full', 'azimuth_corr') - _mean_abs('no_random_views', 'azimuth_corr'):.2f}",
    "ablation.r_gaps": _r_gaps,
    "ablation.kid_ratio": _kid_ratio,
    "ablation.ablated.identity_range": lambda: _range("no_random_views", "identity_consistency", ".2f"),
    # the shipped model (lessons 00, 06, 08)
    "shipped.step": lambda: f"{int(_shipped_scores()['step']):,}",
    "shipped.azimuth_r": lambda: f"{abs(_shipped_scores()['azimuth_corr']):.2f}",
    "shipped.azimuth_error": lambda: f"{_shipped_scores()['azimuth_error']:.1f}",
    "shipped.turning": lambda: f"{_shipped_scores()['azimuth_turning']:.0%}".replace("%", " %"),
}


def fact(name: str) -> str:
    """The text of one fact, read from the stored results now."""
    if name not in FACTS:
        raise KeyError(f"unknown fact {name!r}; the facts are: {', '.join(sorted(FACTS))}")
    return FACTS[name]()


def render(text: str) -> str:
    """``text`` with every ``{{ fact:name }}`` replaced by the fact's current value."""
    return PLACEHOLDER.sub(lambda m: fact(m.group(1)), text)


def names_in(text: str) -> list[str]:
    """The fact names that ``text`` uses."""
    return PLACEHOLDER.findall(text)
