"""The table ``bench/train_step.py`` prints and writes: one ``Result`` row per speed mode, its columns, and
strict JSON (NaN becomes null).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Result:
    """One table row (``skipped`` set instead of numbers when the mode cannot run here)."""

    mode: str
    resolution: int
    batch: int
    ms: float = math.nan
    images_per_s: float = math.nan
    ms_g2: float = math.nan
    images_per_s_g2: float = math.nan
    peak_mib: float = math.nan
    tflops: float = math.nan
    peak_fraction: float = math.nan
    ops_per_iter: int | None = None
    warmup_s: float = math.nan
    skipped: str = ""
    notes: list[str] = field(default_factory=list)


COLUMNS = (
    ("mode", 19, "s"),
    ("res", 4, "d"),
    ("batch", 5, "d"),
    ("ms/it", 9, ".2f"),
    ("img/s", 9, ".1f"),
    ("ms/it_G×2", 10, ".2f"),
    ("img/s_G×2", 10, ".1f"),
    ("peak_MiB", 9, ".0f"),
    ("TFLOP/s", 9, ".4f"),
    ("%peak", 7, ".2f"),
    ("ops/it", 7, "s"),
    ("warm_s", 7, ".1f"),
)


def format_row(r: Result) -> str:
    head = f"{r.mode:<19} {r.resolution:>4d} {r.batch:>5d}"
    if r.skipped:
        return f"{head}  skipped: {r.skipped}"
    values = (r.ms, r.images_per_s, r.ms_g2, r.images_per_s_g2, r.peak_mib, r.tflops, 100 * r.peak_fraction)
    cells = [f"{v:>{w}{fmt}}" for v, (_, w, fmt) in zip(values, COLUMNS[3:10])]
    cells.append(f"{r.ops_per_iter if r.ops_per_iter is not None else '-':>7}")
    cells.append(f"{r.warmup_s:>7.1f}")
    return f"{head} " + " ".join(cells)


def header() -> str:
    return " ".join(f"{name:<{w}}" if fmt == "s" and name == "mode" else f"{name:>{w}}" for name, w, fmt in COLUMNS)


def finite_or_null(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_null(v) for v in value]
    return value
