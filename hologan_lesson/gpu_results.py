"""Results of a GPU session (``tools/gpu_session.py``), as stored in the repository, for lessons 06 and 07.

One call of ``tools/gpu_session.py`` on a GPU measures the ``gpu`` and ``colab`` presets, the speed modes of the
training step and the GPU ablation of the course's recipe at 64 px. Unpacked (``--unpack``, bench/NOTES.md
"One GPU call"), its results live in

    hologan_lesson/assets/gpu/summary.json     the session: machine, timings, speed modes, ablation rows
    hologan_lesson/assets/gpu/ablation/        results.md/.csv, sweeps.png, pose.png of the GPU ablation
    hologan_lesson/assets/gpu/*.pt             slim (fp16) generators trained there
    docs/results/gpu/                          the same summary, the profile, every run's small files
    bench/results/gpu_*.json                   speed modes, the profile summary, the rows beside the public port

``load_gpu_results`` reads them back (the package's copy first, so a lesson opened alone finds it) and says in
one line when none are stored yet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .shipped import ASSETS

ASSETS_GPU = ASSETS / "gpu"
DOCS_GPU = Path(__file__).resolve().parents[1] / "docs" / "results" / "gpu"
SUMMARY_FILE = "summary.json"
ABLATION_DIR = "ablation"
FORMAT = "hologan-gpu-session-v1"
NO_RESULTS = "no GPU results stored yet: run tools/gpu_session.py on a GPU (bench/NOTES.md)"


def stored_dirs() -> list[Path]:
    """Where stored GPU results are looked for, in order: the package's assets, then the repository's docs."""
    return [ASSETS_GPU, DOCS_GPU]


def load_gpu_results(dirs: list[Path] | None = None, quiet: bool = False) -> dict[str, Any] | None:
    """The stored GPU session (its ``summary.json`` plus ``source``, ``ablation_table`` and ``models``), or None.

    None comes with the one-line message ``NO_RESULTS`` (unless ``quiet``): lessons show it instead of numbers.
    """
    for folder in dirs if dirs is not None else stored_dirs():
        path = Path(folder) / SUMMARY_FILE
        if not path.is_file():
            continue
        results = json.loads(path.read_text())
        if results.get("format") != FORMAT:
            continue
        table = Path(folder) / ABLATION_DIR / "results.md"
        results["source"] = str(path)
        results["ablation_table"] = table.read_text() if table.is_file() else None
        results["models"] = [str(p) for p in sorted(Path(folder).glob("*.pt"))]
        return results
    if not quiet:
        print(NO_RESULTS)
    return None


def _number(value: Any, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def format_timings(results: dict[str, Any]) -> str:
    """One line per measured preset: time per 1,000 steps and peak memory, with the card's name."""
    env = results.get("environment", {})
    lines = [f"measured on {env.get('device', '?')} (torch {env.get('torch', '?')}, {results.get('started', '?')})"]
    for row in results.get("timing", []):
        peak = row.get("peak_mib")
        lines.append(
            f"  {row['preset']:6s} {row['resolution']} px, batch {row['batch']}, {row['precision']}: "
            f"{_number(row.get('s_per_1000_steps'), '.1f')} s per 1,000 steps, "
            f"peak memory {_number(None if peak is None else peak / 1024, '.2f')} GiB"
        )
    for row in results.get("speed_modes", []):
        if row.get("img_s") is not None:
            lines.append(f"  speed mode {row['mode']:24s} batch {row['batch']}: {row['img_s']:,.0f} img/s")
    return "\n".join(lines)


def format_ablation(results: dict[str, Any]) -> str:
    """The GPU ablation table (markdown), or a line saying why there is none."""
    if results.get("ablation_table"):
        return results["ablation_table"]
    training = results.get("training", {})
    return f"no GPU ablation table in this session ({training.get('status', 'not run')})"


def format_gpu_results(results: dict[str, Any], part: str = "timings") -> str:
    """``part``: ``timings`` (presets and speed modes) or ``ablation`` (the table)."""
    return format_ablation(results) if part == "ablation" else format_timings(results)
