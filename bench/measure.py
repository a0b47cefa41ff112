"""Device measurements for the benchmarks: synchronised timing, peak memory, a reference matmul rate, dispatched
aten ops, and what torch.compile recorded.

``bench/train_step.py`` relates them to HoloGAN's training iteration; nothing here knows about HoloGAN.
"""

from __future__ import annotations

import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_block(step: Callable[[], None], iters: int, device: torch.device) -> float:
    """Milliseconds per call of ``step`` over ``iters`` back-to-back calls, synchronised with the device."""
    if device.type == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        synchronize(device)
        start.record()
        for _ in range(iters):
            step()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / iters
    start_s = time.perf_counter()
    for _ in range(iters):
        step()
    return (time.perf_counter() - start_s) * 1e3 / iters


def median_ms(step: Callable[[], None], iters: int, repeats: int, device: torch.device) -> float:
    return statistics.median(time_block(step, iters, device) for _ in range(repeats))


def _rss_mib() -> float:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return kib / 2**20 if sys.platform == "darwin" else kib / 2**10


def reset_peak_memory(device: torch.device) -> bool:
    """Start a new peak-memory window; False where only the process-lifetime peak can be read."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return True
    try:  # Linux: writing 5 to clear_refs resets the RSS high-water mark that getrusage reports
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_memory_mib(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return _rss_mib()


def matmul_rate(device: torch.device, small: bool) -> tuple[float, str]:
    """Measured dense matmul rate in TFLOP/s and what it is (bf16 on CUDA, fp32 elsewhere)."""
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    n = 8192 if device.type == "cuda" else (512 if small else 2048)
    return matmul_tflops(device, dtype, n, reps=20 if device.type == "cuda" else 3), (
        f"{str(dtype).removeprefix('torch.')} {n}x{n} matmul"
    )


def matmul_tflops(device: torch.device, dtype: torch.dtype, n: int, reps: int) -> float:
    gen = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(n, n, device=device, dtype=dtype, generator=gen)
    b = torch.randn(n, n, device=device, dtype=dtype, generator=gen)
    torch.mm(a, b)  # warm-up (library initialisation, kernel selection)
    ms = median_ms(lambda: torch.mm(a, b), iters=reps, repeats=3, device=device)
    return 2 * n**3 / (ms * 1e-3) / 1e12


NO_KERNEL = {"aten::_unsafe_view", "aten::_reshape_alias", "aten::lift_fresh", "aten::empty", "aten::empty_strided"}


class OpCounter(TorchDispatchMode):
    """Counts aten operators that do work (views and bare allocations left out): in eager mode roughly the
    kernels launched. ``optimizer_count``: how many ran inside an optimiser step (switched by step hooks)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.optimizer_count = 0
        self.in_optimizer = False

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if not func.is_view and func._schema.name not in NO_KERNEL:
            self.count += 1
            self.optimizer_count += self.in_optimizer
        return func(*args, **(kwargs or {}))


def compile_notes() -> list[str]:
    """Graph count, graph breaks and CUDA-graph skips recorded by dynamo/inductor since the last reset."""
    from torch._dynamo.utils import counters

    notes = [f"{counters['stats'].get('unique_graphs', 0)} graphs compiled"]
    breaks = counters["graph_break"]
    notes.append(f"{sum(breaks.values())} graph breaks" + (f" ({'; '.join(breaks)})" if breaks else ""))
    skips = counters["inductor"].get("cudagraph_skips", 0)
    if skips:
        notes.append(f"{skips} cudagraph skips (run with TORCH_LOGS=perf_hints for the reasons)")
    return notes


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return f"{props.name} ({props.total_memory / 2**30:.0f} GiB), CUDA {torch.version.cuda}"
    threads = torch.get_num_threads()
    return f"CPU {platform.processor() or platform.machine()}, {threads} torch thread(s)"
