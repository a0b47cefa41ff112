"""Sweep sources: what renders "one identity at these views" for the 3D-control scores.

``GeneratorSource`` (a trained generator), ``SyntheticSource`` (the true objects: the best possible answer),
and two calibration wrappers: ``IgnoreView`` (pose at chance) and ``ShuffleIdentity`` (identity at chance).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor, nn

from ..config import DataConfig
from ..data.shapes import family_key, sample_from_families


def has_pose_ground_truth(data: DataConfig) -> bool:
    """3D-control metrics need the synthetic objects, whose true pose the renderer knows."""
    return data.name == "synthetic"


class SweepSource(Protocol):
    """Anything that draws identities and renders one identity at given views ``(T, 2)`` degrees."""

    def identities(self, n: int, seed: int) -> list: ...

    def sweep(self, identity: Any, views: Tensor) -> Tensor: ...


class GeneratorSource:
    """Identities are latent codes ``z`` from the generator's prior; a sweep is ``render_views``."""

    def __init__(self, generator: nn.Module):
        self.generator = generator.eval()
        self.device = next(generator.parameters()).device

    def identities(self, n: int, seed: int) -> list[Tensor]:
        z = self.generator.sample_z(n, generator=torch.Generator().manual_seed(seed), device=self.device)
        return list(z)  # n codes of (latent_dim,)

    def sweep(self, identity: Tensor, views: Tensor) -> Tensor:
        from ..model.generator import render_views

        return render_views(self.generator, identity, views.to(self.device)).float().cpu()  # (T, 3, H, W)


class SyntheticSource:
    """Identities are synthetic objects (``sample_object_params``); a sweep renders them at the views."""

    def __init__(self, resolution: int, supersample: int = 2, families: Sequence[str] = ()):
        self.resolution, self.supersample = resolution, supersample
        self.families = family_key(families)

    def identities(self, n: int, seed: int) -> list:
        return [sample_from_families(np.random.default_rng([seed, i, 7]), self.families) for i in range(n)]

    def sweep(self, identity: Any, views: Tensor) -> Tensor:
        from ..data import render_views

        return render_views(identity, views, self.resolution, self.supersample)  # (T, 3, H, W) in [-1, 1]


class IgnoreView:
    """Wrap a source so that it ignores the commanded view: every frame is rendered at ``view``.

    This is the pose-consistency "chance" reference: the images never turn, so the probe's reading cannot
    follow the commanded angle. Wrapped around a generator it is a generator whose view input is ignored.
    """

    def __init__(self, source: SweepSource, view: tuple[float, float] = (0.0, 0.0)):
        self.source, self.view = source, view

    def identities(self, n: int, seed: int) -> list:
        return self.source.identities(n, seed)

    def sweep(self, identity: Any, views: Tensor) -> Tensor:
        fixed = torch.tensor([self.view], dtype=torch.float32)  # (1, 2)
        return self.source.sweep(identity, fixed).expand(len(views), -1, -1, -1).clone()  # (T, 3, H, W)


class ShuffleIdentity:
    """Wrap a source so that every frame of a sweep shows a different identity (the identity "chance")."""

    def __init__(self, source: SweepSource, frames: int):
        self.source, self.frames = source, frames

    def identities(self, n: int, seed: int) -> list[list]:
        pool = self.source.identities(n * self.frames, seed)
        return [pool[i * self.frames : (i + 1) * self.frames] for i in range(n)]

    def sweep(self, identity: list, views: Tensor) -> Tensor:
        if len(identity) < len(views):
            raise ValueError(f"ShuffleIdentity was built for {len(identity)} frames, asked for {len(views)}")
        return torch.cat([self.source.sweep(identity[t], views[t : t + 1]) for t in range(len(views))])
