"""Lesson 10, write it yourself: spherical interpolation between two latent codes.

Lesson 10 walked between two codes of a DCGAN on the great circle rather than the straight
line, whose midpoint sinks towards the origin, where the generator saw no codes. Write slerp
in NumPy, including the case where the circle is not defined. Then run

    python lessons/check.py 10
"""
import numpy as np


def slerp(z0, z1, t):
    """Points on the great circle from z0 to z1: z0, z1 arrays (d,), t an array (T,) of
    fractions in [0, 1]. Return the (T, d) array whose row k is

        sin((1 - t_k) theta) / sin(theta) z0 + sin(t_k theta) / sin(theta) z1,
        cos(theta) = z0 . z1 / (|z0| |z1|),

    so row k is z0 at t_k = 0 and z1 at t_k = 1. Clip cos(theta) to [-1, 1] before arccos
    (rounding can push it just past 1). When sin(theta) is tiny (below 1e-6: z0 and z1
    parallel or opposite, or one of them zero) the circle is not defined: return the straight
    line (1 - t_k) z0 + t_k z1 instead of dividing by about 0.
    """
    raise NotImplementedError
