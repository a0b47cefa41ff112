"""What the course ships inside the package, so a lesson opened alone (as Colab does) finds it.

``hologan_lesson/assets/`` holds the slim checkpoint of the shipped model and the small files of the runs
that made the stored results (config, metrics.csv, sample grids, sweeps, evaluations). Lessons ask here
instead of walking relative paths such as ``../runs`` or ``../docs``.
"""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"
MODEL = ASSETS / "synthetic_cpu.pt"  # the shipped generator (lesson 08, `demo`'s first turntable)
CHAIR_MODEL = ASSETS / "synthetic_cpu_chairs.pt"  # the `cpu_chairs` recipe's generator (lesson 08, its demo's goal)
DEMO_RUN = ASSETS / "demo_run"  # a trimmed run folder of the `demo` recipe (lesson 06)
ABLATION = ASSETS / "ablation_cpu"  # the stored ablation table and pictures of the cpu recipe (lesson 07)
QUARTER_ABLATION = ASSETS / "ablation_quarter"  # the same for the quarter-turn recipe before it (lessons 04, 04b, 05)
POSE_EMERGENCE = ASSETS / "pose_emergence"  # the shipped model's scores and its run's pose curve (lessons 00, 06-08)
GOALS = {"cpu": MODEL, "cpu_chairs": CHAIR_MODEL}  # the shipped model a preset's `demo` shows first


def scores_of(model: Path) -> Path:
    """Where the 3D-control scores of a shipped model are stored: ``pose_emergence/<name>_scores.json``."""
    return POSE_EMERGENCE / ("shipped_model_scores.json" if model == MODEL else f"{model.stem}_scores.json")


def asset(path: Path) -> Path:
    """``path`` if it exists, else a FileNotFoundError that says how to get it back."""
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing from this installation of hologan_lesson; reinstall the package "
            f"(pip install --force-reinstall 'hologan-lesson @ git+...') or restore it from the repository"
        )
    return path
