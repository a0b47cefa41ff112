"""Checker for lesson 06: the learner's training iteration must match the library's, term by term."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...config import RunConfig
from ._core import check, friendly, report


@friendly
def check_train_step(fn: Callable, cfg: RunConfig, dataset, steps: int = 3) -> None:
    """``fn(trainer) -> dict of loss terms`` run on one trainer must equal ``Trainer.train_step`` on a twin."""
    import tempfile

    from ...train import Trainer

    with tempfile.TemporaryDirectory() as tmp:
        mine, ref = Trainer(cfg, f"{tmp}/mine", dataset=dataset), Trainer(cfg, f"{tmp}/ref", dataset=dataset)
        for step in range(1, steps + 1):
            got = {k: float(v) for k, v in fn(mine).items()}
            want = {k: float(v) for k, v in ref.train_step().terms.items() if k not in ("d_total", "g_total")}
            missing = sorted(set(want) - set(got))
            check(not missing, f"step {step}: every loss term present", f"missing terms: {missing}")
            worst = max(abs(got[k] - want[k]) / max(1.0, abs(want[k])) for k in want)
            check(
                worst < 1e-4,
                f"step {step}: all terms match the library",
                "sample z, then views, from trainer.rng in that order; D step on fake.detach(); then "
                f"{cfg.train.g_steps_per_d} G step(s) on the same z and views",
            )
        same = all(torch.equal(a, b) for a, b in zip(mine.G.state_dict().values(), ref.G.state_dict().values()))
        check(same, "generator weights identical after training", "zero the grads before each backward")
    report(2 * steps + 1, 2 * steps + 1, "the HoloGAN training iteration")
