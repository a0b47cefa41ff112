"""tools/ship_results.py: the shipped model is read a second time by another probe on other sweeps."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import ship_results  # noqa: E402

from hologan_lesson import shipped  # noqa: E402
from hologan_lesson.eval import control, probe  # noqa: E402


def test_the_shipped_model_is_verified_by_a_probe_of_another_seed(tmp_path, monkeypatch):
    asked = {}

    def fake_probe(spec, *args, **kwargs):
        asked["probe_seed"] = spec.seed
        return "other probe", {"azimuth_error": 2.0}

    def fake_control(checkpoint, settings, probe=None):
        asked.update(sweep_seed=settings.seed, probe=probe)
        return {"azimuth_circ_error": 5.0}

    monkeypatch.setattr(probe, "load_or_train_probe", fake_probe)
    monkeypatch.setattr(ship_results, "control_of_checkpoint", fake_control)
    monkeypatch.setattr(ship_results, "format_control", str)
    real = SimpleNamespace(summary=lambda: {"azimuth_circ_error": 1.5})
    monkeypatch.setattr(control, "reference_scores", lambda *args: {"real renders": real})
    dest = tmp_path / "verified.json"
    ship_results._verify(shipped.MODEL, dest)
    assert asked == {
        "probe_seed": ship_results.OTHER_PROBE_SEED,
        "sweep_seed": ship_results.OTHER_SWEEP_SEED,
        "probe": "other probe",
    }
    record = json.loads(dest.read_text())
    assert record["model"] == {"azimuth_circ_error": 5.0} and record["real_renders"] == {"azimuth_circ_error": 1.5}
    assert record["probe_seed"] != probe.PROBE_SEED and "another seed" in record["what"]


def test_each_demo_goal_is_a_model_of_its_preset():
    """The model `demo --preset P` shows first was trained on P's data, and its stored scores are beside it."""
    from hologan_lesson import runs
    from hologan_lesson.config import make_config

    for preset, model in shipped.GOALS.items():
        _, cfg = runs.load_generator(shipped.asset(model))
        want = make_config(preset).data
        got = (cfg.data.families, cfg.data.azimuth_range, cfg.data.elevation_range)
        assert got == (want.families, want.azimuth_range, want.elevation_range), f"{model.name} is not a {preset} model"
        scores = json.loads(shipped.scores_of(model).read_text())
        assert scores["step"] == runs.load_checkpoint(model)["step"] and "azimuth_circ_error" in scores
