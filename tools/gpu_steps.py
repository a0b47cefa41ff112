"""The measuring steps of ``tools/gpu_session.py``: environment, preset timings, profile, speed modes, peer.

Every step builds the library's own ``Trainer`` from a preset (by name, through ``make_config``) on a small
synthetic set rendered once (``bench_dataset``) and kept resident on the device, and times
``Trainer.train_step``. ``--tiny`` runs (CPU tests) use ``TINY_OVERRIDES``: 32 px, a few channels.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from hologan_lesson.config import DataConfig, RunConfig, make_config
from hologan_lesson.data import make_dataset
from hologan_lesson.envcheck import environment_report
from hologan_lesson.train import Trainer, lr_factor

TINY_OVERRIDES = [
    "generator.resolution=32",
    "generator.const_channels=16",
    "generator.volume_channels=8,8",
    "generator.projection_channels=16",
    "generator.image_channels=8",
    "discriminator.resolution=32",
    "discriminator.channels=8,16,32",
    "discriminator.identity_hidden=16",
    "data.resolution=32",
]


def environment() -> dict[str, Any]:
    """Versions, device name and memory, CUDA/cuDNN versions (step a)."""
    report = dict(environment_report())
    report.update(platform=platform.platform(), cpu_count=str(os.cpu_count()))
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        report.update(
            cuda=str(torch.version.cuda),
            cudnn=str(torch.backends.cudnn.version()),
            capability=f"{props.major}.{props.minor}",
            memory_gib=f"{props.total_memory / 2**30:.1f}",
        )
    return report


def device_slug(env: dict[str, Any]) -> str:
    """``NVIDIA H200`` -> ``h200``; a CPU -> ``cpu``: the tag of stored file names."""
    name = env.get("device", "cpu").lower()
    if name.startswith("cpu"):
        return "cpu"
    name = re.sub(r"^nvidia\s+", "", name)
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:32] or "gpu"


# ------------------------------------------------------------------------------------------------ building
def bench_config(preset: str, tiny: bool, batch: int | None = None, extra: list[str] | None = None) -> RunConfig:
    """``preset`` on in-memory synthetic data at its own resolution (tiny: 32 px, a few channels, CPU)."""
    overrides = [*(TINY_OVERRIDES if tiny else []), "data.in_memory=true"]
    if tiny:
        overrides.append("train.device=cpu")
    if batch is not None:
        overrides.append(f"train.batch_size={batch}")
    return make_config(preset, "synthetic", [*overrides, *(extra or [])])


def bench_dataset(resolution: int, num_images: int):
    """A small synthetic set rendered once into memory (rendering is CPU work); every trainer reuses it."""
    return make_dataset(DataConfig(resolution=resolution, num_images=num_images, in_memory=True))


def use_fused_adam(trainer: Trainer) -> None:
    """Swap both optimisers for ``torch.optim.Adam(fused=True)`` with the same settings (and new schedulers).

    The same Adam update, computed by one fused kernel per parameter group instead of foreach/for-loop ops:
    weights agree with the default to float rounding (tests/test_gpu_session.py, docs/fidelity.md).
    """
    t = trainer.cfg.train
    for name, lr in (("g", t.lr_g), ("d", t.lr_d)):
        net = trainer.G if name == "g" else trainer.D
        opt = torch.optim.Adam(net.parameters(), lr=lr, betas=t.betas, fused=True)
        setattr(trainer, f"opt_{name}", opt)
        setattr(trainer, f"sched_{name}", torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(t, s)))


@dataclass(frozen=True)
class Mode:
    """One speed mode of the training step (``compile``: None, ``default`` or ``reduce-overhead``)."""

    name: str
    precision: str = "fp32"
    channels_last: bool = False
    fused_adam: bool = False
    compile: str | None = None


MODES = {
    m.name: m
    for m in (
        Mode("fp32"),
        Mode("bf16+cl", "bf16", True),
        Mode("fp32+fused", fused_adam=True),
        Mode("bf16+cl+fused", "bf16", True, True),
        Mode("bf16+cl+compile", "bf16", True, compile="default"),
        Mode("bf16+cl+cudagraphs", "bf16", True, compile="reduce-overhead"),
        Mode("fp32+fused+cudagraphs", fused_adam=True, compile="reduce-overhead"),
    )
}


def mode_trainer(mode: Mode, cfg: RunConfig, dataset, run_dir: Path) -> tuple[Trainer, Any]:
    """A trainer in ``mode`` and the function to call before each step (CUDA graphs: mark a new step)."""
    cfg.train.precision, cfg.train.channels_last = mode.precision, mode.channels_last
    trainer = Trainer(cfg, run_dir, dataset=dataset)
    if mode.fused_adam:
        use_fused_adam(trainer)
    before = None
    if mode.compile is not None:
        on_cuda = trainer.device.type == "cuda"
        kwargs = {"mode": mode.compile} if on_cuda else {"backend": "eager"}  # CPU: tracing only, no codegen
        trainer.G_fwd, trainer.D_fwd = torch.compile(trainer.G, **kwargs), torch.compile(trainer.D, **kwargs)
        if mode.compile == "reduce-overhead":
            before = torch.compiler.cudagraph_mark_step_begin
    return trainer, before


# ----------------------------------------------------------------------------------------------- measuring
def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(trainer: Trainer, warmup: int, iters: int, before=None) -> dict[str, Any]:
    """Warm up, then time ``iters`` steps in one window: ms per step, peak device memory, warm-up seconds."""

    def step():
        if before is not None:
            before()
        trainer.train_step()

    dev = trainer.device
    start = time.perf_counter()
    for _ in range(warmup):
        step()
    sync(dev)
    warm_s = time.perf_counter() - start
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    start = time.perf_counter()
    for _ in range(iters):
        step()
    sync(dev)
    ms = (time.perf_counter() - start) * 1e3 / iters
    peak = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else None
    return {"ms_per_step": ms, "peak_mib": peak, "warmup_s": warm_s, "warmup_steps": warmup, "steps_timed": iters}


def time_presets(presets: list[str], dataset, tiny: bool, warmup: int, iters: int, work: Path) -> list[dict]:
    """Time per 1,000 steps (extrapolated from the timed window) and peak memory of each preset (step b)."""
    rows = []
    for preset in presets:
        cfg = bench_config(preset, tiny, batch=8 if tiny else None)
        trainer = Trainer(cfg, work / f"timing-{preset}", dataset=dataset)
        m = measure(trainer, warmup, iters)
        t = cfg.train
        rows.append(
            {
                "preset": preset,
                "resolution": cfg.data.resolution,
                "batch": t.batch_size,
                "precision": t.precision,
                "channels_last": t.channels_last,
                "compile": t.compile,
                "g_steps_per_d": t.g_steps_per_d,
                **m,
                "s_per_1000_steps": m["ms_per_step"],  # ms per step = s per 1,000 steps
                "img_s": t.batch_size * 1e3 / m["ms_per_step"],
            }
        )
        del trainer
        _free()
    return rows


def speed_modes(names: list[str], dataset, tiny: bool, batch: int, warmup: int, iters: int, work: Path, guard):
    """A/B of the speed modes on the ``gpu`` preset, 1 D + 1 G step per iteration (step d).

    ``guard(name, estimate_s)`` returns a reason to skip (budget) or None. Yields one row per mode.
    """
    for name in names:
        mode = MODES[name]
        row: dict[str, Any] = {"mode": name, "batch": batch}
        on_cuda = torch.cuda.is_available() and not tiny
        if mode.compile == "reduce-overhead" and not on_cuda:
            yield {**row, "skipped": "CUDA graphs need CUDA"}
            continue
        reason = guard(name, 75.0 if mode.compile and on_cuda else 10.0)
        if reason:
            yield {**row, "skipped": reason}
            continue
        try:
            cfg = bench_config("gpu", tiny, batch=batch, extra=["train.g_steps_per_d=1"])
            row["resolution"] = cfg.data.resolution
            trainer, before = mode_trainer(mode, cfg, dataset, work / re.sub(r"\W+", "_", name))
            m = measure(trainer, warmup + (3 if mode.compile else 0), iters, before)
            row.update(m, img_s=batch * 1e3 / m["ms_per_step"])
            del trainer
        except Exception as exc:  # one failing mode (e.g. a compiler problem) must not stop the session
            row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
        _free()
        yield row


def _free() -> None:
    import gc

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# ------------------------------------------------------------------------------------------------- profile
CATEGORIES = (
    ("grid_sample", r"grid_sampler"),
    ("convolution", r"conv|cudnn|xmma|implicit_gemm|winograd|dgrad|wgrad|fprop|cutlass|gemm|sm90|sm80"),
    ("optimizer", r"adam|foreach|multi_tensor|_fused"),
    ("memory copy/set", r"memcpy|memset|copy_"),
    ("reduction/norm", r"reduce|norm|welford|softmax"),
    ("elementwise", r"elementwise|vectorized|unrolled|pointwise|triton"),
)


def _category(name: str) -> str:
    low = name.lower()
    return next((cat for cat, pattern in CATEGORIES if re.search(pattern, low)), "other")


def profile_step(dataset, tiny: bool, iters: int, work: Path, out_txt: Path, trace: Path | None) -> dict[str, Any]:
    """torch.profiler over ``iters`` steps of the ``gpu`` preset at batch 32 (step c): kernel table + summary."""
    from torch.profiler import ProfilerActivity, profile

    cfg = bench_config("gpu", tiny, batch=8 if tiny else 32)
    trainer = Trainer(cfg, work / "profile", dataset=dataset)
    dev = trainer.device
    for _ in range(3):
        trainer.train_step()
    sync(dev)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == "cuda" else [])
    start = time.perf_counter()
    with profile(activities=activities) as prof:
        for _ in range(iters):
            trainer.train_step()
        sync(dev)
    wall_ms = (time.perf_counter() - start) * 1e3 / iters
    on_cuda = dev.type == "cuda"
    key = "self_device_time_total" if on_cuda else "self_cpu_time_total"
    averages = prof.key_averages()
    tables = [f"{cfg.preset} preset, batch {cfg.train.batch_size}, {cfg.train.precision}, {iters} steps profiled"]
    for sort in dict.fromkeys([key, "self_cpu_time_total"]):  # GPU: the kernel table, then where the host waits
        tables.append(f"\nsorted by {sort}\n" + averages.table(sort_by=sort, row_limit=40, max_name_column_width=70))
    out_txt.write_text("\n".join(tables))
    if trace is not None:
        prof.export_chrome_trace(str(trace))

    def own(e) -> float:  # microseconds of this kernel (GPU) or op (CPU) itself
        return float(getattr(e, key, 0.0) or 0.0)

    # On a GPU the device's own events (kernels, copies) carry the time; aten ops also report their kernels' time,
    # so summing both would count it twice.
    kernels = [e for e in averages if on_cuda and str(getattr(e, "device_type", "")).endswith("CUDA")]
    events = sorted(kernels or list(averages), key=own, reverse=True)
    total = sum(own(e) for e in events) or 1.0
    cats: dict[str, float] = {}
    for e in events:
        cats[_category(e.key)] = cats.get(_category(e.key), 0.0) + own(e)
    per = 1e3 * iters  # µs over the window -> ms per step
    summary = {
        "preset": cfg.preset,
        "batch": cfg.train.batch_size,
        "precision": cfg.train.precision,
        "steps": iters,
        "time_kind": "GPU kernel time" if kernels else "CPU op time (self)",
        "wall_ms_per_step": wall_ms,
        "busy_ms_per_step": total / per,
        "busy_fraction": total / per / wall_ms,  # GPU: < 1 means the card waits for the host
        "aten_calls_per_step": sum(e.count for e in averages if e.key.startswith("aten::")) / iters,  # nested too
        "kernels_per_step": sum(e.count for e in kernels) / iters if kernels else None,
        "by_category_ms": {k: v / per for k, v in sorted(cats.items(), key=lambda kv: -kv[1])},
        "top": [
            {"name": e.key, "calls_per_step": e.count / iters, "ms_per_step": own(e) / per, "share": own(e) / total}
            for e in events[:25]
        ],
    }
    del trainer, prof
    _free()
    return summary


# ---------------------------------------------------------------------------------------------------- peer
PEER_LINE = re.compile(r"^PEER eksuas-1d1g (.*)$", re.M)


def parse_peer(text: str) -> dict[int, float]:
    """``{batch: img/s}`` from the harness's ``PEER eksuas-1d1g bs=32 img/s=829.0 ; bs=128 ...`` line."""
    found = PEER_LINE.search(text)
    if not found:
        return {}
    pairs = re.findall(r"bs=(\d+) img/s=([0-9.]+)", found.group(1))
    return {int(b): float(v) for b, v in pairs}


def find_peer(peer: Path, harness: Path | None) -> tuple[Path, Path]:
    """(the harness script, the folder of the port's files); FileNotFoundError naming what is missing."""
    peer, harness = peer.resolve(), harness.resolve() if harness else None
    port = peer / "eksuas" if (peer / "eksuas" / "hologan.py").is_file() else peer
    if not (port / "hologan.py").is_file():
        raise FileNotFoundError(f"{peer}: no hologan.py of eksuas/HoloGAN-PyTorch there nor in {peer / 'eksuas'}")
    root = Path(__file__).resolve().parents[1]
    candidates = [harness] if harness else [peer / "bench_peer.py", root / "shared/tools/bench_peer.py"]
    candidates.append(root.parent / "shared/tools/bench_peer.py")
    found = next((c for c in candidates if c is not None and c.is_file()), None)
    if found is None:
        raise FileNotFoundError("bench_peer.py not found: pass --peer-harness PATH (../shared/tools/bench_peer.py)")
    return found, port


def run_peer(peer: Path, harness: Path | None, tiny: bool, batches: list[int], timeout: float, log: Path) -> dict:
    """Run the port's harness unmodified, its ``eksuas/`` folder beside it (a temp copy if needed) (step e)."""
    script, port = find_peer(peer, harness)
    with tempfile.TemporaryDirectory(prefix="peer_") as tmp:
        if script.parent / "eksuas" != port and script.parent != port:
            (Path(tmp) / "eksuas").symlink_to(port.resolve(), target_is_directory=True)
            script = Path(shutil.copy2(script, Path(tmp) / script.name))
        args = ["--variants", "1d1g", "--no-flops"]
        args += ["--quick", "--cpu"] if tiny else ["--batch-sizes", *map(str, batches)]
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(script), *args], capture_output=True, text=True, timeout=timeout, cwd=tmp
        )
    log.write_text(proc.stdout + proc.stderr)
    rates = parse_peer(proc.stdout)
    if proc.returncode or not rates:
        raise RuntimeError(f"bench_peer.py exited {proc.returncode} with no PEER line; see {log.name}")
    return {"harness": str(script.name), "seconds": time.perf_counter() - start, "peer_img_s": rates}


def peer_rows(device: str, modes: list[dict], peer_img_s: dict[int, float], tiny: bool) -> list[dict]:
    """``{device, resolution, batch, mode, img_s, peer_img_s}`` for every measured mode with a peer rate."""
    rows = []
    for m in modes:
        peer = peer_img_s.get(m["batch"])
        if m.get("img_s") is None or peer is None:
            continue
        row = {k: m.get(k) for k in ("resolution", "batch", "mode", "img_s")}
        rows.append({"device": device, **row, "peer_img_s": peer, "ratio": m["img_s"] / peer, "tiny": tiny})
    return rows


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    tmp.replace(path)
    return path
