"""Checks for lessons/exercises/05_batch_norm.py: the training-mode forward and the running
statistics against minigan's F.batch_norm."""
from __future__ import annotations

import numpy as np

import minigan as mg
import minigan.nn.functional as F
from checks import Exercise, Wrong, expect_close


def _t(a):
    return mg.tensor(a, dtype=np.float64)


def _cases():
    rng = np.random.default_rng(0)
    for shape in [(8, 3), (4, 3, 5, 5)]:
        yield (shape, 2 + 3 * rng.standard_normal(shape), rng.standard_normal(3),
               rng.standard_normal(3))


def check_forward(m):
    for shape, x, gamma, beta in _cases():
        expected = F.batch_norm(_t(x), None, None, _t(gamma), _t(beta), training=True).numpy()
        expect_close(m.batch_norm_train(x, gamma, beta), expected,
                     f"batch_norm_train on an input of shape {shape}, compared with F.batch_norm",
                     tol=1e-9)


def check_running(m):
    for shape, x, _, _ in _cases():
        mean, var = np.linspace(-1, 1, 3), np.linspace(0.5, 2, 3)
        rm, rv = _t(mean.copy()), _t(var.copy())
        F.batch_norm(_t(x), rm, rv, training=True, momentum=0.1)
        got = m.update_running_stats(mean.copy(), var.copy(), x, momentum=0.1)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong("update_running_stats should return a pair (running_mean, running_var)")
        expect_close(got[0], rm.numpy(), f"running_mean after a batch of shape {shape}", tol=1e-9)
        expect_close(got[1], rv.numpy(), f"running_var after a batch of shape {shape}", tol=1e-9)


EXERCISES = [
    Exercise("batch_norm_train", "average over axis 0 and the spatial axes, never over the "
             "channels (axis 1); var with ddof=0; eps inside the square root", check_forward,
             idea="lesson 05: statistics per channel over the batch, normalise, then scale and "
             "shift"),
    Exercise("update_running_stats", "the running variance uses the unbiased batch variance "
             "(ddof=1), unlike the normalisation itself", check_running,
             idea="lesson 05's running statistics: a moving average with PyTorch's momentum, and "
             "which variance PyTorch keeps"),
]
