"""Structure picture of the package: files, module sizes, intra-package import edges and cycles.

    python tools/import_graph.py [--top 8] [--edges]

Edges count every ``import`` of another ``hologan_lesson`` module (top level or inside a function); a package
``__init__`` is a node of its own. Cycles are strongly connected components with more than one module.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

PACKAGE = "hologan_lesson"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def resolve(node: ast.ImportFrom, current: str, is_package: bool, modules: set[str]) -> list[str]:
    if node.level:
        base = current.split(".")
        base = base if is_package else base[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    out = []
    for alias in node.names:
        candidate = f"{prefix}.{alias.name}"
        out.append(candidate if candidate in modules else prefix)
    return out


def graph(root: Path) -> tuple[dict[str, set[str]], dict[str, int]]:
    files = sorted((root / PACKAGE).rglob("*.py"))
    modules = {module_name(f, root): f for f in files}
    names = set(modules)
    edges: dict[str, set[str]] = {m: set() for m in modules}
    lines = {}
    for mod, path in modules.items():
        text = path.read_text()
        lines[mod] = len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = resolve(node, mod, path.name == "__init__.py", names)
            for t in targets:
                while t and t not in names:
                    t = t.rpartition(".")[0]
                if t and t != mod and t.startswith(PACKAGE):
                    edges[mod].add(t)
    return edges, lines


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--edges", action="store_true")
    args = ap.parse_args()
    root = Path(args.root)
    edges, lines = graph(root)
    pkg = root / PACKAGE
    top = sorted(p.name for p in pkg.glob("*.py"))
    print(
        f"top-level .py files: {len(top)}; top-level entries (files + subpackages): "
        f"{len(top) + sum(1 for p in pkg.iterdir() if p.is_dir() and (p / '__init__.py').exists())}"
    )
    print(f"all .py files: {len(lines)}; lines: {sum(lines.values())}")
    print(
        "largest modules: " + ", ".join(f"{m} {n}" for m, n in sorted(lines.items(), key=lambda x: -x[1])[: args.top])
    )
    print(f"intra-package import edges: {sum(len(v) for v in edges.values())}")
    units = {m: ".".join(m.split(".")[:2]) for m in edges}  # a top-level file or subpackage
    between = {(units[a], units[b]) for a, targets in edges.items() for b in targets if units[a] != units[b]}
    print(f"import edges between top-level entries (files, subpackages): {len(between)}")
    found = cycles(edges)
    print(f"import cycles: {len(found)}" + "".join(f"\n  {' <-> '.join(c)}" for c in found))
    if args.edges:
        for m in sorted(edges):
            print(f"{m} -> {', '.join(sorted(edges[m]))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
