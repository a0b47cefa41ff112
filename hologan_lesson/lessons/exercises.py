"""Solution regions in lesson sources, and the student notebooks made from them.

In a code cell of ``notebooks/src/NN_slug.py`` mark the lines a student should write::

    def my_identity_loss(z_hat, z):
        # HINT: the mean over all entries of (z_hat - z) ** 2
        # BEGIN SOLUTION
        return (z_hat - z).pow(2).mean()
        # END SOLUTION

* solution notebook (``notebooks/NN_slug.ipynb``): the ``# HINT:`` and ``# BEGIN/END SOLUTION`` lines are
  dropped, the code between them is kept;
* student notebook (``notebooks/student/NN_slug.ipynb``): the ``# HINT:`` lines and the region are replaced by
  ``raise NotImplementedError("<hint>")`` at the indentation of ``# BEGIN SOLUTION``.

``# HINT:`` lines belong to the next region (several lines are joined with spaces); a cell may hold several
regions. A cell holding a region is tagged ``exercise`` in both notebooks. Markdown links that climb out of
``notebooks/`` (``](../``) get one more ``../`` in the student copy, which lives one folder deeper.
"""

from __future__ import annotations

import re

STUDENT_DIR = "student"
EXERCISE_TAG = "exercise"
BEGIN, END, HINT = "# BEGIN SOLUTION", "# END SOLUTION", "# HINT:"
_MARKER = re.compile(r"^\s*(# BEGIN SOLUTION|# END SOLUTION|# HINT:)", re.M)


def student_path(filename: str) -> str:
    """Repository path of the student notebook for a lesson notebook ``filename`` (``NN_slug.ipynb``)."""
    return f"notebooks/{STUDENT_DIR}/{filename}"


def has_exercise(source: str) -> bool:
    """Whether a code cell's source holds a solution region."""
    return any(line.strip() == BEGIN for line in source.splitlines())


def _split(source: str) -> list[tuple[str, list[str], str, list[str]]]:
    """Parse into ``(kind, lines, indent, hint)`` chunks: kind ``"text"`` or ``"solution"``."""
    chunks: list[tuple[str, list[str], str, list[str]]] = []
    text: list[str] = []
    hint: list[str] = []
    region: list[str] | None = None
    indent = ""
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if region is None:
            if stripped.startswith(HINT):
                hint.append(stripped[len(HINT) :].strip())
            elif stripped == BEGIN:
                chunks.append(("text", text, "", []))
                text, region, indent = [], [], line[: len(line) - len(line.lstrip())]
            elif stripped == END:
                raise ValueError(f"line {number}: {END} without {BEGIN}")
            else:
                text.append(line)
        elif stripped == END:
            chunks.append(("solution", region, indent, hint))
            region, hint = None, []
        elif stripped == BEGIN or stripped.startswith(HINT):
            raise ValueError(f"line {number}: {stripped!r} inside a solution region")
        else:
            region.append(line)
    if region is not None:
        raise ValueError(f"{BEGIN} without {END}")
    if hint:
        raise ValueError(f"{HINT} line(s) not followed by a {BEGIN} region: {hint}")
    chunks.append(("text", text, "", []))
    return chunks


def solution_source(source: str) -> str:
    """The cell as the solution notebook shows it: markers and hints removed, solutions kept."""
    if not _MARKER.search(source):
        return source
    return "\n".join(line for _, lines, _, _ in _split(source) for line in lines)


def student_source(source: str) -> str:
    """The cell as the student notebook shows it: each region replaced by ``raise NotImplementedError(hint)``."""
    if not _MARKER.search(source):
        return source
    out: list[str] = []
    for kind, lines, indent, hint in _split(source):
        if kind == "text":
            out.extend(lines)
        else:
            message = " ".join(hint) or "write this part"
            out.append(f"{indent}raise NotImplementedError({message!r})")
    return "\n".join(out)


def student_markdown(source: str) -> str:
    """Markdown for the student copy: links out of ``notebooks/`` climb one more folder."""
    return source.replace("](../", "](../../")
