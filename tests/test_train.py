"""The trainer: artifacts, exact resume after a killed process, NaN stop, CLI errors."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from hologan_lesson import train as train_module
from hologan_lesson.config import make_config
from hologan_lesson.runs import CheckpointError, list_checkpoints, load_checkpoint, load_generator
from hologan_lesson.train import Trainer, TrainingDiverged

LOSS_COLUMNS = ("d_total", "g_total")


def read_metrics(run_dir):
    with (run_dir / "metrics.csv").open() as fh:
        return list(csv.DictReader(fh))


def cli(*args, **kwargs):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HOLOGAN_PROFILE": "ci"}
    return subprocess.Popen(
        [sys.executable, "-m", "hologan_lesson", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_ci_run_writes_every_artifact(tmp_path):
    cfg = make_config("ci")
    run = tmp_path / "run"
    Trainer(cfg, run).fit(progress=False)
    assert (run / "config.json").is_file()
    rows = read_metrics(run)
    assert [int(r["step"]) for r in rows] == list(range(2, cfg.train.steps + 1, 2))
    for column in ("d_adv", "g_adv", "images_per_s", "lr_g", *LOSS_COLUMNS):
        assert column in rows[0], f"metrics.csv lacks {column}"
    assert sorted(p.name for p in (run / "samples").glob("*.png")) == ["step_0000010.png", "step_0000020.png"]
    assert [s for s, _ in list_checkpoints(run)] == [10, 20]
    for kind in ("azimuth", "elevation"):
        assert (run / "sweeps" / f"{kind}_step_0000020.gif").is_file()
        assert (run / "sweeps" / f"{kind}_step_0000020.png").is_file()
    state = load_checkpoint(list_checkpoints(run)[-1][1])
    for key in (
        "generator",
        "discriminator",
        "opt_g",
        "opt_d",
        "scaler_g",
        "scaler_d",
        "step",
        "rng",
        "config",
    ):
        assert key in state
    generator, loaded_cfg = load_generator(run)
    assert loaded_cfg == cfg
    out = generator(torch.zeros(2, generator.latent_dim), torch.zeros(2, 2))
    assert out.shape == (2, 3, 64, 64)


def test_refuses_to_overwrite_a_run(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "precious.txt").write_text("mine")
    proc = cli("train", "--preset", "ci", "--run-dir", str(run), "--no-progress")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "already holds a run" in err
    assert (run / "precious.txt").read_text() == "mine"


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_resume_after_killed_process_is_exact(tmp_path, how):
    common = [
        "--preset",
        "ci",
        "--no-progress",
        "--set",
        "train.checkpoint_every=10",
        "--set",
        "train.log_every=1",
    ]
    reference = tmp_path / "reference"
    proc = cli("train", "--run-dir", str(reference), "--set", "train.steps=40", *common)
    assert proc.wait(timeout=300) == 0, proc.stderr.read()

    run = tmp_path / "interrupted"
    proc = cli("train", "--run-dir", str(run), "--set", "train.steps=5000", *common)
    deadline = time.time() + 240
    while not (run / "checkpoints" / "ckpt_0000010.pt").exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.time() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    proc.send_signal(how)
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"training did not stop on {how.name}") from None
    stopped_at = max(s for s, _ in list_checkpoints(run))
    assert stopped_at < 40, "the run finished before it could be interrupted"

    proc = cli("train", "--resume", str(run), "--set", "train.steps=40", *common[3:])
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    want, got = read_metrics(reference), read_metrics(run)
    assert [r["step"] for r in got] == [r["step"] for r in want]
    for a, b in zip(want, got):
        for column in a:
            if column not in ("images_per_s", "time"):
                assert a[column] == b[column], f"step {a['step']}: {column} differs after resume"


def test_nan_stops_with_step_and_term(tmp_path, monkeypatch):
    real_loss = train_module.discriminator_loss
    calls = {"n": 0}

    def poisoned(*args, **kwargs):
        total, terms = real_loss(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 13:
            terms = dict(terms)
            name = next(iter(terms))
            terms[name] = terms[name] * float("nan")
            total = total * float("nan")
        return total, terms

    monkeypatch.setattr(train_module, "discriminator_loss", poisoned)
    cfg = make_config("ci", overrides=["train.checkpoint_every=10", "train.log_every=5"])
    run = tmp_path / "run"
    trainer = Trainer(cfg, run)
    with pytest.raises(TrainingDiverged, match=r"is nan at step 13.*Last good checkpoint: .*ckpt_0000010.pt"):
        trainer.fit(progress=False)
    assert [s for s, _ in list_checkpoints(run)] == [10]


def test_cli_config_errors_are_one_line(tmp_path):
    for args, message in [
        (["train", "--preset", "turbo"], "unknown preset 'turbo'"),
        (["train", "--preset", "ci", "--set", "data.resolution=96"], "resolution mismatch"),
        (["train", "--preset", "ci", "--dataset", str(tmp_path / "missing")], str(tmp_path / "missing")),
        (["train", "--resume", str(tmp_path)], "not a run folder"),
    ]:
        proc = cli(*args, "--no-progress")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, (args, err)
        lines = [line for line in err.strip().splitlines() if line]
        assert len(lines) == 1 and message in lines[0], err


def test_load_generator_refuses_non_checkpoint(tmp_path):
    bogus = tmp_path / "weights.pt"
    bogus.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a HoloGAN checkpoint"):
        load_generator(bogus)


def test_export_writes_slim_checkpoint_and_never_overwrites(tmp_path):
    from hologan_lesson.runs import export_generator

    run = tmp_path / "run"
    Trainer(make_config("ci", overrides=["train.steps=2", "train.checkpoint_every=2"]), run).fit(progress=False)
    slim = export_generator(run, tmp_path / "slim.pt")
    state = load_checkpoint(slim)
    assert set(state) == {"format", "step", "config", "generator"}
    generator, cfg = load_generator(slim)
    assert cfg.preset == "ci" and generator.latent_dim == cfg.generator.z_dim
    slim.write_bytes(b"user file")
    from hologan_lesson.config import ConfigError

    with pytest.raises(ConfigError, match="already exists"):
        export_generator(run, slim)
    assert slim.read_bytes() == b"user file"


@pytest.mark.parametrize("preset", ["cpu", "cpu_chairs"])
def test_demo_trains_its_preset_and_shows_that_preset_s_shipped_model(tmp_path, capsys, monkeypatch, preset):
    from hologan_lesson import cli, shipped

    trained = {}

    def train_nothing(args, before_training=None):  # the preset and the goal only: no minutes of training
        trained["preset"] = args.preset
        before_training(Path(args.run_dir))
        return 0

    monkeypatch.setattr(cli, "cmd_train", train_nothing)
    run = tmp_path / "demo"
    assert cli.main(["demo", "--preset", preset, "--run-dir", str(run), "--no-progress"]) == 0
    assert trained["preset"] == preset
    assert f"the shipped model ({shipped.GOALS[preset].name})" in capsys.readouterr().out
    assert (run / "shipped_model_turntable.gif").is_file()


def test_demo_shows_the_goal_trains_and_scores_3d_control(tmp_path, capsys, monkeypatch):
    from hologan_lesson.cli import main

    monkeypatch.setenv("HOLOGAN_DATA", str(tmp_path / "data"))  # the probe and its renders are cached there
    run = tmp_path / "demo"
    tiny = ["--set", "train.steps=4", "--set", "data.in_memory=true", "--set", "data.num_images=32"]
    probe = ["--identities", "3", "--frames", "4", "--probe-images", "300", "--probe-epochs", "1"]
    assert main(["demo", "--run-dir", str(run), "--no-progress", *tiny, *probe]) == 0
    out = capsys.readouterr().out
    assert "The goal: the shipped model" in out and (run / "shipped_model_turntable.gif").is_file()
    assert "azimuth signed |r|" in out and "null" in out and "unsigned r" in out
    assert (run / "turntable.gif").is_file() and (run / "eval" / "demo_scores.json").is_file()
    assert (run / "checkpoints" / "ckpt_0000004.pt").is_file()
    assert main(["demo", "--run-dir", str(run), *tiny]) == 2  # an existing run is never overwritten
    assert "already holds a run" in capsys.readouterr().err


def test_warm_start_copies_both_networks_and_refuses_what_does_not_fit(tmp_path):
    from hologan_lesson.config import ConfigError
    from hologan_lesson.runs import export_generator

    first = tmp_path / "first"
    Trainer(make_config("ci", overrides=["train.steps=2", "train.checkpoint_every=2"]), first).fit(progress=False)
    trained = load_checkpoint(list_checkpoints(first)[-1][1])
    wider = ["data.azimuth_range=0,180", f"train.init_from={first}", "train.seed=5"]
    second = Trainer(make_config("ci", overrides=wider), tmp_path / "second")
    assert second.step == 0  # a new run: its own step count, data and optimisers
    for net, key in ((second.G, "generator"), (second.D, "discriminator")):
        for name, value in net.state_dict().items():
            assert torch.equal(value, trained[key][name]), f"{key}.{name} was not copied"
    assert all(not s for s in second.opt_g.state.values())

    narrow = make_config("ci", overrides=["generator.projection_channels=8", f"train.init_from={first}"])
    with pytest.raises(ConfigError, match="other settings"):
        Trainer(narrow, tmp_path / "third")
    slim = export_generator(first, tmp_path / "slim.pt")
    with pytest.raises(ConfigError, match="generator only"):
        Trainer(make_config("ci", overrides=[f"train.init_from={slim}"]), tmp_path / "fourth")


def test_labelled_contrast_reads_the_true_poses_of_the_batch_and_refuses_other_data(tmp_path):
    import numpy as np

    from hologan_lesson.config import ConfigError
    from hologan_lesson.data import make_dataset

    sets = ["discriminator.view_head=true", "loss.view_weight=1", "loss.view_real_weight=1", "train.steps=2"]
    cfg = make_config("ci", overrides=sets)
    dataset = make_dataset(cfg.data)
    trainer = Trainer(cfg, tmp_path / "run", dataset=dataset)
    assert float(trainer.train_step().terms["d_view_real"]) > 0
    idx = trainer.batches.last_indices
    assert torch.equal(trainer.real_views, dataset.poses[idx])  # each real image with its own pose
    first = trainer.batches.images[idx[0]].permute(1, 2, 0).numpy()
    assert np.array_equal(first, dataset.images[int(idx[0])])
    unsupervised = Trainer(make_config("ci", overrides=sets[:2] + ["train.steps=2"]), tmp_path / "plain")
    assert unsupervised.real_poses is None and "d_view_real" not in unsupervised.train_step().terms
    with pytest.raises(ConfigError, match="labelled contrast"):
        Trainer(make_config("ci", overrides=["loss.view_real_weight=1"]), tmp_path / "no_head")
    with pytest.raises(ConfigError, match="nothing to learn from"):
        Trainer(make_config("ci", overrides=sets[:2] + ["loss.view_fakes_in_d=false"]), tmp_path / "no_target")
