"""Pictures for the lessons: image grids, strips, GIFs, and a simple renderer for coloured voxel volumes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image

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
    transmittance = torch.cumprod(torch.cat([torch.ones_like(alpha[:, :, :1]), 1 - alpha[:, :, :-1]], 2), 2)
    weights = alpha * transmittance  # (N, 1, D, H, W): how much each slice shows through
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
