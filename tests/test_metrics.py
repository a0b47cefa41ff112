"""Metrics: the angle fit, identity consistency, a calibrated pose probe, KID/FID with an injected network,
and the evaluate command (including its message when the Inception weights cannot be loaded)."""

import json
import math
import urllib.error

import pytest
import torch
from torch import nn

from hologan_lesson import eval as metrics
from hologan_lesson.cli import main
from hologan_lesson.config import ConfigError, DataConfig, generator_config, make_config
from hologan_lesson.data import InMemorySyntheticDataset
from hologan_lesson.eval import (
    EvalSettings,
    FeatureUnavailable,
    GeneratorSource,
    IgnoreView,
    ProbeSpec,
    SweepSpec,
    SyntheticSource,
    control_scores,
    fit_sign_offset,
    identity_consistency,
    kid_fid,
    load_or_train_probe,
    probe_path,
    reference_scores,
    to_uint8_images,
)
from hologan_lesson.model.generator import HoloGANGenerator
from hologan_lesson.train import Trainer

# A small probe (seconds on one core); the cpu/gpu runs use the default ProbeSpec (6000 renders, 12 epochs).
SMALL_PROBE = {"num_images": 1500, "epochs": 5}
SWEEP = SweepSpec(identities=10, frames=7, seed=3)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    """One data root for this module (probe renders and weights are cached there), via $HOLOGAN_DATA."""
    root = tmp_path_factory.mktemp("hologan_data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOLOGAN_DATA", str(root))
        yield root


@pytest.fixture(scope="module")
def probe(data_root):
    spec = ProbeSpec.for_data(DataConfig(), **SMALL_PROBE)
    trained, accuracy = load_or_train_probe(spec)
    assert probe_path(spec).is_file() and str(probe_path(spec)).startswith(str(data_root))
    return trained, accuracy


class TinyFeatures(nn.Module):
    """A fixed random conv net standing in for Inception (uint8 images -> 16 features)."""

    num_features = 16

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.Conv2d(8, 16, 3, stride=2))

    def forward(self, images):
        return self.net(images.float() / 127.5 - 1).mean((2, 3))


def test_fit_recovers_direction_and_offset():
    commanded = torch.linspace(-60, 60, 9).repeat(4)
    noise = torch.randn(commanded.shape, generator=torch.Generator().manual_seed(0))
    fit = fit_sign_offset(commanded, -commanded + 25 + 0.5 * noise)
    assert fit.sign == -1 and abs(fit.offset - 25) < 0.5
    assert fit.error < 1.0 and fit.correlation > 0.99
    flat = fit_sign_offset(commanded, torch.full_like(commanded, 7.0))  # a view-blind reading
    assert flat.correlation == 0.0
    assert math.isclose(flat.error, float((commanded - commanded.mean()).abs().mean()), rel_tol=1e-6)
    with pytest.raises(ValueError, match="matching"):
        fit_sign_offset(commanded, commanded[:-1])


def test_identity_consistency_extremes():
    g = torch.Generator().manual_seed(0)
    per_identity = torch.rand(10, 1, 8, generator=g)
    consistency, agreement = identity_consistency(per_identity.expand(10, 12, 8))
    assert consistency == pytest.approx(1.0) and agreement == 1.0
    shuffled, _ = identity_consistency(torch.rand(10, 12, 8, generator=g))
    assert shuffled < 0.2


def test_probe_reads_held_out_renders(probe):
    _, accuracy = probe
    assert accuracy["images"] == 225  # 15 % of 1500 held out
    assert accuracy["family_accuracy"] > 0.8
    assert accuracy["elevation_mae"] < 9.0  # a 60° range: always guessing the middle scores 15°
    assert accuracy["azimuth_mae"] < 30.0  # a 150° range (37.5°); tables and mugs are nearly symmetric


def test_calibration_real_renders_good_view_ignored_at_chance(probe):
    trained, _ = probe
    refs = reference_scores(trained, SWEEP)
    real, ignored, shuffled = refs["real renders"], refs["view ignored"], refs["identity shuffled"]
    assert real.azimuth.correlation > 0.6 and real.elevation.correlation > 0.5
    assert real.identity_consistency > 0.8
    assert abs(ignored.azimuth.correlation) < 1e-6 and abs(ignored.elevation.correlation) < 1e-6
    assert real.azimuth.error < 0.6 * ignored.azimuth.error
    assert real.elevation.error < 0.8 * ignored.elevation.error
    assert ignored.azimuth.error > 25.0  # mean |commanded - centre| of a ±60° sweep is 30°
    assert shuffled.identity_consistency < 0.5 < real.identity_consistency
    assert real.predictions["predicted_azimuth"].shape == (SWEEP.identities, SWEEP.frames)


def test_view_ignoring_generator_scores_at_chance(probe):
    trained, _ = probe
    torch.manual_seed(0)
    generator = HoloGANGenerator(generator_config(32, width=1 / 16))
    blind = control_scores(IgnoreView(GeneratorSource(generator)), trained, SWEEP)
    assert abs(blind.azimuth.correlation) < 1e-6 and blind.azimuth.error > 25.0
    assert blind.identity_consistency == pytest.approx(1.0)  # nothing changes: identity is trivially kept
    views = SWEEP.azimuth_views()
    z = GeneratorSource(generator).identities(1, 0)[0]
    frames = IgnoreView(GeneratorSource(generator)).sweep(z, views)
    assert frames.shape == (SWEEP.frames, 3, 32, 32) and torch.equal(frames[0], frames[-1])


def test_kid_with_injected_network():
    dataset = InMemorySyntheticDataset(48, 32, seed=1)
    real = to_uint8_images(torch.stack([dataset[i] for i in range(len(dataset))]))  # (48, 3, 32, 32)
    same = kid_fid(real[:24], real[24:], TinyFeatures(), subset_size=16, subsets=20)
    shifted = real[24:].clone()
    shifted[:, 0] = 255 - shifted[:, 0]  # invert the red channel: a clearly different distribution
    different = kid_fid(shifted, real[:24], TinyFeatures(), subset_size=16, subsets=20)
    assert different["kid_mean"] > 10 * max(same["kid_mean"], 1e-6)
    assert different["kid_std"] > 0 and different["fid"] > same["fid"]
    assert same["kid_subset_size"] == 16 and same["kid_subsets"] == 20
    again = kid_fid(shifted, real[:24], TinyFeatures(), subset_size=16, subsets=20)
    assert again == different  # seeded subsets: reproducible
    with pytest.raises(ConfigError, match="subset size"):
        kid_fid(real[:10], real[10:20], TinyFeatures(), subset_size=11)
    with pytest.raises(TypeError, match="uint8"):
        kid_fid(real[:10].float(), real[10:20], TinyFeatures())


def raise_offline(*args, **kwargs):
    raise urllib.error.URLError("[Errno -2] Name or service not known")


def test_inception_unavailable_is_one_clear_message(monkeypatch, tmp_path):
    import torch_fidelity.feature_extractor_inceptionv3 as fe

    monkeypatch.setattr(fe, "load_state_dict_from_url", raise_offline)
    with pytest.raises(FeatureUnavailable) as info:
        metrics.InceptionFeatures()
    message = str(info.value)
    assert "--features probe" in message and "--inception-weights" in message and metrics.INCEPTION_FILE in message
    with pytest.raises(FeatureUnavailable, match="no such file"):
        metrics.InceptionFeatures(tmp_path / "missing.pth")
    with pytest.raises(FeatureUnavailable, match="mean nothing"):
        metrics.feature_extractor(EvalSettings(features="probe"), DataConfig(name="celeba"), None)


@pytest.fixture(scope="module")
def ci_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("evaluate") / "run"
    cfg = make_config("ci", overrides=["train.steps=2", "train.checkpoint_every=2"])
    Trainer(cfg, run).fit(progress=False)
    return run


EVAL_ARGS = ["--num-fake", "24", "--num-real", "24", "--subset-size", "12", "--subsets", "5", "--identities", "3",
             "--frames", "4", "--probe-images", str(SMALL_PROBE["num_images"]), "--probe-epochs",
             str(SMALL_PROBE["epochs"])]  # fmt: skip


def test_evaluate_command(ci_run, probe, capsys, tmp_path):
    out_json = tmp_path / "results.json"
    assert main(["evaluate", str(ci_run), "--features", "probe", "--json", str(out_json), *EVAL_ARGS]) == 0
    printed = capsys.readouterr().out
    assert "KID" in printed and "pose consistency" in printed and "identity consistency" in printed
    results = json.loads(out_json.read_text())
    assert results["step"] == 2 and results["features"] == "probe" and results["num_fake"] == 24
    for key in ("kid_mean", "kid_std", "fid", "azimuth_error", "azimuth_corr", "identity_consistency"):
        assert math.isfinite(results[key]), key
    stored = ci_run / "eval" / "eval_step_0000002.json"
    assert json.loads(stored.read_text())["results"]["kid_mean"] == results["kid_mean"]


def test_evaluate_a_checkpoint_file(ci_run, probe, capsys, tmp_path):
    from hologan_lesson.runs import export_generator

    slim = export_generator(ci_run, tmp_path / "slim.pt")
    assert main(["evaluate", str(slim), "--features", "probe", *EVAL_ARGS]) == 0
    printed = capsys.readouterr().out
    assert "at step 2:" in printed and "pose consistency" in printed
    assert not (tmp_path / "eval").exists()  # a single file: nothing stored next to it


def test_evaluate_without_inception_weights_says_what_to_do(ci_run, probe, monkeypatch, capsys):
    import torch_fidelity.feature_extractor_inceptionv3 as fe

    monkeypatch.setattr(fe, "load_state_dict_from_url", raise_offline)
    assert main(["evaluate", str(ci_run), "--features", "inception", *EVAL_ARGS]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--features probe" in err and "Traceback" not in err
    assert main(["evaluate", str(ci_run.parent / "nothing-here")]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_real_synthetic_source_matches_renderer():
    source = SyntheticSource(32)
    obj = source.identities(2, seed=5)
    assert obj[0].to_dict() == SyntheticSource(32).identities(2, seed=5)[0].to_dict()  # seeded
    views = torch.tensor([[0.0, 10.0], [45.0, 10.0]])
    images = source.sweep(obj[0], views)
    assert images.shape == (2, 3, 32, 32) and not torch.equal(images[0], images[1])


def test_fit_checker_accepts_library_rejects_fixed_direction(capsys):
    from hologan_lesson.lessons.checks import CheckFailed
    from hologan_lesson.lessons.checks.metrics import check_fit_sign_offset

    def library(commanded, predicted):
        fit = fit_sign_offset(commanded, predicted)
        return fit.sign, fit.offset

    check_fit_sign_offset(library)
    assert "3/3 checks passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="reversed direction"):
        check_fit_sign_offset(lambda c, p: (1, float((p - c).mean())))


# ----------------------------------------------------------------------------------------- turn readings


def _sweeps(n: int = 8, t: int = 13, lo: float = 0.0, hi: float = 90.0):
    return torch.linspace(lo, hi, t).repeat(n, 1).double()  # (n, t) commanded degrees


def test_read_turn_rigid_mirrored_and_offset_turns_all_count():
    from hologan_lesson.eval import read_turn

    c = _sweeps()
    noise = torch.randn(c.shape, generator=torch.Generator().manual_seed(0)).double()
    reading = -(c - 45) + 10 + noise  # a mirrored turn with a frame offset: a perfect rigid generator may do this
    t = read_turn(c, reading, centre=45.0)
    assert t.signed.sign == -1 and abs(t.signed.correlation) > 0.99
    assert t.turning == 1.0 and t.opposite == 0.0
    assert t.unsigned_r > 0.95 and t.unsigned_turning == 1.0
    assert len(t.per_identity_r) == c.shape[0]


def test_read_turn_sees_opposite_identities_and_even_responses():
    from hologan_lesson.eval import read_turn

    c = _sweeps()
    both_ways = torch.cat([c[:4], 90 - c[4:]])  # half the identities turn each way: pooled fit at chance
    t = read_turn(c, both_ways, centre=45.0)
    assert abs(t.signed.correlation) < 0.05
    assert t.turning == 0.5 and t.opposite == 0.5
    assert t.unsigned_r > 0.99 and t.unsigned_turning == 1.0  # |read - centre| still follows |command - 45|
    even = 45 + (c - 45).abs()  # the same picture at 45 - a and 45 + a
    t = read_turn(c, even, centre=45.0)
    assert t.turning == 0.0 and abs(t.signed.correlation) < 0.05
    assert t.unsigned_r > 0.99 and abs(t.unsigned_offset - 45.0) <= 1.0


def test_read_turn_rejects_mismatched_shapes():
    from hologan_lesson.eval import read_turn

    with pytest.raises(ValueError, match="identities, frames"):
        read_turn(_sweeps(), _sweeps()[:, :-1])


def test_fit_unsigned_offset_finds_the_fold():
    from hologan_lesson.eval import fit_unsigned_offset

    c = _sweeps(lo=-60, hi=60).flatten()
    r, offset = fit_unsigned_offset(c, (c - 20).abs() + 3, centre=0.0)
    assert r > 0.999 and offset == pytest.approx(20.0, abs=1.0)


def test_noise_floor_is_low_for_a_turn_and_high_readings_clear_it():
    from hologan_lesson.eval import read_turn, turn_noise_floor

    c = _sweeps()
    reading = c + torch.randn(c.shape, generator=torch.Generator().manual_seed(1)).double() * 5
    floor = turn_noise_floor(c, reading, centre=45.0, permutations=50, seed=0)
    t = read_turn(c, reading, centre=45.0)
    assert set(floor) == {"signed_r", "unsigned_r", "turning"}
    assert 0.0 < floor["signed_r"] < 0.3 and floor["turning"] < 0.3
    assert abs(t.signed.correlation) > floor["signed_r"] + 0.5
    assert turn_noise_floor(c, reading, 45.0, permutations=20, seed=3) == turn_noise_floor(c, reading, 45.0, 20, 3)


def test_control_scores_report_turn_readings_floor_and_rigid_elevation(probe):
    from hologan_lesson.eval import ControlScores

    trained, _ = probe
    refs = reference_scores(trained, SWEEP)
    summary = refs["real renders"].summary()
    for key in ("azimuth_turning", "azimuth_unsigned_corr", "null_signed_r", "null_unsigned_r", "elevation_sign"):
        assert key in summary, key
    assert summary["azimuth_turning"] > summary["null_turning"]
    assert refs["real renders"].elevation_rigid is True  # SWEEP spans 0..30 degrees of elevation
    assert refs["view ignored"].elevation_rigid is False
    fixed = ControlScores(refs["real renders"].azimuth, refs["real renders"].elevation, 1.0, 1.0, elevation_span=0.0)
    assert fixed.elevation_rigid is None and "elevation_rigid" not in fixed.summary()


def test_rigid_elevation_accepts_the_depth_mirror_only_on_a_range_centred_on_the_horizon():
    from hologan_lesson.eval import ControlScores
    from hologan_lesson.eval.control import AngleFit

    def scores(az_sign: int, el_sign: int, symmetric: bool, r: float = 0.9) -> ControlScores:
        azimuth, elevation = AngleFit(az_sign, 0.0, 5.0, 0.95), AngleFit(el_sign, 0.0, 3.0, r)
        return ControlScores(azimuth, elevation, 1.0, 1.0, elevation_span=30.0, elevation_symmetric=symmetric)

    assert scores(+1, +1, symmetric=False).elevation_rigid is True
    assert scores(-1, -1, symmetric=False).elevation_rigid is False  # 0..30: -elevation is outside the data
    assert scores(-1, -1, symmetric=True).elevation_rigid is True  # -15..15: the depth-mirrored object
    assert scores(+1, -1, symmetric=True).elevation_rigid is False  # upside down: no rigid object does that
    assert scores(-1, -1, symmetric=True, r=0.5).elevation_rigid is False  # too weak a reading


def test_probe_spec_follows_the_data_families():
    spec = ProbeSpec.for_data(DataConfig(families=("car",), azimuth_range=(0.0, 90.0), elevation_range=(0.0, 0.0)))
    assert spec.families == ("car",)
    assert spec.azimuth_range == (-15.0, 105.0) and spec.elevation_range == (-15.0, 15.0)
    assert spec.key().endswith("_car") and ProbeSpec.for_data(DataConfig()).families == ()
    cars = SyntheticSource(32, families=("car",)).identities(6, seed=2)
    assert {o.family_name for o in cars} == {"car"}


def test_evaluate_trained_weights_scores_the_weights_the_average_smooths(probe, capsys, tmp_path):
    """A run that kept a moving average (train.ema_decay): evaluate scores the average by default and the trained
    weights with --trained-weights, says which, and caches the two results apart."""
    run = tmp_path / "ema_run"
    cfg = make_config("ci", overrides=["train.steps=2", "train.checkpoint_every=2", "train.ema_decay=0.5"])
    Trainer(cfg, run).fit(progress=False)
    found = {}
    for flags, weights in (([], "moving average"), (["--trained-weights"], "trained")):
        out_json = tmp_path / f"{weights}.json"
        assert main(["evaluate", str(run), "--features", "probe", "--json", str(out_json), *EVAL_ARGS, *flags]) == 0
        assert f"scored: the {weights} weights" in capsys.readouterr().out
        found[weights] = json.loads(out_json.read_text())
        assert found[weights]["weights"] == weights
    assert found["trained"]["predictions"] != found["moving average"]["predictions"]
    assert main(["evaluate", str(run), "--pose-curve", *EVAL_ARGS[8:], "--trained-weights"]) == 0
    cached = json.loads((run / "eval" / "pose_step_0000002.json").read_text())
    assert cached["settings"]["trained_weights"] is True
    assert cached["results"]["azimuth_circ_error"] == pytest.approx(found["trained"]["azimuth_circ_error"])
