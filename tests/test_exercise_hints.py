"""Exercises teach: graded hints that never hold solution code, continuous numbering, short setup cells."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from hologan_lesson.lessons import course, exercises

SOURCES = sorted((Path(__file__).resolve().parents[1] / "notebooks" / "src").glob("*.py"))
SETUP_CELL_MAX_LINES = 20


def _code_cells(src):
    return [c for c in jupytext.read(src, fmt="py:percent").cells if c.cell_type == "code"]


def _solution_lines(region: exercises.Region) -> list[str]:
    """The solution's lines worth looking for: comments dropped, whitespace squeezed, trivial lines skipped."""
    lines = []
    for line in region.lines:
        code = re.sub(r"\s+", " ", line.split("  #")[0].split(" # ")[0]).strip()
        if len(code) >= 12 and not code.startswith("#"):
            lines.append(code)
    return lines


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_every_exercise_has_an_idea_and_a_nudge_without_solution_code(src):
    for cell in _code_cells(src):
        for region in exercises.regions(cell.source):
            assert region.hint(1) and region.hint(2), f"{src.name}: an exercise lacks # HINT 1: or # HINT 2:"
            hints = _squeeze(region.hint(1) + " " + region.hint(2))
            leaked = [line for line in _solution_lines(region) if line in hints]
            assert not leaked, f"{src.name}: a hint holds solution code: {leaked}"


def _student(root, lesson):
    return nbformat.read(root / exercises.student_path(lesson.filename), as_version=4)


@pytest.mark.parametrize("lesson", course.LESSONS, ids=lambda l: l.number)
def test_student_hints_hold_no_solution_code(root, lesson):
    src = root / "notebooks" / "src" / f"{lesson.number}_{lesson.slug}.py"
    if not src.exists() or not (root / exercises.student_path(lesson.filename)).exists():
        pytest.skip("no student notebook")
    solutions = [line for c in _code_cells(src) for r in exercises.regions(c.source) for line in _solution_lines(r)]
    nb = _student(root, lesson)
    for cell in nb.cells:
        if exercises.EXERCISE_TAG in cell.metadata.get("tags", []):  # the exercise cell itself: no solution left
            assert not [s for s in solutions if s in _squeeze(cell.source)], f"{lesson.filename}: solution code shown"
        elif exercises.HINTS_TAG in cell.metadata.get("tags", []):
            folds = re.findall(r"<details><summary>([^<]*)</summary>(.*?)</details>", cell.source, re.S)
            hints = [body for summary, body in folds if ", hint " in summary]
            assert hints and all("```" not in h for h in hints)
            leaked = [s for s in solutions for h in hints if s in _squeeze(h)]
            assert not leaked, f"{lesson.filename}: a hint shows solution code: {leaked}"
            assert any("the solution" in summary for summary, _ in folds), "the solution fold is missing"


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_exercise_numbering_is_continuous(src):
    nb = jupytext.read(src, fmt="py:percent")
    count = sum(len(exercises.regions(c.source)) for c in nb.cells if c.cell_type == "code")
    named = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for match in re.finditer(r"\*\*Exercises? (\d+)", cell.source):
                if int(match.group(1)) not in named:
                    named.append(int(match.group(1)))
    assert named == list(range(1, count + 1)), f"{src.name}: the text names exercises {named}, the code has {count}"


def test_student_cells_are_numbered_like_the_text(root):
    builder_src = root / "notebooks" / "src" / "06_training.py"
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_notebooks", root / "tools" / "build_notebooks.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    nb = builder.notebook_from_source(builder_src, student=True)
    cell = next(c for c in nb.cells if exercises.EXERCISE_TAG in c.metadata.get("tags", []))
    assert cell.source.startswith("# Exercises 1 and 2")
    assert "Exercise 1: write this part" in cell.source and "Exercise 2: write this part" in cell.source


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_setup_cell_is_short(src):
    first = _code_cells(src)[0]  # the install cell is added by the builder, in front of this one
    lines = len(first.source.strip().splitlines())
    assert lines <= SETUP_CELL_MAX_LINES, f"{src.name}: setup cell has {lines} lines (at most 20)"


def test_graded_markers():
    cell = "\n".join(
        [
            "def f(x):",
            "    # HINT 1: the idea",
            "    # HINT 2: a nudge,",
            "    # HINT 2: in two lines",
            "    # BEGIN SOLUTION",
            "    return x + 1",
            "    # END SOLUTION",
        ]
    )
    (region,) = exercises.regions(cell)
    assert region.hint(1) == "the idea" and region.hint(2) == "a nudge, in two lines"
    student = exercises.student_source(cell, 3)
    assert student.startswith("# Exercise 3\n") and "return x + 1" not in student
    assert "Exercise 3: write this part" in student
    hints = exercises.hints_markdown(cell, 3)
    assert "Exercise 3, hint 1: the idea" in hints and "Exercise 3, hint 2: a nudge" in hints
    assert "```python\nreturn x + 1\n```" in hints  # the folded, non-runnable solution
    assert exercises.solution_source(cell, 3).startswith("# Exercise 3\n")
