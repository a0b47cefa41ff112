"""Small things a user sees: one progress switch, no elevation sweeps for a fixed elevation, one main-command
marker in the README, and the course's public address typed in one place."""

import re
from pathlib import Path

import pytest
import torch

from hologan_lesson.config import make_config
from hologan_lesson.lessons import course
from hologan_lesson.train import write_view_sweeps
from hologan_lesson.utils import progress_bar, progress_bars

ROOT = Path(__file__).resolve().parents[1]


def test_one_switch_silences_every_bar():
    assert progress_bar(range(3), show=False).disable
    with progress_bars(False):  # what --no-progress does around the whole command
        for show in (True, None):
            assert progress_bar(range(3), show=show).disable
        with progress_bars(True):  # an inner block cannot switch the bars back on
            assert progress_bar(range(3), show=True).disable
    bar = progress_bar(range(3), show=True)
    assert not bar.disable
    bar.close()


def test_the_package_draws_bars_only_through_the_switch():
    direct = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "hologan_lesson").rglob("*.py"))
        if "tqdm" in path.read_text() and path.name != "utils.py"
    ]
    assert direct == [], f"use utils.progress_bar, not tqdm, in {direct}"


@pytest.mark.parametrize(("elevation", "kinds"), [((0.0, 0.0), {"azimuth"}), ((0.0, 30.0), {"azimuth", "elevation"})])
def test_a_fixed_elevation_writes_no_elevation_sweep(tmp_path, elevation, kinds):
    cfg = make_config("ci", overrides=[f"data.elevation_range=({elevation[0]}, {elevation[1]})"])

    def render(z, views):  # (n, 3, 8, 8) in [-1, 1]: the sweep's files, not the pictures, are tested
        return torch.zeros(len(views), 3, 8, 8)

    out = write_view_sweeps(render, torch.zeros(2, 4), cfg, tmp_path, step=5, frames=3)
    assert {key.split("_")[0] for key in out} == kinds
    assert {p.name.split("_")[0] for p in (tmp_path / "sweeps").iterdir()} == kinds


def test_the_readme_holds_one_main_command():
    readme = (ROOT / "README.md").read_text()
    assert readme.count("<!-- main-command -->") == 1
    assert re.search(r"<!-- main-command -->\s*```bash\n.*python -m hologan_lesson demo", readme)


def test_the_public_address_is_typed_once():
    """``course.REPO`` is the one place; the README's lesson table is generated from it."""
    readme = (ROOT / "README.md").read_text()
    start, end = readme.index("<!-- lessons:start -->"), readme.index("<!-- lessons:end -->")
    texts = {"README.md": readme[:start] + readme[end:]}
    for folder in ("hologan_lesson", "notebooks/src", "tools", "bench", "tests", "docs", "data_scripts"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".md", ".toml") and path.is_file():
                texts[str(path.relative_to(ROOT))] = path.read_text()
    texts["pyproject.toml"] = (ROOT / "pyproject.toml").read_text()
    typed = sorted(name for name, text in texts.items() if course.REPO in text)
    assert typed == ["hologan_lesson/lessons/course.py"], typed
