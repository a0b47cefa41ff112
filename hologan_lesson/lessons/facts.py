"""Numbers that the lesson text quotes, read from the stored results when a notebook is built.

A markdown cell of ``notebooks/src/NN_slug.py`` writes ``{{ fact:ablation.chance_error }}`` where a stored
number belongs; ``tools/build_notebooks.py`` replaces it with ``fact("ablation.chance_error")``. When the
stored results change (a new shipped model, a new ablation), rebuilding the notebooks changes the text with
them, and ``tests/test_facts.py`` (with ``build_notebooks.py --check``) fails while a notebook still shows an
old number.

To add a fact: add an entry to ``FACTS`` (name -> a function returning the text, already formatted, read from a
file under ``hologan_lesson/assets`` or ``docs/results``, or from the `cpu` preset), then write ``{{ fact:<name> }}``
in the lesson.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from .. import shipped
from ..eval.ablate_report import format_gap

PLACEHOLDER = re.compile(r"\{\{\s*fact:([\w.]+)\s*\}\}")


@cache
def _json(path: Path) -> dict:
    return json.loads(path.read_text())


@cache
def _ablation_rows(folder: Path) -> tuple[dict[str, str], ...]:
    with open(folder / "results.csv", newline="") as f:
        return tuple(csv.DictReader(f))


def _row(folder: Path, kind: str, name: str, seed: int | None = None) -> dict[str, str]:
    for row in _ablation_rows(folder):
        if row["kind"] == kind and row["variant"] == name and (seed is None or row["seed"] == str(seed)):
            return row
    raise KeyError(f"{folder / 'results.csv'} has no {kind} row {name!r} (seed {seed})")


def _seeds(folder: Path, variant: str) -> list[int]:
    rows = _ablation_rows(folder)
    return sorted(int(r["seed"]) for r in rows if r["kind"] == "variant" and r["variant"] == variant)


def _values(folder: Path, variant: str, column: str) -> list[float]:
    seeds = _seeds(folder, variant)
    if not seeds:
        raise KeyError(f"{folder / 'results.csv'} has no runs of the variant {variant!r}")
    return [float(_row(folder, "variant", variant, s)[column]) for s in seeds]


def _per_seed(folder: Path, variant: str, column: str, fmt: str, absolute: bool = False) -> str:
    """One value per seed of a stored ablation, joined with " / " (the seeds in increasing order)."""
    return " / ".join(format(abs(v) if absolute else v, fmt) for v in _values(folder, variant, column))


def _shipped_scores() -> dict:
    return _json(shipped.scores_of(shipped.MODEL))


def _percent(value: float) -> str:
    return f"{value:.0%}".replace("%", " %")


# the stored ablations the lessons quote: the cpu recipe's (07: the paper's three) and the quarter-turn recipe's
# before it (04, 04b, 05: the two parts put back), as (fact prefix, folder's name in ``shipped``, variants)
ABLATIONS = (
    ("ablation", "ABLATION", ("full", "no_random_views", "traditional_z")),
    ("quarter_ablation", "QUARTER_ABLATION", ("full", "with_identity_loss", "with_style_disc")),
)
GAP_BAR = 0.3  # issue "Turn all the way round": full beats each variant by >= 0.3 on 1 - err/90, every seed
IDENTITY_BAR = 0.8  # the same issue's identity consistency for a run that keeps its objects


def _score_gaps(variant: str, folder: Path) -> list[float]:
    """Per seed, the full model's circular score (1 - err/90) minus ``variant``'s."""
    full, other = _values(folder, "full", "azimuth_circ_score"), _values(folder, variant, "azimuth_circ_score")
    return [a - b for a, b in zip(full, other)]


def _room(variant: str, folder: Path) -> list[float]:
    """Per seed, the real renders' circular score minus ``variant``'s: the most any generator could lead it by."""
    real = float(_row(folder, "reference", "real_renders")["azimuth_circ_score"])
    return [real - b for b in _values(folder, variant, "azimuth_circ_score")]


def _clears(gaps: list[float]) -> str:
    """How many seeds' gaps reach the bar: "2 of 3"."""
    return f"{sum(g >= GAP_BAR for g in gaps)} of {len(gaps)}"


def _kid(value: float) -> str:
    """A KID as the lessons print it; the unbiased estimate of a tiny distance can dip below 0: "0.000"."""
    return "0.000" if abs(value) < 5e-4 else f"{value:.3f}"


def _and_list(items: list) -> str:
    """``[0, 1, 2]`` -> "0, 1 and 2" (one item: "0")."""
    words = [str(i) for i in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _seed_list(folder: Path) -> str:
    """A stored ablation's seeds: "0, 1 and 2"."""
    return _and_list(_seeds(folder, "full"))


RESULTS = Path(__file__).resolve().parents[2] / "docs" / "results" / "full_turn"
REFERENCES = RESULTS / "references_cpu_recipe.json"


def _reference(source: str, key: str, fmt: str, absolute: bool = False) -> str:
    """One score of a calibration source ("real renders", "view ignored") on the current cpu recipe's data."""
    value = float(_json(REFERENCES)["references"][source][key])
    return format(abs(value) if absolute else value, fmt)


def _recipe():
    from ..config import make_config

    return make_config("cpu")


ROBUSTNESS = RESULTS / "robustness_circle_el20_40_2400.csv"


# robustness sweeps of the recipe with one part put back (tools/robustness_sweep.py --record ... --name ...), all
# measured on the recipe before R1 and the short decaying schedule (1,200 steps), whose own sweep is LEVER_BASELINE
LEVERS = {"identity_loss": "robustness_identity_loss.csv", "style_disc": "robustness_style_disc.csv"}
LEVER_BASELINE = "robustness_1200.csv"


@cache
def _robustness_rows(name: str | None = None) -> tuple[dict[str, str], ...]:
    """A robustness sweep's rows: the recipe's (``ROBUSTNESS``), or the file ``name`` beside it."""
    with open(ROBUSTNESS if name is None else ROBUSTNESS.with_name(name), newline="") as f:
        return tuple(csv.DictReader(f))


CHAIR_ROBUSTNESS = RESULTS / "chairs" / "robustness_chairs_circle_el45_70.csv"  # the `cpu_chairs` recipe's sweep


def _chair_scores() -> dict:
    return _json(shipped.scores_of(shipped.CHAIR_MODEL))


def _chair_turned() -> str:
    """How many runs of the chair recipe's robustness sweep turn: "8 of 10"."""
    with open(CHAIR_ROBUSTNESS, newline="") as f:
        return _turned(list(csv.DictReader(f)))


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes")


def _count(rows: Sequence[dict[str, str]], hit: Callable[[dict[str, str]], bool]) -> str:
    """How many of these rows ``hit`` says yes to: "9 of 10"."""
    return f"{sum(bool(hit(r)) for r in rows)} of {len(rows)}"


def _turned(rows: Sequence[dict[str, str]]) -> str:
    """How many of these robustness rows turn: "9 of 10"."""
    return _count(rows, lambda r: _truthy(r["turns"]))


def _robustness_turned(name: str | None = None) -> str:
    """How many runs of a robustness sweep turn: "9 of 10"."""
    return _turned(_robustness_rows(name))


def _baseline_on_lever_runs(name: str) -> str:
    """How many of the recipe's own runs turn, on the (seed, threads) runs a lever's sweep made: "3 of 7"."""
    runs = {(r["seed"], r["threads"]) for r in _robustness_rows(name)}
    rows = [r for r in _robustness_rows(LEVER_BASELINE) if (r["seed"], r["threads"]) in runs]
    if len(rows) < len(runs):
        missing = sorted(runs - {(r["seed"], r["threads"]) for r in rows})
        raise ValueError(f"{LEVER_BASELINE} lacks the runs (seed, threads) {missing} of {name}: extend the sweep")
    return _turned(rows)


def _folding_seeds(name: str | None = None) -> str:
    """The seeds with a run that folds: "2 and 3" ("none" when every run turns)."""
    seeds = sorted({int(r["seed"]) for r in _robustness_rows(name) if not _truthy(r["turns"])})
    return _and_list(seeds) if seeds else "none"


DEMO_TIMING = RESULTS / "demo_timing.json"  # `demo` timed in a fresh clone on 2 idle cores


def _demo_minutes() -> str:
    """The measured wall time of ``demo`` in a fresh clone on 2 idle cores: "5 min 52 s"."""
    total = int(_json(DEMO_TIMING)["total_seconds"])
    return f"{total // 60} min {total % 60} s"


def _robustness_identity() -> str:
    """The range of identity consistency over the robustness sweep's runs: "0.69–0.86"."""
    values = sorted(float(r["identity"]) for r in _robustness_rows())
    return f"{values[0]:.2f}–{values[-1]:.2f}"


def _robustness_elevation_rigid() -> str:
    """How many runs of the recipe's sweep read elevation rigidly (|r| >= 0.7, a rigid sign): "6 of 10"."""
    rows = _robustness_rows()
    if "elevation_rigid" not in rows[0]:
        raise ValueError(f"{ROBUSTNESS.name} has no elevation columns: the recipe's sweep must vary elevation")
    return _count(rows, lambda r: _truthy(r["elevation_rigid"]))


def _recipe_elevation() -> str:
    """The cpu recipe's elevation range as the lessons print it: "20–40°" (or "30°" when fixed)."""
    lo, hi = _recipe().data.elevation_range
    return f"{lo:g}°" if lo == hi else f"{lo:g}–{hi:g}°"


def _robustness_seeds() -> str:
    """The seeds of the robustness sweep: "0–3"."""
    seeds = sorted({int(r["seed"]) for r in _robustness_rows()})
    return f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])


def _ablation_facts(prefix: str, where: str, variants: Sequence[str]) -> dict[str, Callable[[], str]]:
    """A stored ablation's facts under ``prefix``: its calibration rows, budget and seeds, one value per seed for
    each variant (``<prefix>.<variant>.<circ_error|circ_score|turning|fold_even|r|kid|identity>``), and each
    variant's gap to the full model (``<prefix>.gap.<variant>``: "0.41 / 0.12 / 0.38"; ``.clears.``: "2 of 3"), and
    the real renders' (``.room.``: the most any generator could lead by; ``.reachable.``: seeds where that clears
    the bar)."""

    def folder() -> Path:  # looked up at each call, so a test can point ``shipped`` elsewhere
        return getattr(shipped, where)

    def ref(source: str, column: str, fmt: str) -> Callable[[], str]:
        return lambda: format(float(_row(folder(), "reference", source)[column]), fmt)

    out: dict[str, Callable[[], str]] = {
        f"{prefix}.real_error": ref("real_renders", "azimuth_error", ".1f"),
        f"{prefix}.chance_error": ref("view_ignored", "azimuth_error", ".1f"),
        f"{prefix}.real_circ_error": ref("real_renders", "azimuth_circ_error", ".1f"),
        f"{prefix}.chance_circ_error": ref("view_ignored", "azimuth_circ_error", ".1f"),
        f"{prefix}.chance_circ_score": ref("view_ignored", "azimuth_circ_score", ".2f"),
        f"{prefix}.max_gap": lambda: (
            f"{1 - float(_row(folder(), 'reference', 'view_ignored')['azimuth_circ_score']):.2f}"
        ),
        f"{prefix}.real_identity": ref("real_renders", "identity_consistency", ".2f"),
        f"{prefix}.real_kid": lambda: _kid(float(_row(folder(), "reference", "real_renders")["kid_mean"])),
        f"{prefix}.seeds": lambda: _seed_list(folder()),
        f"{prefix}.steps": lambda: f"{int(_row(folder(), 'variant', 'full', _seeds(folder(), 'full')[0])['steps']):,}",
    }
    columns = {  # fact suffix -> (column, format, absolute value)
        "circ_error": ("azimuth_circ_error", ".1f", False),
        "circ_score": ("azimuth_circ_score", ".2f", False),
        "turning": ("azimuth_circ_turning", ".0%", False),
        "fold_even": ("fold_even", ".2f", False),
        "r": ("azimuth_corr", ".2f", True),
        "kid": ("kid_mean", ".3f", False),
        "identity": ("identity_consistency", ".2f", False),
        "elevation": ("elevation_corr", ".2f", True),
    }
    for variant in variants:
        for suffix, (column, fmt, absolute) in columns.items():
            out[f"{prefix}.{variant}.{suffix}"] = lambda v=variant, c=column, f=fmt, a=absolute: _per_seed(
                folder(), v, c, f, absolute=a
            ).replace("%", " %")
    for variant in variants[1:]:
        out[f"{prefix}.gap.{variant}"] = lambda v=variant: " / ".join(format_gap(g) for g in _score_gaps(v, folder()))
        out[f"{prefix}.clears.{variant}"] = lambda v=variant: _clears(_score_gaps(v, folder()))
        out[f"{prefix}.room.{variant}"] = lambda v=variant: " / ".join(format_gap(g) for g in _room(v, folder()))
        out[f"{prefix}.reachable.{variant}"] = lambda v=variant: _clears(_room(v, folder()))
    return out


FACTS: dict[str, Callable[[], str]] = {
    "ablation.gap_bar": lambda: f"{GAP_BAR:.1f}",
    # the shipped model (lessons 00, 06, 08)
    "shipped.step": lambda: f"{int(_shipped_scores()['step']):,}",
    "shipped.azimuth_r": lambda: f"{abs(_shipped_scores()['azimuth_corr']):.2f}",
    "shipped.azimuth_error": lambda: f"{_shipped_scores()['azimuth_error']:.1f}",
    "shipped.turning": lambda: f"{_shipped_scores()['azimuth_turning']:.0%}".replace("%", " %"),
    # the shipped model's circular reading and fold test (lessons 00, 06, 07, 08)
    "chairs.circ_error": lambda: f"{_chair_scores()['azimuth_circ_error']:.1f}",
    "chairs.circ_turning": lambda: _percent(_chair_scores()["azimuth_circ_turning"]),
    "chairs.identity": lambda: f"{_chair_scores()['identity_consistency']:.2f}",
    "chairs.elevation_r": lambda: f"{abs(_chair_scores()['elevation_corr']):.2f}",
    "chairs.turned": _chair_turned,
    "shipped.circ_error": lambda: f"{_shipped_scores()['azimuth_circ_error']:.1f}",
    "shipped.circ_score": lambda: f"{_shipped_scores()['azimuth_circ_score']:.2f}",
    "shipped.circ_turning": lambda: _percent(_shipped_scores()["azimuth_circ_turning"]),
    "shipped.circ_null": lambda: f"{_shipped_scores()['null_circ_error']:.1f}",
    "shipped.fold_even": lambda: f"{_shipped_scores()['fold_even']:.2f}",
    "shipped.fold_mirror": lambda: f"{_shipped_scores()['fold_mirror']:.2f}",
    "shipped.fold_half_turn": lambda: f"{_shipped_scores()['fold_half_turn']:.2f}",
    "shipped.identity": lambda: f"{_shipped_scores()['identity_consistency']:.2f}",
    "shipped.elevation_r": lambda: f"{abs(_shipped_scores()['elevation_corr']):.2f}",
    # the calibration sources on the current cpu recipe's data (docs/results/full_turn; lesson 07)
    "references.real_error": lambda: _reference("real renders", "azimuth_error", ".1f"),
    "references.chance_error": lambda: _reference("view ignored", "azimuth_error", ".1f"),
    "references.real_circ_error": lambda: _reference("real renders", "azimuth_circ_error", ".1f"),
    "references.chance_circ_error": lambda: _reference("view ignored", "azimuth_circ_error", ".1f"),
    "references.chance_circ_score": lambda: _reference("view ignored", "azimuth_circ_score", ".2f"),
    "references.real_fold_even": lambda: _reference("real renders", "fold_even", ".2f"),
    "references.real_fold_mirror": lambda: _reference("real renders", "fold_mirror", ".2f"),
    "references.real_identity": lambda: _reference("real renders", "identity_consistency", ".2f"),
    "references.real_fold_half_turn": lambda: _reference("real renders", "fold_half_turn", ".2f"),
    "references.real_elevation_r": lambda: _reference("real renders", "elevation_corr", ".2f", absolute=True),
    # the cpu recipe as configured now (lessons 06, 07)
    "recipe.steps": lambda: f"{_recipe().train.steps:,}",
    "recipe.elevation": _recipe_elevation,
    # the robustness sweep of the cpu recipe (docs/results/full_turn/robustness.csv; lessons 00, 06)
    "robustness.turned": _robustness_turned,
    "robustness.runs": lambda: str(len(_robustness_rows())),
    "robustness.seeds": _robustness_seeds,
    "robustness.folding_seeds": _folding_seeds,
    "robustness.identity": _robustness_identity,
    "robustness.identity_80": lambda: _count(_robustness_rows(), lambda r: float(r["identity"]) >= IDENTITY_BAR),
    "robustness.elevation_rigid": _robustness_elevation_rigid,
    # the same sweep with the identity loss or the style discriminator put back (lessons 04b, 05; the record)
    "levers.identity_loss.turned": lambda: _robustness_turned(LEVERS["identity_loss"]),
    "levers.identity_loss.folding_seeds": lambda: _folding_seeds(LEVERS["identity_loss"]),
    "levers.identity_loss.baseline": lambda: _baseline_on_lever_runs(LEVERS["identity_loss"]),
    "levers.baseline.turned": lambda: _robustness_turned(LEVER_BASELINE),
    "levers.baseline.folding_seeds": lambda: _folding_seeds(LEVER_BASELINE),
    "levers.style_disc.turned": lambda: _robustness_turned(LEVERS["style_disc"]),
    "levers.style_disc.baseline": lambda: _baseline_on_lever_runs(LEVERS["style_disc"]),
    "levers.style_disc.folding_seeds": lambda: _folding_seeds(LEVERS["style_disc"]),
    "demo.minutes": _demo_minutes,
    "demo.train_minutes": lambda: f"{_json(DEMO_TIMING)['train_seconds'] / 60:.1f}",
}
for _prefix, _where, _variants in ABLATIONS:
    FACTS.update(_ablation_facts(_prefix, _where, _variants))


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
