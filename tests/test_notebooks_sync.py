"""Notebooks are built from notebooks/src and carry badges written from hologan_lesson.course."""

import importlib.util
import json

import pytest

from hologan_lesson.lessons import course


def load_builder(root):
    spec = importlib.util.spec_from_file_location("build_notebooks", root / "tools" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebooks_in_sync_with_sources(root):
    problems = load_builder(root).out_of_sync()
    assert not problems, "run `python tools/build_notebooks.py ...`:\n" + "\n".join(problems)


def test_every_source_is_a_registered_lesson(root):
    stems = {f"{l.number}_{l.slug}" for l in course.LESSONS}
    for src in (root / "notebooks" / "src").glob("*.py"):
        assert src.stem in stems, f"{src.name} is not in course.LESSONS"


@pytest.mark.parametrize("lesson", course.LESSONS, ids=lambda l: l.number)
def test_notebook_header_and_metadata(root, lesson):
    path = root / lesson.path
    if not (root / "notebooks" / "src" / f"{lesson.number}_{lesson.slug}.py").exists():
        pytest.fail(f"lesson {lesson.number} has no source in notebooks/src")
    nb = json.loads(path.read_text())
    first = "".join(nb["cells"][0]["source"])
    assert course.colab_url(lesson.path) in first
    install = "".join(nb["cells"][1]["source"])
    assert install == course.install_cell_source(lesson) and course.pip_install_target() in install
    assert ("accelerator" in nb["metadata"]) == (lesson.device == "GPU")
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert "image/svg+xml" not in out.get("data", {}), f"{path.name}: SVG output (use PNG)"
            assert out.get("output_type") != "error", f"{path.name}: stored error output"


def test_badges_follow_one_setting(root, monkeypatch):
    builder = load_builder(root)
    monkeypatch.setattr(course, "REPO", "someone/elsewhere")
    table = builder.lesson_table()
    assert "someone/elsewhere/blob/main/notebooks/00_welcome.ipynb" in table
    cells = builder.header_cells(course.LESSONS[0])
    assert "someone/elsewhere" in cells[0].source and "someone/elsewhere" in cells[1].source
