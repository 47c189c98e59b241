"""Checks for lessons/exercises/08_game_steps.py: one round from a known point, and the radius
after 200 rounds: simultaneous play spirals out by sqrt(1 + lr^2) per round (lesson 08), while
alternating play keeps a bounded orbit (it preserves x^2 + y^2 - lr x y)."""
from __future__ import annotations

import numpy as np

from checks import Exercise, Wrong


def _round(step, name, x, y, lr):
    got = step(x, y, lr)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Wrong(f"{name} should return a pair (x, y), got {type(got).__name__}")
    return float(got[0]), float(got[1])


def _expect(got, expected, what):
    if not np.allclose(got, expected, rtol=1e-12, atol=1e-12):
        raise Wrong(f"{what} gives ({got[0]:.6g}, {got[1]:.6g}), expected "
                    f"({expected[0]:.6g}, {expected[1]:.6g})")


def check_simultaneous(m):
    _expect(_round(m.simultaneous_step, "simultaneous_step", 1.0, 0.5, 0.1), (0.95, 0.6),
            "simultaneous_step(1, 0.5, lr=0.1)")
    x, y = 1.0, 0.0
    for _ in range(200):
        x, y = _round(m.simultaneous_step, "simultaneous_step", x, y, 0.1)
    growth = np.hypot(x, y) ** (1 / 200)
    if not abs(growth - np.sqrt(1.01)) < 1e-9:
        raise Wrong(f"the radius grows by {growth:.6f} per round, expected sqrt(1 + lr^2) = "
                    f"{np.sqrt(1.01):.6f}")


def check_alternating(m):
    _expect(_round(m.alternating_step, "alternating_step", 1.0, 0.5, 0.1), (0.95, 0.595),
            "alternating_step(1, 0.5, lr=0.1)")
    x, y, lr = 1.0, 0.0, 0.1
    start = x * x + y * y - lr * x * y
    for _ in range(200):
        x, y = _round(m.alternating_step, "alternating_step", x, y, lr)
    if not abs(x * x + y * y - lr * x * y - start) < 1e-9:
        raise Wrong(f"after 200 rounds x^2 + y^2 - lr x y is {x * x + y * y - lr * x * y:.6f}, "
                    f"expected it to stay {start:.6f}: does y read the new x?")


EXERCISES = [
    Exercise("simultaneous_step", "x descends along df/dx = y, y ascends along df/dy = x, both "
             "from the old point", check_simultaneous,
             idea="lesson 08: for min_x max_y xy, x descends its gradient and y ascends its own, "
             "both taken at the same point"),
    Exercise("alternating_step", "update x first, then use the new x in y's update",
             check_alternating,
             idea="lesson 08: the same two steps, but the second player sees the first player's "
             "new value"),
]
