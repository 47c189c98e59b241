"""Checks for lessons/exercises/03_losses.py: the linear layer against minigan's F.linear, BCE
against F.binary_cross_entropy_with_logits and at logits of +-1000."""
from __future__ import annotations

import numpy as np

import minigan as mg
import minigan.nn.functional as F
from checks import Exercise, Wrong, as_array, expect_close


def _t(a):
    return mg.tensor(a, dtype=np.float64)


def check_linear(m):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    expect_close(m.linear(x, w, b), F.linear(_t(x), _t(w), _t(b)).numpy(),
                 "linear(x (5, 3), weight (4, 3), bias (4,)), compared with F.linear", tol=1e-12)


def check_bce(m):
    rng = np.random.default_rng(1)
    s, y = 3 * rng.standard_normal(20), rng.uniform(size=20)
    expect_close(m.bce_with_logits(s, y),
                 F.binary_cross_entropy_with_logits(_t(s), _t(y)).item(),
                 "bce_with_logits on 20 random logits, compared with minigan's", tol=1e-10)
    for s, y, expected in (([1000.0, -1000.0], [0.0, 1.0], 1000.0),
                           ([1000.0, -1000.0], [1.0, 0.0], 0.0), ([0.0], [1.0], np.log(2))):
        got = as_array(m.bce_with_logits(np.array(s), np.array(y)), f"bce_with_logits({s}, {y})")
        if not np.isfinite(got).all():
            raise Wrong(f"bce_with_logits(logits {s}, targets {y}) is {got}, expected {expected}: "
                        f"the naive formula overflows")
        expect_close(got, expected, f"bce_with_logits(logits {s}, targets {y})", tol=1e-10)


EXERCISES = [
    Exercise("linear", "the weight is (out, in): multiply by its transpose, then add the bias "
             "(broadcast over the rows)", check_linear,
             idea="lesson 03: y = x W^T + b, with PyTorch's layout of W, (out, in)"),
    Exercise("bce_with_logits", "y * softplus(-s) + (1 - y) * softplus(s) with softplus(s) = "
             "np.maximum(s, 0) + np.log1p(np.exp(-np.abs(s))), then the mean", check_bce,
             idea="lesson 03: write BCE through softplus of the logit instead of "
             "log(sigmoid(s)), so that large logits do not overflow"),
]
