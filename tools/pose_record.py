"""Write the pose-emergence research record: learning curves and a table from run folders' pose curves.

Each run folder must have been scored with ``python -m hologan_lesson evaluate RUN --pose-curve`` (which
writes ``eval/pose_curve.csv``). CPU minutes are wall-clock minutes since the run started (``run_info.json``),
taken from the ``time`` column of ``metrics.csv`` at the checkpoint's step.

    python tools/pose_record.py --out docs/results/pose_emergence \\
        "cars, elevation 0, seed 0=runs/pose/car_el0_s0" "cars, elevation 15, seed 0=runs/pose/car_el15_s0"
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLUMNS = [
    ("step", "steps", "{:.0f}"),
    ("cpu_minutes", "CPU min", "{:.0f}"),
    ("azimuth_corr", "signed \\|r\\|", "{:.2f}"),
    ("azimuth_error", "error °", "{:.1f}"),
    ("azimuth_turning", "turning", "{:.0%}"),
    ("azimuth_unsigned_corr", "unsigned r", "{:.2f}"),
    ("azimuth_unsigned_offset", "offset °", "{:+.0f}"),
    ("azimuth_unsigned_turning", "turning (unsigned)", "{:.0%}"),
    ("identity_consistency", "identity", "{:.2f}"),
    ("null_signed_r", "null r", "{:.2f}"),
]


def read_csv(path: Path) -> list[dict[str, float]]:
    """Rows of a CSV file with every value as a float (empty cells dropped)."""
    with path.open() as fh:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(fh)]


def cpu_minutes(run: Path, steps: list[int]) -> dict[int, float]:
    """Wall-clock minutes from the run's start to each of ``steps`` (nearest logged row at or after it)."""
    info = json.loads((run / "run_info.json").read_text())
    start = time.mktime(time.strptime(info["started"], "%Y-%m-%d %H:%M:%S"))
    rows = read_csv(run / "metrics.csv")
    out = {}
    for step in steps:
        later = [r["time"] for r in rows if r["step"] >= step and "time" in r]
        out[step] = (later[0] - start) / 60 if later else float("nan")
    return out


def load_run(label: str, run: Path) -> list[dict[str, float]]:
    """The pose curve of one run with CPU minutes added."""
    curve = read_csv(run / "eval" / "pose_curve.csv")
    minutes = cpu_minutes(run, [int(r["step"]) for r in curve])
    for r in curve:
        r["cpu_minutes"] = minutes[int(r["step"])]
        r["azimuth_corr"] = abs(r["azimuth_corr"])
    return curve


def table(runs: dict[str, list[dict[str, float]]]) -> str:
    """A markdown table: one row per run and checkpoint."""
    head = "| run | " + " | ".join(title for _, title, _ in COLUMNS) + " |"
    lines = [head, "|---" * (len(COLUMNS) + 1) + "|"]
    for label, curve in runs.items():
        for r in curve:
            cells = [fmt.format(r[key]) if key in r else "–" for key, _, fmt in COLUMNS]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def figure(runs: dict[str, list[dict[str, float]]], path: Path) -> Path:
    """Signed |r|, unsigned r and the fraction of identities turning against steps, noise floors dashed."""
    panels = [
        ("azimuth_corr", "null_signed_r", "signed |r| (probe azimuth vs command)"),
        ("azimuth_unsigned_corr", "null_unsigned_r", "unsigned r (|azimuth| vs |command − offset|)"),
        ("azimuth_turning", "null_turning", "identities turning (own r ≥ 0.7)"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), constrained_layout=True)
    for ax, (key, null, title) in zip(axes, panels):
        for k, (label, curve) in enumerate(runs.items()):
            steps = [r["step"] for r in curve]
            colour = f"C{k}"
            ax.plot(steps, [r[key] for r in curve], "o-", color=colour, label=label, ms=3)
            ax.plot(steps, [r[null] for r in curve], "--", color=colour, lw=0.8, alpha=0.6)
        ax.axhline(0.85 if key != "azimuth_turning" else 0.8, color="k", lw=0.6, ls=":")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("training step")
        ax.set_ylim(-0.02, 1.02)
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle("Pose emergence on 2 CPU cores (dashed: permutation noise floor; dotted: the goal)", fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", metavar="LABEL=RUN_DIR")
    ap.add_argument("--out", default="docs/results/pose_emergence")
    args = ap.parse_args()
    runs = {}
    for item in args.runs:
        label, _, folder = item.partition("=")
        runs[label] = load_run(label, Path(folder))
    out = Path(args.out)
    figure(runs, out / "learning_curves.png")
    (out / "table.md").write_text(table(runs) + "\n")
    print(table(runs))


if __name__ == "__main__":
    main()
