"""hologan_lesson: the small, tested library behind the HoloGAN-from-scratch course.

Where things are:

* ``model/``: the networks (``HoloGANGenerator``, ``HoloGANDiscriminator``, rotation, projection, AdaIN, losses);
* ``train.py``: the training loop (``Trainer``); ``runs.py``: the run folder it writes and everyone reads;
  ``distributed.py``: the same loop under ``torchrun`` (DDP, one process per device);
* ``eval/``: KID/FID, the pose probe and the 3D-control scores, run evaluation and the ablations;
* ``config.py``, ``data/``, ``viz.py``, ``explorer.py``; ``lessons/`` holds what only the notebooks use.

The networks, the trainer and ``load_generator`` are imported on first use, so ``import hologan_lesson`` stays light.
"""

from .profile import PROFILES, pick, profile
from .utils import count_parameters, seed_everything

__version__ = "0.1.0"

_LAZY = {
    "HoloGANGenerator": ".model.generator",
    "HoloGANDiscriminator": ".model.discriminator",
    "Trainer": ".train",
    "make_config": ".config",
    "load_generator": ".runs",
}

__all__ = [
    "PROFILES",
    "HoloGANDiscriminator",
    "HoloGANGenerator",
    "Trainer",
    "count_parameters",
    "load_generator",
    "make_config",
    "pick",
    "profile",
    "seed_everything",
    "__version__",
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
