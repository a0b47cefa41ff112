"""The ablate command: one run folder per variant, a table row per variant, resume and skip, clear errors."""

import csv
import dataclasses
import json
import shutil

import pytest

from hologan_lesson.cli import main
from hologan_lesson.config import ConfigError
from hologan_lesson.eval.ablate import VARIANTS, ablation_jobs, parse_only, read_table, run_status, variant_config
from hologan_lesson.runs import list_checkpoints, load_run_config

# Two steps per variant with a checkpoint after each, tiny evaluation sizes: seconds per variant.
TRAIN = ["--set", "train.steps=2", "--set", "train.checkpoint_every=1", "--set", "train.log_every=1"]
# The ci preset has the identity loss and the style heads on: the two "with_*" variants are the full model there.
TRAINED = [n for n in VARIANTS if not n.startswith("with_")]
EVAL = ["--features", "probe", "--num-fake", "24", "--num-real", "24", "--subset-size", "12", "--subsets", "5",
        "--identities", "3", "--frames", "4", "--probe-images", "400", "--probe-epochs", "1"]  # fmt: skip


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    """One data root ($HOLOGAN_DATA) for the module: the probe is trained once and cached there."""
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("data")
        mp.setenv("HOLOGAN_DATA", str(root))
        yield root


@pytest.fixture(scope="module")
def ablation(data_root, tmp_path_factory):
    """One full ci ablation (the five variants that differ from the full model), shared by the tests below."""
    out = tmp_path_factory.mktemp("ablation") / "abl"
    assert main(["ablate", "--preset", "ci", "--out", str(out), "--no-progress", *TRAIN, *EVAL]) == 0
    return out


def test_one_run_folder_and_one_row_per_variant(ablation):
    rows = read_table(ablation / "results.csv")
    variants = [r for r in rows if r["kind"] == "variant"]
    assert [r["variant"] for r in variants] == TRAINED
    assert [r["variant"] for r in rows if r["kind"] == "reference"] == [
        "real_renders",
        "view_ignored",
        "identity_shuffled",
    ]
    for r in variants:
        assert r["steps"] == 2
        for key in ("kid_mean", "kid_std", "fid", "azimuth_error", "azimuth_corr", "identity_consistency"):
            assert r[key] is not None, (r["variant"], key)
        cfg = load_run_config(ablation / r["variant"])
        assert cfg.preset == "ci" and cfg.train.steps == 2
    assert rows[-3]["kid_mean"] is not None  # the real renders' KID (the floor) is in the table too
    table = (ablation / "results.md").read_text().splitlines()
    assert len(table) == 2 + len(rows) and "KID (probe features)" in table[0]
    assert (ablation / "sweeps.png").stat().st_size > 1000 and (ablation / "pose.png").stat().st_size > 1000
    info = json.loads((ablation / "run_info.json").read_text())
    assert info["steps"] == 2 and set(info["train_minutes"]) == set(TRAINED)


def test_each_variant_switches_exactly_its_part(ablation):
    configs = {n: load_run_config(ablation / n) for n in TRAINED}
    full = configs["full"]
    assert full.train.random_views and full.generator.z_input == "adain"
    assert configs["no_random_views"].train.random_views is False
    assert configs["traditional_z"].generator.z_input == "traditional"
    assert configs["no_identity_loss"].loss.identity_weight == 0
    assert configs["no_style_disc"].discriminator.style_heads is False
    assert configs["no_style_disc"].loss.style_weight == 0
    for name, cfg in configs.items():  # everything else is the shared budget
        assert cfg.train.steps == full.train.steps and cfg.train.batch_size == full.train.batch_size
        assert cfg.train.seed == full.train.seed and cfg.data == full.data, name


def test_a_variant_equal_to_the_full_model_is_left_out():
    """The cpu recipe has no identity loss and no style heads: there the "no_*" variants are the full model and
    the "with_*" variants put the parts back; the gpu preset has both on, so it is the other way round."""
    cpu = {job.variant: job.config for job in ablation_jobs("cpu", "synthetic")}
    assert "no_identity_loss" not in cpu and "no_style_disc" not in cpu
    assert cpu["with_identity_loss"].loss.identity_weight == 1 and cpu["full"].loss.identity_weight == 0
    assert cpu["with_style_disc"].discriminator.style_heads and cpu["with_style_disc"].loss.style_weight == 1
    assert not cpu["full"].discriminator.style_heads
    gpu = {job.variant for job in ablation_jobs("gpu", "synthetic")}
    assert {"no_identity_loss", "no_style_disc"} <= gpu and not any(n.startswith("with_") for n in gpu)


def test_rerun_skips_finished_and_resumes_unfinished(ablation, capsys):
    stamp = {n: (ablation / n / "checkpoints" / "ckpt_0000002.pt").stat().st_mtime_ns for n in TRAINED}
    (ablation / "no_identity_loss" / "checkpoints" / "ckpt_0000002.pt").unlink()  # "killed" after step 1
    with (ablation / "no_identity_loss" / "metrics.csv").open() as fh:
        assert [r["step"] for r in csv.DictReader(fh)] == ["1", "2"]
    cfg = variant_config(VARIANTS["no_identity_loss"], "ci", overrides=TRAIN[1::2])
    assert run_status(ablation / "no_identity_loss", cfg) == "partial"
    only = "full,no_identity_loss"
    assert (
        main(["ablate", "--preset", "ci", "--out", str(ablation), "--only", only, "--no-progress", *TRAIN, *EVAL]) == 0
    )
    log = capsys.readouterr().out
    assert "full: finished earlier, skipped" in log
    assert "no_identity_loss: resuming at step 1 to step 2" in log
    assert (ablation / "full" / "checkpoints" / "ckpt_0000002.pt").stat().st_mtime_ns == stamp["full"]
    assert [s for s, _ in list_checkpoints(ablation / "no_identity_loss")] == [1, 2]
    with (ablation / "no_identity_loss" / "metrics.csv").open() as fh:
        assert [r["step"] for r in csv.DictReader(fh)] == ["1", "2"]  # step 2 logged once, not twice
    rows = read_table(ablation / "results.csv")
    assert [r["variant"] for r in rows if r["kind"] == "variant"] == ["full", "no_identity_loss"]


def test_errors_are_one_line(ablation, capsys, tmp_path):
    assert main(["ablate", "--preset", "ci", "--out", str(tmp_path / "x"), "--only", "full,no_gan"]) == 2
    assert "unknown variant(s) no_gan" in capsys.readouterr().err
    other = ["--set", "train.steps=3"]  # a different budget for the same folder
    assert main(["ablate", "--preset", "ci", "--out", str(ablation), "--no-progress", *other, *EVAL]) == 2
    err = capsys.readouterr().err
    assert "holds an ablation with overrides=" in err and "choose another --out" in err
    with pytest.raises(ConfigError, match="choose from"):
        parse_only("full,everything")
    assert parse_only("no_style_disc,full") == ["full", "no_style_disc"]  # table order, not typing order


def test_a_finished_run_kept_with_fewer_checkpoints_still_counts(ablation):
    cfg = variant_config(VARIANTS["full"], "ci", overrides=TRAIN[1::2])
    assert run_status(ablation / "full", cfg) == "done"
    fewer = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, keep_checkpoints=1))
    assert run_status(ablation / "full", fewer) == "done"  # retention changes no weight
    longer = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, steps=cfg.train.steps + 1))
    with pytest.raises(ConfigError, match=r"train.steps: 2 != 3"):
        run_status(ablation / "full", longer)


def test_stale_folder_without_checkpoint_starts_over(data_root, tmp_path):
    out = tmp_path / "abl"
    cfg = variant_config(VARIANTS["full"], "ci", overrides=TRAIN[1::2])
    (out / "full").mkdir(parents=True)
    (out / "full" / "metrics.csv").write_text("step,d_total\n1,0.5\n")  # logs of a run killed before saving
    assert run_status(out / "full", cfg) == "stale"
    assert main(["ablate", "--preset", "ci", "--out", str(out), "--only", "full", "--no-progress", *TRAIN, *EVAL]) == 0
    with (out / "full" / "metrics.csv").open() as fh:
        assert [r["step"] for r in csv.DictReader(fh)] == ["1", "2"]


def test_scoring_a_trained_ablation_needs_no_training(ablation, tmp_path):
    """eval only reads: ``score_ablation`` scores finished run folders and refuses unfinished ones."""
    from hologan_lesson.eval.ablate import score_ablation
    from hologan_lesson.eval.run import EvalSettings

    settings = EvalSettings(
        features="probe", num_fake=24, num_real=24, subset_size=12, subsets=5, identities=3, frames=4,
        probe_images=400, probe_epochs=1,
    )  # fmt: skip
    out = tmp_path / "abl"
    with pytest.raises(ConfigError, match="not trained to the end: full"):
        score_ablation("ci", out_dir=out, only=["full"], overrides=TRAIN[1::2], settings=settings, progress=False)
    shutil.copytree(ablation / "full", out / "full")
    result = score_ablation("ci", out_dir=out, only=["full"], overrides=TRAIN[1::2], settings=settings, progress=False)
    assert [r["variant"] for r in result.rows if r["kind"] == "variant"] == ["full"]
    assert result.table_csv.is_file() and not (out / "ablation.json").exists()  # scoring asks for no training
    with pytest.raises(ImportError, match="experiments"):
        from hologan_lesson.eval.ablate import run_ablation  # noqa: F401
