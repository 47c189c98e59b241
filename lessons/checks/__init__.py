"""What the exercise checks share: the verdict a check raises, and comparisons that say what is
wrong in one sentence (a shape, a value, a relative error) instead of a traceback.

Each ``lessonNN.py`` here lists its lesson's exercises as ``EXERCISES``: a name (the function
the learner writes), a hint, and a check that calls that function from the learner's module and
raises :class:`Wrong` when the answer is off. ``lessons/check.py`` runs them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


class Wrong(Exception):
    """A check's verdict: what is wrong with the learner's answer, in one sentence."""


@dataclass
class Exercise:
    name: str                       # the function the learner writes, as it is named in the file
    hint: str                       # printed when the check fails on a wrong answer
    check: Callable[[object], None]  # check(module): returns when right, raises Wrong when not
    idea: str = ""                  # printed instead of hint while the stub is untouched: where
    #                                 to read and which formula, not the code (hint if empty)


def relative_error(a, b) -> float:
    """CS231n's convention (as lessonkit's): max |a - b| / max(1e-8, |a| + |b|)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def as_array(value, what: str) -> np.ndarray:
    """The learner's answer as a float64 array; a minigan Tensor is accepted too."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    if value is None:
        raise Wrong(f"{what} is None: did the function forget to return it?")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise Wrong(f"{what} is not a number or an array ({type(value).__name__}): {error}")


def expect_close(got, expected, what: str, tol: float = 1e-6) -> None:
    """Raise Wrong unless got has expected's shape, is finite, and is within tol (relative)."""
    got, expected = as_array(got, what), np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        raise Wrong(f"{what} has shape {got.shape}, expected {expected.shape}")
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        raise Wrong(f"{what} has inf or NaN entries ({got.ravel()[:4]} ...)")
    err = relative_error(got, expected)
    if err > tol:
        where = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.ndim else ()
        raise Wrong(f"{what} is off: relative error {err:.1e} (expect below {tol:.0e}); at "
                    f"index {tuple(int(i) for i in where)} got {got[where]:.6g}, expected "
                    f"{expected[where]:.6g}")


def central_difference(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d f / d x for a scalar f of a float64 array x, one element at a time (x is restored)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        keep = x[i]
        x[i] = keep + h
        up = f()
        x[i] = keep - h
        down = f()
        x[i] = keep
        grad[i] = (up - down) / (2 * h)
    return grad
