"""Training on several processes: ``torchrun`` + DistributedDataParallel (DDP).

``torchrun --nproc_per_node N -m hologan_lesson train ...`` starts N copies of the same command and puts
``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the rendezvous address in each one's environment. Without those
variables (a plain ``python -m hologan_lesson train``, a notebook) everything here is a no-op and the
trainer runs exactly as a single process always did.

The rules the trainer follows under N processes ("ranks"):

* ``train.batch_size`` is the **global** batch: every step draws the same global batch of the seeded,
  resumable order as one process would, and rank r trains on its r-th slice of ``batch_size / N`` images
  (``batches.py``). DDP averages the gradients, so one step equals one step of a single process on the
  global batch (the loss terms are all per-image means). Learning rates are not rescaled.
* Random streams: rank 0 keeps the single-process streams; rank r > 0 draws its latent codes, views (and
  anything that uses torch's global generator) from seeds derived from ``(seed, r)`` (``rank_seed``).
* Rank 0 alone writes the run folder; checkpoints hold every rank's random state, so a run resumes
  exactly under the same number of processes (and refuses another number, with a one-line error).
* Backend: nccl when the training device is CUDA, gloo otherwise (CPU runs and the CI tests).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from .config import ConfigError, RunConfig
from .runs import resolve_device

_OWNED = {"group": False}  # whether this module created the process group (and so destroys it)


@dataclass(frozen=True)
class Context:
    """Where this process stands: its rank among ``world_size`` processes (0 of 1 without torchrun)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """True on the one process that writes files and prints."""
        return self.rank == 0


def launched() -> bool:
    """True inside a multi-process ``torchrun`` launch."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def training_device(name: str) -> torch.device:
    """``resolve_device``, plus one GPU per process under torchrun (``cuda`` -> ``cuda:LOCAL_RANK``)."""
    device = resolve_device(name)
    if launched() and device.type == "cuda" and device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return device


def setup(device: torch.device) -> Context:
    """Join the torchrun process group (once per process; nccl on CUDA, gloo otherwise) and say where we are."""
    if not launched():
        return Context()
    if not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        _OWNED["group"] = True
    return Context(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def teardown() -> None:
    """Leave the process group if ``setup`` created it."""
    if _OWNED["group"] and dist.is_initialized():
        dist.destroy_process_group()
        _OWNED["group"] = False


def local_batch(batch_size: int, ctx: Context) -> int:
    """Each process's share of the global ``train.batch_size``."""
    if batch_size % ctx.world_size:
        raise ConfigError(
            f"train.batch_size={batch_size} is the global batch and must split evenly over "
            f"{ctx.world_size} processes; use a multiple of {ctx.world_size}"
        )
    return batch_size // ctx.world_size


def rank_seed(seed: int, rank: int) -> int:
    """The seed of rank ``rank``'s copy of a random stream: ``seed`` itself on rank 0 (one process is
    unchanged), elsewhere a seed derived from ``(seed, rank)`` that does not collide with ``seed + k``."""
    if rank == 0:
        return seed
    return int(np.random.SeedSequence([seed % 2**63, rank]).generate_state(1, np.uint64)[0] >> 1)


def broadcast(obj: Any, ctx: Context) -> Any:
    """Rank 0's ``obj`` on every rank (e.g. the timestamped run folder name)."""
    if not ctx.enabled:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def gather(obj: Any, ctx: Context) -> list[Any]:
    """Every rank's ``obj``, in rank order, on every rank."""
    if not ctx.enabled:
        return [obj]
    out: list[Any] = [None] * ctx.world_size
    dist.all_gather_object(out, obj)
    return out


def barrier(ctx: Context) -> None:
    if ctx.enabled:
        dist.barrier()


def mean_terms(terms: list[dict[str, torch.Tensor]], ctx: Context) -> list[dict[str, torch.Tensor]]:
    """Loss terms of several steps averaged over the ranks (one all-reduce): the global-batch values.

    Every rank gets the same numbers, so a NaN stops every rank at the same step."""
    if not ctx.enabled or not terms:
        return terms
    names = list(terms[0])
    values = torch.stack([torch.stack([t[n] for n in names]) for t in terms])  # (steps, terms)
    dist.all_reduce(values)
    values /= ctx.world_size
    return [dict(zip(names, row)) for row in values]


class LossModule(nn.Module):
    """``module``'s parameters with ``loss_fn`` as forward: DDP sees one forward per optimiser step whose
    every output is part of the loss (the D step scores real and fake images inside it)."""

    def __init__(self, module: nn.Module, loss_fn: Callable[..., Any]):
        super().__init__()
        self.module = module
        self.loss_fn = loss_fn

    def forward(self, *args: Any) -> Any:
        return self.loss_fn(*args)


def d_has_unused_parameters(cfg: RunConfig) -> bool:
    """True when a head of D gets no gradient in the D step: its loss term is switched off (weight 0) but
    the head exists (e.g. the ``no_identity`` ablation). Only then does D's DDP need
    ``find_unused_parameters`` (a graph walk after every forward); otherwise DDP would wait for those
    heads' gradients forever and fail at the next step."""
    d, loss = cfg.discriminator, cfg.loss
    return (
        not loss.adversarial_weight
        or (d.style_heads and not loss.style_weight)
        or (d.identity_head and not loss.identity_weight)
        or (d.view_head and not loss.view_weight)
    )


def parallelize(
    generator: nn.Module, discriminator: nn.Module, d_loss: Callable[..., Any], cfg: RunConfig, device, ctx: Context
) -> tuple[nn.Module, Callable[..., Any]]:
    """What the trainer calls for G's forward and for the D step's loss: ``(generator, d_loss)`` as they are
    in one process; under torchrun, G under DDP and the D loss as one DDP forward over D (``LossModule``).

    The G steps call D itself with its weights frozen: no gradient, no all-reduce for D there."""
    if not ctx.enabled:
        return generator, d_loss
    g = wrap(sync_batchnorm(generator, device), device)  # every G parameter shapes every image: none unused
    return g, wrap(LossModule(discriminator, d_loss), device, d_has_unused_parameters(cfg))


def rng_states(generator: torch.Generator, ctx: Context) -> dict[str, Any]:
    """The checkpoint's random streams: this process's at the top level (as one process always wrote them)
    and, under torchrun, every rank's in ``rank_rng``; ``world_size`` says how many."""
    own = {"rng": generator.get_state(), "torch_rng": torch.get_rng_state()}
    if torch.cuda.is_available():
        own["cuda_rng"] = torch.cuda.get_rng_state_all()
    out = {**own, "world_size": ctx.world_size}
    if ctx.enabled:
        out["rank_rng"] = gather(own, ctx)
    return out


def restore_rng(state: dict[str, Any], generator: torch.Generator, ctx: Context) -> None:
    """Set this rank's random streams from a checkpoint written under the same number of processes."""
    saved = state.get("world_size", 1)  # checkpoints older than torchrun support: one process
    if saved != ctx.world_size:
        how = f"torchrun --nproc_per_node {saved}" if saved > 1 else "one process (no torchrun)"
        raise ConfigError(
            f"this run was trained by {saved} process(es) and is being resumed by {ctx.world_size}: its checkpoint "
            f"holds one random stream per process, so only the same number continues it exactly. Resume with {how}"
        )
    own = state["rank_rng"][ctx.rank] if saved > 1 else state
    generator.set_state(own["rng"].cpu())
    torch.set_rng_state(own["torch_rng"].cpu())
    if "cuda_rng" in own and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in own["cuda_rng"]])


def wrap(module: nn.Module, device: torch.device, find_unused_parameters: bool = False) -> nn.Module:
    """``module`` under DDP on this process's device."""
    from torch.nn.parallel import DistributedDataParallel as DDP

    ids = [device.index] if device.type == "cuda" else None
    return DDP(module, device_ids=ids, find_unused_parameters=find_unused_parameters)


def sync_batchnorm(module: nn.Module, device: torch.device) -> nn.Module:
    """BatchNorm over the global batch on CUDA (nn.SyncBatchNorm). Only the ``z_input=traditional``
    ablation has BatchNorm; PyTorch's SyncBatchNorm needs a GPU, so on CPU each rank normalises its own
    slice (the only place where N processes differ from one)."""
    if device.type != "cuda":
        return module
    return nn.SyncBatchNorm.convert_sync_batchnorm(module)
