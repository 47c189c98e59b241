"""Checks for lessons/exercises/11_conditioning.py: one-hot vectors against a hand-made case,
with a class missing from the batch, and the conditioned input's shape, layout, and the
lesson's identity: Linear([z, one_hot(y)]) = Linear(z) + Embedding(y), with minigan's layers."""
from __future__ import annotations

import numpy as np

import minigan as mg
import minigan.nn.functional as F
from minigan import nn
from checks import Exercise, Wrong, as_array, expect_close


def check_one_hot(m):
    got = as_array(m.one_hot(np.array([2, 0, 1, 2]), 3), "one_hot([2, 0, 1, 2], 3)")
    expected = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    if got.shape == expected.T.shape:
        raise Wrong(f"one_hot([2, 0, 1, 2], 3) has shape {got.shape}, expected (4, 3): one row "
                    f"per label (is it transposed?)")
    expect_close(got, expected, "one_hot([2, 0, 1, 2], 3)", tol=1e-12)
    labels = np.array([3, 7, 0, 3])  # no 9 in this batch
    got = as_array(m.one_hot(labels, 10), "one_hot([3, 7, 0, 3], 10)")
    if got.shape == (4, 8):
        raise Wrong("one_hot([3, 7, 0, 3], 10) has shape (4, 8), expected (4, 10): is the "
                    "number of classes taken from the labels (max + 1)? Use n_classes")
    expect_close(got, np.eye(10)[labels], "one_hot([3, 7, 0, 3], 10)", tol=1e-12)


def check_condition(m):
    rng = np.random.default_rng(0)
    z, labels = rng.standard_normal((5, 4)), np.array([3, 7, 0, 9, 3])
    keep = z.copy()
    got = as_array(m.condition(z, labels, 10), "condition(z (5, 4), labels, 10)")
    if not np.array_equal(z, keep):
        raise Wrong("condition changed z in place; return a new array")
    if got.shape != (5, 14):
        raise Wrong(f"condition(z (5, 4), 5 labels, 10) has shape {got.shape}, expected "
                    f"(5, 14): append the one-hot along the features (axis=1)")
    if np.array_equal(got[:, 10:], z) and np.array_equal(got[:, :10], np.eye(10)[labels]):
        raise Wrong("the one-hot comes before z; append it after z, so that the first `latent` "
                    "columns are z")
    expect_close(got[:, :4], z, "the first 4 columns of condition(z (5, 4), labels, 10)", tol=1e-12)
    expect_close(got[:, 4:], np.eye(10)[labels], "the last 10 columns (the one-hot labels)",
                 tol=1e-12)
    # The lesson's identity, with minigan's layers: W [z; e_y] + b = W_z z + b + table[y].
    mg.manual_seed(0)
    first = nn.Linear(4 + 10, 6).double()
    table = nn.Embedding(10, 6).double()
    w = first.weight.numpy()
    table.weight.data[...] = w[:, 4:].T
    w_z = mg.tensor(w[:, :4], dtype=np.float64)
    expected = (F.linear(mg.tensor(z, dtype=np.float64), w_z, first.bias)
                + table(mg.tensor(labels))).numpy()
    expect_close(first(mg.tensor(got, dtype=np.float64)).numpy(), expected,
                 "Linear(condition(z, y)) against Linear(z) + Embedding(y)", tol=1e-10)


EXERCISES = [
    Exercise("one_hot", "np.eye(n_classes)[labels] picks row labels[i] of the identity for "
             "each label", check_one_hot,
             idea="lesson 11: a one-hot row has a single 1, at the label's index"),
    Exercise("condition", "np.concatenate([z, one_hot(labels, n_classes)], axis=1)",
             check_condition,
             idea="lesson 11: the generator's input is the code and the label's one-hot side by "
             "side"),
]
