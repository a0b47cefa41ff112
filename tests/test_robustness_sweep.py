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
    monkeypatch.setattr(rs, "score", lambda out, seed, threads, *_, **__: cached.get((seed, threads)))
    rows = rs.table(tmp_path, [(0, 1), (0, 2), (1, 1)], 2000)
    assert [r["turns"] for r in rows] == [True, False]  # seed 1 has no checkpoint yet: left out
    md = (tmp_path / "robustness.md").read_text()
    assert "1 of 2 runs turn" in md and "| 0 | 2 | 2000 |" in md
    with (tmp_path / "robustness.csv").open() as fh:
        assert [r["turns"] for r in csv.DictReader(fh)] == ["True", "False"]
    json.dumps(rows)  # plain data
    assert "elevation" not in md  # eye level: no elevation columns


def test_table_reads_elevation_where_it_varies(tmp_path, monkeypatch):
    rigid = {**_scores(10.0, 1.0), "elevation_corr": -0.79, "elevation_sign": -1, "elevation_rigid": 1.0}
    folded = {**_scores(24.0, 0.1), "elevation_corr": 0.65, "elevation_sign": -1, "elevation_rigid": 0.0}
    cached = {(0, 1): rigid, (1, 1): folded, (2, 1): _scores(9.0, 1.0)}
    monkeypatch.setattr(rs, "score", lambda out, seed, threads, *_, **__: cached.get((seed, threads)))
    rows = rs.table(tmp_path, list(cached), 600)
    assert [(r["elevation_r"], r["elevation_sign"], r["elevation_rigid"]) for r in rows] == [
        (0.79, -1, True),
        (0.65, -1, False),
        ("", "", ""),
    ]
    md = (tmp_path / "robustness.md").read_text()
    assert "| 0.79 (-1) | yes |" in md and "| 0.65 (-1) | NO |" in md and "| — | — |" in md
    assert "1 of 3 runs read elevation rigidly" in md and "2 of 3 runs turn" in md
    with (tmp_path / "robustness.csv").open() as fh:
        assert [r["elevation_rigid"] for r in csv.DictReader(fh)] == ["True", "False", ""]


def test_record_copies_the_tables_and_each_runs_scores(tmp_path, monkeypatch):
    out, dest = tmp_path / "runs", tmp_path / "docs"
    cached = {(3, 1): _scores(8.0, 1.0), (3, 2): _scores(45.0, 0.1)}
    for (seed, threads), scores in cached.items():
        path = out / f"s{seed}_t{threads}" / "eval" / "robustness_step_1200.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(scores))
    monkeypatch.setattr(rs, "score", lambda out, seed, threads, *_, **__: cached.get((seed, threads)))
    rows = rs.table(out, list(cached), 1200)
    rs.record(out, rows, 1200, dest, "robustness_lever")
    assert "1 of 2 runs turn" in (dest / "robustness_lever.md").read_text()
    assert (dest / "robustness_lever.csv").read_text() == (out / "robustness.csv").read_text()
    assert json.loads((dest / "robustness_lever" / "s3_t2_scores.json").read_text())["azimuth_circ_error"] == 45.0


def test_a_sweep_is_extended_from_its_record(tmp_path):
    """Runs whose folders are gone are read from the record; the new run's scores join them there."""
    out, dest = tmp_path / "runs", tmp_path / "docs"
    (dest / "robustness").mkdir(parents=True)
    (dest / "robustness" / "s0_t1_scores.json").write_text(json.dumps({**_scores(8.0, 1.0), "step": 1200}))
    (dest / "robustness" / "s0_t2_scores.json").write_text(json.dumps({**_scores(8.0, 1.0), "step": 600}))
    new = out / "s1_t1"
    (new / "checkpoints").mkdir(parents=True)
    (new / "checkpoints" / "ckpt_0001200.pt").write_bytes(b"")
    (new / "eval").mkdir()
    (new / "eval" / "robustness_step_1200.json").write_text(json.dumps(_scores(40.0, 0.0)))
    rows = rs.table(out, [(0, 1), (0, 2), (1, 1)], 1200, dest / "robustness")
    assert [(r["seed"], r["threads"], r["turns"]) for r in rows] == [(0, 1, True), (1, 1, False)]  # s0_t2: other budget
    rs.record(out, rows, 1200, dest, "robustness")
    assert "1 of 2 runs turn" in (dest / "robustness.md").read_text()
    assert json.loads((dest / "robustness" / "s1_t1_scores.json").read_text())["azimuth_circ_error"] == 40.0


def test_trained_weights_are_scored_and_recorded_apart_from_the_average(tmp_path):
    """--trained-weights: a run that kept a weight average is scored on its trained weights, cached and recorded
    under their own file name, never mixed with the average's scores."""
    out, dest = tmp_path / "runs", tmp_path / "docs"
    run = out / "s0_t1"
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "ckpt_0001200.pt").write_bytes(b"")
    (run / "eval").mkdir()
    (run / "eval" / rs.score_file(1200, trained=False)).write_text(json.dumps(_scores(40.0, 0.0)))
    (run / "eval" / rs.score_file(1200, trained=True)).write_text(json.dumps(_scores(9.0, 1.0)))
    assert rs.score_file(1200, True) != rs.score_file(1200, False)
    assert [r["turns"] for r in rs.table(out, [(0, 1)], 1200)] == [False]
    rows = rs.table(out, [(0, 1)], 1200, trained=True)
    assert [r["turns"] for r in rows] == [True]
    rs.record(out, rows, 1200, dest, "lever_trained", trained=True)
    assert json.loads((dest / "lever_trained" / "s0_t1_scores.json").read_text())["azimuth_circ_error"] == 9.0


def test_references_tool_writes_the_three_sources_and_never_overwrites(tmp_path, monkeypatch, capsys):
    import references as refs

    seen = {}

    def fake_probe(spec):
        seen["spec"] = spec
        return "probe", {"azimuth_mae": 2.8}

    def fake_references(probe, sweep, resolution):
        seen["sweep"] = sweep
        summary = {"azimuth_circ_error": 2.7, "null_circ_error": 31.3, "azimuth_circ_turning": 1.0}
        score = type("S", (), {"summary": lambda self: {**summary, "identity_consistency": 0.75}})()
        return {"real renders": score, "view ignored": score}

    monkeypatch.setattr(refs, "load_or_train_probe", fake_probe)
    monkeypatch.setattr(refs, "reference_scores", fake_references)
    out = tmp_path / "refs.json"
    assert refs.main(["--set", "data.families=chair", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert seen["spec"].families == ("chair",) and record["data"]["families"] == ["chair"]
    assert record["references"]["real renders"]["identity_consistency"] == 0.75
    assert record["probe_accuracy"] == {"azimuth_mae": 2.8}
    assert "real renders: circular error 2.7° (null 31.3°), turning 100%" in capsys.readouterr().out

    out.write_text("mine")
    with pytest.raises(SystemExit):
        refs.main(["--out", str(out)])
    assert out.read_text() == "mine" and "already exists" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        refs.main(["--set", "data.families=boat", "--out", str(tmp_path / "other.json")])
    assert "unknown synthetic family boat" in capsys.readouterr().err
