"""The ablation's text summaries: per-seed readings, the full model's margin, and what a part put back buys."""

import pytest

from hologan_lesson.eval.ablate_report import part_effect, seed_summary


def _row(variant, seed, err, turning, identity, kid, label=None):
    return {
        "kind": "variant", "variant": variant, "label": label or variant, "seed": float(seed),
        "azimuth_circ_error": err, "azimuth_circ_score": 1 - err / 90, "azimuth_circ_turning": turning,
        "azimuth_corr": 0.9, "azimuth_turning": 1.0, "identity_consistency": identity, "kid_mean": kid,
    }  # fmt: skip


ROWS = [
    _row("full", 0, 9.0, 1.0, 0.80, 0.020),
    _row("full", 1, 27.0, 0.2, 0.70, 0.030),
    _row("with_identity_loss", 0, 18.0, 0.9, 0.85, 0.010),
    _row("with_identity_loss", 1, 9.0, 1.0, 0.60, 0.040),
    {"kind": "reference", "variant": "real_renders", "label": "real renders", "seed": None},
]
REAL = {"kind": "reference", "variant": "real_renders", "label": "real renders", "seed": None,
        "azimuth_circ_score": 0.99}  # fmt: skip


def test_seed_summary_reads_the_circle_and_the_margin():
    text = seed_summary(ROWS)
    assert "full                          circular error 9.0° / 27.0°, identities turning 100% / 20%" in text
    assert "full minus with_identity_loss, score 1 - err/90 per seed: +0.10 / -0.20" in text


def test_seed_summary_reads_the_room_real_renders_leave():
    assert "real renders minus" not in seed_summary(ROWS)  # a reference row without a circular score: no line
    text = seed_summary([*ROWS[:4], REAL])
    # 0.99 - (1 - 18/90) and 0.99 - (1 - 9/90): the most a perfect generator could lead the variant by, per seed
    assert "real renders minus with_identity_loss (the most any generator could lead by): +0.19 / +0.09" in text
    assert "real renders minus full" not in text


def test_seed_summary_falls_back_to_r_for_older_tables():
    old = [{k: v for k, v in r.items() if not k.startswith("azimuth_circ")} for r in ROWS[:4]]
    assert "azimuth |r| 0.90 / 0.90" in seed_summary(old)


def test_part_effect_counts_the_seeds_a_part_helps_on():
    lines = part_effect(ROWS, "with_identity_loss").splitlines()
    assert lines[0].startswith("seeds 0 / 1")
    by_label = {line[:30].strip(): line for line in lines[1:]}
    assert by_label["circular azimuth error (°)"].endswith("1 of 2 seeds")  # lower is better: seed 1 only
    assert "9.0 / 27.0" in by_label["circular azimuth error (°)"]
    assert by_label["identities turning"].endswith("1 of 2 seeds")
    assert by_label["identity consistency"].endswith("1 of 2 seeds")
    assert by_label["KID (probe features)"].endswith("1 of 2 seeds")
    with pytest.raises(KeyError, match="no runs of with_style_disc"):
        part_effect(ROWS, "with_style_disc")


def test_part_effect_reads_a_part_switched_off_the_other_way_round():
    rows = [{**r, "variant": "no_identity_loss"} if r["variant"] == "with_identity_loss" else r for r in ROWS]
    by_label = {line[:30].strip(): line for line in part_effect(rows, "no_identity_loss").splitlines()[1:]}
    # "with" is now the full model: 9.0 / 27.0 stands in the second column
    line = by_label["circular azimuth error (°)"]
    assert line.index("18.0 / 9.0") < line.index("9.0 / 27.0") and line.endswith("1 of 2 seeds")
    with pytest.raises(ValueError, match="not a part"):
        part_effect([*ROWS, {**ROWS[0], "variant": "traditional_z"}], "traditional_z")


def test_part_effect_counts_a_tie_as_printed_as_no_gain():
    rows = [_row("full", 0, 9.0, 1.0, 0.806, 0.02), _row("with_style_disc", 0, 9.0, 1.0, 0.8149, 0.02)]
    by_label = {line[:30].strip(): line for line in part_effect(rows, "with_style_disc").splitlines()[1:]}
    assert by_label["identity consistency"].endswith("0 of 1 seeds (1 equal)")  # 0.81 against 0.81
    assert by_label["identities turning"].endswith("0 of 1 seeds (1 equal)")


def test_a_gap_that_rounds_to_zero_prints_without_a_minus():
    rows = [_row("full", 0, 9.0, 1.0, 0.8, 0.02), _row("traditional_z", 0, 9.3, 1.0, 0.8, 0.02)]
    assert "per seed: +0.00" in seed_summary(rows)
