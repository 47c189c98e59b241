"""Lesson 05, write it yourself: batch norm in training mode, and its running statistics.

Lesson 05 built batch norm by hand and compared it with minigan. Write it again without
looking, in NumPy, for an (N, C) or (N, C, H, W) input. Then run

    python lessons/check.py 05
"""
import numpy as np


def batch_norm_train(x, gamma, beta, eps=1e-5):
    """Batch norm's training-mode forward: per channel (axis 1), normalise with the batch's mean
    and *biased* variance (divide by the count, `np.var`'s default) over every axis but 1, then
    scale by gamma and shift by beta (both of shape (C,)):

        y = gamma * (x - mean) / sqrt(var + eps) + beta

    Reshape mean, var, gamma and beta to (1, C) or (1, C, 1, 1) so that they broadcast.
    """
    raise NotImplementedError


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    """The running statistics after one training batch, as PyTorch (and minigan) keep them:

        running_mean = (1 - momentum) * running_mean + momentum * batch mean
        running_var  = (1 - momentum) * running_var  + momentum * batch variance, *unbiased*
                       (divided by count - 1, `ddof=1`: the one place batch norm uses it)

    with the statistics per channel (axis 1) over every other axis. Return the new pair
    (do not change the arrays passed in).
    """
    raise NotImplementedError
