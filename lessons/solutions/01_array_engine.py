"""Lesson 01, reference solutions: from the scalar Value to arrays (see lessons/exercises/)."""
import numpy as np


def sum_to(grad, shape):
    """Sum `grad` down to `shape`: the backward of broadcasting."""
    grad = np.asarray(grad)
    added = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(added)))          # (1) the axes broadcasting prepended
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True).reshape(shape)  # (2) the size-1 axes


def matmul_backward(g, a, b):
    """Gradients through `c = a @ b`: (dL/da, dL/db) = (g @ b.T, a.T @ g)."""
    return g @ b.T, a.T @ g


def two_layer_loss_and_grads(params, x, y):
    """Forward and backward of tanh(x @ W1 + b1) @ W2 + b2 with a mean squared error."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z = x @ W1 + b1
    h = np.tanh(z)
    out = h @ W2 + b2
    loss = float(np.mean((out - y) ** 2))

    g_out = 2 * (out - y) / out.size
    g_h, g_W2 = matmul_backward(g_out, h, W2)
    g_b2 = sum_to(g_out, b2.shape)
    g_z = g_h * (1 - h ** 2)
    _, g_W1 = matmul_backward(g_z, x, W1)
    g_b1 = sum_to(g_z, b1.shape)
    return loss, {"W1": g_W1, "b1": g_b1, "W2": g_W2, "b2": g_b2}


def train_two_layer(x, y, hidden=16, steps=2000, lr=0.2, seed=0):
    """Plain gradient descent on the two-layer network; returns (params, losses)."""
    rng = np.random.default_rng(seed)
    d = x.shape[1]
    params = {"W1": rng.standard_normal((d, hidden)) / np.sqrt(d), "b1": np.zeros(hidden),
              "W2": rng.standard_normal((hidden, 1)) / np.sqrt(hidden), "b2": np.zeros(1)}
    losses = []
    for _ in range(steps):
        loss, grads = two_layer_loss_and_grads(params, x, y)
        losses.append(loss)
        for key in params:
            params[key] = params[key] - lr * grads[key]
    return params, losses
