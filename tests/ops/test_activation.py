"""minigan.ops.activation: gradients (first and second order) over drawn shapes, stable values."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings

import minigan as mg
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops import activation as A

from op_checks import SEEDS, SHAPES


def away_from_zero(seed, shape):
    """Values with |x| >= 0.1: relu and leaky_relu have no derivative at 0."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 3.0, shape)


def softplus_np(x):
    return np.logaddexp(0, x)


ACTIVATIONS = {
    # name: (minigan function, NumPy reference)
    "relu": (A.relu, lambda x: np.maximum(x, 0)),
    "leaky_relu": (A.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
    "leaky_relu_0.2": (lambda t: A.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "tanh": (A.tanh, np.tanh),
    "sigmoid": (A.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "softplus": (A.softplus, softplus_np),
    "log_sigmoid": (A.log_sigmoid, lambda x: -softplus_np(-x)),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(shape=SHAPES, seed=SEEDS)
@settings(max_examples=25, deadline=None)
def test_activation_gradcheck_and_values(name, shape, seed):
    fn, reference = ACTIVATIONS[name]
    x = away_from_zero(seed, shape)
    assert gradcheck(fn, [x])
    out = fn(mg.tensor(x, dtype=np.float64))
    assert out.shape == x.shape and out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), reference(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(shape=SHAPES, seed=SEEDS)
@settings(max_examples=15, deadline=None)
def test_activation_gradgradcheck(name, shape, seed):
    fn = ACTIVATIONS[name][0]
    # Multiplying by x makes the second derivative of the piecewise-linear ones non-zero too.
    assert gradgradcheck(lambda t: fn(t) * t, [away_from_zero(seed, shape)])


def test_tensor_methods_are_the_activations():
    x = mg.tensor([-1.0, 2.0])
    for name in ("relu", "tanh", "sigmoid", "softplus"):
        np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(A, name)(x).numpy())
    np.testing.assert_array_equal(x.leaky_relu(0.2).numpy(), np.float32([-0.2, 2.0]))


def test_derivative_at_zero_follows_pytorch():
    # PyTorch: relu'(0) = 0, leaky_relu'(0) = negative_slope.
    x = mg.tensor([0.0], requires_grad=True)
    A.relu(x).sum().backward()
    assert x.grad.item() == 0.0
    x.grad = None
    A.leaky_relu(x, 0.3).sum().backward()
    assert x.grad.item() == pytest.approx(0.3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_softplus_log_sigmoid_are_stable_up_to_1000(dtype):
    x = mg.tensor(np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0]), dtype=dtype,
                  requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s, sp, ls = A.sigmoid(x), A.softplus(x), A.log_sigmoid(x)
        (s.sum() + sp.sum() + ls.sum()).backward()
    for out in (s, sp, ls, x.grad):
        assert out.dtype == dtype
        assert np.isfinite(out.numpy()).all()
    np.testing.assert_array_equal(s.numpy()[[0, -1]], [0.0, 1.0])
    assert s.numpy()[3] == 0.5
    np.testing.assert_allclose(sp.numpy()[[0, -1]], [0.0, 1000.0])
    np.testing.assert_allclose(ls.numpy()[[0, -1]], [-1000.0, 0.0])
    # d/dx [sigmoid + softplus + log_sigmoid] = s(1-s) + s + (1-s) = s(1-s) + 1
    expected = s.numpy().astype(np.float64) * (1 - s.numpy()) + 1
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_tanh_saturates_without_nan():
    x = mg.tensor([-1e4, 1e4], dtype=np.float64, requires_grad=True)
    A.tanh(x).sum().backward()
    np.testing.assert_array_equal(A.tanh(x).numpy(), [-1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_activations_keep_float32():
    x = mg.randn(3, 4)
    for fn, _ in ACTIVATIONS.values():
        assert fn(x).dtype == np.float32


def test_zero_dim_tensors():
    """Every operation on 0-d inputs (NumPy ufuncs return scalars there, not 0-d arrays)."""
    failures = []
    for name, (fn, _) in sorted(ACTIVATIONS.items()):
        for check, f in ((gradcheck, fn), (gradgradcheck, lambda t: fn(t) * t)):
            try:
                check(f, [np.array(-0.6)])
            except Exception as error:  # collect them all: the message lists every broken op
                failures.append(f"{check.__name__} {name}: {type(error).__name__}")
    assert not failures, "\n".join(failures)
