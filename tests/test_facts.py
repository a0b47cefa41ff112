"""Numbers the lessons quote are rendered from the stored results, and the built notebooks show them."""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from hologan_lesson.lessons import course, facts


def test_every_fact_reads_its_file():
    for name in facts.FACTS:
        value = facts.fact(name)
        readable = re.search(r"\d", value) or value == "none"  # "none": no seed folds
        assert value and readable, f"fact {name!r} gave {value!r}"
    with pytest.raises(KeyError, match="unknown fact"):
        facts.fact("no.such.fact")


def test_render_replaces_placeholders():
    text = "chance is {{ fact:ablation.chance_error }}° and {{fact:ablation.real_error}}°"
    assert facts.names_in(text) == ["ablation.chance_error", "ablation.real_error"]
    chance, real = facts.fact("ablation.chance_error"), facts.fact("ablation.real_error")
    assert facts.render(text) == f"chance is {chance}° and {real}°"


def test_facts_follow_the_stored_table(tmp_path, monkeypatch):
    """Change the stored ablation and the text changes with it."""
    table = (facts.shipped.ABLATION / "results.csv").read_text()
    chance = facts._row(facts.shipped.ABLATION, "reference", "view_ignored")["azimuth_error"]
    assert chance in table
    (tmp_path / "results.csv").write_text(table.replace(chance, "31.0"))
    monkeypatch.setattr(facts.shipped, "ABLATION", tmp_path)
    facts._ablation_rows.cache_clear()
    try:
        assert facts.fact("ablation.chance_error") == "31.0"
    finally:
        facts._ablation_rows.cache_clear()


def test_room_is_measured_from_the_real_renders(tmp_path, monkeypatch):
    """The margin any generator could reach over a variant follows the real renders' stored score."""
    rows = list(csv.DictReader((facts.shipped.ABLATION / "results.csv").open()))
    for r in rows:
        if r["variant"] == "real_renders":
            r["azimuth_circ_score"] = "1.0"
        elif r["variant"] == "traditional_z":
            r["azimuth_circ_score"] = "0.5"
    with (tmp_path / "results.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setattr(facts.shipped, "ABLATION", tmp_path)
    facts._ablation_rows.cache_clear()
    try:
        assert facts.fact("ablation.room.traditional_z") == "+0.50 / +0.50 / +0.50"
        assert facts.fact("ablation.reachable.traditional_z") == "3 of 3"
    finally:
        facts._ablation_rows.cache_clear()


def _builder(root):
    spec = importlib.util.spec_from_file_location("build_notebooks", root / "tools" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _src(lesson) -> Path:
    return Path(__file__).resolve().parents[1] / "notebooks" / "src" / f"{lesson.number}_{lesson.slug}.py"


def _quotes_facts(lesson) -> bool:
    return _src(lesson).exists() and bool(facts.names_in(_src(lesson).read_text()))


QUOTING = [lesson for lesson in course.LESSONS if _quotes_facts(lesson)]


def test_the_lessons_that_quote_results_are_found():
    assert {lesson.number for lesson in QUOTING} >= {"00", "06", "07", "08"}


@pytest.mark.parametrize("lesson", QUOTING, ids=lambda l: l.number)
def test_built_notebooks_show_the_stored_numbers(root, lesson):
    src = _src(lesson)
    cells = jupytext.read(src, fmt="py:percent").cells
    with_facts = [c.source for c in cells if c.cell_type == "markdown" and facts.names_in(c.source)]
    assert with_facts, f"{src} quotes facts outside markdown cells"
    shown = [c.source for c in nbformat.read(root / lesson.path, as_version=4).cells if c.cell_type == "markdown"]
    for text in with_facts:
        assert facts.render(text) in shown, (
            f"{lesson.path} shows other numbers than the stored results: rebuild it "
            f"(python tools/build_notebooks.py {lesson.number})"
        )
    builder = _builder(root)
    rendered = [c.source for c in builder.notebook_from_source(src).cells if c.cell_type == "markdown"]
    assert not [t for t in rendered if "{{" in t and "fact:" in t], "an unrendered placeholder"


def test_a_lever_is_compared_with_the_recipe_on_the_same_runs(tmp_path, monkeypatch):
    """Lever sweeps ran on the 1,200-step recipe: they are compared with its sweep, not the current recipe's."""
    header = "seed,threads,steps,minutes,circ_error,circ_turning,shared_error,identity,turns\n"
    (tmp_path / "robustness_1200.csv").write_text(
        header + "0,1,1200,6,7,1,7,0.8,True\n1,1,1200,6,30,0,30,0.8,False\n2,1,1200,6,8,1,8,0.8,True\n"
    )
    (tmp_path / "robustness.csv").write_text(header + "0,1,600,3,9,1,9,0.8,True\n")
    (tmp_path / "robustness_lever.csv").write_text(header + "0,1,1200,6,7,1,7,0.8,True\n1,1,1200,6,8,1,8,0.8,True\n")
    (tmp_path / "robustness_wider.csv").write_text(header + "5,2,1200,6,7,1,7,0.8,True\n")
    monkeypatch.setattr(facts, "ROBUSTNESS", tmp_path / "robustness.csv")
    facts._robustness_rows.cache_clear()
    try:
        assert facts._baseline_on_lever_runs("robustness_lever.csv") == "1 of 2"  # seed 2 is not the lever's
        assert facts._robustness_turned("robustness_lever.csv") == "2 of 2"
        assert facts._folding_seeds(facts.LEVER_BASELINE) == "1" and facts._folding_seeds() == "none"
        assert facts._folding_seeds("robustness_lever.csv") == "none"
        with pytest.raises(ValueError, match=r"lacks the runs .*\('5', '2'\).*extend the sweep"):
            facts._baseline_on_lever_runs("robustness_wider.csv")
    finally:
        facts._robustness_rows.cache_clear()


def test_the_recipe_sweep_counts_rigid_elevation_and_identity_runs(tmp_path, monkeypatch):
    """The elevation count reads the sweep's own column, and refuses a sweep made at one elevation."""
    header = "seed,threads,steps,minutes,circ_error,circ_turning,shared_error,identity,turns"
    (tmp_path / "robustness.csv").write_text(
        header + ",elevation_r,elevation_sign,elevation_rigid\n"
        "0,1,2000,9,9,1,9,0.91,True,0.76,1,True\n1,2,2000,6,12,0.9,12,0.72,True,0.59,1,False\n"
    )
    (tmp_path / "fixed.csv").write_text(header + "\n0,1,2000,9,9,1,9,0.8,True\n")
    monkeypatch.setattr(facts, "ROBUSTNESS", tmp_path / "robustness.csv")
    facts._robustness_rows.cache_clear()
    try:
        assert facts.fact("robustness.elevation_rigid") == "1 of 2"
        assert facts.fact("robustness.identity_80") == "1 of 2"
        monkeypatch.setattr(facts, "ROBUSTNESS", tmp_path / "fixed.csv")
        facts._robustness_rows.cache_clear()
        with pytest.raises(ValueError, match="fixed.csv has no elevation columns"):
            facts.fact("robustness.elevation_rigid")
    finally:
        facts._robustness_rows.cache_clear()
