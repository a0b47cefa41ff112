"""Small shared helpers: seeding, parameter counting, memory format, image conversion and blur."""

from __future__ import annotations

import contextlib
import logging
import random
import sys
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch (CPU and CUDA); return a torch.Generator seeded the same."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return torch.Generator().manual_seed(seed)


def to_uint8_images(images: torch.Tensor) -> torch.Tensor:
    """``(N, 3, H, W)`` floats in [-1, 1] -> ``(N, 3, H, W)`` uint8 (what Inception and image files expect).

    The one conversion of the package; ``from_uint8_images`` is its inverse (up to rounding).
    """
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def from_uint8_images(images: torch.Tensor) -> torch.Tensor:
    """``(N, 3, H, W)`` uint8 -> floats in [-1, 1]."""
    return images.to(torch.float32, copy=True).div_(127.5).sub_(1.0)


def binomial_blur(images: torch.Tensor) -> torch.Tensor:
    """A 3×3 binomial blur of ``(N, C, H, W)`` images (replicated borders); the kernel sums to 1."""
    taps = torch.tensor([1.0, 2.0, 1.0], device=images.device, dtype=images.dtype)
    kernel = (taps[:, None] * taps[None, :]) / 16  # (3, 3): flat areas are unchanged
    c = images.shape[1]
    return F.conv2d(F.pad(images, (1, 1, 1, 1), mode="replicate"), kernel.expand(c, 1, 3, 3), groups=c)


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters in ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def to_channels_last(module: nn.Module) -> nn.Module:
    """Store 2D conv weights channels_last and 3D ones channels_last_3d (faster GPU convs); returns ``module``.

    ``Module.to(memory_format=...)`` refuses a 3D format for 4D weights, so each parameter is converted by rank.
    """
    for p in module.parameters():
        if p.ndim == 4:
            p.data = p.data.contiguous(memory_format=torch.channels_last)
        elif p.ndim == 5:
            p.data = p.data.contiguous(memory_format=torch.channels_last_3d)
    return module


class _Stdout(logging.Handler):
    """Writes each message to whatever ``sys.stdout`` is at the time (a notebook cell, pytest's capture...)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
        except Exception:  # pragma: no cover - the logging module's own convention
            self.handleError(record)


def get_logger(name: str) -> logging.Logger:
    """A module logger of the package; the package's messages (INFO and up) go to stdout, once.

    This keeps what the course prints (probe training, evaluation, ablation progress) visible in notebooks and on
    the command line without any setup; ``logging.getLogger("hologan_lesson")`` can be configured as usual.
    """
    package = logging.getLogger(__name__.partition(".")[0])
    if not any(isinstance(h, _Stdout) for h in package.handlers):
        handler = _Stdout()
        handler.setFormatter(logging.Formatter("%(message)s"))
        package.addHandler(handler)
        if package.level == logging.NOTSET:
            package.setLevel(logging.INFO)
    return logging.getLogger(name)


@contextlib.contextmanager
def quiet(level: int = logging.WARNING):
    """Inside the block, the package's messages below ``level`` are not shown."""
    package = logging.getLogger(__name__.partition(".")[0])
    previous = package.level
    package.setLevel(level)
    try:
        yield
    finally:
        package.setLevel(previous)


_bars_on = True  # the one progress switch: False hides every bar the package draws (the CLI's --no-progress)


@contextlib.contextmanager
def progress_bars(on: bool = True):
    """Inside the block, ``on=False`` hides every progress bar of the package (``progress_bar``)."""
    global _bars_on
    previous, _bars_on = _bars_on, _bars_on and on
    try:
        yield
    finally:
        _bars_on = previous


def progress_bar(iterable: Any = None, *, show: bool | None = True, **kwargs: Any):
    """A tqdm bar (a widget in notebooks) that the one progress switch (``progress_bars``) can silence.

    ``show``: True draws it, False hides it, None draws it only on a terminal (tqdm's ``disable=None``).
    """
    from tqdm.auto import tqdm

    disable = True if not _bars_on else (None if show is None else not show)
    return tqdm(iterable, disable=disable, **kwargs)
