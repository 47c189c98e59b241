"""Lesson 06, write it yourself: one step of SGD with momentum, and one step of Adam.

Lesson 06 wrote the optimisers as loops on a 2-D valley. Here you write one step of each as
PyTorch (and minigan) does it, on NumPy arrays, and the check compares several steps with
`minigan.optim`. Then run

    python lessons/check.py 06
"""
import numpy as np


def sgd_momentum_step(param, grad, buf, lr, momentum):
    """One step of PyTorch's SGD with momentum. `buf` is None at the first step.

        buf   = grad                          at the first step (buf is None)
        buf   = momentum * buf + grad         after that
        param = param - lr * buf

    Return `(param, buf)`, new arrays (do not change the arguments).
    """
    raise NotImplementedError


def adam_step(param, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One step of Adam (Kingma and Ba, 2015) as PyTorch computes it. `t` is this step's number,
    starting at 1; `m` and `v` start as zeros.

        m     = beta1 * m + (1 - beta1) * grad
        v     = beta2 * v + (1 - beta2) * grad ** 2
        m_hat = m / (1 - beta1 ** t),   v_hat = v / (1 - beta2 ** t)
        param = param - lr * m_hat / (sqrt(v_hat) + eps)

    Return `(param, m, v)`. At t = 1 every element moves by lr * sign(grad), up to eps.
    """
    raise NotImplementedError
