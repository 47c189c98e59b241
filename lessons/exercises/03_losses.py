"""Lesson 03, write it yourself: a dense layer and binary cross-entropy from logits.

Lesson 03 showed that the naive BCE, -[y log sigmoid(s) + (1 - y) log(1 - sigmoid(s))], gives
inf or NaN at large logits. Write the stable one, and the linear layer in PyTorch's layout, in
NumPy. Then run

    python lessons/check.py 03
"""
import numpy as np


def linear(x, weight, bias):
    """`nn.Linear`'s forward: x (n, in), weight (out, in) as PyTorch stores it, bias (out,).
    Return the (n, out) array x W^T + b."""
    raise NotImplementedError


def bce_with_logits(logits, targets):
    """The mean binary cross-entropy of `sigmoid(logits)` against `targets` in [0, 1], computed
    from the logits without ever forming sigmoid(s) or log of something that can underflow.

    Per element: loss(s, y) = -[y log sigmoid(s) + (1 - y) log(1 - sigmoid(s))]. Use
    log sigmoid(s) = -softplus(-s) and log(1 - sigmoid(s)) = -softplus(s), and the stable
    softplus(s) = log(1 + e^s) = max(s, 0) + log1p(exp(-|s|)). At s = 1000 with y = 0 the loss
    is 1000, not inf. Return a float: the mean over all elements.
    """
    raise NotImplementedError
