"""Check-yourself helpers: each lesson ends by handing the learner's own code to one of these."""

from ._core import CheckFailed, check, friendly, report

__all__ = ["CheckFailed", "check", "friendly", "report"]
