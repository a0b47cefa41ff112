"""tools/robustness_sweep.py: which CLI call trains a run, when a run counts as turning, the table it writes."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import robustness_sweep as rs  # noqa: E402


def _scores(error: float, turning: float) -> dict:
    return {
        "azimuth_circ_error": error,
        "azimuth_circ_turning": turning,
        "azimuth_circ_shared_error": error + 1,
        "identity_consistency": 0.9,
        "minutes": 3.0,
    }


@pytest.mark.parametrize(
    ("error", "turning", "turns"), [(12.0, 0.9, True), (20.0, 0.8, True), (21.0, 1.0, False), (5.0, 0.79, False)]
)
def test_a_run_turns_by_the_issue_bar(error, turning, turns):
    assert rs.run_turns(_scores(error, turning)) is turns


def test_train_command_starts_or_resumes(tmp_path):
    new = rs.train_command(tmp_path / "s3_t2", 3, 500, ["loss.view_weight=2"])
    assert new[new.index("--preset") + 1] == "cpu" and "train.seed=3" in new and "train.steps=500" in new
    assert "loss.view_weight=2" in new and new[new.index("--run-dir") + 1] == str(tmp_path / "s3_t2")
    (tmp_path / "s3_t2").mkdir()
    (tmp_path / "s3_t2" / "config.json").write_text("{}")
    again = rs.train_command(tmp_path / "s3_t2", 3, 500, [])
    assert again[again.index("--resume") + 1] == str(tmp_path / "s3_t2")


def test_table_reads_cached_scores_and_counts_turning_runs(tmp_path, monkeypatch):
    cached = {(0, 1): _scores(8.0, 1.0), (0, 2): _scores(45.0, 0.1)}
    monkeypatch.setattr(rs, "score", lambda out, seed, threads, steps: cached.get((seed, threads)))
    rows = rs.table(tmp_path, [(0, 1), (0, 2), (1, 1)], 2000)
    assert [r["turns"] for r in rows] == [True, False]  # seed 1 has no checkpoint yet: left out
    md = (tmp_path / "robustness.md").read_text()
    assert "1 of 2 runs turn" in md and "| 0 | 2 | 2000 |" in md
    with (tmp_path / "robustness.csv").open() as fh:
        assert [r["turns"] for r in csv.DictReader(fh)] == ["True", "False"]
    json.dumps(rows)  # plain data
