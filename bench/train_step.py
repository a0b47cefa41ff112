"""Time HoloGAN's full training iteration, speed mode by speed mode, and relate it to the FLOP count.

The iteration is the library's own ``Trainer.train_step`` (the exact code ``hologan-lesson train`` runs),
fed from uint8 images that are resident on the device before timing starts (``TensorBatches``), so no
image crosses from host to device inside the timed region. Benchmark definition: one D step + one G step
(``train.g_steps_per_d=1``); the trainer's default (official code: two G steps per D step) is timed too,
in the ``G×2`` columns.

    python bench/train_step.py                          # paper widths, 64 and 128 px, batch 32 and 128
    python bench/train_step.py --resolutions 64 --batches 32 --json bench/results/h100.json
    python bench/train_step.py --small                  # CPU smoke run: tiny widths, batch 4, 2 repeats
    python bench/train_step.py --sampling device        # A/B: draw z, views, batch indices on the device

Speed modes (cumulative): ``fp32`` eager; ``bf16`` autocast; ``bf16+cl`` + channels_last; ``bf16+cl+compile``
+ torch.compile (the trainer's own ``train.compile=true`` path); ``bf16+cl+cudagraphs`` torch.compile with
``mode="reduce-overhead"`` (CUDA graphs; CUDA only, reported as skipped elsewhere).

Columns: median ms per iteration over ``--repeats`` timed blocks of ``--iters`` iterations (after
``--warmup`` iterations; CUDA events on a GPU, ``perf_counter`` on a CPU), images/s (= batch / time),
the same two for the default G×2 iteration, peak memory (``torch.cuda.max_memory_allocated`` on a GPU;
on a CPU the process's RSS high-water mark from ``resource.getrusage``, which includes the Python and
torch runtime), achieved TFLOP/s (FLOPs of one iteration counted by ``FlopCounterMode`` on an fp32
eager copy of the same configuration / time), that as a % of a matmul rate this script measures on the
same device (bf16 on a GPU, fp32 on a CPU), aten ops dispatched per iteration (eager modes only; views
and bare allocations not counted: roughly the kernel launches the CPU must issue), and the wall time of
the warm-up iterations (which includes compilation).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # its helpers: measure.py, step_table.py

from measure import (  # noqa: E402
    OpCounter,
    compile_notes,
    describe_device,
    matmul_rate,
    matmul_tflops,
    median_ms,
    peak_memory_mib,
    reset_peak_memory,
    synchronize,
)
from step_table import Result, finite_or_null, format_row, header  # noqa: E402

from hologan_lesson.config import (  # noqa: E402
    RunConfig,
    discriminator_config,
    generator_config,
    make_config,
)
from hologan_lesson.train import Trainer  # noqa: E402


@dataclass(frozen=True)
class Mode:
    """One speed configuration of the trainer."""

    name: str
    precision: str
    channels_last: bool
    compile_mode: str | None = None  # None: eager; "default" or "reduce-overhead"
    needs_cuda: bool = False


MODES = (
    Mode("fp32", "fp32", False),
    Mode("bf16", "bf16", False),
    Mode("bf16+cl", "bf16", True),
    Mode("bf16+cl+compile", "bf16", True, "default"),
    Mode("bf16+cl+cudagraphs", "bf16", True, "reduce-overhead", needs_cuda=True),
)
MODE_NAMES = tuple(m.name for m in MODES)


# ------------------------------------------------------------------------------------------------ inputs
class RandomImages:
    """Random uint8 images ``(N, 3, R, R)``: ``make_batches`` keeps them resident on the training device."""

    def __init__(self, n: int, resolution: int, seed: int = 0):
        gen = torch.Generator().manual_seed(seed)
        self.images = torch.randint(0, 256, (n, 3, resolution, resolution), dtype=torch.uint8, generator=gen)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.images[i].float() / 127.5 - 1


def bench_config(resolution: int, batch: int, small: bool, mode: Mode, device: str) -> RunConfig:
    """The paper (or, with ``small``, the ci-sized) network at ``resolution`` with ``mode``'s train settings."""
    if small:
        cfg = make_config("ci")
        cfg.generator = generator_config(resolution, width=1 / 16)
        cfg.discriminator = discriminator_config(resolution, width=1 / 8)
        cfg.data.resolution = resolution
    else:
        cfg = make_config("paper" if resolution == 64 else "paper128")
    cfg.train = dataclasses.replace(
        cfg.train,
        device=device,
        batch_size=batch,
        g_steps_per_d=1,
        precision=mode.precision,
        channels_last=mode.channels_last,
        compile=mode.compile_mode == "default",
    )
    return cfg


def make_trainer(cfg: RunConfig, mode: Mode, run_dir: Path, backend: str, sampling: str) -> Trainer:
    """A Trainer on random device-resident images; compiled as ``mode`` asks (nothing is written to disk)."""
    dataset = RandomImages(4 * cfg.train.batch_size, cfg.data.resolution, seed=cfg.train.seed)
    trainer = Trainer(cfg, run_dir, dataset=dataset)
    if mode.compile_mode is not None and (backend != "inductor" or mode.compile_mode != "default"):
        # train.compile=true compiles with torch.compile's defaults; other backends/modes replace those.
        kwargs = {"backend": backend} if mode.compile_mode == "default" else {"mode": mode.compile_mode}
        trainer.G_fwd = torch.compile(trainer.G, **kwargs)
        trainer.D_fwd = torch.compile(trainer.D, **kwargs)
    if sampling == "device":
        sample_on_device(trainer)
    return trainer


def sample_on_device(trainer: Trainer) -> None:
    """Replace the three per-step host->device copies (batch indices, z, views) with draws on the device.

    Benchmark-only A/B (the trainer draws on a CPU generator for reproducible, resumable runs): the random
    streams differ from a real run's and batch indices are drawn with replacement; shapes, dtypes and the
    arithmetic of the step are unchanged.
    """
    dev, cfg = trainer.device, trainer.cfg
    gen = torch.Generator(device=dev).manual_seed(cfg.train.seed + 1)
    lo = torch.tensor([cfg.data.azimuth_range[0], cfg.data.elevation_range[0]], device=dev)
    span = torch.tensor([cfg.data.azimuth_range[1], cfg.data.elevation_range[1]], device=dev) - lo
    latent, uniform = trainer.G.latent_dim, cfg.train.z_distribution == "uniform"
    images, batch = trainer.batches.images, cfg.train.batch_size

    def sample_z(n: int, _rng: torch.Generator) -> torch.Tensor:
        if uniform:
            return torch.rand(n, latent, device=dev, generator=gen) * 2 - 1
        return torch.randn(n, latent, device=dev, generator=gen)

    def sample_views(n: int, _rng: torch.Generator) -> torch.Tensor:
        views = lo + torch.rand(n, 2, device=dev, generator=gen) * span  # (n, 2) degrees
        return views if cfg.train.random_views else torch.zeros_like(views)

    def next_batch() -> torch.Tensor:
        idx = torch.randint(len(images), (batch,), device=dev, generator=gen)
        return images[idx].float().div_(127.5).sub_(1.0)  # (B, 3, H, W) in [-1, 1]

    trainer._sample_z, trainer._sample_views = sample_z, sample_views
    trainer.batches.next = next_batch


@dataclass
class FlopCount:
    """FLOPs per image of the networks' passes and of the training iterations (FlopCounterMode)."""

    g_forward: float
    d_forward: float
    d_step: float
    g_step: float
    iteration: float  # 1 D step + 1 G step (the benchmark definition)
    iteration_g2: float  # 1 D step + 2 G steps (the trainer's default)


def count_flops(cfg: RunConfig, run_dir: Path) -> FlopCount:
    """Count on an fp32 eager trainer: FLOPs of matmuls and convs do not depend on the speed mode."""
    cfg = dataclasses.replace(
        cfg, train=dataclasses.replace(cfg.train, precision="fp32", channels_last=False, compile=False)
    )
    trainer = make_trainer(cfg, MODES[0], run_dir, "inductor", "trainer")
    b = cfg.train.batch_size
    z = trainer._sample_z(b, trainer.rng)
    views = trainer._sample_views(b, trainer.rng)

    def flops(fn: Callable[[], object]) -> float:
        with FlopCounterMode(display=False) as counter:
            fn()
        return counter.get_total_flops() / b

    g_forward = flops(lambda: trainer.G(z, views))
    fake = trainer.G(z, views).detach()
    d_forward = flops(lambda: trainer.D(fake))
    iteration = flops(trainer.train_step)
    trainer.cfg.train.g_steps_per_d = 2
    iteration_g2 = flops(trainer.train_step)
    g_step = iteration_g2 - iteration
    return FlopCount(g_forward, d_forward, iteration - g_step, g_step, iteration, iteration_g2)


def count_ops(trainer: Trainer) -> tuple[int, int]:
    """aten ops dispatched in one iteration: (all, inside the two optimisers' ``step``)."""
    counter = OpCounter()

    def enter(*_):
        counter.in_optimizer = True

    def leave(*_):
        counter.in_optimizer = False

    hooks = [
        h
        for opt in (trainer.opt_d, trainer.opt_g)
        for h in (opt.register_step_pre_hook(enter), opt.register_step_post_hook(leave))
    ]
    try:
        with counter:
            trainer.train_step()
    finally:
        for h in hooks:
            h.remove()
    return counter.count, counter.optimizer_count


@contextlib.contextmanager
def g_steps(trainer: Trainer, n: int):
    old = trainer.cfg.train.g_steps_per_d
    trainer.cfg.train.g_steps_per_d = n
    try:
        yield
    finally:
        trainer.cfg.train.g_steps_per_d = old


def run_mode(
    mode: Mode, resolution: int, batch: int, args: argparse.Namespace, device: torch.device, run_dir: Path
) -> Result:
    """Build, warm up and time one mode; a mode that cannot run here comes back with ``skipped`` set."""
    result = Result(mode.name, resolution, batch)
    if mode.needs_cuda and device.type != "cuda":
        result.skipped = f"CUDA graphs need a CUDA device (this run is on {device.type})"
        return result
    if mode.compile_mode is not None:
        torch._dynamo.reset()
    cfg = bench_config(resolution, batch, args.small, mode, str(device))
    cudagraphs = mode.compile_mode == "reduce-overhead"
    exact_peak = reset_peak_memory(device)
    trainer = make_trainer(cfg, mode, run_dir, args.compile_backend, args.sampling)

    def step() -> None:
        if cudagraphs:  # a new iteration: the previous one's graph outputs may be overwritten
            torch.compiler.cudagraph_mark_step_begin()
        trainer.train_step()

    start = time.perf_counter()
    for _ in range(args.warmup):
        step()
    synchronize(device)
    result.warmup_s = time.perf_counter() - start
    result.ms = median_ms(step, args.iters, args.repeats, device)
    with g_steps(trainer, 2):
        step()  # warm the second G step (compiled modes: no new graphs, CUDA graphs: a new tree path)
        result.ms_g2 = median_ms(step, args.iters, args.repeats, device)
    result.peak_mib = peak_memory_mib(device)
    if not exact_peak:
        result.notes.append("peak memory is the process-lifetime RSS high-water mark")
    if mode.compile_mode is None:
        result.ops_per_iter, in_optimizer = count_ops(trainer)
        foreach = trainer.opt_g.defaults.get("foreach")
        result.notes.append(
            f"{result.ops_per_iter} aten ops (no views) per iteration, {in_optimizer} of them in Adam "
            f"(foreach={foreach}: PyTorch picks the multi-tensor kernels on CUDA, a per-parameter loop on CPU)"
        )
    else:
        result.notes.extend(compile_notes())
    result.images_per_s = batch / (result.ms * 1e-3)
    result.images_per_s_g2 = batch / (result.ms_g2 * 1e-3)
    return result  # the trainer goes with this frame; main() then frees its memory before the next mode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="tiny widths, batch 4, 64 px, 2 repeats (CPU / CI)")
    ap.add_argument("--resolutions", type=int, nargs="+", choices=(64, 128), default=None)
    ap.add_argument("--batches", type=int, nargs="+", default=None)
    ap.add_argument("--modes", nargs="+", choices=MODE_NAMES, default=list(MODE_NAMES))
    ap.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    ap.add_argument("--warmup", type=int, default=None, help="untimed iterations first (default 10; small: 1)")
    ap.add_argument("--iters", type=int, default=None, help="iterations per timed block (default 20; small: 2)")
    ap.add_argument("--repeats", type=int, default=None, help="timed blocks, median reported (default 5; small: 2)")
    ap.add_argument(
        "--compile-backend",
        default="inductor",
        help="torch.compile backend for the compile mode (CI uses aot_eager: same graph capture, no codegen)",
    )
    ap.add_argument(
        "--sampling",
        choices=("trainer", "device"),
        default="trainer",
        help="trainer: exactly the trainer's CPU-side z/view/index draws; device: draw them on the device",
    )
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    args.resolutions = args.resolutions or ([64] if args.small else [64, 128])
    args.batches = args.batches or ([4] if args.small else [32, 128])
    args.warmup = args.warmup if args.warmup is not None else (1 if args.small else 10)
    args.iters = args.iters if args.iters is not None else (2 if args.small else 20)
    args.repeats = args.repeats if args.repeats is not None else (2 if args.small else 5)
    if args.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda but CUDA is not available")
    if min(args.warmup, args.iters, args.repeats) < 1:
        ap.error("--warmup, --iters and --repeats must be at least 1")

    print(f"device: {describe_device(device)}; torch {torch.__version__}; python {platform.python_version()}")
    if device.type == "cuda":
        print(
            f"fp32 settings (PyTorch defaults unless changed): cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}, "
            f"float32_matmul_precision={torch.get_float32_matmul_precision()}"
        )
    widths = "ci widths (generator 1/16, discriminator 1/8)" if args.small else "paper widths"
    print(f"network: {widths}; iteration = 1 D step + 1 G step (G×2 columns: the trainer's default of 2)")
    print(f"data: random uint8 images resident on {device.type}; sampling of z/views/indices: {args.sampling}")
    rate, rate_what = matmul_rate(device, args.small)
    print(f"reference matmul rate: {rate:.3f} TFLOP/s ({rate_what}, measured now on this device)")
    if device.type != "cuda":
        bf16_rate = matmul_tflops(device, torch.bfloat16, 512 if args.small else 2048, reps=3)
        print(f"  (CPU: %peak uses the fp32 rate; the bf16 matmul rate here is {bf16_rate:.3f} TFLOP/s, for reference)")
    print(f"timing: {args.warmup} warm-up iterations, median of {args.repeats} blocks of {args.iters} iterations")

    results: list[Result] = []
    flop_table = []
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "run"  # the trainer never writes here: train_step only
        for resolution in args.resolutions:
            for batch in args.batches:
                flops = count_flops(bench_config(resolution, batch, args.small, MODES[0], str(device)), run_dir)
                flop_table.append((resolution, batch, flops))
                print(
                    f"\n{resolution} px, batch {batch}: FLOPs per image (FlopCounterMode): G fwd "
                    f"{flops.g_forward / 1e9:.3f} G, D fwd {flops.d_forward / 1e9:.3f} G, D step "
                    f"{flops.d_step / 1e9:.3f} G, G step {flops.g_step / 1e9:.3f} G, iteration "
                    f"{flops.iteration / 1e9:.3f} G (G×2: {flops.iteration_g2 / 1e9:.3f} G); "
                    f"{flops.iteration * batch / 1e12:.4f} TFLOP per iteration"
                )
                print(header())
                for mode in (m for m in MODES if m.name in args.modes):
                    try:
                        r = run_mode(mode, resolution, batch, args, device, run_dir)
                    except Exception as exc:  # report and go on: one broken mode must not hide the others
                        failed = True
                        r = Result(mode.name, resolution, batch, skipped=f"FAILED {type(exc).__name__}: {exc}")
                    gc.collect()
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
                    if not r.skipped:
                        r.tflops = flops.iteration * batch / (r.ms * 1e-3) / 1e12
                        r.peak_fraction = r.tflops / rate
                    results.append(r)
                    print(format_row(r), flush=True)
                notes = [f"  {r.mode}: {'; '.join(r.notes)}" for r in results[-len(args.modes) :] if r.notes]
                if notes:
                    print("\n".join(["notes:", *notes]))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "device": describe_device(device),
            "torch": torch.__version__,
            "reference_rate_tflops": rate,
            "reference_rate": rate_what,
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "flops_per_image": [{"resolution": res, "batch": b, **dataclasses.asdict(f)} for res, b, f in flop_table],
            "results": [dataclasses.asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(finite_or_null(payload), indent=2))  # NaN -> null: strict JSON
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
