"""Lesson 13, write it yourself: counting the modes a generator captures, VEEGAN's way.

Lesson 13 measured mode collapse on the ring of 8 and the grid of 25 Gaussians by counting
captured modes and high-quality samples. Write both counts in NumPy. Then run

    python lessons/check.py 13
"""
import numpy as np


def high_quality_share(samples, modes, std, threshold=3.0):
    """samples (N, 2) generated points, modes (K, 2) the mixture's centres, std its per-mode
    standard deviation. A sample is high quality when its Euclidean distance to its nearest
    mode is at most threshold * std. Return the share of high-quality samples, a float in
    [0, 1].
    """
    raise NotImplementedError


def modes_captured(samples, modes, std, threshold=3.0):
    """The number of modes captured, an int: a mode is captured when it is the *nearest* mode
    of at least one high-quality sample (within threshold * std of that nearest mode). A
    sample near two close modes counts for the nearer one only.
    """
    raise NotImplementedError
