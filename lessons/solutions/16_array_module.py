"""Lesson 16, reference solution: a sum of squares that runs where its array lives."""
from minigan.backend import get_array_module


def xp_sum_of_squares(x):
    """sum(x ** 2) by x's own array module (numpy or cupy)."""
    xp = get_array_module(x)
    return xp.sum(xp.square(x))
