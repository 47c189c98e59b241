"""Lesson 16, write it yourself: code that runs on NumPy and on CuPy arrays alike.

Lesson 16's whole trick: never write `np.f(x)` on data; ask the array for its module with
`xp = get_array_module(x)` and write `xp.f(x)`. Write a small function that way. The check runs
it on NumPy arrays, and on a stand-in "device" array that, like a CuPy array, refuses to be
turned into a NumPy array, so no GPU is needed. Then run

    python lessons/check.py 16
"""
import numpy as np  # noqa: F401  (for the host only: not for x)

from minigan.backend import get_array_module  # noqa: F401


def xp_sum_of_squares(x):
    """The sum of the squares of all of x's elements, computed by x's own array module:
    xp = get_array_module(x), then xp's functions only (no np.something(x): on a CuPy array
    that would copy it to the host, or fail). Return what xp computes (a 0-d array of xp, or a
    scalar); do not convert it to a float yourself, since on a GPU that waits for the device.
    """
    raise NotImplementedError
