"""Test-session environment shared by unit tests and notebook (nbval) tests."""

import os

# With pytest-xdist every worker (and the notebook kernels it starts) would otherwise use all cores:
# on a 2-core CI machine two workers x two threads thrash. One thread per worker is faster overall.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")

# Student notebooks (notebooks/student/) are stored unexecuted and stop at NotImplementedError by design:
# `--nbval-lax notebooks` must not run them; tests/test_exercises.py runs each up to its first exercise.
collect_ignore_glob = ["notebooks/student/*"]
