"""Lesson 05, reference solutions: batch norm in training mode and its running statistics."""
import numpy as np


def _axes(x):
    return (0,) + tuple(range(2, x.ndim))


def _per_channel(v, x):
    return v.reshape((1, -1) + (1,) * (x.ndim - 2))


def batch_norm_train(x, gamma, beta, eps=1e-5):
    """Normalise per channel with the batch's mean and biased variance, then scale and shift."""
    mean = x.mean(axis=_axes(x), keepdims=True)
    var = x.var(axis=_axes(x), keepdims=True)
    return _per_channel(gamma, x) * (x - mean) / np.sqrt(var + eps) + _per_channel(beta, x)


def update_running_stats(running_mean, running_var, x, momentum=0.1):
    """Exponential averages of the batch mean and the unbiased batch variance."""
    mean, var = x.mean(axis=_axes(x)), x.var(axis=_axes(x), ddof=1)
    return ((1 - momentum) * running_mean + momentum * mean,
            (1 - momentum) * running_var + momentum * var)
