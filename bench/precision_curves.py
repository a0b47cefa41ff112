"""Train the same model twice from the same seed, fp32 and a fast mode, and compare the loss curves.

Both runs use the library's ``Trainer.train_step`` on the same in-memory synthetic images
(``InMemorySyntheticDataset``), the same initial weights, latent codes, views and batch order; only the
precision (and, if asked, the memory layout) differs. Writes ``<stem>.csv`` (every loss term, every step,
both runs), ``<stem>.png`` (raw curves faint, moving averages bold) and ``<stem>.json`` (summary).

    python bench/precision_curves.py                       # CPU: ci widths, 200 steps, fp32 vs bf16
    python bench/precision_curves.py --preset gpu --steps 2000   # GPU: paper widths, fp32 vs bf16+channels_last

Before training it also measures how far bf16 gradients are from fp32 at initialisation, next to how far
fp32's own gradients move when only the generated image is perturbed by bf16 rounding (the conditioning
of the problem: bf16 cannot be expected to do better than that).
"""

from __future__ import annotations

import argparse
import copy
import csv
import dataclasses
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hologan_lesson.config import RunConfig, make_config  # noqa: E402
from hologan_lesson.data import InMemorySyntheticDataset  # noqa: E402
from hologan_lesson.data.catalogue import POSE_RANGES  # noqa: E402
from hologan_lesson.model.losses import generator_loss  # noqa: E402
from hologan_lesson.train import Trainer, build_networks  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
# conv biases that feed AdaIN / instance norm: their exact gradient is 0 (the norm subtracts the mean)
PRE_NORM_BIAS = re.compile(r"(blocks[23]d\.\d+\.layer|blocks\.\d+\.conv)\.bias$")


def configs(args: argparse.Namespace, device: torch.device) -> tuple[RunConfig, RunConfig]:
    """(fp32 reference, fast) configs: the preset's networks on in-memory synthetic data."""
    cfg = make_config(args.preset)
    pose = POSE_RANGES["synthetic"]
    cfg.data = dataclasses.replace(
        cfg.data,
        name="synthetic",
        in_memory=True,
        num_images=args.num_images,
        azimuth_range=pose.azimuth,
        elevation_range=pose.elevation,
    )
    train = dataclasses.replace(
        cfg.train,
        device=str(device),
        steps=args.steps,
        seed=args.seed,
        compile=False,
        batch_size=args.batch or cfg.train.batch_size,
    )
    fast_cl = args.channels_last if args.channels_last is not None else cfg.train.channels_last
    reference = dataclasses.replace(cfg, train=dataclasses.replace(train, precision="fp32", channels_last=False))
    fast = dataclasses.replace(cfg, train=dataclasses.replace(train, precision=args.fast, channels_last=fast_cl))
    return reference, fast


def mode_name(cfg: RunConfig) -> str:
    return cfg.train.precision + ("+channels_last" if cfg.train.channels_last else "")


def init_gradient_check(cfg: RunConfig, device: torch.device, dtype: torch.dtype) -> dict[str, float]:
    """Relative gradient differences at initialisation (pre-norm biases left out: their gradient is noise).

    ``fast_vs_fp32``: one G-loss backward under autocast vs fp32, same weights and inputs.
    ``fp32_image_rounded``: fp32 vs fp32 with only the generated image rounded to ``dtype``.
    ``fp32_image_noise_1e-2``: fp32 vs fp32 with the generated image scaled by (1 + 1% Gaussian noise).
    """
    torch.manual_seed(cfg.train.seed)
    generator, discriminator = build_networks(cfg, device)
    rng = torch.Generator().manual_seed(cfg.train.seed + 7)
    b = min(cfg.train.batch_size, 16)
    z = (torch.rand(b, generator.latent_dim, generator=rng) * 2 - 1).to(device)  # (b, latent)
    views = torch.zeros(b, 2).to(device)
    noise = torch.randn(b, 3, cfg.data.resolution, cfg.data.resolution, generator=rng).to(device)

    def grads(autocast: bool, perturb) -> torch.Tensor:
        g, d = copy.deepcopy(generator), copy.deepcopy(discriminator)
        with torch.autocast(device.type, dtype=dtype, enabled=autocast):
            fake = perturb(g(z, views))  # (b, 3, H, W)
            loss, _ = generator_loss(d(fake), z, cfg.loss)
        loss.backward()
        named = [(f"G.{n}", p) for n, p in g.named_parameters()] + [(f"D.{n}", p) for n, p in d.named_parameters()]
        return torch.cat([p.grad.float().flatten() for n, p in named if not PRE_NORM_BIAS.search(n)])

    def rel(a: torch.Tensor, b_: torch.Tensor) -> float:
        return ((a - b_).norm() / a.norm()).item()

    reference = grads(False, lambda f: f)
    return {
        "fast_vs_fp32": rel(reference, grads(True, lambda f: f)),
        "fp32_image_rounded": rel(reference, grads(False, lambda f: f + (f.detach().to(dtype).float() - f.detach()))),
        "fp32_image_noise_1e-2": rel(reference, grads(False, lambda f: f * (1 + 1e-2 * noise))),
    }


def pre_norm_bias_max(trainer: Trainer) -> float:
    """Largest |value| among the conv biases that feed a norm (they drift: Adam steps on rounding noise)."""
    named = list(trainer.G.named_parameters()) + list(trainer.D.named_parameters())
    return max(p.detach().abs().max().item() for n, p in named if PRE_NORM_BIAS.search(n))


def train(cfg: RunConfig, dataset, steps: int) -> tuple[list[dict[str, float]], float, float]:
    """Loss terms of every step, seconds taken, and the final pre-norm bias magnitude."""
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(cfg, Path(tmp) / "run", dataset=dataset)  # train_step only: nothing is written
        start = time.perf_counter()
        results = [trainer.train_step().terms for _ in range(steps)]
        names = list(results[0])
        values = torch.stack([torch.stack([r[n] for n in names]) for r in results]).cpu()  # one device sync
        seconds = time.perf_counter() - start
        rows = [{n: float(values[i, k]) for k, n in enumerate(names)} for i in range(steps)]
        return rows, seconds, pre_norm_bias_max(trainer)


def moving_average(values: list[float], window: int) -> list[float]:
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def summarise(ref: list[dict], fast: list[dict], window: int) -> dict[str, dict[str, float]]:
    """Per term: mean of the last ``window`` steps for each run and the largest gap of the moving averages."""
    summary = {}
    for name in ref[0]:
        a, b = [r[name] for r in ref], [r[name] for r in fast]
        ma, mb = moving_average(a, window), moving_average(b, window)
        tail = min(window, len(a))
        summary[name] = {
            "fp32_final_mean": sum(a[-tail:]) / tail,
            "fast_final_mean": sum(b[-tail:]) / tail,
            "max_smoothed_gap": max(abs(x - y) for x, y in zip(ma, mb)),
            "fp32_range": max(a) - min(a),
        }
    return summary


def plot(ref: list[dict], fast: list[dict], names: tuple[str, str], window: int, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    terms = list(ref[0])
    cols = 4
    rows = (len(terms) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    steps = list(range(1, len(ref) + 1))
    for ax, name in zip(axes.flat, terms):
        for run, label, colour in ((ref, names[0], "tab:blue"), (fast, names[1], "tab:orange")):
            values = [r[name] for r in run]
            ax.plot(steps, values, color=colour, alpha=0.25, linewidth=0.8)
            ax.plot(steps, moving_average(values, window), color=colour, linewidth=1.8, label=label)
        ax.set_title(name)
        ax.set_xlabel("step")
    for ax in list(axes.flat)[len(terms) :]:
        ax.axis("off")
    axes.flat[0].legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default=None, help="network preset (default: gpu with CUDA, else ci)")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--fast", choices=("bf16", "fp16"), default="bf16", help="the fast run's precision")
    ap.add_argument(
        "--channels-last",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fast run's layout (default: the preset's)",
    )
    ap.add_argument("--batch", type=int, default=None, help="batch size (default: the preset's)")
    ap.add_argument("--num-images", type=int, default=512)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--window", type=int, default=20, help="moving-average window for the plot and summary")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output path stem (default: bench/results/precision_curves_<device>_<preset>)",
    )
    args = ap.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    args.preset = args.preset or ("gpu" if device.type == "cuda" else "ci")
    if args.steps < 1:
        ap.error("--steps must be at least 1")
    stem = args.out or RESULTS / f"precision_curves_{device.type}_{args.preset}"
    stem.parent.mkdir(parents=True, exist_ok=True)

    reference, fast = configs(args, device)
    names = (mode_name(reference), mode_name(fast))
    d = reference.data
    dataset = InMemorySyntheticDataset(d.num_images, d.resolution, d.seed, d.azimuth_range, d.elevation_range)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[args.fast]
    grads = init_gradient_check(reference, device, dtype)
    print(
        f"gradients at init, relative difference (pre-norm biases excluded): {names[1]} vs fp32 "
        f"{grads['fast_vs_fp32']:.3f}; fp32 with only the image rounded to {args.fast} "
        f"{grads['fp32_image_rounded']:.3f}; fp32 with 1% image noise {grads['fp32_image_noise_1e-2']:.3f}"
    )

    runs, meta = {}, {}
    for name, cfg in zip(names, (reference, fast)):
        runs[name], seconds, bias = train(cfg, dataset, args.steps)
        meta[name] = {"seconds": seconds, "pre_norm_bias_max": bias}
        print(f"{name}: {args.steps} steps in {seconds:.1f} s; largest pre-norm conv bias at the end {bias:.4f}")
    ref_rows, fast_rows = runs[names[0]], runs[names[1]]

    terms = list(ref_rows[0])
    with stem.with_suffix(".csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["step", *(f"{n}/{t}" for n in names for t in terms)])
        for i in range(args.steps):
            writer.writerow([i + 1, *(f"{runs[n][i][t]:.6g}" for n in names for t in terms)])
    where = f"{device.type}, preset {args.preset}, batch {reference.train.batch_size}, seed {args.seed}"
    plot(ref_rows, fast_rows, names, args.window, f"fp32 vs {names[1]} ({where})", stem.with_suffix(".png"))
    summary = summarise(ref_rows, fast_rows, args.window)
    finite = all(torch.isfinite(torch.tensor(list(r.values()))).all() for r in fast_rows)
    stem.with_suffix(".json").write_text(
        json.dumps(
            {
                "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
                "torch": torch.__version__,
                "preset": args.preset,
                "steps": args.steps,
                "batch": reference.train.batch_size,
                "seed": args.seed,
                "runs": list(names),
                "fast_all_finite": finite,
                "window": args.window,
                "init_gradients": grads,
                "meta": meta,
                "terms": summary,
            },
            indent=2,
        )
    )

    print(
        f"\n{'term':<12} {'fp32 last-' + str(args.window):>14} {names[1] + ' last-' + str(args.window):>22} "
        f"{'max smoothed gap':>17} {'fp32 range':>11}"
    )
    for name, s in summary.items():
        print(
            f"{name:<12} {s['fp32_final_mean']:>14.4f} {s['fast_final_mean']:>22.4f} "
            f"{s['max_smoothed_gap']:>17.4f} {s['fp32_range']:>11.4f}"
        )
    print(f"\n{names[1]} all finite: {finite}; wrote {stem.with_suffix('.csv')}, .png, .json")
    return 0 if finite else 1


if __name__ == "__main__":
    raise SystemExit(main())
