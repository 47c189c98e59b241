"""Checks for lessons/exercises/01_array_engine.py: sum_to and matmul_backward against minigan's
autograd, the two-layer network's gradients against central differences, and its training."""
from __future__ import annotations

import numpy as np

import minigan as mg
from checks import Exercise, Wrong, as_array, central_difference, expect_close


def check_sum_to(m):
    rng = np.random.default_rng(0)
    for big, small in [((4, 3), (3,)), ((4, 3), (4, 1)), ((2, 3, 4), (3, 1)), ((2, 3), (2, 3)),
                       ((5, 2), ()), ((2, 1, 4), (1, 1, 4))]:
        grad = rng.standard_normal(big)
        # minigan's answer: broadcast a tensor of `small` to `big` and backpropagate `grad`.
        a = mg.tensor(np.zeros(small), dtype=np.float64, requires_grad=True)
        (a + mg.tensor(np.zeros(big), dtype=np.float64)).backward(
            mg.tensor(grad, dtype=np.float64))
        expect_close(m.sum_to(grad.copy(), small), a.grad.numpy(),
                     f"sum_to(grad of shape {big}, {small})", tol=1e-12)


def check_matmul_backward(m):
    rng = np.random.default_rng(1)
    a, b, g = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal((3, 5))
    ta = mg.tensor(a, dtype=np.float64, requires_grad=True)
    tb = mg.tensor(b, dtype=np.float64, requires_grad=True)
    (ta @ tb).backward(mg.tensor(g, dtype=np.float64))
    got = m.matmul_backward(g, a, b)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Wrong(f"matmul_backward should return a pair (dL/da, dL/db), got "
                    f"{type(got).__name__}")
    da, db = as_array(got[0], "dL/da"), as_array(got[1], "dL/db")
    if da.shape != a.shape or db.shape != b.shape:
        raise Wrong(f"for a {a.shape} and b {b.shape} the gradients have shapes {da.shape} and "
                    f"{db.shape}, expected {a.shape} and {b.shape}")
    expect_close(da, ta.grad.numpy(), "dL/da, compared with minigan's", tol=1e-12)
    expect_close(db, tb.grad.numpy(), "dL/db, compared with minigan's", tol=1e-12)


def _small_network(seed=2, n=6, d=3, hidden=4):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((d, hidden)), "b1": rng.standard_normal(hidden),
              "W2": rng.standard_normal((hidden, 1)), "b2": rng.standard_normal(1)}
    return params, rng.standard_normal((n, d)), rng.standard_normal((n, 1))


def check_two_layer(m):
    params, x, y = _small_network()
    out = np.tanh(x @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    got = m.two_layer_loss_and_grads({k: v.copy() for k, v in params.items()}, x, y)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Wrong("two_layer_loss_and_grads should return a pair (loss, grads)")
    loss, grads = got
    expect_close(loss, np.mean((out - y) ** 2), "the loss", tol=1e-10)
    if not isinstance(grads, dict) or set(grads) != set(params):
        raise Wrong(f"grads should be a dict with keys {sorted(params)}, got "
                    f"{sorted(grads) if isinstance(grads, dict) else type(grads).__name__}")
    for key, value in params.items():
        numeric = central_difference(
            lambda: float(np.mean((np.tanh(x @ params["W1"] + params["b1"]) @ params["W2"]
                                   + params["b2"] - y) ** 2)), value)
        expect_close(grads[key], numeric, f"grads['{key}'] (against central differences)",
                     tol=1e-6)


def check_train(m):
    x = np.linspace(-2, 2, 64).reshape(-1, 1)
    y = np.sin(1.5 * x)
    steps = 2000
    got = m.train_two_layer(x, y, hidden=16, steps=steps, lr=0.2, seed=0)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Wrong("train_two_layer should return a pair (params, losses)")
    params, losses = got
    losses = as_array(losses, "losses").ravel()
    if losses.size != steps:
        raise Wrong(f"losses has {losses.size} entries, expected one per step ({steps})")
    if not np.all(np.isfinite(losses)):
        raise Wrong("the loss became inf or NaN: is the step -lr * grad (downhill)?")
    if not (losses[-1] < 0.04 and losses[-1] < 0.25 * losses[0]):
        raise Wrong(f"the loss went from {losses[0]:.3f} to {losses[-1]:.3f} in {steps} steps; "
                    f"expected below 0.04 and below a quarter of the start")


EXERCISES = [
    Exercise("sum_to", "sum over the axes broadcasting added (the leading ones), then over the "
             "axes where shape has 1, with keepdims=True; reshape to shape at the end",
             check_sum_to,
             idea="broadcasting copied the values along some axes (lesson 01); the gradient adds "
             "those copies back up, axis by axis"),
    Exercise("matmul_backward", "dL/da = g @ b.T; dL/db has b's shape (k, m) and is built from "
             "a (n, k) and g (n, m)", check_matmul_backward,
             idea="for out = a @ b each gradient is g times the other factor, transposed so that "
             "the shapes fit (lesson 01)"),
    Exercise("two_layer_loss_and_grads", "start from g_out = 2 * (out - y) / out.size; "
             "tanh's local derivative is 1 - h**2 (h the tanh's output); biases need sum_to",
             check_two_layer,
             idea="the chain rule backwards through the layers in the docstring, one local "
             "derivative per step, as lesson 01's scalar engine does it"),
    Exercise("train_two_layer", "record the loss before each update and move every parameter by "
             "-lr * grad; check two_layer_loss_and_grads passes first", check_train,
             idea="plain gradient descent: loss and gradients, then every parameter one small "
             "step downhill, repeated"),
]
