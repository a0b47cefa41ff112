"""hologan_lesson: the small, tested library behind the HoloGAN-from-scratch course."""

from .profile import PROFILES, pick, profile
from .utils import count_parameters, default_device, seed_everything

__version__ = "0.1.0"

__all__ = [
    "PROFILES",
    "count_parameters",
    "default_device",
    "pick",
    "profile",
    "seed_everything",
    "__version__",
]
