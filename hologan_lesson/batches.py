"""Batches of real images in a reproducible, resumable order.

Two sources share one ordering rule (a seeded permutation per epoch, drop the last partial batch):

* ``TensorBatches`` keeps the whole dataset as uint8 on the training device (the synthetic set, small
  folders): no loader, no host-to-device copies per step.
* ``LoaderBatches`` streams a folder through a ``DataLoader`` (workers, pinned memory, prefetch).

Their state (generator state at the start of the epoch + position) is saved in checkpoints, so a resumed run
sees exactly the images an uninterrupted run would have seen.

Under ``torchrun`` (``rank``, ``world_size``) every process walks the same order of *global* batches and
takes its own slice of each (rank r: images ``[r*b, (r+1)*b)`` of the batch, ``b = batch_size / world_size``):
together the ranks see exactly the batches one process would, and the state is the same on every rank.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from .utils import from_uint8_images


class _Order:
    """Seeded per-epoch permutation with a resumable position."""

    def __init__(self, n: int, batch_size: int, seed: int, rank: int = 0, world_size: int = 1):
        if n < batch_size:
            raise ValueError(f"the dataset has {n} images, fewer than one batch of {batch_size}")
        if batch_size % world_size:
            raise ValueError(f"a global batch of {batch_size} does not split into {world_size} equal slices")
        self.n, self.batch_size = n, batch_size  # batch_size: the global batch
        self.local_batch = batch_size // world_size
        self.shard = slice(rank * self.local_batch, (rank + 1) * self.local_batch)  # this rank's part of a batch
        self.gen = torch.Generator().manual_seed(seed)
        self.epoch = -1
        self.epoch_start_state = self.gen.get_state()
        self.perm = torch.empty(0, dtype=torch.long)
        self.pos = n  # forces a new epoch on first use

    def _new_epoch(self) -> None:
        self.epoch += 1
        self.epoch_start_state = self.gen.get_state()
        self.perm = torch.randperm(self.n, generator=self.gen)
        self.pos = 0

    def _ensure_batch(self) -> None:
        """Start a new epoch when the current one has no full batch left."""
        if self.pos + self.batch_size > self.n:
            self._new_epoch()

    def next_indices(self) -> torch.Tensor:
        self._ensure_batch()
        idx = self.perm[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        return idx[self.shard]

    def rest_of_epoch(self) -> torch.Tensor:
        """This rank's indices of the full batches left in the current (or a fresh) epoch; the position is not
        moved."""
        self._ensure_batch()
        full = (self.n - self.pos) // self.batch_size * self.batch_size
        return self.perm[self.pos : self.pos + full].view(-1, self.batch_size)[:, self.shard].reshape(-1)

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "epoch_start_state": self.epoch_start_state, "pos": self.pos}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch = state["epoch"] - 1
        self.gen.set_state(state["epoch_start_state"])
        if state["epoch"] >= 0:
            self._new_epoch()
            self.pos = state["pos"]
        else:
            self.pos = self.n


class TensorBatches:
    """All images resident on ``device`` as uint8 ``(N, 3, H, W)``; batches come out as float in [-1, 1]."""

    def __init__(
        self,
        images: torch.Tensor,
        batch_size: int,
        device: torch.device,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
    ):
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"TensorBatches wants uint8 (N, 3, H, W), got {images.dtype} {tuple(images.shape)}")
        self.images = images.to(device)
        self.device = device
        self.order = _Order(len(images), batch_size, seed, rank, world_size)

    def next(self) -> torch.Tensor:
        idx = self.last_indices = self.order.next_indices().to(self.device)  # the labelled contrast reads poses
        return from_uint8_images(self.images[idx])  # (B, 3, H, W)

    def state_dict(self) -> dict[str, Any]:
        return self.order.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.order.load_state_dict(state)


class _EpochView(Dataset):
    def __init__(self, base: Dataset, indices: torch.Tensor):
        self.base, self.indices = base, indices.tolist()

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.base[self.indices[i]]


class LoaderBatches:
    """A DataLoader over the rest of the current epoch's permutation (workers, pinned memory)."""

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        device: torch.device,
        seed: int = 0,
        num_workers: int = 0,
        rank: int = 0,
        world_size: int = 1,
    ):
        self.dataset, self.device, self.num_workers = dataset, device, num_workers
        self.order = _Order(len(dataset), batch_size, seed, rank, world_size)
        self._iter = None

    def _start(self) -> None:
        rest = self.order.rest_of_epoch()
        loader = DataLoader(
            _EpochView(self.dataset, rest),
            batch_size=self.order.local_batch,
            shuffle=False,
            num_workers=self.num_workers,
            pin_memory=self.device.type == "cuda",
            persistent_workers=False,
            prefetch_factor=4 if self.num_workers else None,
            drop_last=True,
        )
        self._iter = iter(loader)

    def next(self) -> torch.Tensor:
        if self._iter is None:
            self._start()
        try:
            batch = next(self._iter)
        except StopIteration:
            self.order.pos = self.order.n
            self._start()
            batch = next(self._iter)
        self.order.pos += self.order.batch_size  # the global batch: every rank moves through the same order
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        return batch.to(self.device, non_blocking=True)

    def state_dict(self) -> dict[str, Any]:
        return self.order.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.order.load_state_dict(state)
        self._iter = None


def resident_images(dataset: Dataset) -> torch.Tensor | None:
    """The dataset's images as uint8 ``(N, 3, H, W)`` if it keeps them in memory, else None."""
    images = getattr(dataset, "images", None)
    if images is None or getattr(images, "dtype", None) not in (np.uint8, torch.uint8) or images.ndim != 4:
        return None
    images = (
        torch.from_numpy(np.array(images)) if isinstance(images, np.ndarray) else images
    )  # copy: may be a read-only memmap
    if images.ndim == 4 and images.shape[-1] == 3:  # (N, H, W, 3) -> (N, 3, H, W)
        images = images.permute(0, 3, 1, 2)
    return images.contiguous()


def make_batches(
    dataset: Dataset,
    batch_size: int,
    device: torch.device,
    seed: int,
    num_workers: int = 0,
    rank: int = 0,
    world_size: int = 1,
):
    """The fastest batch source the dataset allows (this rank's slice of each global ``batch_size``)."""
    images = resident_images(dataset)
    if images is not None:
        return TensorBatches(images, batch_size, device, seed, rank, world_size)
    return LoaderBatches(dataset, batch_size, device, seed, num_workers, rank, world_size)
