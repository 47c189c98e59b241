"""Lesson 06, reference solutions: one step of SGD with momentum and one step of Adam."""
import numpy as np


def sgd_momentum_step(param, grad, buf, lr, momentum):
    """buf = grad (first step) or momentum * buf + grad; param -= lr * buf."""
    buf = grad.copy() if buf is None else momentum * buf + grad
    return param - lr * buf, buf


def adam_step(param, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """Adam with bias correction; eps added after the square root."""
    beta1, beta2 = betas
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
