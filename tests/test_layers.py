"""The package's layers (docs/CONTRIBUTING.md, "Layers"): every import runs downwards, and every file fits on a screen.

Imports are read with ``tools/import_graph.py`` (every ``import`` of a package module, at the top of a file or
inside a function). A part may import the parts in the layers below it; parts in the same layer may import each
other only where the layer says so. A new top-level module or subpackage must be placed in ``LAYERS``.
"""

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "hologan_lesson"
MAX_LINES = 450
SIZED = ("hologan_lesson", "bench", "tools", "notebooks/src")  # every .py under these fits on a screen

# Bottom to top: (parts, whether the parts of that layer may import each other). "" is the package's __init__.
LAYERS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("", "utils", "profile", "envcheck", "shipped", "gpu_results", "pose_ranges"), True),  # leaves: no model, no data
    (("config",), False),  # every setting and the presets
    (("model", "data"), False),  # the networks know no data, the data no networks
    (("runs", "viz", "widgets", "batches", "distributed"), True),  # run folders, pictures, batches, processes
    (("train", "eval", "explorer"), False),  # evaluation only reads run folders: it never trains
    (("experiments",), False),  # trains several runs, then scores them
    (("cli", "__main__", "lessons"), True),  # what people run
)
EXPERIMENT_USERS = {"cli", "lessons"}  # the only parts (with the lessons' notebooks) that import experiments


def _load_import_graph():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "tools" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def edges() -> dict[str, set[str]]:
    return _load_import_graph().graph(ROOT)[0]


def part(module: str) -> str:
    """``hologan_lesson.eval.run`` -> ``eval``; the package's own ``__init__`` -> ``""``."""
    return module.split(".")[1] if "." in module else ""


def layer_of(name: str) -> int:
    for rank, (parts, _) in enumerate(LAYERS):
        if name in parts:
            return rank
    raise AssertionError(f"{PACKAGE}.{name} is in no layer: add it to LAYERS here and to docs/CONTRIBUTING.md")


def wrong_way(edges: dict[str, set[str]]) -> list[str]:
    """Every import that runs against the layers, as ``a -> b (why)``."""
    problems = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            a, b = part(source), part(target)
            if a == b:
                continue
            la, lb = layer_of(a), layer_of(b)
            if lb > la:
                problems.append(f"{source} -> {target} ({b or PACKAGE} is above {a or PACKAGE})")
            elif lb == la and not LAYERS[la][1]:
                problems.append(f"{source} -> {target} ({a} and {b} are independent parts of one layer)")
    return problems


def reaches(edges: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """An import chain from any module of part ``start`` to any module of part ``goal``, or None."""
    todo = [[m] for m in edges if part(m) == start]
    seen = {path[0] for path in todo}
    while todo:
        path = todo.pop()
        for nxt in edges[path[-1]]:
            if part(nxt) == goal:
                return [*path, nxt]
            if nxt not in seen:
                seen.add(nxt)
                todo.append([*path, nxt])
    return None


def test_every_part_has_a_layer(edges):
    for module in edges:
        layer_of(part(module))


def test_no_import_runs_the_wrong_way(edges):
    problems = wrong_way(edges)
    assert not problems, "imports against the layers (docs/CONTRIBUTING.md):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(
    ("start", "goal"),
    [("model", "data"), ("config", "data"), ("eval", "train"), ("eval", "experiments"), ("data", "model")],
)
def test_forbidden_chains(edges, start, goal):
    chain = reaches(edges, start, goal)
    assert chain is None, f"{start} reaches {goal}: " + " -> ".join(chain)


def _imports_of_file(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_only_the_cli_and_the_lessons_import_experiments(edges):
    users = sorted(m for m, targets in edges.items() if any(part(t) == "experiments" for t in targets))
    wrong = [m for m in users if part(m) not in EXPERIMENT_USERS | {"experiments"}]
    outside = [
        str(path.relative_to(ROOT))
        for folder in ("bench", "tools", "data_scripts")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if any(name.startswith(f"{PACKAGE}.experiments") for name in _imports_of_file(path))
    ]
    assert not wrong + outside, f"only cli and lessons may import {PACKAGE}.experiments: {wrong + outside}"


def test_the_checker_catches_a_wrong_arrow(edges):
    """The test above would fail for each of the arrows the layers forbid."""
    for source, target in [
        ("hologan_lesson.model.rotation", "hologan_lesson.data.catalogue"),
        ("hologan_lesson.config", "hologan_lesson.data"),
        ("hologan_lesson.eval.ablate", "hologan_lesson.train"),
        ("hologan_lesson.train", "hologan_lesson.experiments.ablate"),
        ("hologan_lesson.runs", "hologan_lesson.cli"),
    ]:
        bad = {m: set(t) for m, t in edges.items()}
        bad.setdefault(source, set()).add(target)
        assert any(p.startswith(f"{source} -> {target}") for p in wrong_way(bad)), (source, target)


def test_every_file_fits_on_a_screen():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for folder in SIZED
        for path in (ROOT / folder).rglob("*.py")
    }
    assert len(sizes) > 50  # the folders were found
    long = {name: n for name, n in sorted(sizes.items()) if n > MAX_LINES}
    assert not long, f"files over {MAX_LINES} lines (split them where the story breaks): {long}"
