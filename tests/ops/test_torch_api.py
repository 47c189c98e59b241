"""minigan's API is PyTorch's where a learner would carry a call over: the same call, spelt the
same way, gives the same shape, dtype, values and gradients as in torch (CPU, float64).

Skipped where torch is not installed; the same facts without torch are in the family tests
(test_reductions.py, test_dims.py, test_elementwise.py, tests/autograd/test_tensor.py).
"""
import numpy as np
import pytest

import minigan as mg
from minigan.ops import math as M

torch = pytest.importorskip("torch")

DATA = np.array([[[1.0, 3.0, 3.0, 0.5], [2.0, -1.0, 2.0, 2.0], [0.0, 4.0, -2.0, 1.0]],
                 [[5.0, 5.0, 1.0, 0.0], [-3.0, 2.0, 6.0, 2.0], [1.5, 1.5, 1.5, -2.5]]])  # ties


def pair(array=DATA):
    array = np.asarray(array, dtype=np.float64)
    return (mg.tensor(array, dtype=np.float64, requires_grad=True),
            torch.tensor(array, dtype=torch.float64, requires_grad=True))


def same(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


# Each: the name of the function in both libraries, and the keyword arguments of the call.
CALLS = [
    ("sum", dict(dim=1)), ("sum", dict(dim=(0, 2), keepdim=True)), ("sum", dict()),
    ("mean", dict(dim=-1, keepdim=True)), ("mean", dict(dim=(0, 1))),
    ("var", dict(dim=1)), ("var", dict(dim=(0, 2), keepdim=True, correction=0)),
    ("std", dict(dim=2, keepdim=True)),
    ("amax", dict(dim=1)), ("amax", dict(dim=(0, 2), keepdim=True)), ("amin", dict(dim=-1)),
    ("logsumexp", dict(dim=1)), ("logsumexp", dict(dim=(1, 2), keepdim=True)),
    ("softmax", dict(dim=0)), ("log_softmax", dict(dim=-1)),
    ("squeeze", dict(dim=0)), ("unsqueeze", dict(dim=2)), ("flatten", dict(start_dim=1)),
    ("transpose", dict(dim0=0, dim1=2)), ("permute", dict(dims=(2, 0, 1))),
]


@pytest.mark.parametrize("name, kwargs", CALLS, ids=[f"{n} {k}" for n, k in CALLS])
def test_dim_and_keepdim_as_in_torch(name, kwargs):
    x_ours, x_theirs = pair()
    ours, theirs = getattr(M, name)(x_ours, **kwargs), getattr(torch, name)(x_theirs, **kwargs)
    same(ours, theirs)
    g = np.random.default_rng(0).normal(size=tuple(theirs.shape))
    ours.backward(mg.tensor(g, dtype=np.float64))
    theirs.backward(torch.tensor(g))
    same(x_ours.grad, x_theirs.grad)


@pytest.mark.parametrize("name", ["cat", "stack"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack_take_dim_as_in_torch(name, dim):
    (a_ours, a_theirs), (b_ours, b_theirs) = pair(DATA), pair(DATA * 2)
    same(getattr(M, name)([a_ours, b_ours], dim=dim),
         getattr(torch, name)([a_theirs, b_theirs], dim=dim))


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_and_min_along_a_dim_give_values_and_indices_as_in_torch(name, dim, keepdim):
    x_ours, x_theirs = pair()
    ours = getattr(x_ours, name)(dim, keepdim=keepdim)
    theirs = getattr(x_theirs, name)(dim, keepdim=keepdim)
    same(ours.values, theirs.values)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    assert ours.indices.dtype == np.int64 and theirs.indices.dtype == torch.int64
    g = np.random.default_rng(1).normal(size=tuple(theirs.values.shape))
    ours.values.backward(mg.tensor(g, dtype=np.float64))
    theirs.values.backward(torch.tensor(g))
    same(x_ours.grad, x_theirs.grad)  # to the first index of a tie, as torch


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_of_everything_share_ties_as_in_torch(name):
    x_ours, x_theirs = pair(np.array([[1.0, 5.0], [5.0, -2.0]]) * (1 if name == "max" else -1))
    ours, theirs = getattr(x_ours, name)(), getattr(x_theirs, name)()
    same(ours, theirs)
    ours.backward()
    theirs.backward()
    same(x_ours.grad, x_theirs.grad)


def test_argmax_and_argmin_as_in_torch():
    x_ours, x_theirs = pair()
    for kwargs in (dict(), dict(dim=1), dict(dim=-1, keepdim=True)):
        for name in ("argmax", "argmin"):
            ours, theirs = getattr(x_ours, name)(**kwargs), getattr(x_theirs, name)(**kwargs)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_transpose_needs_both_dims_as_in_torch():
    x_ours, x_theirs = pair()
    same(x_ours.transpose(1, 2), x_theirs.transpose(1, 2))
    with pytest.raises(TypeError):
        x_theirs.transpose(1)
    with pytest.raises(TypeError):
        x_ours.transpose(1)


def test_tensor_from_nested_lists_as_in_torch():
    for data in ([[1.0, 2.0]], [[1, 2], [3, 4]], [True, False], 2.5, [[[0.5]]]):
        ours, theirs = mg.tensor(data), torch.tensor(data)
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), data
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


DTYPES = {"int32": torch.int32, "int64": torch.int64, "bool": torch.bool,
          "float32": torch.float32, "float64": torch.float64}

PROMOTIONS = [
    ("int64 * 2.5", "int64", lambda t: t * 2.5), ("int64 + 1", "int64", lambda t: t + 1),
    ("int32 * 2", "int32", lambda t: t * 2), ("2.5 - int32", "int32", lambda t: 2.5 - t),
    ("int64 / 2", "int64", lambda t: t / 2), ("int64 ** 0.5", "int64", lambda t: t ** 0.5),
    ("2.0 ** int64", "int64", lambda t: 2.0 ** t), ("bool + 1", "bool", lambda t: t + 1),
    ("bool * 1.5", "bool", lambda t: t * 1.5), ("exp(int64)", "int64", lambda t: t.exp()),
    ("sqrt(int32)", "int32", lambda t: t.sqrt()),
]


@pytest.mark.parametrize("name, dtype, op", PROMOTIONS, ids=[p[0] for p in PROMOTIONS])
def test_a_tensor_meeting_a_python_number_promotes_as_in_torch(name, dtype, op):
    values = [True, False, True] if dtype == "bool" else [1, 2, 3]
    ours = op(mg.tensor(np.array(values, dtype=dtype)))
    theirs = op(torch.tensor(values, dtype=DTYPES[dtype]))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("left", ["int32", "int64", "bool"])
@pytest.mark.parametrize("right", ["float32", "float64"])
@pytest.mark.parametrize("op", ["add", "mul", "div", "maximum", "where"])
def test_an_integer_tensor_meeting_a_floating_one_takes_its_dtype_as_in_torch(left, right, op):
    a, b = np.array([1, 0, 1], dtype=left), np.array([0.5, 2.0, 4.0], dtype=right)
    mask = np.array([True, False, False])
    ours_op = (lambda x, y: M.where(mask, x, y)) if op == "where" else getattr(M, op)
    theirs_op = ((lambda x, y: torch.where(torch.tensor(mask), x, y)) if op == "where"
                 else getattr(torch, op))
    for x, y in ((a, b), (b, a)):
        with np.errstate(divide="ignore"):  # 0.5 / 0 is inf in both
            ours = ours_op(mg.tensor(x, dtype=x.dtype), mg.tensor(y, dtype=y.dtype))
        theirs = theirs_op(torch.tensor(x), torch.tensor(y))
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
