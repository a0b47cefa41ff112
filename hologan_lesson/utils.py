"""Small shared helpers: seeding, device choice, parameter counting."""

from __future__ import annotations

import random

import numpy as np
import torch
from torch import nn


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch (CPU and CUDA); return a torch.Generator seeded the same."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return torch.Generator().manual_seed(seed)


def default_device() -> torch.device:
    """CUDA when available, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


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
