"""Every notebook runs alone, as Colab runs it: copied into an empty folder, with the course installed by its
install cell instead of the repository checkout.

The throwaway environment is a venv without pip whose ``.pth`` file points at this interpreter's
site-packages, so torch and every other dependency are reused (never reinstalled) while ``hologan_lesson``
itself is not importable until the install cell installs it — a regular, non-editable install whose files are
only the package and its package data, like Colab's. pip runs offline (``--no-index``, no build isolation).

Each notebook is its own test class so that ``pytest -n 2 --dist loadscope`` spreads them over workers.

``HOLOGAN_LONE_FROM=src`` runs, instead of the committed notebooks/*.ipynb, the notebooks that
``tools/build_notebooks.py`` would build from notebooks/src now (to check lessons before rebuilding them).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from hologan_lesson.lessons import course

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LESSON_WITH_EXTRAS = max(course.LESSONS, key=lambda lesson: len(lesson.extras))  # lesson 07: "metrics"
EXTRA_MODULES = {"metrics": ("torchmetrics", "torch_fidelity", "scipy")}  # what each pyproject extra provides
OFFLINE_PIP = {
    "PIP_NO_INDEX": "1",
    "PIP_NO_BUILD_ISOLATION": "0",  # pip's env-var quirk: "0" turns build isolation OFF (use our setuptools)
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
NOTEBOOK_TIMEOUT_S = 600  # per cell; a `ci` notebook takes < 90 s in all


def _snapshot_of_checkout(dest: Path) -> Path:
    """The files ``pip install <checkout>`` builds from, copied so that the build never writes into the checkout
    (pip builds a local folder in place, and two xdist workers would race on its build/ folder)."""
    dest.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "hologan_lesson", dest / "hologan_lesson", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would make the checkout importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", course.SOURCE_ENV, "PYTHONHOME")}
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", "1")
    env.update(extra)
    return env


def _python_in_empty_dir(python: Path, code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(python), "-c", code], cwd=cwd, env=_clean_env(**env), capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="session")
def throwaway_env(tmp_path_factory) -> dict:
    """A venv that reuses this interpreter's packages, with the course installed by lesson 07's install cell
    from ``HOLOGAN_COURSE_SOURCE`` = a snapshot of the checkout (once per xdist worker, ~3 s)."""
    base = tmp_path_factory.mktemp("throwaway")
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    outer = [p for p in site.getsitepackages() + [site.getusersitepackages()] if Path(p).is_dir()]
    (purelib / "reuse_outer_site_packages.pth").write_text("\n".join(outer) + "\n")
    empty = base / "empty"
    empty.mkdir()
    before = _python_in_empty_dir(python, "import hologan_lesson", empty)
    source = _snapshot_of_checkout(base / "checkout")
    cell = course.install_cell_source(LESSON_WITH_EXTRAS)
    start = time.perf_counter()
    installed = _python_in_empty_dir(python, cell, empty, **OFFLINE_PIP, **{course.SOURCE_ENV: str(source)})
    return {
        "python": python,
        "purelib": purelib,
        "empty": empty,
        "source": source,
        "before": before,
        "installed": installed,
        "install_s": time.perf_counter() - start,
    }


def test_install_cell_installs_package_and_extras(throwaway_env):
    env = throwaway_env
    assert env["before"].returncode != 0 and "No module named 'hologan_lesson'" in env["before"].stderr, (
        "the throwaway environment must not see the checkout before the install cell runs"
    )
    installed = env["installed"]
    assert installed.returncode == 0, f"install cell failed:\n{installed.stdout}\n{installed.stderr}"
    assert f"installing {course.requirement(LESSON_WITH_EXTRAS, str(env['source']))}" in installed.stdout
    modules = [m for extra in LESSON_WITH_EXTRAS.extras for m in EXTRA_MODULES[extra]]
    probe = (
        "import importlib, json, hologan_lesson, torch\n"
        "from hologan_lesson import shipped\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps({'package': hologan_lesson.__file__, 'torch': torch.__file__,"
        " 'model': shipped.MODEL.is_file()}))"
    )
    result = _python_in_empty_dir(env["python"], probe, env["empty"])
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(found["package"]).is_relative_to(env["purelib"]), f"not a real install: {found['package']}"
    assert not Path(found["torch"]).is_relative_to(env["purelib"]), "torch was reinstalled"
    assert not list(env["purelib"].glob("torch*")), "torch was reinstalled into the throwaway environment"
    assert found["model"], "the shipped checkpoint is not in the installed package (package-data)"
    # Once installed, the cell does nothing (no source set, the package imports).
    again = _python_in_empty_dir(env["python"], course.install_cell_source(LESSON_WITH_EXTRAS), env["empty"])
    assert again.returncode == 0 and "installing" not in again.stdout, again.stdout + again.stderr


@pytest.mark.parametrize("lesson", course.LESSONS, ids=lambda lesson: lesson.number)
@pytest.mark.parametrize("importable", [True, False], ids=["inside-checkout", "alone"])
def test_install_cell_decides_and_names_the_extras(monkeypatch, lesson, importable):
    """Without a source set, the cell installs from ``REPO`` exactly when the package is missing."""
    import importlib.util

    calls = []
    real_find_spec = importlib.util.find_spec
    monkeypatch.delenv(course.SOURCE_ENV, raising=False)
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: (real_find_spec(name, *a) if importable else None) if name == "hologan_lesson" else None,
    )
    monkeypatch.setattr(importlib, "invalidate_caches", lambda: None)
    exec(compile(course.install_cell_source(lesson), "<install cell>", "exec"), {})
    if importable:
        assert calls == []
    else:
        assert calls == [course.install_command(lesson, course.pip_install_target())]
        assert calls[0][-1].startswith(f"hologan-lesson{'[metrics]' if 'metrics' in lesson.extras else ''} @ git+")


def _relative_path_literals(code: str) -> list[str]:
    """String literals in ``code`` that name a path above the notebook's folder (``../x``)."""
    import io
    import tokenize

    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())
    found = []
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.STRING:
            body = token.string.lstrip("rbuRBUfF").strip("'\"")
            if body.startswith(("../", "..\\")) or body == "..":
                found.append(f"line {token.start[0]}: {token.string}")
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_paths_above_the_notebook(notebook):
    """A lesson finds what it reads through the package (``hologan_lesson.shipped``) and writes into its own
    folder (``runs/...``), never through ``../``: next to a lone copy (Colab's /content) such a path does not exist
    or lands outside the course. Under ``cpu``/``gpu`` only, so the ``ci`` runs below cannot see it."""
    nb = nbformat.read(notebook, as_version=4)
    found = [
        f"cell {i}, {hit}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for hit in _relative_path_literals(cell.source)
    ]
    hint = "read through hologan_lesson.shipped, write under runs/"
    assert not found, f"{notebook.name} uses paths above its folder ({hint}): {found}"


def _builder():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _LoneNotebook:
    """Executes one notebook copied alone into an empty folder, under ``HOLOGAN_PROFILE=ci``."""

    notebook: Path

    def test_runs_alone(self, throwaway_env, tmp_path, monkeypatch):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient

        assert throwaway_env["installed"].returncode == 0, "the install cell failed (see the install test)"
        folder = tmp_path / "alone"
        folder.mkdir()
        copy = folder / self.notebook.name
        if os.environ.get("HOLOGAN_LONE_FROM") == "src":
            nbformat.write(
                _builder().notebook_from_source(ROOT / "notebooks" / "src" / f"{self.notebook.stem}.py"), copy
            )
        else:
            shutil.copy2(self.notebook, copy)
        kernels = tmp_path / "kernels"
        (kernels / "lone").mkdir(parents=True)
        argv = [str(throwaway_env["python"]), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        spec = {"argv": argv, "display_name": "lone", "language": "python"}
        (kernels / "lone" / "kernel.json").write_text(json.dumps(spec))
        for key, value in _clean_env(HOLOGAN_PROFILE="ci").items():
            monkeypatch.setenv(key, value)
        for key in ("PYTHONPATH", course.SOURCE_ENV, "PYTHONHOME"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        km = KernelManager(kernel_name="lone", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
        nb = nbformat.read(copy, as_version=4)
        client = NotebookClient(
            nb, km=km, timeout=NOTEBOOK_TIMEOUT_S, allow_errors=False, resources={"metadata": {"path": str(folder)}}
        )
        client.execute()
        outside = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("alone", "kernels"))
        assert not outside, f"{self.notebook.name} wrote next to its folder (a path relative to it): {outside}"


for _nb in NOTEBOOKS:
    _name = "TestAlone_" + _nb.stem
    globals()[_name] = type(_name, (_LoneNotebook,), {"notebook": _nb})
