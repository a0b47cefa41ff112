"""Orchestration above training and evaluation: what trains several runs and then scores them.

* ``ablate``: the paper's ablations, trained with one budget (``run_ablation``) and scored by ``eval.ablate``.

This layer may import everything below it (``train``, ``eval``, ``data``, ``model``, ``config``); only the CLI
and the lessons import it. ``eval`` never trains: it reads the run folders written here.
"""

from .ablate import AblationResult, run_ablation, train_variant

__all__ = ["AblationResult", "run_ablation", "train_variant"]
