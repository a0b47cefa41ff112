"""Checker for lesson 06: the learner's training iteration must match the library's, term by term."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...config import RunConfig
from ._core import CheckFailed, check, friendly, report


class _Counter:
    """Counts optimiser steps and the backward passes that reach G's weights during one call of the learner's step."""

    def __init__(self, trainer) -> None:
        self.d_steps = self.g_steps = 0
        self.g_backward: dict[int, int] = {}
        self.handles = [
            trainer.opt_d.register_step_post_hook(lambda *_: self._add("d_steps")),
            trainer.opt_g.register_step_post_hook(lambda *_: self._add("g_steps")),
        ]
        for i, p in enumerate(trainer.G.parameters()):
            if p.requires_grad:
                self.handles.append(p.register_hook(lambda grad, i=i: self._backward(i, grad)))

    def _add(self, name: str) -> None:
        setattr(self, name, getattr(self, name) + 1)

    def _backward(self, i: int, grad: torch.Tensor) -> torch.Tensor:
        self.g_backward[i] = self.g_backward.get(i, 0) + 1
        return grad

    def reset(self) -> None:
        self.d_steps = self.g_steps = 0
        self.g_backward.clear()

    @property
    def g_passes(self) -> int:  # backward passes that reached G (some weights may get no gradient from a term)
        return max(self.g_backward.values(), default=0)

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def _run(fn: Callable, trainer) -> dict[str, float]:
    """The learner's step on ``trainer``, its terms as floats; the usual crash gets its own sentence."""
    try:
        terms = fn(trainer)
    except RuntimeError as err:
        if "backward through the graph a second time" in str(err):
            raise CheckFailed(
                "FAIL: your step ran backward twice through the same generator graph\n"
                "  hint: give D's loss fake.detach(), and let every G step make its fakes again with G(z, views)"
            ) from None
        raise
    if not isinstance(terms, dict):
        raise CheckFailed(
            f"FAIL: your step returned {type(terms).__name__}, not a dict of loss terms\n"
            "  hint: return {**d_terms, **g_terms} (detached), as the last line of the function does"
        )
    return {k: float(v) for k, v in terms.items()}


@friendly
def check_train_step(fn: Callable, cfg: RunConfig, dataset, steps: int = 3) -> None:
    """``fn(trainer) -> dict of loss terms`` run on one trainer must equal ``Trainer.train_step`` on a twin."""
    import tempfile

    from ...train import Trainer

    g_per_d = cfg.train.g_steps_per_d
    with tempfile.TemporaryDirectory() as tmp:
        mine, ref = Trainer(cfg, f"{tmp}/mine", dataset=dataset), Trainer(cfg, f"{tmp}/ref", dataset=dataset)
        counter = _Counter(mine)
        try:
            for step in range(1, steps + 1):
                counter.reset()
                got = _run(fn, mine)
                _check_counts(counter, g_per_d)
                want = {k: float(v) for k, v in ref.train_step().terms.items() if k not in ("d_total", "g_total")}
                missing = sorted(set(want) - set(got))
                check(not missing, f"step {step}: every loss term present", f"missing terms: {missing}")
                worst = max(abs(got[k] - want[k]) / max(1.0, abs(want[k])) for k in want)
                check(
                    worst < 1e-4,
                    f"step {step}: all terms match the library",
                    "sample z, then views, from trainer.rng in that order; D step on fake.detach(); then "
                    f"{g_per_d} G step(s) on the same z and views"
                    if step == 1
                    else "step 1 matched but this one did not: zero each optimiser's gradients before its backward",
                )
        finally:
            counter.remove()
        same = all(torch.equal(a, b) for a, b in zip(mine.G.state_dict().values(), ref.G.state_dict().values()))
        check(same, "generator weights identical after training", "zero the grads before each backward")
    report(2 * steps + 1, 2 * steps + 1, "the HoloGAN training iteration")


def _check_counts(counter: _Counter, g_per_d: int) -> None:
    """Name the structural slips (optimiser steps, an undetached fake) before comparing numbers."""
    if counter.d_steps != 1:
        raise CheckFailed(
            f"FAIL: your step stepped D's optimiser {counter.d_steps} time(s); one iteration has exactly one D step\n"
            "  hint: after d_total.backward(), call trainer.opt_d.step() once"
        )
    if counter.g_steps != g_per_d:
        fewer = counter.g_steps < g_per_d
        raise CheckFailed(
            f"FAIL: your step made {counter.g_steps} G step(s), the course makes {g_per_d} per D step "
            f"({'fewer' if fewer else 'more'} than the library)\n"
            "  hint: loop `for _ in range(c.train.g_steps_per_d):` around the whole G step (loss, zero_grad, "
            "backward, trainer.opt_g.step())"
        )
    if counter.g_passes > g_per_d:
        raise CheckFailed(
            "FAIL: D's loss sent gradients into the generator: the fakes are not detached in the D step\n"
            "  hint: use D(fake.detach()) in discriminator_loss, so that the D step trains D only"
        )
