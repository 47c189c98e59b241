"""Lesson 01, write it yourself: from the scalar Value to arrays.

Lesson 01's `Value` holds one number and passes `local derivative * grad` back to each parent.
Over arrays two new things happen, and minigan's `Tensor` does both in every backward:

1. Broadcasting. `X @ W + b` adds a bias of shape (hidden,) to every row of an (n, hidden)
   batch: each element of `b` is *used n times*, so, as for `d` in lesson 01, its gradient is the
   *sum* of the gradients of its copies. `sum_to` is that sum: broadcasting's adjoint.
2. Matrix products. The local derivative of `a @ b` is not one number; written out element by
   element it becomes two matrix products, `g @ b.T` and `a.T @ g`.

With those two you can write the backward of a whole two-layer network by hand, and train it.
After that, lesson 01's section 3 switches to minigan, which does the same for every operation.

Fill in each function (delete the `raise NotImplementedError`), then run

    python lessons/check.py 01

which tells you, per function, PASS or what is wrong. Only NumPy is needed here.
"""
import numpy as np


def sum_to(grad, shape):
    """Sum `grad` down to `shape`: the backward of broadcasting an array of `shape` up to
    `grad.shape`.

    NumPy broadcasting (1) prepends axes of size 1 until both shapes have as many axes, then
    (2) stretches every axis of size 1 to the other size. Undo both: sum over the leading axes
    that (1) added, then over every axis where `shape` has 1 and `grad` does not, keeping it as
    an axis of size 1 (`keepdims=True`).

    >>> sum_to(np.ones((4, 3)), (3,))        # a bias added to 4 rows
    array([4., 4., 4.])
    >>> sum_to(np.ones((4, 3)), (4, 1)).ravel()
    array([3., 3., 3., 3.])

    The result has exactly `shape` (which may be `()` for a scalar).
    """
    raise NotImplementedError


def matmul_backward(g, a, b):
    """Gradients through `c = a @ b`: given `g = dL/dc`, return `(dL/da, dL/db)`.

    Shapes: a (n, k), b (k, m), c and g (n, m). Since c[i, j] = sum_p a[i, p] * b[p, j],
    dc[i, j]/da[i, p] = b[p, j], and adding up over every j that a[i, p] reached:
    dL/da[i, p] = sum_j g[i, j] * b[p, j], which is (g @ b.T)[i, p]. Derive dL/db the same way.
    Each gradient has the shape of its input: a quick check that the transposes are right.
    """
    raise NotImplementedError


def two_layer_loss_and_grads(params, x, y):
    """The loss of a two-layer network and its gradients, forward and backward by hand.

        h    = tanh(x @ W1 + b1)       x (n, d), W1 (d, hidden), b1 (hidden,)
        out  = h @ W2 + b2             W2 (hidden, 1), b2 (1,)
        loss = mean((out - y) ** 2)    y (n, 1)

    `params` is a dict with keys "W1", "b1", "W2", "b2". Return `(loss, grads)`: the loss as a
    float and a dict with the same keys, each gradient of its parameter's shape.

    Walk back as `Value.backward` does, from dloss/dout = 2 (out - y) / out.size: through the
    second layer with `matmul_backward` (and `sum_to` for b2), through tanh with its local
    derivative 1 - h ** 2, then through the first layer the same way.
    """
    raise NotImplementedError


def train_two_layer(x, y, hidden=16, steps=2000, lr=0.2, seed=0):
    """Train the network of `two_layer_loss_and_grads` by plain gradient descent.

    Start from `rng = np.random.default_rng(seed)`: W1 = rng.standard_normal((d, hidden)) /
    sqrt(d), W2 = rng.standard_normal((hidden, 1)) / sqrt(hidden), biases zero. At each of the
    `steps` steps compute `loss, grads = two_layer_loss_and_grads(params, x, y)` and move every
    parameter by `-lr * grad`. Return `(params, losses)`, with `losses` the list of the `steps`
    losses (each computed before its update).
    """
    raise NotImplementedError
