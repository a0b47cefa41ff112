"""The shared machinery of the check-yourself cells."""

from __future__ import annotations


class CheckFailed(AssertionError):
    """A learner's answer did not pass; the message says what to look at."""


def check(condition: bool, what: str, hint: str) -> None:
    """Raise CheckFailed with ``hint`` unless ``condition``; otherwise print ``PASS: what``."""
    if not condition:
        raise CheckFailed(f"FAIL: {what}\n  hint: {hint}")
    print(f"PASS: {what}")


def report(passed: int, total: int, topic: str) -> None:
    """Print the closing line of a check-yourself cell."""
    print(f"{passed}/{total} checks passed: {topic}" + (" - well done!" if passed == total else ""))
