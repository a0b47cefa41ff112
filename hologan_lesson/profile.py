"""The run profile (``ci``, ``cpu``, ``gpu``): the one place notebooks and the CLI size their work from."""

from __future__ import annotations

import os

import torch

PROFILES = ("ci", "cpu", "gpu")
ENV_VAR = "HOLOGAN_PROFILE"


def profile() -> str:
    """Return the active profile from ``$HOLOGAN_PROFILE`` (default: ``gpu`` with CUDA, else ``cpu``)."""
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return "gpu" if torch.cuda.is_available() else "cpu"
    value = value.lower()
    if value not in PROFILES:
        raise ValueError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a known profile. "
            f"Set it to one of {', '.join(PROFILES)} (or unset it to pick gpu/cpu automatically)."
        )
    return value


def pick(ci, cpu, gpu=None):
    """Return the value for the active profile: ``pick(ci=10, cpu=200, gpu=2000)``."""
    choice = {"ci": ci, "cpu": cpu, "gpu": cpu if gpu is None else gpu}
    return choice[profile()]
