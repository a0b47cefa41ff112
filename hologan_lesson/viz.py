"""Pictures for the lessons: image grids, strips, GIFs, and a simple renderer for coloured voxel volumes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image

from .model.projection import compositing_weights
from .utils import to_uint8_images


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """``(N, 3, H, W)`` or ``(3, H, W)`` in [-1, 1] -> ``(N, H, W, 3)`` uint8 (pictures: channels last)."""
    images = images.detach().cpu()
    if images.ndim == 3:
        images = images[None]
    return to_uint8_images(images).permute(0, 2, 3, 1).numpy()


def image_grid(images: torch.Tensor, nrow: int = 8, pad: int = 1) -> np.ndarray:
    """Tile ``(N, 3, H, W)`` images in [-1, 1] into one ``(H', W', 3)`` uint8 array (white padding)."""
    arr = to_uint8(images)
    n, h, w, c = arr.shape
    ncol = min(nrow, n)
    rows = -(-n // ncol)
    grid = np.full((rows * (h + pad) + pad, ncol * (w + pad) + pad, c), 255, dtype=np.uint8)
    for i in range(n):
        r, k = divmod(i, ncol)
        grid[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + k * (w + pad) : pad + k * (w + pad) + w] = arr[i]
    return grid


def show_images(
    images: torch.Tensor,
    nrow: int = 8,
    title: str | None = None,
    scale: float = 1.0,
    labels: Sequence[str] = (),
) -> None:
    """Show a grid of images in [-1, 1]; optional per-column labels for a single row."""
    grid = image_grid(images, nrow)
    fig, ax = plt.subplots(figsize=(scale * grid.shape[1] / 40, scale * grid.shape[0] / 40 + (0.4 if title else 0)))
    ax.imshow(grid, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    if labels:
        w = images.shape[-1] + 1
        for i, label in enumerate(labels):
            ax.text(1 + i * w + w / 2, grid.shape[0] + 2, label, ha="center", va="top", fontsize=8)
    plt.show()


def save_grid(images: torch.Tensor, path: str | Path, nrow: int = 8) -> Path:
    """Write a PNG grid of images in [-1, 1]."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image_grid(images, nrow)).save(path)
    return path


def save_gif(frames: Sequence[np.ndarray] | torch.Tensor, path: str | Path, fps: float = 10.0, scale: int = 1) -> Path:
    """Write frames (uint8 ``(H, W, 3)`` arrays, or a ``(T, 3, H, W)`` tensor in [-1, 1]) as a looping GIF."""
    if isinstance(frames, torch.Tensor):
        frames = list(to_uint8(frames))
    images = [Image.fromarray(np.asarray(f)) for f in frames]
    if scale != 1:
        images = [im.resize((im.width * scale, im.height * scale), Image.NEAREST) for im in images]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
    return path


def save_sweep(images: torch.Tensor, stem: str | Path, kind: str) -> dict[str, Path]:
    """A view sweep ``(n, T, 3, H, W)`` (n identities, T views) as ``stem.gif`` (one frame per view, the
    identities side by side) and ``stem.png`` (one row per identity); returns ``{kind_gif, kind_png}``."""
    n, frames = images.shape[:2]
    stem = Path(stem)
    gif_frames = [image_grid(images[:, k], nrow=n) for k in range(frames)]
    return {
        f"{kind}_gif": save_gif(gif_frames, stem.with_suffix(".gif"), fps=6, scale=2),
        f"{kind}_png": save_grid(images.reshape(n * frames, *images.shape[2:]), stem.with_suffix(".png"), nrow=frames),
    }


def composite_front_to_back(rgb: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Occlusion-aware render of a voxel volume seen along +z (depth index 0 nearest).

    ``rgb`` is ``(N, 3, D, H, W)`` in [0, 1], ``alpha`` is ``(N, 1, D, H, W)`` in [0, 1];
    returns ``(N, 3, H, W)`` composited on a white background.
    """
    weights = compositing_weights(alpha, dim=2)  # (N, 1, D, H, W): what each slice shows
    colour = (weights * rgb).sum(2)  # (N, 3, H, W)
    background = 1 - weights.sum(2)  # (N, 1, H, W)
    return colour + background


def render_voxels(volume: torch.Tensor, depth_shading: float = 0.5) -> torch.Tensor:
    """Render ``(N, 4, D, H, W)`` RGBA voxels (values in [0, 1]) to ``(N, 3, H, W)`` images in [-1, 1].

    Voxels further away are darkened by up to ``depth_shading`` so that the picture shows depth.
    """
    rgb, alpha = volume[:, :3], volume[:, 3:4].clamp(0, 1)
    depth = torch.linspace(0, 1, volume.shape[2], device=volume.device).view(1, 1, -1, 1, 1)
    return composite_front_to_back(rgb * (1 - depth_shading * depth), alpha) * 2 - 1


@torch.no_grad()
def sweep_figure(
    strips: Sequence[tuple[str, torch.Tensor]], path: str | Path, angles: Sequence[float] | None = None
) -> Path:
    """One row per ``(label, (T, 3, H, W) images in [-1, 1])``, labelled, written as a PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    frames = strips[0][1].shape[0]
    fig, axes = plt.subplots(len(strips), 1, figsize=(0.9 * frames + 0.4, 1.25 * len(strips) + 0.4), squeeze=False)
    for ax, (label, images) in zip(axes[:, 0], strips):
        ax.imshow(image_grid(images, nrow=frames, pad=1), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(label, loc="left", fontsize=9)
    if angles is not None:
        w = strips[0][1].shape[-1] + 1
        axes[-1, 0].set_xticks([1 + i * w + w / 2 for i in range(frames)], [f"{a:.0f}°" for a in angles], fontsize=8)
        axes[-1, 0].set_xlabel("commanded azimuth")
    return save_figure(fig, path)


def save_figure(fig, path: str | Path) -> Path:
    """Write a matplotlib figure as a PNG (creating the folder) and close it."""
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# --- Lesson 03: AdaIN statistics, feature slices of a generator volume ------------------------------------


def plot_adain_statistics(
    features: torch.Tensor, styled: torch.Tensor, target_scale: torch.Tensor, target_bias: torch.Tensor
) -> None:
    """Per-channel mean/std of ``features`` and ``styled`` (``(1, C, H, W)``) against the AdaIN targets
    ``(1, C)``, and the first six channels before and after."""
    channels = features.shape[1]
    std_before, mean_before = torch.std_mean(features, dim=(2, 3), correction=0)
    std_after, mean_after = torch.std_mean(styled, dim=(2, 3), correction=0)
    fig = plt.figure(figsize=(11, 6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.15])
    stats = [
        ("per-channel mean", mean_before, mean_after, target_bias),
        ("per-channel std", std_before, std_after, target_scale),
    ]
    idx = torch.arange(channels)
    for ax, (title, before, after, target) in zip(top.subplots(1, 2), stats):
        ax.bar(idx - 0.2, before[0], width=0.4, color="lightgray", label="before AdaIN")
        ax.bar(idx + 0.2, after[0], width=0.4, color="tab:blue", label="after AdaIN")
        ax.scatter(idx + 0.2, target[0], marker="_", s=250, color="black", label="target from z")
        ax.set_title(title)
        ax.set_xlabel("channel")
        ax.legend(fontsize=7)
    grid = bottom.subplots(2, 6)
    for c in range(6):
        for row, (name, fmap) in enumerate([("before", features), ("after", styled)]):
            ax = grid[row, c]
            ax.imshow(fmap[0, c], cmap="magma", vmin=-4, vmax=4)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_ylabel(name if c == 0 else "")
            ax.set_title(f"channel {c}" if row == 0 else "", fontsize=9)
    bottom.suptitle("the same patterns with new brightness and contrast (colour scale -4 … 4)", fontsize=10)
    plt.show()


def stretch(images: torch.Tensor) -> torch.Tensor:
    """Map each colour channel's min..max over all ``images`` (..., 3, H, W) to 0..1 for display."""
    flat = images.transpose(0, -3).flatten(1)  # (3, everything)
    lo, hi = flat.amin(1), flat.amax(1)
    return (images - lo[:, None, None]) / (hi - lo)[:, None, None]


def _blur3(volume: torch.Tensor) -> torch.Tensor:
    """[1, 2, 1]³ blur of a ``(C, D, H, W)`` volume per channel: removes the checkerboard of untrained deconvs."""
    k = torch.tensor([1.0, 2.0, 1.0]) / 4
    kernel = (k[:, None, None] * k[None, :, None] * k[None, None, :]).expand(volume.shape[0], 1, 3, 3, 3)
    return torch.nn.functional.conv3d(volume[None], kernel, padding=1, groups=volume.shape[0])[0]


def show_features(volume: torch.Tensor, channels: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, axis: str):
    """Three feature channels of a (C, D, H, W) volume as RGB: the middle 'top' (D, W) or 'side' (H, D) slice."""
    v = _blur3(volume[channels])  # (3, D, H, W)
    v = ((v - lo[:, None, None, None]) / (hi - lo)[:, None, None, None]).clamp(0, 1)
    mid = v.shape[-1] // 2  # 8 of 0..15
    if axis == "top":
        picture = v[:, :, mid, :].flip(1)  # (3, D, W), far side up
    else:
        picture = v[:, :, :, mid].transpose(1, 2)  # (3, H, D), far side right
    return picture.permute(1, 2, 0)  # (rows, cols, 3) for imshow


def display_range(volume: torch.Tensor, k: int = 3):
    """The k channels with the most large-scale structure, and a 2..98 % colour range for each."""
    smooth = _blur3(volume)[:, 3:-3, 3:-3, 3:-3]
    total = volume.flatten(1).var(1).clamp_min(1e-12)  # (C,)
    structure = smooth.flatten(1).var(1) / total  # 0 for constant channels
    channels = structure.topk(k).indices
    values = smooth[channels].flatten(1)
    return channels, values.quantile(0.02, dim=1), values.quantile(0.98, dim=1)


def plot_style_mixing(volumes: torch.Tensor, mixed: torch.Tensor) -> None:
    """Rows: 3D features of each ``volumes[i]`` (C, D, H, W) then the images ``mixed[i, j]`` (stretched)."""
    shown = stretch(mixed)
    n_rows, n_cols = mixed.shape[:2]
    fig, axes = plt.subplots(n_rows, n_cols + 1, figsize=(8, 2.1 * n_rows), squeeze=False)
    for i in range(n_rows):
        ch, lo, hi = display_range(volumes[i])
        axes[i, 0].imshow(show_features(volumes[i], ch, lo, hi, "top"), interpolation="nearest")
        axes[i, 0].set_ylabel(f"z_shape {i}")
        for j in range(n_cols):
            axes[i, j + 1].imshow(shown[i, j].permute(1, 2, 0).clamp(0, 1), interpolation="nearest")
            axes[0, j + 1].set_title(f"z_appearance {j}")
    axes[0, 0].set_title("3D features\n(slice from above)", fontsize=9)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    plt.suptitle("untrained: rows share z_shape, columns share z_appearance")
    plt.tight_layout()
    plt.show()


def _landmark(picture: torch.Tensor) -> tuple[int, int]:
    """(row, col) of the brightest pixel of a (16, 16, 3) slice picture within 5 voxels of the centre."""
    rows, cols = torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij")
    near = ((rows - 7.5) ** 2 + (cols - 7.5) ** 2) <= 25  # stays inside the cube at every angle
    flat = torch.where(near, picture.sum(-1), -1.0).argmax().item()
    return divmod(flat, 16)


def _voxel_to_point(w: float, h: float, d: float) -> torch.Tensor:
    """Voxel indices of a 16³ grid -> normalised (x, y, z) in [-1, 1] (align_corners=False)."""
    return (torch.tensor([w, h, d]) + 0.5) / 8 - 1


def _point_to_voxel(p: torch.Tensor) -> torch.Tensor:
    return (p + 1) * 8 - 0.5  # (w, h, d)


def plot_rotation_sweep(volume, turned, tilted, images, turns, tilts) -> None:
    """Top: the middle horizontal slice of ``turned`` (T, C, 16, 16, 16) per azimuth; middle: the vertical slice
    of ``tilted`` per elevation; bottom: ``images`` (T, 3, H, W). A white circle follows one bright spot of
    ``volume`` (1, C, 16, 16, 16) to where the rotation matrix sends it (content at q moves to R q)."""
    from .model.rotation import view_to_rotation

    ch, lo, hi = display_range(volume[0])
    shown = stretch(images)
    mid, frames = 8, turns.shape[0]  # the slice index show_features uses
    r, c = _landmark(show_features(volume[0], ch, lo, hi, "top"))  # top picture: row = 15 - d, col = w
    top_point = _voxel_to_point(c, mid, 15 - r)
    r, c = _landmark(show_features(volume[0], ch, lo, hi, "side"))  # side picture: row = h, col = d
    side_point = _voxel_to_point(mid, r, c)
    fig, axes = plt.subplots(3, frames, figsize=(12 * frames / 7, 5.6))
    for t in range(frames):
        w, h, d = _point_to_voxel(view_to_rotation(turns[t : t + 1])[0] @ top_point).tolist()
        axes[0, t].imshow(show_features(turned[t], ch, lo, hi, "top"), interpolation="nearest")
        axes[0, t].add_patch(plt.Circle((w, 15 - d), 1.6, fill=False, color="white", lw=1.5))
        axes[0, t].set_title(f"azimuth {turns[t, 0]:+.0f}°", fontsize=9)
        w, h, d = _point_to_voxel(view_to_rotation(tilts[t : t + 1])[0] @ side_point).tolist()
        axes[1, t].imshow(show_features(tilted[t], ch, lo, hi, "side"), interpolation="nearest")
        axes[1, t].add_patch(plt.Circle((d, h), 1.6, fill=False, color="white", lw=1.5))
        axes[1, t].set_title(f"elevation {tilts[t, 1]:+.0f}°", fontsize=9)
        axes[2, t].imshow(shown[t].permute(1, 2, 0).clamp(0, 1), interpolation="nearest")
        axes[2, t].set_title(f"image, az {turns[t, 0]:+.0f}°", fontsize=9)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for row, label in enumerate(["features, top", "features, side", "output"]):
        axes[row, 0].set_ylabel(label)
    plt.tight_layout()
    plt.show()


def plot_gains(gains: dict[str, Sequence[float]], seeds: Sequence[int], title: str) -> None:
    """Grouped bars: for each metric, ``100 · gains[metric][i]`` (% better with a change) for each seed ``i``."""
    fig, ax = plt.subplots(figsize=(8, 3.2))
    width = 0.8 / len(seeds)
    for i, seed in enumerate(seeds):
        offsets = [k + (i - (len(seeds) - 1) / 2) * width for k in range(len(gains))]
        ax.bar(offsets, [100 * g[i] for g in gains.values()], width=width, label=f"seed {seed}")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(gains)), [m.replace(" (", "\n(") for m in gains], fontsize=8)
    ax.set_ylabel("% better with the loss")
    ax.set_title(title)
    ax.legend(fontsize=8)
    plt.tight_layout()
    plt.show()


def _steps_to_show(paths: Sequence[Path], count: int) -> list[Path]:
    """Up to ``count`` of ``paths`` spread evenly, always the first and the last."""
    if len(paths) <= count:
        return list(paths)
    return [paths[i] for i in sorted({round(k * (len(paths) - 1) / (count - 1)) for k in range(count)})]


def show_run_samples(run_dir: str | Path, count: int = 5) -> None:
    """Plot a run's sample grids (``samples/step_*.png``) at up to ``count`` steps, first and last included."""
    from .runs import SAMPLES_DIR

    grids = _steps_to_show(sorted((Path(run_dir) / SAMPLES_DIR).glob("step_*.png")), count)
    fig, axes = plt.subplots(len(grids), 1, figsize=(8, 1.3 * len(grids)), squeeze=False)
    for ax, path in zip(axes[:, 0], grids):
        ax.imshow(Image.open(path))
        ax.set_axis_off()
        ax.set_title(f"step {int(path.stem.split('_')[1])}", fontsize=9)
    plt.tight_layout()
    plt.show()


def show_run_sweeps(run_dir: str | Path, kind: str = "azimuth", count: int = 2) -> None:
    """Plot a run's ``kind`` sweep strips (``sweeps/{kind}_step_*.png``) at up to ``count`` checkpoints."""
    from .runs import SWEEPS_DIR

    for path in _steps_to_show(sorted((Path(run_dir) / SWEEPS_DIR).glob(f"{kind}_step_*.png")), count):
        fig, ax = plt.subplots(figsize=(10, 3))
        ax.imshow(Image.open(path))
        ax.set_axis_off()
        ax.set_title(f"{kind} sweep, step {int(path.stem.split('_')[-1])}")
        plt.show()


def show_picture(path: str | Path) -> None:
    """Show a stored PNG at its own size (80 px to the inch)."""
    image = Image.open(path)
    fig, ax = plt.subplots(figsize=(image.width / 80, image.height / 80))
    ax.imshow(image)
    ax.set_axis_off()
    plt.show()
