"""The shared machinery of the check-yourself cells.

A checker wrapped with :func:`friendly` runs **all** its checks: :func:`check` prints ``PASS: ...`` or
``FAIL: ...`` with a hint and carries on, and at the end the checker raises one :class:`CheckFailed` that
lists every failure (the same hint is given once). In a notebook that message is shown without a traceback
(IPython calls ``_render_traceback_``). An unwritten exercise (``NotImplementedError``) or a crash inside the
learner's code also becomes such a message; a crash after some checks failed stops the checker, and the
failures so far are reported.

Several checkers in one check cell report together inside ``with all_reported():``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import TypeVar

F = TypeVar("F", bound=Callable)

NOT_WRITTEN = "FAIL: this exercise is not written yet"


class CheckFailed(AssertionError):
    """A learner's answer did not pass; the message says what to look at."""

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead of a traceback
        return str(self).splitlines()


class _Run:
    """The failures of one checker call: (what, hint) pairs."""

    def __init__(self) -> None:
        self.failures: list[tuple[str, str]] = []

    def message(self) -> str:
        merged: list[tuple[list[str], str]] = []  # one hint, the checks it explains
        for what, hint in self.failures:
            same = next((m for m in merged if m[1] == hint), None)
            if same:
                same[0].append(what)
            else:
                merged.append(([what], hint))
        return "\n".join(f"FAIL: {'; '.join(whats)}\n  hint: {hint}" for whats, hint in merged)


_RUNS: list[_Run] = []


def check(condition: bool, what: str, hint: str) -> None:
    """Print ``PASS: what``, or record the failure with its ``hint`` (raise it at once outside a checker)."""
    if condition:
        print(f"PASS: {what}")
    elif _RUNS:
        print(f"FAIL: {what}")
        _RUNS[-1].failures.append((what, hint))
    else:
        raise CheckFailed(f"FAIL: {what}\n  hint: {hint}")


def report(passed: int, total: int, topic: str) -> None:
    """Print the closing line of a check-yourself cell (the failures recorded so far count against ``passed``)."""
    if _RUNS:
        passed = max(0, total - len(_RUNS[-1].failures))
    print(f"{passed}/{total} checks passed: {topic}" + (" - well done!" if passed == total else ""))


def _crash_message(err: Exception) -> str:
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if isinstance(err, NameError):
        hint = (
            f"a name your code uses is not defined ({first}): check its spelling, and run the cells above "
            "it in order (the setup cell imports torch, F, nn, ...)"
        )
    else:
        hint = "check the shapes and types your function receives and returns (print them)."
    return f"FAIL: your code raised {type(err).__name__}{': ' + first if first else ''}\n  hint: {hint}"


def friendly(fn: F) -> F:
    """Wrap a checker: it runs all its checks, and every failure reaches the learner as one short message."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        run = _Run()
        _RUNS.append(run)
        message = ""
        try:
            result = fn(*args, **kwargs)
        except CheckFailed as err:  # a failure that makes the rest meaningless: report it with the others
            message = "\n".join(filter(None, [run.message(), str(err)]))
        except NotImplementedError as err:
            hint = f"\n  hint: {err}" if str(err) else ""
            message = (
                f"{NOT_WRITTEN}: your function still raises NotImplementedError. Replace the `raise` line with "
                f"your code and run its cell again.{hint}"
            )
        except Exception as err:  # the learner's code crashed, possibly because of a failure already recorded
            message = run.message() or _crash_message(err)
        else:
            message = run.message()
        finally:
            _RUNS.remove(run)
        if not message:
            return result
        if _DEFERRED:  # inside all_reported(): keep going, raise at the end of the block
            if message not in _DEFERRED[-1]:  # two checkers of one blank exercise say the same thing once
                _DEFERRED[-1].append(message)
            return None
        raise CheckFailed(message)

    return wrapper  # type: ignore[return-value]


_DEFERRED: list[list[str]] = []


@contextlib.contextmanager
def all_reported() -> Iterator[None]:
    """Run several checkers in one cell and report every failure, not just the first checker's::

    with all_reported():
        check_identity_loss(my_identity_loss)
        check_identity_head(MyIdentityHead)
    """
    failures: list[str] = []
    _DEFERRED.append(failures)
    try:
        yield
    finally:
        _DEFERRED.remove(failures)
    if failures:
        raise CheckFailed("\n".join(failures))
