"""minigan.ops.reductions: gradients by finite differences over drawn shapes and axes.

Each reduction is gradchecked in float64 over the shapes, axes (None, an int or a tuple) and
keepdims that hypothesis draws, and compared with NumPy; those a gradient penalty differentiates
are also gradgradchecked. Data for max/min has no ties, where max has no derivative.
"""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan as mg
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops import reductions as R

from op_checks import (GRAD, GRADGRAD, NONEMPTY_DIMS, SEEDS, assert_zero_dim_cases_pass,
                       normal)


def distinct(seed, shape):
    """Values at least 0.1 apart, so a maximum has a single winner."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * 0.1 + rng.uniform(0, 0.01)).reshape(shape)


@st.composite
def shape_and_axis(draw, shapes=NONEMPTY_DIMS):
    """A shape with an axis argument: None, an int (maybe negative) or a tuple of axes."""
    shape = draw(shapes)
    ndim = len(shape)
    axis = draw(st.one_of(
        st.none(),
        st.integers(-ndim, ndim - 1),
        hnp.valid_tuple_axes(ndim, min_size=1)))
    return shape, axis, draw(st.booleans())


def reduced_count(shape, axis):
    axes = range(len(shape)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    return int(np.prod([shape[a] for a in axes]))


# ---------------------------------------------------------------- reductions

REDUCTIONS = {
    # name: (minigan op, NumPy reference, data maker)
    "sum": (R.sum, np.sum, normal),
    "mean": (R.mean, np.mean, normal),
    "amax": (R.amax, np.max, distinct),
    "amin": (R.amin, np.min, distinct),
    "logsumexp": (R.logsumexp, lambda x, axis, keepdims: np.log(np.sum(
        np.exp(x), axis=axis, keepdims=keepdims)), normal),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(case=shape_and_axis(), seed=SEEDS)
@GRAD
def test_reduction_gradcheck_over_axes_and_keepdims(name, case, seed):
    shape, axis, keepdims = case
    op, reference, make = REDUCTIONS[name]
    x = make(seed, shape)
    assert gradcheck(lambda t: op(t, axis, keepdims), [x])
    out = op(mg.tensor(x, dtype=np.float64), axis, keepdims)
    expected = reference(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["sum", "mean", "logsumexp"])
@given(case=shape_and_axis(), seed=SEEDS)
@GRADGRAD
def test_reduction_gradgradcheck(name, case, seed):
    shape, axis, keepdims = case
    op = REDUCTIONS[name][0]
    assert gradgradcheck(lambda t: op(t, axis, keepdims), [normal(seed, shape)])


@pytest.mark.parametrize("op", [R.var, R.std], ids=["var", "std"])
@pytest.mark.parametrize("correction", [0, 1])
@given(case=shape_and_axis(), seed=SEEDS)
@GRAD
def test_var_and_std_gradcheck_and_match_numpy_ddof(op, correction, case, seed):
    shape, axis, keepdims = case
    assume(reduced_count(shape, axis) > correction)
    assume(op is R.var or reduced_count(shape, axis) > 1)  # std of one value: sqrt at 0
    x = distinct(seed, shape)
    assert gradcheck(lambda t: op(t, axis, keepdims, correction), [x])
    reference = np.var if op is R.var else np.std
    expected = reference(x, axis=axis, keepdims=keepdims, ddof=correction)
    out = op(mg.tensor(x, dtype=np.float64), axis, keepdims, correction)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)


@given(case=shape_and_axis(), seed=SEEDS)
@GRADGRAD
def test_var_gradgradcheck(case, seed):
    shape, axis, keepdims = case
    assume(reduced_count(shape, axis) > 1)
    assert gradgradcheck(lambda t: R.var(t, axis, keepdims), [normal(seed, shape)])


def test_var_defaults_to_bessel_correction_like_pytorch():
    x = mg.tensor([1.0, 2.0, 3.0, 4.0])
    assert R.var(x).item() == pytest.approx(np.var([1, 2, 3, 4], ddof=1))
    assert x.var(correction=0).item() == pytest.approx(1.25)
    assert x.std().item() == pytest.approx(np.std([1, 2, 3, 4], ddof=1))


def test_amax_and_a_full_min_split_the_gradient_among_ties():
    x = mg.tensor([[1.0, 3.0, 3.0], [5.0, 5.0, 5.0]], requires_grad=True)
    R.amax(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.grad = None
    R.min(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1, 0, 0], [0, 0, 0]])


@pytest.mark.parametrize("name, pick", [("max", np.argmax), ("min", np.argmin)])
@given(shape=NONEMPTY_DIMS, data=st.data(), keepdim=st.booleans(), seed=SEEDS)
@GRAD
def test_max_and_min_along_a_dim_give_values_and_indices(name, pick, shape, data, keepdim, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = distinct(seed, shape)
    values, indices = getattr(R, name)(mg.tensor(x, dtype=np.float64), dim, keepdim)
    expected = pick(x, axis=dim, keepdims=keepdim)
    assert indices.shape == expected.shape and indices.dtype.kind == "i"
    np.testing.assert_array_equal(indices.numpy(), expected)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(
        x, pick(x, axis=dim, keepdims=True), dim).reshape(expected.shape))
    assert gradcheck(lambda t: getattr(R, name)(t, dim, keepdim).values, [x])
    assert gradgradcheck(lambda t: getattr(R, name)(t, dim, keepdim).values ** 2, [x])


def test_max_along_a_dim_sends_the_gradient_to_the_first_index_of_a_tie():
    x = mg.tensor([[1.0, 3.0, 3.0], [5.0, 5.0, 5.0]], requires_grad=True)
    result = x.max(dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices
    np.testing.assert_array_equal(values.numpy(), [3.0, 5.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert not indices.requires_grad
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])
    x.grad = None
    low = R.min(x, 0, keepdim=True)
    assert low.values.shape == low.indices.shape == (1, 3)
    low.values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 1, 1], [0, 0, 0]])


def test_max_of_a_0d_tensor_along_its_dim_is_itself_at_index_0():
    for keepdim in (False, True):  # a 0-d tensor has no dim to keep, as in PyTorch
        values, indices = R.max(mg.tensor(2.5), 0, keepdim)
        assert values.shape == indices.shape == () and values.item() == 2.5
        assert indices.item() == 0


def test_max_says_where_the_other_forms_live():
    x = mg.zeros(2, 3)
    with pytest.raises(TypeError, match="maximum"):
        R.max(x, mg.ones(2, 3))  # torch.max(a, b), elementwise
    with pytest.raises(TypeError, match="amin"):
        R.min(x, (0, 1))
    with pytest.raises(ValueError, match=r"\(0, 3\)"):
        R.max(mg.zeros(0, 3), 1)


def test_argmax_and_argmin_over_all_dims_or_one():
    x = mg.tensor([[1.0, 7.0, 3.0], [9.0, 0.0, 5.0]])
    assert x.argmax().item() == 3 and x.argmin().item() == 4
    np.testing.assert_array_equal(R.argmax(x, 1).numpy(), [1, 0])
    np.testing.assert_array_equal(x.argmin(dim=0, keepdim=True).numpy(), [[0, 1, 0]])


def test_max_of_an_empty_tensor_raises():
    with pytest.raises(ValueError, match=r"\(0, 3\)"):
        R.max(mg.zeros(0, 3))


def test_reduction_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="dim 2"):
        R.sum(mg.zeros(2, 3), axis=2)


def test_logsumexp_is_stable_for_large_and_infinite_values():
    x = mg.tensor(np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [0.0, -np.inf]]),
                  dtype=np.float64)
    out = R.logsumexp(x, axis=1).numpy()
    np.testing.assert_allclose(out, [1000 + np.log(2), -1000 + np.log(2), 0.0], rtol=1e-15)
    everything_minus_inf = mg.tensor(np.full(3, -np.inf))
    assert R.logsumexp(everything_minus_inf).item() == -np.inf


def test_logsumexp_matches_the_naive_formula_on_moderate_values():
    x = np.random.default_rng(0).normal(size=(4, 5)) * 3
    for axis in (None, 0, 1, (0, 1)):
        np.testing.assert_allclose(
            R.logsumexp(mg.tensor(x, dtype=np.float64), axis).numpy(),
            np.log(np.exp(x).sum(axis=axis)), rtol=1e-13)


@given(case=shape_and_axis(), seed=SEEDS)
@GRAD
def test_softmax_and_log_softmax_gradcheck(case, seed):
    shape, axis, _ = case
    axis = 0 if axis is None or isinstance(axis, tuple) else axis
    x = normal(seed, shape)
    assert gradcheck(lambda t: R.softmax(t, axis), [x])
    assert gradcheck(lambda t: R.log_softmax(t, axis), [x])
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    expected = shifted / shifted.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(R.softmax(mg.tensor(x, dtype=np.float64), axis).numpy(),
                               expected, rtol=1e-12)


def test_log_softmax_is_finite_for_huge_logits():
    x = mg.tensor([[1e4, 0.0, -1e4]], dtype=np.float64)
    np.testing.assert_allclose(R.log_softmax(x).numpy(), [[0.0, -1e4, -2e4]])
    assert np.isfinite(R.softmax(mg.tensor([[1e4, 0.0, -1e4]])).numpy()).all()


# ---------------------------------------------------------------- 0-d tensors

def zero_dim_cases():
    """(name, function, inputs) for every operation above, on 0-d inputs."""
    x = np.array(0.7)
    cases = [(f"reduction {n}", fn, [x]) for n, (fn, _, _) in REDUCTIONS.items()]
    cases += [("var correction=0", lambda t: R.var(t, correction=0) + t, [x])]
    return cases


def test_zero_dim_tensors():
    """Every operation on 0-d inputs (NumPy ufuncs return scalars there, not 0-d arrays)."""
    assert_zero_dim_cases_pass(zero_dim_cases())
