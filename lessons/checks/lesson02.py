"""Checks for lessons/exercises/02_gradient_checks.py: central differences against a gradient
known on paper, and the relative error against known values."""
from __future__ import annotations

import numpy as np

from checks import Exercise, Wrong, as_array, expect_close


def check_central_difference(m):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    got = m.central_difference(lambda v: float(np.sum(np.sin(v) * v ** 2)), x)
    if not np.array_equal(x, before):
        raise Wrong("x was changed by the call: put each element back after perturbing it")
    expect_close(got, np.cos(before) * before ** 2 + 2 * before * np.sin(before),
                 "the gradient of sum(sin(x) x^2) (against cos(x) x^2 + 2 x sin(x))", tol=1e-7)
    expect_close(m.central_difference(lambda v: float(v @ v), np.array([1.0, -2.0])),
                 [2.0, -4.0], "the gradient of x . x at (1, -2)", tol=1e-8)


def check_relative_error(m):
    cases = [((1.0, 1.1), 0.1 / 2.1), ((0.0, 0.0), 0.0), ((1e-12, 0.0), 1e-4),
             (([1.0, 2.0, 3.0], [1.0, 2.0, 3.3]), 0.3 / 6.3), ((-1.0, 1.0), 1.0)]
    for (a, b), expected in cases:
        got = as_array(m.relative_error(a, b), f"relative_error({a}, {b})")
        if got.shape != ():
            raise Wrong(f"relative_error({a}, {b}) has shape {got.shape}: return one number, the "
                        f"maximum over the elements")
        if not abs(float(got) - expected) <= 1e-12 + 1e-9 * expected:
            raise Wrong(f"relative_error({a}, {b}) is {float(got):.6g}, expected {expected:.6g}")


EXERCISES = [
    Exercise("central_difference", "f(x + h e_i) - f(x - h e_i) over 2h for each element i; save "
             "x[i], change it, call f, and restore it", check_central_difference,
             idea="lesson 02's central difference, (f(x + h) - f(x - h)) / 2h, one element of x "
             "at a time"),
    Exercise("relative_error", "np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), then the "
             "max, as a float", check_relative_error,
             idea="CS231n's convention, in lesson 02 and in lessonkit.relative_error's docstring"),
]
