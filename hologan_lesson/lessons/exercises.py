"""Solution regions in lesson sources, graded hints, and the student notebooks made from them.

In a code cell of ``notebooks/src/NN_slug.py`` mark the lines a student should write, with two graded hints::

    def my_identity_loss(z_hat, z):
        # HINT 1: the idea: how far the regressed code is from the true one, one number for the batch
        # HINT 2: a nudge: square the differences, then average over every entry
        # BEGIN SOLUTION
        return (z_hat - z).pow(2).mean()
        # END SOLUTION

* solution notebook (``notebooks/NN_slug.ipynb``): the hint and marker lines are dropped, the code between
  them is kept;
* student notebook (``notebooks/student/NN_slug.ipynb``): each region becomes
  ``raise NotImplementedError("Exercise K: ...")`` at the indentation of ``# BEGIN SOLUTION``, and a markdown
  cell right after the exercise cell holds, folded in ``<details>`` blocks, hint 1 (the idea), hint 2 (a
  nudge) and last the full solution as a fenced, non-runnable code block. A hint never holds solution code
  (``tests/test_exercises.py`` checks that no line of a solution appears in a hint).

Hint lines of one level are joined with spaces; ``# HINT:`` counts as level 1. Regions are numbered from 1 in
the order they appear in the lesson, so the numbering is continuous; each exercise cell starts with a comment
naming its exercise(s) (``# Exercise 2``), which the friendly error messages quote. A cell holding a region is
tagged ``exercise`` in both notebooks. Markdown links that climb out of ``notebooks/`` (``](../``) get one more
``../`` in the student copy, which lives one folder deeper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

STUDENT_DIR = "student"
EXERCISE_TAG = "exercise"
HINTS_TAG = "hints"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
HINT = re.compile(r"^# HINT(?: ([12]))?:")
HINT_NAMES = {1: "the idea", 2: "a nudge"}
_MARKER = re.compile(r"^\s*(# BEGIN SOLUTION|# END SOLUTION|# HINT(?: [12])?:)", re.M)
_LABEL = re.compile(r"^# Exercises? \d+(?:(?:, | and )\d+)*$")


@dataclass
class Region:
    """One exercise: the solution lines, where they sit, and the hints by level."""

    lines: list[str]
    indent: str
    hints: dict[int, list[str]] = field(default_factory=dict)

    def hint(self, level: int) -> str:
        return " ".join(self.hints.get(level, []))

    @property
    def code(self) -> str:
        """The solution lines, dedented to the region's indentation."""
        return "\n".join(line[len(self.indent) :] if line.startswith(self.indent) else line for line in self.lines)


def student_path(filename: str) -> str:
    """Repository path of the student notebook for a lesson notebook ``filename`` (``NN_slug.ipynb``)."""
    return f"notebooks/{STUDENT_DIR}/{filename}"


def has_exercise(source: str) -> bool:
    """Whether a code cell's source holds a solution region."""
    return any(line.strip() == BEGIN for line in source.splitlines())


def _split(source: str) -> list[list[str] | Region]:
    """Parse into text chunks (lists of lines) and solution regions."""
    chunks: list[list[str] | Region] = []
    text: list[str] = []
    hints: dict[int, list[str]] = {}
    region: Region | None = None
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        hint = HINT.match(stripped)
        if region is None:
            if hint:
                hints.setdefault(int(hint.group(1) or 1), []).append(stripped[hint.end() :].strip())
            elif stripped == BEGIN:
                chunks.append(text)
                text, region = [], Region([], line[: len(line) - len(line.lstrip())], hints)
                hints = {}
            elif stripped == END:
                raise ValueError(f"line {number}: {END} without {BEGIN}")
            else:
                text.append(line)
        elif stripped == END:
            chunks.append(region)
            region = None
        elif stripped == BEGIN or hint:
            raise ValueError(f"line {number}: {stripped!r} inside a solution region")
        else:
            region.lines.append(line)
    if region is not None:
        raise ValueError(f"{BEGIN} without {END}")
    if hints:
        raise ValueError(f"hint line(s) not followed by a {BEGIN} region: {hints}")
    chunks.append(text)
    return chunks


def regions(source: str) -> list[Region]:
    """The solution regions of a cell, in order."""
    return [c for c in _split(source) if isinstance(c, Region)] if _MARKER.search(source) else []


def exercise_label(first: int, count: int) -> str:
    """The comment that opens an exercise cell: ``# Exercise 3`` or ``# Exercises 1 and 2``."""
    numbers = [str(first + i) for i in range(count)]
    if count == 1:
        return f"# Exercise {numbers[0]}"
    return f"# Exercises {', '.join(numbers[:-1])} and {numbers[-1]}"


def _labelled(lines: list[str], first: int | None, count: int) -> list[str]:
    if first is None or not count or (lines and _LABEL.match(lines[0].strip())):
        return lines
    return [exercise_label(first, count), *lines]


def solution_source(source: str, first: int | None = None) -> str:
    """The cell as the solution notebook shows it: markers and hints removed, solutions kept.

    With ``first`` (the number of the cell's first exercise) the cell opens with its exercise label."""
    if not _MARKER.search(source):
        return source
    chunks = _split(source)
    lines = [line for chunk in chunks for line in (chunk.lines if isinstance(chunk, Region) else chunk)]
    return "\n".join(_labelled(lines, first, sum(isinstance(c, Region) for c in chunks)))


def student_source(source: str, first: int | None = None) -> str:
    """The cell as the student notebook shows it: each region replaced by ``raise NotImplementedError(...)``."""
    if not _MARKER.search(source):
        return source
    out: list[str] = []
    number = first or 1
    chunks = _split(source)
    for chunk in chunks:
        if isinstance(chunk, Region):
            where = "the hints are in the cell below" if first is not None else chunk.hint(1) or "write this part"
            message = f"Exercise {number}: write this part ({where})" if first is not None else where
            out.append(f"{chunk.indent}raise NotImplementedError({message!r})")
            number += 1
        else:
            out.extend(chunk)
    return "\n".join(_labelled(out, first, sum(isinstance(c, Region) for c in chunks)))


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def hints_markdown(source: str, first: int) -> str:
    """The folded hints and solution shown under an exercise cell in the student notebook."""
    parts = ["**Stuck?** Open one fold at a time: first the idea, then a nudge, and only then the solution."]
    for number, region in enumerate(regions(source), first):
        for level, name in HINT_NAMES.items():
            if region.hint(level):
                parts.append(_details(f"Exercise {number}, hint {level}: {name}", region.hint(level)))
        parts.append(
            _details(
                f"Exercise {number}: the solution (try the hints first)",
                f"```python\n{region.code}\n```\n\nType it in yourself rather than copying it: the check cell "
                "only tells you something about code you wrote.",
            )
        )
    return "\n\n".join(parts)


def student_markdown(source: str) -> str:
    """Markdown for the student copy: links out of ``notebooks/`` climb one more folder."""
    return source.replace("](../", "](../../")
