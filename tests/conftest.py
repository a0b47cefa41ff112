"""Shared test setup: deterministic torch on 1 thread per worker (CI has 2 cores and runs 2 workers)."""

import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HOLOGAN_PROFILE", "ci")
torch.set_num_threads(1)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def root() -> Path:
    """The repository root."""
    return ROOT
