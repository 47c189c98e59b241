"""Lesson 02, write it yourself: the two tools of every gradient check.

Lesson 02 measured the error of finite differences and used `relative_error` and minigan's
`gradcheck`. Here you write both tools yourself, as CS231n's assignments ask, in NumPy.
Fill in each function, then run

    python lessons/check.py 02
"""
import numpy as np


def central_difference(f, x, h=1e-5):
    """The gradient of a scalar function `f(x)` of a float64 array `x`, by central differences.

    For every element i: (f(x with x[i] + h) - f(x with x[i] - h)) / (2 h). Return an array of
    `x`'s shape. Change one element at a time and put it back afterwards: when you return, `x`
    must hold exactly the values it held when you were called (`np.ndindex(x.shape)` walks the
    elements).
    """
    raise NotImplementedError


def relative_error(a, b):
    """CS231n's relative error of two arrays (or numbers): max |a - b| / max(1e-8, |a| + |b|),
    the maximum taken over the elements, returned as a float.

    The floor 1e-8 keeps two zeros (a gradient that is exactly 0 on both sides) from dividing
    0 by 0: relative_error(0, 0) is 0.
    """
    raise NotImplementedError
