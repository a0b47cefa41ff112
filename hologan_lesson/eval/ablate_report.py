"""The ablation's report: the results table (CSV and Markdown), its reader, the pose figure, the run summary."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from .. import runs
from ..viz import save_figure
from .control import fit_sign_offset

# What an ablation folder's report consists of (copied by tools/ship_results.py and tools/gpu_session.py).
REPORT_FILES = ("results.csv", "results.md", "sweeps.png", "pose.png", "run_info.json", "probe_accuracy.json")

COLUMNS = (
    "kind",
    "variant",
    "label",
    "steps",
    "kid_mean",
    "kid_std",
    "fid",
    "seed",
    "azimuth_circ_error",
    "azimuth_circ_score",
    "azimuth_circ_turning",
    "null_circ_error",
    "fold_even",
    "fold_mirror",
    "azimuth_error",
    "azimuth_corr",
    "azimuth_turning",
    "azimuth_unsigned_corr",
    "azimuth_unsigned_turning",
    "null_signed_r",
    "null_unsigned_r",
    "elevation_error",
    "elevation_corr",
    "identity_consistency",
    "family_agreement",
    "train_minutes",
)


def _fmt(value: Any, digits: int) -> str:
    if value is None or value == "" or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.{digits}f}"


def _abs(value: Any) -> Any:
    return abs(value) if isinstance(value, (int, float)) else value


def markdown_table(rows: Sequence[dict[str, Any]], features: str) -> str:
    """The results as a Markdown table (variants first, then the calibration references).

    Azimuth readings: the circular error (sign and per-identity frame fitted; its score 1 − error/90) and the
    fraction of identities turning on it (own error ≤ 20°); the linear fit's signed |r| and its turning fraction
    (own r ≥ 0.7); the unsigned r (frame offset fitted); each reading with its permutation noise floor.
    """
    head = (
        f"| variant | seed | KID ({features} features) | circular error ° (null) | score | turning (circle) "
        "| azimuth \\|r\\| (null) | turning | unsigned r (null) "
        "| turning (unsigned) | elevation corr | identity consistency | train min |"
    )
    lines = [head, "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        kid = "—" if r.get("kid_mean") in (None, "") else f"{r['kid_mean']:.4f} ± {r['kid_std']:.4f}"
        name = r["label"] if r["kind"] == "variant" else f"*reference: {r['label']}*"
        seed = "—" if r.get("seed") in (None, "") else f"{int(r['seed'])}"
        lines.append(
            f"| {name} | {seed} | {kid} "
            f"| {_fmt(r.get('azimuth_circ_error'), 1)} ({_fmt(r.get('null_circ_error'), 1)}) "
            f"| {_fmt(r.get('azimuth_circ_score'), 2)} | {_fmt(r.get('azimuth_circ_turning'), 2)} "
            f"| {_fmt(_abs(r.get('azimuth_corr')), 2)} ({_fmt(r.get('null_signed_r'), 2)}) "
            f"| {_fmt(r.get('azimuth_turning'), 2)} "
            f"| {_fmt(r.get('azimuth_unsigned_corr'), 2)} ({_fmt(r.get('null_unsigned_r'), 2)}) "
            f"| {_fmt(r.get('azimuth_unsigned_turning'), 2)} "
            f"| {_fmt(r.get('elevation_corr'), 2)} | {_fmt(r.get('identity_consistency'), 2)} "
            f"| {_fmt(r.get('train_minutes'), 1)} |"
        )
    return "\n".join(lines) + "\n"


def write_tables(rows: Sequence[dict[str, Any]], out: Path, features: str) -> tuple[Path, Path]:
    """``results.csv`` (every column, plain numbers) and ``results.md``."""
    csv_path, md_path = out / "results.csv", out / "results.md"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS), extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: r.get(k, "") for k in COLUMNS})
    md_path.write_text(markdown_table(rows, features))
    return csv_path, md_path


def read_table(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a ``results.csv`` with numbers as floats (empty cells as None)."""
    with Path(path).open() as fh:
        rows = list(csv.DictReader(fh))
    text = ("kind", "variant", "label")
    return [{k: (v if k in text else (float(v) if v != "" else None)) for k, v in r.items()} for r in rows]


def print_ablation_info(out: str | Path, shipped: bool = False) -> None:
    """Where an ablation folder's results come from: machine, budget, seeds, train times, evaluation sizes."""
    out = Path(out)
    info = json.loads((out / runs.RUN_INFO_FILE).read_text())
    budget = f"preset {info['preset']} {' '.join(info['overrides'])}".strip()
    print(f"results from: {'the shipped ablation' if shipped else out}")
    print(f"trained on:   {info['machine']}")
    print(
        f"budget:       {budget}: {info['steps']} steps of batch {info['batch_size']} at {info['resolution']} px "
        f"per run; seeds {info.get('seeds') or 'the preset seed'}"
    )
    print(f"train time:   {', '.join(f'{k} {v:.1f} min' for k, v in info['train_minutes'].items())}")
    e = info["eval"]
    print(
        f"metrics:      KID with {e['features']} features, {e['num_fake']} generated vs {e['num_real']} real; "
        f"sweeps of {e['identities']} identities × {e['frames']} views"
    )


def _by_variant(rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_variant: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["kind"] == "variant":
            by_variant.setdefault(r["variant"], []).append(r)
    return by_variant


def format_gap(gap: float) -> str:
    """A signed margin to two decimals; one that rounds to zero prints "+0.00", never "-0.00"."""
    return f"{round(gap, 2) + 0.0:+.2f}"


def seed_summary(rows: Sequence[dict[str, Any]]) -> str:
    """Per variant, one value per seed of its pose reading, then the full model's minus each other variant's.

    The reading is the circular one (error, identities turning, score 1 - err/90) where the table has it, the
    linear |r| and turning of older tables otherwise."""
    by_variant = _by_variant(rows)
    circular = all(_fmt(r.get("azimuth_circ_score"), 2) != "—" for runs_of in by_variant.values() for r in runs_of)
    lines = []
    for runs_of in by_variant.values():
        if circular:
            err = " / ".join(f"{r['azimuth_circ_error']:.1f}°" for r in runs_of)
            turning = " / ".join(f"{r['azimuth_circ_turning']:.0%}" for r in runs_of)
            lines.append(f"{runs_of[0]['label']:29s} circular error {err}, identities turning {turning}")
        else:
            r_abs = " / ".join(f"{abs(r['azimuth_corr']):.2f}" for r in runs_of)
            turning = " / ".join(f"{r['azimuth_turning']:.0%}" for r in runs_of)
            lines.append(f"{runs_of[0]['label']:29s} azimuth |r| {r_abs}, identities turning {turning}")
    key, what = ("azimuth_circ_score", "score 1 - err/90") if circular else ("azimuth_corr", "|r|")
    for name, runs_of in by_variant.items():
        if name != "full" and "full" in by_variant:
            gaps = [abs(a[key]) - abs(b[key]) for a, b in zip(by_variant["full"], runs_of)]
            lines.append(
                f"full minus {runs_of[0]['label']}, {what} per seed: " + " / ".join(format_gap(g) for g in gaps)
            )
    real = real_renders_score(rows) if circular else None
    if real is not None:
        for name, runs_of in by_variant.items():
            if name != "full":
                room = [real - r[key] for r in runs_of]
                lines.append(
                    f"real renders minus {runs_of[0]['label']} (the most any generator could lead by): "
                    + " / ".join(format_gap(g) for g in room)
                )
    return "\n".join(lines)


def real_renders_score(rows: Sequence[dict[str, Any]]) -> float | None:
    """The real renders' circular score (1 - err/90) from the table's reference rows, or None without one.

    Real renders of the sweeps are the best any generator can be read as, so a variant's score subtracted from it
    is the largest margin the full model could reach over that variant."""
    for r in rows:
        if r["kind"] == "reference" and r["variant"] == "real_renders" and r.get("azimuth_circ_score") is not None:
            return float(r["azimuth_circ_score"])
    return None


PART_READINGS = (  # (column, label, format, lower is better)
    ("azimuth_circ_error", "circular azimuth error (°)", ".1f", True),
    ("azimuth_circ_turning", "identities turning", ".0%", False),
    ("identity_consistency", "identity consistency", ".2f", False),
    ("kid_mean", "KID (probe features)", ".3f", True),
)


def _as_shown(value: float, fmt: str) -> float:
    """``value`` rounded as ``format(value, fmt)`` prints it (".0%" keeps two decimals of the fraction)."""
    return round(value, 2) if fmt.endswith("%") else float(format(value, fmt))


def part_effect(rows: Sequence[dict[str, Any]], variant: str) -> str:
    """One part of HoloGAN without and with it, seed by seed on every reading, and on how many seeds it helps.

    ``variant``: a "no_*" variant (the part is in the full model: "with" is the full model) or a "with_*"
    variant (the recipe leaves the part out: "without" is the full model). Lessons 04b and 05."""
    by_variant = _by_variant(rows)
    if "full" not in by_variant or variant not in by_variant:
        missing = [n for n in ("full", variant) if n not in by_variant]
        raise KeyError(f"the ablation table has no runs of {', '.join(missing)}")
    if not variant.startswith(("no_", "with_")):
        raise ValueError(f"{variant!r} is not a part switched off (no_*) or put back (with_*)")
    without, with_ = (by_variant[variant], by_variant["full"])
    if variant.startswith("with_"):
        without, with_ = with_, without
    seeds = " / ".join(str(int(r["seed"])) for r in without)
    lines = [f"{'seeds ' + seeds:30s}{'without':>24s}{'with':>24s}   with it better on"]
    for column, label, fmt, lower in PART_READINGS:
        if any(r.get(column) is None for r in without + with_):  # an older table without this reading
            continue
        a = [float(r[column]) for r in without]
        b = [float(r[column]) for r in with_]
        shown = [[_as_shown(v, fmt) for v in vals] for vals in (a, b)]
        better = sum((y < x) if lower else (y > x) for x, y in zip(*shown))  # a tie as printed is no gain
        ties = sum(x == y for x, y in zip(*shown))
        cells = [" / ".join(format(v, fmt) for v in vals) for vals in (a, b)]
        tie_note = f" ({ties} equal)" if ties else ""
        lines.append(f"{label:30s}{cells[0]:>24s}{cells[1]:>24s}   {better} of {len(a)} seeds{tie_note}")
    return "\n".join(lines)


def pose_panels(panels: Sequence[tuple[str, torch.Tensor, torch.Tensor]]):
    """A figure of commanded vs probe-read azimuth, one panel per ``(label, commanded (n, T), predicted (n, T))``:
    one line per identity and the fitted ``sign · commanded + offset`` (dashed)."""
    import matplotlib.pyplot as plt

    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.8 * rows), squeeze=False)
    for ax, (label, commanded, predicted) in zip(axes.flat, panels):
        fit = fit_sign_offset(commanded, predicted)
        for c, p in zip(commanded, predicted):  # one line per identity
            ax.plot(c.numpy(), p.numpy(), "-o", ms=2, lw=0.8, alpha=0.6)
        line = torch.linspace(float(commanded.min()), float(commanded.max()), 2)
        ax.plot(line.numpy(), (fit.sign * line + fit.offset).numpy(), "k--", lw=1.5)
        ax.set_title(f"{label}\nerror {fit.error:.1f}°, corr {fit.correlation:.2f}", fontsize=9)
        ax.set_xlabel("commanded azimuth (°)", fontsize=8)
        ax.set_ylabel("probe reads (°)", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def pose_figure(panels: Sequence[tuple[str, torch.Tensor, torch.Tensor]], path: str | Path) -> Path:
    """``pose_panels`` written as a PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    return save_figure(pose_panels(panels), path)
