"""Checks for lessons/exercises/04_convolution.py: the output size against the shapes minigan's
conv2d produces, and the convolution by loops against F.conv2d."""
from __future__ import annotations

import numpy as np

import minigan as mg
import minigan.nn.functional as F
from checks import Exercise, Wrong, expect_close


def _t(a):
    return mg.tensor(a, dtype=np.float64)


def check_output_size(m):
    for n, k, s, p in [(28, 4, 2, 1), (28, 3, 1, 1), (7, 3, 2, 0), (5, 5, 1, 0), (8, 3, 3, 2),
                       (32, 4, 2, 1), (6, 3, 2, 1)]:
        expected = F.conv2d(_t(np.zeros((1, 1, n, n))), _t(np.zeros((1, 1, k, k))), stride=s,
                            padding=p).shape[-1]
        got = m.conv_output_size(n, k, stride=s, padding=p)
        if got != expected:
            raise Wrong(f"conv_output_size(n={n}, k={k}, stride={s}, padding={p}) is {got}, "
                        f"minigan's conv2d gives {expected}")


def check_conv2d_loops(m):
    rng = np.random.default_rng(0)
    for shape, wshape, s, p in [((2, 3, 7, 6), (4, 3, 3, 2), 2, 1),
                                ((1, 2, 5, 5), (3, 2, 3, 3), 1, 0)]:
        x, w = rng.standard_normal(shape), rng.standard_normal(wshape)
        b = rng.standard_normal(wshape[0])
        expected = F.conv2d(_t(x), _t(w), _t(b), stride=s, padding=p).numpy()
        expect_close(m.conv2d_loops(x, w, b, stride=s, padding=p), expected,
                     f"conv2d_loops(x {shape}, w {wshape}, stride={s}, padding={p}), compared "
                     f"with F.conv2d", tol=1e-10)


EXERCISES = [
    Exercise("conv_output_size", "the padded side is n + 2 padding; the kernel's first position "
             "is 0 and its last start is at most n + 2 padding - k: count the starts in steps of "
             "stride (floor division, then + 1)", check_output_size,
             idea="lesson 04's padding-and-stride section: count the positions where the kernel "
             "can start"),
    Exercise("conv2d_loops", "pad x with np.pad on the last two axes only; the patch for output "
             "(i, j) starts at (i * stride, j * stride); do not flip the kernel",
             check_conv2d_loops,
             idea="lesson 04's convolution as loops: a cross-correlation (PyTorch's convention) "
             "over the padded input"),
]
