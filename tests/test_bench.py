"""bench/train_step.py runs end to end on the CPU (--small) and prints a complete, sane table.

No timing is asserted: only that every mode produced a row of positive, finite numbers (or, for CUDA graphs
on a CPU, says why it was skipped), and that the FLOP accounting adds up.
"""

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from hologan_lesson.lessons.facts import DEMO_TIMING

MODES = ("fp32", "bf16", "bf16+cl", "bf16+cl+compile", "bf16+cl+cudagraphs")
ROOT = Path(__file__).resolve().parents[1]
NUMERIC = ("ms/it", "img/s", "ms/it_G×2", "img/s_G×2", "peak_MiB", "TFLOP/s", "%peak")


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "small.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    # aot_eager: the same dynamo + AOTAutograd graph capture as inductor, without its minutes of C++ codegen
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "train_step.py"),
        "--small",
        "--device",
        "cpu",
        "--compile-backend",
        "aot_eager",
        "--json",
        str(out),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, json.loads(out.read_text())


def _rows(stdout):
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("mode "))
    columns = lines[start].split()
    rows = {}
    for line in lines[start + 1 :]:
        parts = line.split()
        if not parts or parts[0] not in MODES:
            break
        rows[parts[0]] = dict(zip(columns, parts)) if "skipped:" not in line else {"skipped": line}
    return columns, rows


def test_table_has_a_row_of_positive_finite_numbers_per_mode(bench_run):
    stdout, _ = bench_run
    columns, rows = _rows(stdout)
    assert set(NUMERIC) <= set(columns)
    assert set(rows) == set(MODES), stdout
    for mode in MODES:
        if mode == "bf16+cl+cudagraphs":  # --device cpu, even where CUDA exists
            assert "skipped: CUDA graphs need a CUDA device (this run is on cpu)" in rows[mode]["skipped"]
            continue
        row = rows[mode]
        assert row["res"] == "64" and row["batch"] == "4"
        for name in NUMERIC:
            value = float(row[name])
            assert math.isfinite(value) and value > 0, f"{mode} {name} = {row[name]}"
        compiled = "compile" in mode or "cudagraphs" in mode
        assert row["ops/it"] == "-" if compiled else int(row["ops/it"]) > 0
    assert "reference matmul rate" in stdout and "float32" in stdout  # CPU: fp32 rate, and it says so
    assert "0 graph breaks" in stdout  # the model traces whole under torch.compile


def test_json_matches_table_and_flops_add_up(bench_run):
    stdout, payload = bench_run
    _, rows = _rows(stdout)
    results = {r["mode"]: r for r in payload["results"]}
    assert set(results) == set(MODES)
    for mode, r in results.items():
        if r["skipped"]:
            continue
        assert f"{r['ms']:.2f}" == rows[mode]["ms/it"]
        assert r["images_per_s"] == pytest.approx(4 / (r["ms"] * 1e-3))
    (flops,) = payload["flops_per_image"]
    assert flops["resolution"] == 64 and flops["batch"] == 4
    assert flops["d_step"] + flops["g_step"] == pytest.approx(flops["iteration"])
    assert flops["iteration_g2"] == pytest.approx(flops["iteration"] + flops["g_step"])
    # forward passes are inside the steps: D step >= G fwd + 2 D fwd, G step > G fwd + D fwd (plus backward)
    assert flops["d_step"] > flops["g_forward"] + 2 * flops["d_forward"]
    assert flops["g_step"] > 2 * flops["g_forward"] + flops["d_forward"]
    fp32 = results["fp32"]
    assert fp32["tflops"] == pytest.approx(flops["iteration"] * 4 / (fp32["ms"] * 1e-3) / 1e12)


def test_device_sampling_keeps_the_step_shapes_and_ranges(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_train_step", ROOT / "bench" / "train_step.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up while the file executes
    spec.loader.exec_module(bench)
    mode = bench.MODES[0]
    cfg = bench.bench_config(64, 4, True, mode, "cpu")
    trainer = bench.make_trainer(cfg, mode, tmp_path / "run", "inductor", "device")
    z, views, real = trainer._sample_z(4, trainer.rng), trainer._sample_views(4, trainer.rng), trainer.batches.next()
    assert z.shape == (4, trainer.G.latent_dim) and z.abs().max() <= 1
    (az_lo, az_hi), (el_lo, el_hi) = cfg.data.azimuth_range, cfg.data.elevation_range
    assert views.shape == (4, 2)
    assert (az_lo <= views[:, 0]).all() and (views[:, 0] <= az_hi).all()
    assert (el_lo <= views[:, 1]).all() and (views[:, 1] <= el_hi).all()
    assert real.shape == (4, 3, 64, 64) and real.dtype == torch.float32 and real.abs().max() <= 1
    cpu_rng_state = trainer.rng.get_state()
    terms = trainer.train_step().terms
    assert all(torch.isfinite(v) for v in terms.values())
    assert torch.equal(trainer.rng.get_state(), cpu_rng_state)  # the trainer's CPU generator is not used


def test_cpu_recipe_bench_times_eager_and_compiled_steps(tmp_path):
    out = tmp_path / "cpu_recipe.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, str(ROOT / "bench" / "cpu_recipe_step.py"), "--threads", "1", "--warmup", "1"]
    cmd += ["--iters", "1", "--repeats", "1", "--backend", "aot_eager", "--json", str(out)]
    cmd += ["--set", "discriminator.view_mirror=true", "--set", "loss.r1_weight=0"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    payload = json.loads(out.read_text())
    assert payload["overrides"] == ["discriminator.view_mirror=true", "loss.r1_weight=0"]
    assert "overrides: discriminator.view_mirror=true loss.r1_weight=0" in proc.stdout
    timing = json.loads(DEMO_TIMING.read_text())
    assert payload["demo_train_minutes"] == pytest.approx(timing["train_seconds"] / 60, abs=0.05)  # the recorded demo
    rows = payload["rows"]
    assert [(r["mode"], r["threads"]) for r in rows] == [("eager", 1), ("compile", 1)]
    for r in rows:
        assert math.isfinite(r["ms_per_step"]) and r["ms_per_step"] > 0
        assert r["steps_per_s"] == pytest.approx(1000 / r["ms_per_step"])
        assert abs(r["steps_in_demo_budget"] - payload["demo_train_minutes"] * 60 * r["steps_per_s"]) <= 1
    assert "1 thread(s): compile is" in proc.stdout


def test_cpu_recipe_bench_refuses_compile_with_r1_in_words():
    cmd = [sys.executable, str(ROOT / "bench" / "cpu_recipe_step.py"), "--threads", "1", "--modes", "compile"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "--set loss.r1_weight=0" in proc.stderr and "--modes eager" in proc.stderr
