"""Run by tests/test_distributed.py as ``torchrun --standalone --nproc_per_node 2 tests/ddp_worker.py OUT``.

One launch (starting processes costs seconds) does three things on the ``ci`` preset, gloo on CPU:

1. one iteration on this rank's slice of the global batch 8; saves the inputs and the weights after it
   (``OUT/step_rank{r}.pt``) for the comparison with one process on batch 8;
2. two iterations of each loss variant that changes what DDP sees (heads without gradient, BatchNorm);
   reports how far the ranks' weights drifted apart (``OUT/variants.json``; DDP keeps them equal);
3. an uninterrupted 20-step run into ``OUT/full``, the reference of the resume test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from hologan_lesson import distributed
from hologan_lesson.config import make_config
from hologan_lesson.data import make_dataset
from hologan_lesson.train import Trainer

# The comparison takes one G step per D step: a second G step would start from weights that one Adam step has
# already moved, and Adam's first step, g / (|g| + eps), turns float summation noise in near-zero gradients into
# updates of +-lr, which then shift the second step's gradients by ~1e-2 of the largest one on some CPUs
# (AVX-512, 2026-12-05) and not on others. Later G steps under DDP are covered by the loss variants and the
# 20-step run below.
ONE_STEP = ["train.g_steps_per_d=1"]

VARIANTS = {
    "no_identity_loss": ["loss.identity_weight=0"],  # identity head without gradient: find_unused_parameters
    "no_style_loss": ["loss.style_weight=0"],  # style heads without gradient: find_unused_parameters
    "traditional_z": ["generator.z_input=traditional"],  # BatchNorm in G: the fakes are recomputed
    "no_style_heads": ["discriminator.style_heads=false", "loss.style_weight=0"],
}


def weights(trainer: Trainer) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in (*trainer.G.parameters(), *trainer.D.parameters())])


def grads(prefix: str, module: torch.nn.Module) -> list[tuple[str, torch.nn.Parameter]]:
    """After an iteration: D's gradients of its D step, G's of its last G step (as DDP averaged them)."""
    return [(prefix + name, p) for name, p in module.named_parameters()]


def main(out: Path) -> None:
    torch.set_num_threads(1)
    cfg = make_config("ci")
    dataset = make_dataset(cfg.data)

    trainer = Trainer(make_config("ci", overrides=ONE_STEP), out / "unused", dataset=dataset)
    rank = trainer.dist.rank
    real, z, views = trainer.next_inputs()
    trainer.update(real, z, views)
    state = {"real": real, "z": z, "views": views, "G": trainer.G.state_dict(), "D": trainer.D.state_dict()}
    state["grads"] = {name: p.grad for name, p in (*grads("G.", trainer.G), *grads("D.", trainer.D))}
    torch.save(state, out / f"step_rank{rank}.pt")

    report = {}
    for name, overrides in VARIANTS.items():
        variant = Trainer(make_config("ci", overrides=overrides), out / "unused", dataset=dataset)
        before = weights(variant)
        terms = [variant.train_step().terms for _ in range(2)]
        after = distributed.gather(weights(variant), variant.dist)
        report[name] = {
            "rank_difference": float((after[0] - after[1]).abs().max()),
            "changed": bool((after[rank] != before).any()),
            "finite": all(bool(torch.isfinite(v)) for t in terms for v in t.values()),
            "reuse_fake": variant.reuse_fake,
        }

    Trainer(cfg, out / "full", dataset=dataset).fit(progress=False)
    if rank == 0:
        (out / "variants.json").write_text(json.dumps(report, indent=2))
    distributed.teardown()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
