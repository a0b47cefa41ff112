"""What the 3D-control readings say about sources whose answer is known, for a data setting of the `cpu` preset.

    python tools/references.py --set data.families=chair --out docs/results/full_turn/chairs/references.json
    python tools/references.py --set data.azimuth_range=0,180 --out runs/refs_half.json
    python tools/references.py --set data.azimuth_range=0,180 --silhouette --out runs/refs_half_shape.json

Trains (or loads from the cache) the pose probe for that data, reads its sweeps of real renders, of the same
objects with the view ignored, and of shuffled identities (``eval.control.reference_scores``), prints the circular
readings of each and writes them with the probe's held-out accuracy to ``--out`` (which must not exist).
``--silhouette``: the probe reads shape only (every image a black silhouette), to ask what geometry alone tells.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hologan_lesson import runs  # noqa: E402
from hologan_lesson.config import ConfigError, make_config  # noqa: E402
from hologan_lesson.eval.control import reference_scores  # noqa: E402
from hologan_lesson.eval.probe import load_or_train_probe  # noqa: E402
from hologan_lesson.eval.run import EvalSettings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Score the three reference sources for the `cpu` preset with ``--set`` overrides; write them to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a `cpu` preset override")
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write (must not exist)")
    parser.add_argument("--silhouette", action="store_true", help="a probe that reads shape only (silhouettes)")
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} already exists; remove it first or choose another path")
    settings = EvalSettings()
    try:
        cfg = make_config("cpu", "synthetic", args.set)
        spec = dataclasses.replace(settings.probe_spec(cfg.data), silhouette=args.silhouette)
    except (ConfigError, ValueError) as exc:  # a bad setting, e.g. an unknown family
        parser.error(str(exc))
    probe, accuracy = load_or_train_probe(spec)
    scores = reference_scores(probe, settings.sweep_spec(cfg.data), cfg.data.resolution)
    summaries = {name: s.summary() for name, s in scores.items()}
    for name, r in summaries.items():
        print(
            f"{name}: circular error {r['azimuth_circ_error']:.1f}° (null {r['null_circ_error']:.1f}°), "
            f"turning {r['azimuth_circ_turning']:.0%}, identity {r['identity_consistency']:.2f}"
        )
    record = {
        "data": {
            "families": list(cfg.data.families),
            "azimuth_range": list(cfg.data.azimuth_range),
            "elevation_range": list(cfg.data.elevation_range),
        },
        "overrides": args.set,
        "silhouette": args.silhouette,
        "probe_accuracy": accuracy,
        "references": summaries,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    runs.write_text_atomic(args.out, json.dumps(record, indent=2))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
