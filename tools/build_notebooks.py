"""Build the course notebooks from their sources and execute them so that outputs are stored.

Sources are jupytext "percent" scripts in notebooks/src/NN_slug.py. Each built notebook gets two header
cells written from hologan_lesson.lessons.course (the Colab badge and the Colab-only install cell), so changing
course.REPO and running ``--headers-only`` updates every badge in one edit.

    python tools/build_notebooks.py                 # build + execute all (HOLOGAN_PROFILE=cpu)
    python tools/build_notebooks.py 01 02           # only these lessons
    python tools/build_notebooks.py --headers-only  # rewrite badges/install cells, student notebooks + README table
    python tools/build_notebooks.py --check         # exit 1 if notebooks or README are out of sync

Every build also writes the unexecuted student notebook notebooks/student/NN_slug.ipynb: code between
``# BEGIN SOLUTION`` / ``# END SOLUTION`` becomes ``raise NotImplementedError("Exercise K: ...")``, and a
markdown cell under the exercise folds its ``# HINT 1:`` / ``# HINT 2:`` text and the solution (see
hologan_lesson/lessons/exercises.py); the executed solution notebook shows that code without the markers.

Markdown may quote stored results with ``{{ fact:name }}`` placeholders, filled in from
hologan_lesson/lessons/facts.py at build time; ``--check`` reports a notebook whose text no longer matches them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hologan_lesson.lessons import course, exercises, facts  # noqa: E402

NB_DIR = ROOT / "notebooks"
SRC_DIR = NB_DIR / "src"
STUDENT_DIR = NB_DIR / exercises.STUDENT_DIR
README = ROOT / "README.md"
TABLE_START, TABLE_END = "<!-- lessons:start -->", "<!-- lessons:end -->"
HEADER_TAG = "course-header"


def header_cells(lesson: course.Lesson, student: bool = False) -> list:
    if student:
        badge = nbformat.v4.new_markdown_cell(
            f"{course.colab_badge(exercises.student_path(lesson.filename))}\n\n"
            "**Student version.** Each exercise cell (it starts with `# Exercise K`) raises `NotImplementedError`. "
            "The loop: **write** your code in place of the `raise` line and run the cell; **check** it with the "
            "cell below, which says what is wrong; if you are stuck, open the folded hints under the exercise, "
            "one at a time (the idea, a nudge, then the solution); **compare** with the solved, executed lesson "
            f"[../{lesson.filename}](../{lesson.filename})."
        )
    else:
        badge = nbformat.v4.new_markdown_cell(course.colab_badge(lesson.path))
    install = nbformat.v4.new_code_cell(course.install_cell_source(lesson))
    for cell in (badge, install):
        cell.metadata["tags"] = [HEADER_TAG]
    return [badge, install]


def lesson_for(src: Path) -> course.Lesson:
    for lesson in course.LESSONS:
        if f"{lesson.number}_{lesson.slug}" == src.stem:
            return lesson
    raise SystemExit(f"{src} has no entry in hologan_lesson/course.py LESSONS; add one first")


def notebook_from_source(src: Path, student: bool = False) -> nbformat.NotebookNode:
    """The solution notebook of a source (or, with ``student``, its student version), not executed."""
    lesson = lesson_for(src)
    nb = jupytext.read(src, fmt="py:percent")
    cells, number = [], 1  # exercises are numbered from 1 through the whole lesson
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type == "markdown":
            cell.source = facts.render(cell.source)
            if student:
                cell.source = exercises.student_markdown(cell.source)
        if cell.cell_type != "code":
            continue
        if not exercises.has_exercise(cell.source):
            continue
        tags = cell.metadata.setdefault("tags", [])
        if exercises.EXERCISE_TAG not in tags:
            tags.append(exercises.EXERCISE_TAG)
        original, count = cell.source, len(exercises.regions(cell.source))
        cell.source = (exercises.student_source if student else exercises.solution_source)(original, number)
        if student:  # the graded hints and the folded solution, right under the exercise cell
            hints = nbformat.v4.new_markdown_cell(exercises.hints_markdown(original, number))
            hints.metadata["tags"] = [exercises.HINTS_TAG]
            cells.append(hints)
        number += count
    nb.cells = header_cells(lesson, student) + cells
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    }
    if lesson.device == "GPU":
        nb.metadata["accelerator"] = "GPU"
    return nb


def set_headers(nb: nbformat.NotebookNode, lesson: course.Lesson, student: bool = False) -> nbformat.NotebookNode:
    body = [c for c in nb.cells if HEADER_TAG not in c.get("metadata", {}).get("tags", [])]
    fresh = header_cells(lesson, student)
    old = [c for c in nb.cells if HEADER_TAG in c.get("metadata", {}).get("tags", [])]
    if len(old) == 2 and old[1].cell_type == "code":  # keep the executed state of the install cell
        fresh[1]["execution_count"] = old[1].get("execution_count")
    nb.cells = fresh + body
    if lesson.device == "GPU":
        nb.metadata["accelerator"] = "GPU"
    return nb


def execute(nb: nbformat.NotebookNode, profile: str) -> float:
    os.environ["HOLOGAN_PROFILE"] = profile
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    start = time.perf_counter()
    NotebookClient(nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(NB_DIR)}}).execute()
    return time.perf_counter() - start


def lesson_table() -> str:
    rows = ["| # | Lesson | What you build | Runs on | Colab |", "|---|---|---|---|---|"]
    for lesson in course.LESSONS:
        rows.append(
            f"| {lesson.number} | [{lesson.title}]({lesson.path}) | {lesson.builds} | {lesson.device} | "
            f"{course.colab_badge(lesson.path)} |"
        )
    return "\n".join(rows)


def readme_with_table(text: str) -> str:
    if TABLE_START not in text or TABLE_END not in text:
        raise SystemExit(f"README.md lacks the {TABLE_START} / {TABLE_END} markers")
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n{lesson_table()}\n{TABLE_END}{tail}"


def code_bodies(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [
        (c.cell_type, c.source.strip()) for c in nb.cells if HEADER_TAG not in c.get("metadata", {}).get("tags", [])
    ]


def out_of_sync() -> list[str]:
    """Names of notebooks (and README) that do not match their sources / course.py."""
    problems = []
    for src in sorted(SRC_DIR.glob("*.py")):
        lesson = lesson_for(src)
        target = NB_DIR / lesson.filename
        if not target.exists():
            problems.append(f"{target.name}: missing (build it)")
            continue
        built = nbformat.read(target, as_version=4)
        if code_bodies(built) != code_bodies(notebook_from_source(src)):
            problems.append(f"{target.name}: cells differ from {src.relative_to(ROOT)}")
        want = header_cells(lesson)
        have = [c for c in built.cells if HEADER_TAG in c.get("metadata", {}).get("tags", [])]
        if [c.source for c in have] != [c.source for c in want]:
            problems.append(f"{target.name}: header cells do not match course.py")
        if any(c.cell_type == "code" and c.get("execution_count") is None for c in built.cells):
            problems.append(f"{target.name}: has unexecuted code cells (store executed notebooks)")
        problems += student_out_of_sync(src, lesson)
    if README.exists() and readme_with_table(README.read_text()) != README.read_text():
        problems.append("README.md: lesson table is out of date")
    return problems


def student_out_of_sync(src: Path, lesson: course.Lesson) -> list[str]:
    """Problems with the student notebook of one lesson (missing, stale, or stored with outputs)."""
    target = STUDENT_DIR / lesson.filename
    name = f"{exercises.STUDENT_DIR}/{target.name}"
    if not target.exists():
        return [f"{name}: missing (build the lesson)"]
    built = nbformat.read(target, as_version=4)
    want = notebook_from_source(src, student=True)
    problems = []
    if [(c.cell_type, c.source) for c in built.cells] != [(c.cell_type, c.source) for c in want.cells]:
        problems.append(f"{name}: cells differ from {src.relative_to(ROOT)}")
    if any(c.get("outputs") or c.get("execution_count") is not None for c in built.cells if c.cell_type == "code"):
        problems.append(f"{name}: has outputs (store student notebooks unexecuted)")
    return problems


def write_student(src: Path) -> Path:
    """Write the unexecuted student notebook of ``src``."""
    target = STUDENT_DIR / lesson_for(src).filename
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook_from_source(src, student=True), target)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lessons", nargs="*", help="lesson numbers to build (default: all)")
    ap.add_argument("--profile", default="cpu", help="HOLOGAN_PROFILE for execution (default cpu)")
    ap.add_argument("--headers-only", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)

    if args.check:
        problems = out_of_sync()
        for p in problems:
            print(p)
        return 1 if problems else 0

    if args.headers_only:
        for lesson in course.LESSONS:
            target = NB_DIR / lesson.filename
            if target.exists():
                nbformat.write(set_headers(nbformat.read(target, as_version=4), lesson), target)
        for src in sorted(SRC_DIR.glob("*.py")):  # student notebooks are unexecuted: rewrite them whole
            write_student(src)
        README.write_text(readme_with_table(README.read_text()))
        return 0

    sources = sorted(SRC_DIR.glob("*.py"))
    if args.lessons:
        sources = [s for s in sources if s.stem.split("_", 1)[0] in args.lessons]
        if not sources:
            raise SystemExit(f"no sources in {SRC_DIR} for lessons {args.lessons}")
    for src in sources:
        nb = notebook_from_source(src)
        seconds = execute(nb, args.profile)
        target = NB_DIR / lesson_for(src).filename
        nbformat.write(nb, target)
        print(f"{target.relative_to(ROOT)}: executed in {seconds:.1f} s (profile {args.profile})")
        print(f"{write_student(src).relative_to(ROOT)}: written (unexecuted)")
    README.write_text(readme_with_table(README.read_text()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
