"""Environment report for lesson 00: versions, device and profile."""

from __future__ import annotations

import platform

import torch

from .profile import profile


def environment_report() -> dict[str, str]:
    """Versions of the main packages, the compute device and the active profile."""
    import einops
    import matplotlib
    import numpy

    report = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "einops": einops.__version__,
        "matplotlib": matplotlib.__version__,
        "cuda available": str(torch.cuda.is_available()),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({platform.machine()})",
        "cpu threads": str(torch.get_num_threads()),
        "profile": profile(),
    }
    try:
        import torchvision

        report["torchvision"] = torchvision.__version__
    except ImportError:
        report["torchvision"] = "not installed"
    return report


def machine_summary() -> str:
    """One line naming the machine that produced a notebook's outputs."""
    r = environment_report()
    return f"{r['device']}, torch {r['torch']}, {r['cpu threads']} CPU threads, profile {r['profile']}"
