"""The shared machinery of the check-yourself cells.

A checker raises :class:`CheckFailed` with one or two plain sentences; in a notebook that message is shown
without a traceback (IPython calls ``_render_traceback_``). Checkers wrapped with :func:`friendly` also turn an
unwritten exercise (``NotImplementedError``) or a crash inside the learner's code into such a message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

NOT_WRITTEN = "FAIL: this exercise is not written yet"


class CheckFailed(AssertionError):
    """A learner's answer did not pass; the message says what to look at."""

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead of a traceback
        return str(self).splitlines()


def check(condition: bool, what: str, hint: str) -> None:
    """Raise CheckFailed with ``hint`` unless ``condition``; otherwise print ``PASS: what``."""
    if not condition:
        raise CheckFailed(f"FAIL: {what}\n  hint: {hint}")
    print(f"PASS: {what}")


def report(passed: int, total: int, topic: str) -> None:
    """Print the closing line of a check-yourself cell."""
    print(f"{passed}/{total} checks passed: {topic}" + (" - well done!" if passed == total else ""))


def friendly(fn: F) -> F:
    """Wrap a checker so that any failure reaches the learner as a short CheckFailed message, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CheckFailed:
            raise
        except NotImplementedError as err:
            hint = f"\n  hint: {err}" if str(err) else ""
            raise CheckFailed(
                f"{NOT_WRITTEN}: your function still raises NotImplementedError. Replace the `raise` line with "
                f"your code and run its cell again.{hint}"
            ) from None
        except Exception as err:  # the learner's code crashed: name the error in one line
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            raise CheckFailed(
                f"FAIL: your code raised {type(err).__name__}{': ' + first if first else ''}\n"
                "  hint: check the shapes and types your function receives and returns (print them)."
            ) from None

    return wrapper  # type: ignore[return-value]
