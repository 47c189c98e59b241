"""What every lesson shares: fast mode, where figures go, how a figure is shown, and checks.

A lesson is a percent-format script (``# %%`` cells). It runs as ``python lessons/NN_topic.py``
and opens as a notebook (Jupyter with jupytext, or VS Code). Three things differ between the two
and live here so that lessons stay about their topic:

* ``FAST``: ``MINIGAN_FAST=1`` shrinks every long loop (the test suite runs each lesson that
  way); ``pick(normal, fast)`` chooses a size.
* ``show(fig, name)``: saves the figure as ``figures/<name>.png`` beside the lessons (or in
  ``$MINIGAN_LESSON_FIGURES``), shows it inline in a notebook, and closes it in a script.
* ``SEED``: ``MINIGAN_SEED=n`` (default 0) shifts the seeds of the lessons that train
  something: each seeds its trainings with ``mg.manual_seed(SEED + k)`` (and its data draws
  with ``np.random.default_rng(SEED)``), so ``MINIGAN_SEED=0`` is the run the text describes and
  another value is another run of the same lesson, without editing the file.
* ``check(condition, message, hint=None)``: the checks a reader can run; a failed check stops
  the lesson with the message instead of letting a wrong number pass silently. A check on the
  outcome of a training states only what held for seeds 0-9 with 1 and 2 threads (the spread
  is written beside it) and carries a ``hint``: what to try when your run falls short (another
  ``MINIGAN_SEED``, more steps), printed with the failure.
"""
from __future__ import annotations

import os

import matplotlib

FAST = os.environ.get("MINIGAN_FAST", "") not in ("", "0")
SEED = int(os.environ.get("MINIGAN_SEED") or 0)


def _lessons_dir() -> str:
    try:
        return os.path.dirname(os.path.abspath(__file__))
    except NameError:  # pragma: no cover - inside some notebook front ends
        return os.getcwd()


FIGURES = os.environ.get("MINIGAN_LESSON_FIGURES") or os.path.join(_lessons_dir(), "figures")


def pick(normal, fast):
    """``fast`` under ``MINIGAN_FAST=1``, else ``normal``: sizes of data, steps, epochs."""
    return fast if FAST else normal


def in_notebook() -> bool:
    """Whether matplotlib draws inline (a Jupyter or VS Code notebook)."""
    return "inline" in matplotlib.get_backend().lower()


def show(fig, name: str) -> str:
    """Save ``fig`` as ``<FIGURES>/<name>.png``; show it inline in a notebook; return the path."""
    import matplotlib.pyplot as plt

    os.makedirs(FIGURES, exist_ok=True)
    path = os.path.join(FIGURES, f"{name}.png")
    fig.savefig(path, dpi=90, bbox_inches="tight")
    if in_notebook():
        plt.show()
    else:
        plt.close(fig)
        print(f"[figure] {path}")
    return path


def check(condition, message: str, hint: str | None = None) -> None:
    """Stop with ``message`` (and ``hint``, what to try) unless ``condition`` holds; print a
    tick when it does."""
    if not condition:
        tried = f"\n  what to try: {hint}" if hint else ""
        raise AssertionError(f"check failed: {message}{tried}")
    print(f"[check] ok: {message}")


def relative_error(a, b) -> float:
    """CS231n's convention: max |a - b| / max(1e-8, |a| + |b|); about 1e-8 or less in float64
    for a correct analytic gradient, 1e-2 or more for a wrong one."""
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
