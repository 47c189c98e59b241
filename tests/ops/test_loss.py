"""minigan.ops.loss: every loss and reduction gradchecked over drawn shapes; values and limits.

PyTorch-dependent comparisons live in test_torch_reference.py; here the references are NumPy
formulas and the known limits (saturated logits, clamped logs).
"""
import functools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops import loss as L

from op_checks import SEEDS, SHAPES, assert_zero_dim_cases_pass

REDUCTIONS = ["mean", "sum", "none"]


def reduce_np(values, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](values)


def data_for(name, seed, shape):
    """(input, target) away from the points where the loss has no derivative."""
    rng = np.random.default_rng(seed)
    if name == "bce_with_logits":
        return rng.uniform(-4, 4, shape), rng.uniform(0, 1, shape)
    if name == "bce":
        return rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)
    if name == "mse":
        return rng.uniform(-2, 2, shape), rng.uniform(-2, 2, shape)
    # l1: |input - target| >= 0.1 everywhere
    target = rng.uniform(-2, 2, shape)
    return target + rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 1, shape), target


def reference(name, x, y):
    if name == "bce_with_logits":
        return np.logaddexp(0, x) - x * y
    if name == "bce":
        return -(y * np.log(x) + (1 - y) * np.log(1 - x))
    if name == "mse":
        return (x - y) ** 2
    return np.abs(x - y)


ELEMENTWISE = ["bce_with_logits", "bce", "mse", "l1"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ELEMENTWISE)
@given(shape=SHAPES, seed=SEEDS)
@settings(max_examples=20, deadline=None)
def test_elementwise_loss_gradcheck_input_and_target(name, reduction, shape, seed):
    fn = getattr(L, name)
    x, y = data_for(name, seed, shape)
    assert gradcheck(lambda t: fn(t, y, reduction=reduction), [x])
    # PyTorch differentiates these with respect to the target as well.
    assert gradcheck(lambda t, u: fn(t, u, reduction=reduction), [x, y])
    out = fn(mg.tensor(x, dtype=np.float64), y, reduction=reduction)
    expected = reduce_np(reference(name, x, y), reduction)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(shape=SHAPES, seed=SEEDS, reduction=st.sampled_from(REDUCTIONS))
@settings(max_examples=15, deadline=None)
def test_elementwise_loss_gradgradcheck(name, shape, seed, reduction):
    fn = getattr(L, name)
    x, y = data_for(name, seed, shape)
    assert gradgradcheck(lambda t, u: fn(t, u, reduction=reduction), [x, y])


@st.composite
def classification(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(SEEDS)
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, c)) * 2
    labels = rng.integers(0, c, n)
    p = rng.random((n, c)) + 0.1
    return logits, labels, p / p.sum(axis=1, keepdims=True)


def log_softmax_np(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(case=classification())
@settings(max_examples=20, deadline=None)
def test_cross_entropy_gradcheck_with_class_indices_and_probabilities(reduction, case):
    logits, labels, probs = case
    assert gradcheck(lambda t: L.cross_entropy(t, labels, reduction=reduction), [logits])
    assert gradcheck(lambda t: L.cross_entropy(t, probs, reduction=reduction), [logits])
    assert gradcheck(lambda t, p: L.cross_entropy(t, p, reduction=reduction), [logits, probs])
    x = mg.tensor(logits, dtype=np.float64)
    by_index = L.cross_entropy(x, mg.tensor(labels), reduction=reduction).numpy()
    by_probs = L.cross_entropy(x, probs, reduction=reduction).numpy()
    log_p = log_softmax_np(logits)
    # x - logsumexp(x) cancels: a near-zero loss carries a few ulps of the logits' size.
    tol = dict(rtol=1e-12, atol=1e-15 * np.abs(logits).max() * logits.size)
    np.testing.assert_allclose(
        by_index, reduce_np(-log_p[np.arange(len(labels)), labels], reduction), **tol)
    np.testing.assert_allclose(by_probs, reduce_np(-(probs * log_p).sum(axis=1), reduction),
                               **tol)
    one_hot = np.eye(logits.shape[1])[labels]
    np.testing.assert_allclose(L.cross_entropy(x, one_hot, reduction=reduction).numpy(),
                               by_index, **tol)


@given(case=classification(), reduction=st.sampled_from(REDUCTIONS))
@settings(max_examples=15, deadline=None)
def test_cross_entropy_gradgradcheck(case, reduction):
    logits, labels, probs = case
    assert gradgradcheck(lambda t: L.cross_entropy(t, labels, reduction=reduction), [logits])
    assert gradgradcheck(lambda t, p: L.cross_entropy(t, p, reduction=reduction), [logits, probs])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_exact_for_huge_logits(dtype):
    logits = mg.tensor([1e4, -1e4, 1e4, -1e4], dtype=dtype, requires_grad=True)
    target = np.array([0.0, 1.0, 1.0, 0.0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss = L.bce_with_logits(logits, target, reduction="none")
        loss.sum().backward()
    np.testing.assert_array_equal(loss.numpy(), [1e4, 1e4, 0.0, 0.0])
    # d/dx = sigmoid(x) - y
    np.testing.assert_array_equal(logits.grad.numpy(), [1.0, -1.0, 0.0, 0.0])
    assert loss.dtype == dtype and logits.grad.dtype == dtype


def test_bce_clamps_its_logs_at_minus_100_like_pytorch():
    probs = mg.tensor([0.0, 1.0, 0.0, 1.0], dtype=np.float64)
    target = np.array([1.0, 0.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0) = -inf before the clamp
        values = L.bce(probs, target, reduction="none").numpy()
    np.testing.assert_array_equal(values, [100.0, 100.0, 0.0, 0.0])


def test_bce_gradient_stays_finite_at_saturated_probabilities():
    # A float32 sigmoid rounds to exactly 1.0 from x ~ 17 on, so GAN discriminators hit this.
    # PyTorch's gradient is (p - y) / max(p (1 - p), 1e-12): finite and with the right sign.
    probs = mg.tensor([0.0, 1.0, 0.0, 1.0], dtype=np.float64, requires_grad=True)
    target = np.array([1.0, 0.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        L.bce(probs, target, reduction="sum").backward()
    grad = probs.grad.numpy()
    assert np.isfinite(grad).all(), grad
    assert grad[0] < 0 < grad[1]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_loss_rejects_mismatched_shapes_naming_them(name):
    with pytest.raises(ValueError, match=rf"{name}.*\(2, 3\).*\(3, 2\)"):
        getattr(L, name)(mg.zeros(2, 3), np.zeros((3, 2)))


@pytest.mark.parametrize("name", ELEMENTWISE + ["cross_entropy"])
def test_loss_rejects_an_unknown_reduction(name):
    target = np.zeros(2, dtype=np.int64) if name == "cross_entropy" else np.zeros((2, 3))
    with pytest.raises(ValueError, match="reduction"):
        getattr(L, name)(mg.zeros(2, 3), target, reduction="average")


def test_cross_entropy_rejects_bad_targets():
    logits = mg.zeros(2, 3)
    with pytest.raises(ValueError, match=r"\(2,\)"):
        L.cross_entropy(logits, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        L.cross_entropy(logits, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        L.cross_entropy(logits, np.array([-1, 0]))
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        L.cross_entropy(mg.zeros(2, 3, 4), np.array([0, 1]))


def test_losses_keep_float32_and_accept_float64_numpy_targets():
    x = mg.randn(4, 3, requires_grad=True)
    target = np.random.default_rng(0).random((4, 3))  # float64, as learners make them
    for name in ELEMENTWISE:
        inp = mg.sigmoid(x) if name == "bce" else x
        out = getattr(L, name)(inp, target)
        assert out.dtype == np.float32 and out.shape == ()
    assert L.cross_entropy(x, np.array([0, 1, 2, 0])).dtype == np.float32


def test_zero_dim_tensors():
    """Every operation on 0-d inputs (NumPy ufuncs return scalars there, not 0-d arrays)."""
    assert_zero_dim_cases_pass([
        (f"{name} {reduction}", functools.partial(getattr(L, name), reduction=reduction),
         data_for(name, 0, ()))
        for name in ELEMENTWISE for reduction in REDUCTIONS])


@pytest.mark.parametrize("bad", [-0.1, 1.5, np.nan])
def test_bce_refuses_probabilities_outside_zero_one(bad):
    probs = mg.tensor([0.2, bad, 0.7], dtype=np.float64)
    with pytest.raises(ValueError, match=r"bce: probabilities must lie in \[0, 1\].*\(3,\)"):
        L.bce(probs, np.array([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="BCEWithLogitsLoss"):
        mg.nn.BCELoss()(probs, mg.tensor([1.0, 0.0, 1.0], dtype=np.float64))
