"""Check-yourself helpers: each lesson ends by handing the learner's own code to one of these."""

from ._core import CheckFailed, all_reported, check, friendly, report

__all__ = ["CheckFailed", "all_reported", "check", "friendly", "report"]
