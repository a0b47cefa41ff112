"""tools/gpu_session.py on the CPU (``--tiny``): the files it leaves, budget guarding, the peer step; fused Adam
against the default Adam; and the loader lessons 06-07 use (``hologan_lesson.gpu_results``)."""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import torch

from hologan_lesson import gpu_results, runs

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "gpu_session.py"
sys.path.insert(0, str(ROOT / "tools"))

import gpu_steps  # noqa: E402
import gpu_train  # noqa: E402


def run_session(tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("OUT", "HOLOGAN_DATA")}
    env["OMP_NUM_THREADS"] = "1"
    cmd = [sys.executable, str(SCRIPT), "--tiny", "--out", str(tmp / "out"), "--work", str(tmp / "work"), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> tuple[Path, dict]:
    """One tiny session (about 30 s on an idle core): two presets, three speed modes, two variants x 3 steps."""
    tmp = tmp_path_factory.mktemp("gpu_session")
    modes = "fp32,fp32+fused,bf16+cl+cudagraphs"
    proc = run_session(tmp, "--modes", modes, "--variants", "full,no_random_views", "--steps", "3")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = tmp / "out"
    return out, json.loads((out / "summary.json").read_text())


def test_tiny_session_runs_every_step_and_leaves_its_files(session):
    out, summary = session
    assert summary["format"] == gpu_results.FORMAT and summary["tiny"] is True
    status = {name: step["status"] for name, step in summary["steps"].items()}
    expected = ["environment", "timing", "profile", "speed_modes", "peer", "training", "scoring", "models"]
    assert list(status) == expected
    assert all(status[n] == "done" for n in expected if n != "peer"), summary["steps"]
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "log.txt", "results.tar.gz", "gpu64_full-seed0.pt"} <= names
    assert len(names) <= 8  # what the device tool brings back
    assert [r["preset"] for r in summary["timing"]] == ["gpu", "colab"]
    assert all(r["s_per_1000_steps"] > 0 for r in summary["timing"])
    modes = {r["mode"]: r for r in summary["speed_modes"]}
    assert modes["fp32"]["img_s"] > 0 and modes["fp32+fused"]["img_s"] > 0
    assert modes["bf16+cl+cudagraphs"]["skipped"] == "CUDA graphs need CUDA"
    assert summary["profile"]["top"] and summary["profile"]["steps"] == 2
    assert [r["status"] for r in summary["training"]["runs"]] == ["done", "done"]
    assert summary["scoring"]["kind"] == "ablation"
    variants = [r["variant"] for r in summary["scoring"]["rows"] if r["kind"] == "variant"]
    assert variants == ["full", "no_random_views"]


def test_archive_mirrors_the_repository_and_every_json_parses(session):
    out, _ = session
    with tarfile.open(out / "results.tar.gz") as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        for name in members:
            if name.endswith(".json"):
                json.loads(tar.extractfile(members[name]).read())
    for name in (
        "bench/results/gpu_cpu_timing.json",
        "bench/results/gpu_cpu_profile.txt",
        "bench/results/gpu_cpu_speed_modes.json",
        "docs/results/gpu/summary.json",
        "docs/results/gpu/ablation/results.md",
        "docs/results/gpu/runs/full-seed0/metrics.csv",
        "hologan_lesson/assets/gpu/summary.json",
        "hologan_lesson/assets/gpu/ablation/sweeps.png",
    ):
        assert name in members, name


def test_peer_step_is_skipped_with_a_clear_message_without_a_peer_folder(session):
    out, summary = session
    peer = summary["steps"]["peer"]
    assert peer["status"] == "skipped" and "no --peer DIR given" in peer["reason"]
    assert not (out / "peer_rows.json").exists()
    assert "peer: skipped: no --peer DIR given" in (out / "log.txt").read_text()


def test_slim_generator_is_fp16_and_loads(session):
    out, _ = session
    state = runs.load_checkpoint(out / "gpu64_full-seed0.pt")
    assert {v.dtype for v in state["generator"].values() if v.is_floating_point()} == {torch.float16}
    generator, cfg = runs.load_generator(out / "gpu64_full-seed0.pt")
    assert next(generator.parameters()).dtype == torch.float32 and cfg.train.steps == 3


def test_unpack_places_the_files_and_the_lesson_loader_reads_them(session, tmp_path, capsys):
    out, _ = session
    sys.path.insert(0, str(ROOT / "tools"))
    import gpu_session

    written = gpu_session.unpack(out, replace=False, root=tmp_path)
    assert tmp_path / "hologan_lesson/assets/gpu/gpu64_full-seed0.pt" in written
    with pytest.raises(SystemExit, match="--replace"):
        gpu_session.unpack(out, replace=False, root=tmp_path)
    results = gpu_results.load_gpu_results([tmp_path / "hologan_lesson/assets/gpu"])
    assert results is not None and results["timing"][0]["preset"] == "gpu"
    assert "full HoloGAN" in gpu_results.format_gpu_results(results, "ablation")
    assert "s per 1,000 steps" in gpu_results.format_gpu_results(results)
    assert results["models"] and capsys.readouterr().out.count(gpu_results.NO_RESULTS) == 0


def test_load_gpu_results_says_so_when_nothing_is_stored(tmp_path, capsys):
    assert gpu_results.load_gpu_results([tmp_path / "nothing", tmp_path]) is None
    assert capsys.readouterr().out.strip() == gpu_results.NO_RESULTS
    assert gpu_results.load_gpu_results([tmp_path], quiet=True) is None
    assert capsys.readouterr().out == ""


def test_budget_guard_skips_steps_cleanly(tmp_path):
    proc = run_session(tmp_path, "--budget", "5")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((tmp_path / "out/summary.json").read_text())
    steps = summary["steps"]
    assert steps["environment"]["status"] == "done"
    for name in ("timing", "profile", "speed_modes", "training", "scoring"):
        assert steps[name]["status"] == "skipped" and steps[name]["reason"].startswith("budget"), (name, steps[name])
    assert steps["models"]["status"] == "skipped"
    assert "Traceback" not in proc.stdout
    assert tarfile.open(tmp_path / "out/results.tar.gz").getnames()


def test_set_widens_the_runs_range_and_pose_curve_scores_each_kept_checkpoint(tmp_path):
    """The half-turn call of issue #19: ``--set`` reaches every run after the recipe; ``--pose-curve`` reads each
    checkpoint a run kept, and the curve comes back in the summary and the archive."""
    skip = "timing,profile,speed_modes,peer"
    sets = ["--set", "data.azimuth_range=0,180", "--set", "train.lr_decay=true", "--set", "train.keep_checkpoints=3"]
    proc = run_session(tmp_path, "--skip", skip, "--variants", "full", "--steps", "4", *sets, "--pose-curve")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((tmp_path / "out/summary.json").read_text())
    assert summary["steps"]["scoring"]["status"] == "done", summary["steps"]["scoring"]
    cfg = runs.load_run_config(tmp_path / "work/ablation/full-seed0")
    assert cfg.data.azimuth_range == (0.0, 180.0) and cfg.train.lr_decay and cfg.train.keep_checkpoints == 3
    curve = summary["scoring"]["pose_curves"]["full-seed0"]
    assert [row["step"] for row in curve] == [2, 4]  # a checkpoint every 2 steps (--tiny), both kept
    assert all(0.0 <= row["azimuth_circ_error"] <= 180.0 for row in curve)
    names = tarfile.open(tmp_path / "out/results.tar.gz").getnames()
    assert "docs/results/gpu/runs/full-seed0/eval/pose_curve.csv" in names


def test_recipe_overrides_follow_the_cpu_preset_by_name():
    recipe = gpu_train.recipe_overrides()
    cpu = gpu_train.make_config("cpu")
    cfg = gpu_train.make_config("gpu", "synthetic", recipe)
    assert cfg.data.families == cpu.data.families and cfg.data.resolution == 64
    assert cfg.data.azimuth_range == cpu.data.azimuth_range and cfg.data.elevation_range == cpu.data.elevation_range
    assert cfg.loss == cpu.loss
    assert cfg.discriminator.channels == (64, 128, 256, 512)  # widths stay the gpu preset's
    assert cfg.discriminator.style_heads == cpu.discriminator.style_heads


def test_runs_are_cut_to_a_step_they_all_reached(tmp_path):
    """Runs stopped at a deadline end at different steps; each is cut to the newest checkpoint step all have."""
    from hologan_lesson.train import Trainer

    data = gpu_steps.bench_dataset(32, 16)
    overrides = gpu_train.run_overrides(gpu_train.recipe_overrides(), 10, 1, 16, tiny=True)
    trained = []
    for folder, steps in (("full-seed0", 3), ("no_random_views-seed0", 2)):
        cfg = gpu_train.make_config("gpu", "synthetic", overrides)
        Trainer(cfg, tmp_path / folder, dataset=data).fit(steps, progress=False)
        trained.append({"folder": folder, "step": steps})
    assert gpu_train.common_step(tmp_path, trained) == 2
    gpu_train.cut_run(tmp_path / "full-seed0", 2)
    assert [s for s, _ in runs.list_checkpoints(tmp_path / "full-seed0")] == [1, 2]
    assert int(runs.read_metrics(tmp_path / "full-seed0")[-1]["step"]) == 2
    assert runs.load_run_config(tmp_path / "full-seed0").train.steps == 2
    assert not list((tmp_path / "full-seed0" / runs.SWEEPS_DIR).glob("*step_0000003*"))


def test_parse_peer_reads_the_harness_line():
    text = "noise\nPEER eksuas-1d1g bs=32 img/s=829.5 ; bs=128 img/s=2540.0  (update_g_every_d=1: ...)\n"
    assert gpu_steps.parse_peer(text) == {32: 829.5, 128: 2540.0}
    assert gpu_steps.parse_peer("PEER eksuas bs=32 img/s=1.0") == {}


def test_fused_adam_matches_the_default_adam_to_rounding():
    """Identical gradients: fused Adam and the default agree to float rounding (1 ulp)."""
    gen = torch.Generator().manual_seed(0)
    shapes = [(64, 32), (128,), (16, 16, 3, 3)]
    start = [torch.randn(s, generator=gen) for s in shapes]
    grads = [torch.randn(s, generator=gen) * 10.0 ** torch.randint(-8, 0, s, generator=gen) for s in shapes]
    final = []
    for fused in (False, True):
        params = [torch.nn.Parameter(p.clone()) for p in start]
        opt = torch.optim.Adam(params, lr=1e-4, betas=(0.5, 0.999), fused=fused or None)
        for k in range(5):
            for p, g in zip(params, grads):
                p.grad = g * (1 + 0.1 * k)
            opt.step()
        final.append(torch.cat([p.detach().flatten() for p in params]))
    torch.testing.assert_close(final[1], final[0], rtol=0, atol=1e-6)


def test_fused_adam_in_the_trainer_differs_only_where_adam_amplifies_rounding(tmp_path):
    """One iteration (1 D + 2 G updates) of a tiny fp32 model with and without fused Adam: at most 0.5 % of the
    weights differ by more than 1e-6 (near-zero gradients, which Adam scales up to a full step), none by more than
    three learning-rate steps per update (docs/fidelity.md)."""
    from hologan_lesson.train import Trainer

    data = gpu_steps.bench_dataset(32, 16)
    weights = []
    for fused in (False, True):
        cfg = gpu_steps.bench_config("gpu", True, 8, ["train.precision=fp32", "train.channels_last=false"])
        trainer = Trainer(cfg, tmp_path / str(fused), dataset=data)
        if fused:
            gpu_steps.use_fused_adam(trainer)
            assert trainer.opt_g.defaults["fused"] and trainer.sched_g.optimizer is trainer.opt_g
        trainer.train_step()
        weights.append(torch.cat([p.detach().flatten() for p in (*trainer.G.parameters(), *trainer.D.parameters())]))
    diff = (weights[1] - weights[0]).abs()
    assert (diff > 1e-6).float().mean() < 0.005
    assert diff.max() <= 3 * 2 * cfg.train.lr_g
