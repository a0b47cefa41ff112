"""What ``course.setup("NN")`` does at the top of every lesson, and the friendly error messages it installs.

Inside IPython (Jupyter, Colab) two kinds of error get a short message that names the cell to look at:

* a ``SyntaxError`` (Python cannot read the cell, so nothing in it is defined): the message names the cell's
  exercise when the cell starts with ``# Exercise K``, and the usual marked line follows;
* a ``NameError`` (a name that no cell has defined yet, typically because the exercise cell that defines it
  was not run or did not run): the message says which exercise cell defines the name, when this session has
  seen it, and to run that cell first.
"""

from __future__ import annotations

import re
import sys

from ..envcheck import machine_summary
from ..utils import seed_everything

_EXERCISE = re.compile(r"^\s*# (Exercises? [\d, and]+)", re.M)


def _exercise_of(cell: str) -> str | None:
    match = _EXERCISE.search(cell or "")
    return match.group(1).strip() if match else None


def _cells_defining(shell, name: str) -> list[str]:
    """Cells run in this session that define ``name`` (newest first)."""
    pattern = re.compile(rf"^\s*(def|class)\s+{re.escape(name)}\b|^\s*{re.escape(name)}\s*=", re.M)
    history = shell.user_ns.get("In", []) if hasattr(shell, "user_ns") else []
    return [cell for cell in reversed(history) if pattern.search(cell or "")]


def syntax_error_lines(cell: str, err: SyntaxError) -> list[str]:
    """The friendly lines shown above a syntax error in ``cell``."""
    exercise = _exercise_of(cell)
    where = f"the cell of {exercise}" if exercise else "this cell"
    line = f" (line {err.lineno})" if err.lineno else ""
    return [
        f"FAIL: Python cannot read {where}{line}: {err.msg}. Nothing in the cell ran, so what it defines does not "
        "exist yet.",
        "  hint: look at the marked line and the one above it (a missing ':', ')' or quote, or an indentation "
        "that does not match), fix it and run the cell again.",
    ]


def name_error_lines(shell, err: NameError) -> list[str]:
    """The friendly lines shown for a NameError in the cell that is running."""
    name = getattr(err, "name", None) or (re.findall(r"'(\w+)'", str(err)) or ["?"])[0]
    defining = _cells_defining(shell, name)
    exercise = next((e for e in map(_exercise_of, defining) if e), None)
    if exercise:
        where = f"the cell of {exercise} defines it but did not run to the end: fix that cell and run it again"
    elif name.startswith(("my_", "My")):
        where = f"run the exercise cell that defines it (it starts with `def {name}` or `class {name}`) first"
    else:
        where = "run the cells above this one in order (in Jupyter: Run > Run All Above Selected Cell)"
    return [f"FAIL: `{name}` is not defined yet", f"  hint: {where}, then run this cell again."]


def _handler(shell, etype, value, tb, tb_offset=None):
    """IPython custom exception handler: a short message first, then (for syntax errors) the marked line."""
    if issubclass(etype, SyntaxError):
        history = shell.user_ns.get("In", [""])
        lines = syntax_error_lines(history[-1] if history else "", value)
        lines += shell.SyntaxTB.structured_traceback(etype, value, [])
    else:
        lines = name_error_lines(shell, value)
    shell._showtraceback(etype, value, lines)
    return lines


def install_friendly_errors(shell=None) -> bool:
    """Install the handler in ``shell`` (default: the running IPython); False outside IPython."""
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython else None
    if shell is None:
        return False
    shell.set_custom_exc((SyntaxError, NameError), _handler)
    return True


def setup(number: str, seed: int = 0, quiet: bool = False) -> None:
    """Prepare lesson ``number``: seed every random generator, install friendly messages for errors in exercise
    cells, and print the machine and the profile (which sizes the lesson's work)."""
    seed_everything(seed)
    install_friendly_errors()
    if not quiet:
        print(f"lesson {number}: {machine_summary()}")
