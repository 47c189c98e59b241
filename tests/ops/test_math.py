"""minigan.ops.math: gradients by finite differences over drawn shapes, values against NumPy.

Every operation is gradchecked in float64 over shapes that hypothesis draws (broadcasting pairs,
axes, keepdims, indices). The ones a gradient penalty differentiates are also gradgradchecked.
Data is drawn from a seeded NumPy generator (the seed is drawn by hypothesis), shaped so that no
test sits on a point where the function has no derivative: ties for maximum/max, zero for abs,
the bounds of clip, non-positive numbers for log/sqrt/pow.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan as mg
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops import math as M

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY_DIMS = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
TRIPLES = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)

GRAD = settings(max_examples=25, deadline=None)
GRADGRAD = settings(max_examples=15, deadline=None)


def normal(seed, shape):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, shape)


def positive(seed, shape):
    return np.random.default_rng(seed).uniform(0.5, 2.0, shape)


def away_from_zero(seed, shape):
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 2.0, shape)


def distinct(seed, shape):
    """Values at least 0.1 apart, so a maximum has a single winner."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * 0.1 + rng.uniform(0, 0.01)).reshape(shape)


def untied_pair(seed, shape_a, shape_b):
    """a on the grid 0.2 k, b on the grid 0.2 k + 0.1: every broadcast pair differs by >= 0.1."""
    rng = np.random.default_rng(seed)
    return rng.integers(-8, 8, shape_a) * 0.2, rng.integers(-8, 8, shape_b) * 0.2 + 0.1


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


# ---------------------------------------------------------------- elementwise, two operands

def _pos_pair(seed, sa, sb):
    return positive(seed, sa), normal(seed + 1, sb)


BINARY = {
    # name: (function of two Tensors, data maker)
    "add": (lambda a, b: a + b, lambda s, sa, sb: (normal(s, sa), normal(s + 1, sb))),
    "sub": (lambda a, b: a - b, lambda s, sa, sb: (normal(s, sa), normal(s + 1, sb))),
    "mul": (lambda a, b: a * b, lambda s, sa, sb: (normal(s, sa), normal(s + 1, sb))),
    "div": (lambda a, b: a / b, lambda s, sa, sb: (normal(s, sa), positive(s + 1, sb))),
    "pow": (lambda a, b: a ** b, _pos_pair),
    "maximum": (M.maximum, untied_pair),
    "minimum": (M.minimum, untied_pair),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(pair=PAIRS, seed=SEEDS)
@GRAD
def test_binary_gradcheck_over_broadcasting_pairs(name, pair, seed):
    fn, make = BINARY[name]
    a, b = make(seed, *pair.input_shapes)
    assert gradcheck(fn, [a, b])


@pytest.mark.parametrize("name", ["add", "mul", "div", "pow"])
@given(pair=PAIRS, seed=SEEDS)
@GRADGRAD
def test_binary_gradgradcheck(name, pair, seed):
    fn, make = BINARY[name]
    a, b = make(seed, *pair.input_shapes)
    assert gradgradcheck(fn, [a, b])


@pytest.mark.parametrize("name", sorted(BINARY))
@given(pair=PAIRS, seed=SEEDS)
@settings(max_examples=15, deadline=None)
def test_binary_values_and_shapes_match_numpy(name, pair, seed):
    fn, make = BINARY[name]
    a, b = make(seed, *pair.input_shapes)
    reference = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
                 "pow": np.power, "maximum": np.maximum, "minimum": np.minimum}[name]
    out = fn(mg.tensor(a, dtype=np.float64), mg.tensor(b, dtype=np.float64))
    assert out.shape == pair.result_shape
    np.testing.assert_allclose(out.numpy(), reference(a, b), rtol=1e-12, atol=0)


SCALAR_FORMS = {
    # Python numbers on either side of an operator become constants of the input's dtype.
    "x + 2": (lambda x: x + 2.0, normal),
    "2 + x": (lambda x: 2.0 + x, normal),
    "x - 2": (lambda x: x - 2.0, normal),
    "2 - x": (lambda x: 2.0 - x, normal),
    "3 * x": (lambda x: 3.0 * x, normal),
    "x / 3": (lambda x: x / 3.0, normal),
    "3 / x": (lambda x: 3.0 / x, positive),
    "x ** 2": (lambda x: x ** 2, normal),
    "x ** 3": (lambda x: x ** 3, normal),
    "x ** 0.5": (lambda x: x ** 0.5, positive),
    "x ** -1.5": (lambda x: x ** -1.5, positive),
    "2 ** x": (lambda x: 2.0 ** x, normal),
    "-x": (lambda x: -x, normal),
    "exp": (M.exp, normal),
    "log": (M.log, positive),
    "sqrt": (M.sqrt, positive),
    "abs": (M.abs, away_from_zero),
}


@pytest.mark.parametrize("name", sorted(SCALAR_FORMS))
@given(shape=SHAPES, seed=SEEDS)
@GRAD
def test_unary_gradcheck(name, shape, seed):
    fn, make = SCALAR_FORMS[name]
    assert gradcheck(fn, [make(seed, shape)])


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "x ** 2", "x ** 3", "x ** 0.5", "x ** -1.5",
                                  "2 ** x", "3 / x", "abs"])
@given(shape=SHAPES, seed=SEEDS)
@GRADGRAD
def test_unary_gradgradcheck(name, shape, seed):
    fn, make = SCALAR_FORMS[name]
    assert gradgradcheck(fn, [make(seed, shape)])


@given(shape=SHAPES, seed=SEEDS, low=st.sampled_from([-1.05, None]),
       high=st.sampled_from([0.95, None]))
@GRAD
def test_clip_gradcheck_away_from_the_bounds(shape, seed, low, high):
    assume(low is not None or high is not None)
    # Values on the grid 0.1 k + 0.03 never come within 0.02 of the bounds -1.05 and 0.95.
    x = np.random.default_rng(seed).integers(-20, 20, shape) * 0.1 + 0.03
    assert gradcheck(lambda t: M.clip(t, low, high), [x])
    np.testing.assert_array_equal(M.clip(mg.tensor(x, dtype=np.float64), low, high).numpy(),
                                  np.clip(x, low, high))


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="clip"):
        M.clip(mg.tensor([1.0]))


@given(triple=TRIPLES, seed=SEEDS)
@GRAD
def test_where_gradcheck_with_a_broadcast_condition(triple, seed):
    shape_c, shape_a, shape_b = triple.input_shapes
    condition = np.random.default_rng(seed).random(shape_c) < 0.5
    a, b = normal(seed, shape_a), normal(seed + 1, shape_b)
    assert gradcheck(lambda x, y: M.where(condition, x, y), [a, b])
    out = M.where(mg.tensor(condition), mg.tensor(a, dtype=np.float64),
                  mg.tensor(b, dtype=np.float64))
    np.testing.assert_array_equal(out.numpy(), np.where(condition, a, b))


@given(triple=TRIPLES, seed=SEEDS)
@GRADGRAD
def test_where_gradgradcheck(triple, seed):
    shape_c, shape_a, shape_b = triple.input_shapes
    condition = np.random.default_rng(seed).random(shape_c) < 0.5
    a, b = normal(seed, shape_a), normal(seed + 1, shape_b)
    assert gradgradcheck(lambda x, y: M.where(condition, x, y) * x, [a, b])


def test_maximum_and_minimum_split_a_tie_evenly_like_pytorch():
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    M.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 0.5, 0.0])
    a.grad = b.grad = None
    M.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.5, 1.0])


# ---------------------------------------------------------------- matrix product

@st.composite
def matmul_shapes(draw):
    """Operand shapes NumPy's matmul accepts: broadcast batch dimensions, 1-D vectors."""
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2))
    n, k, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    a_vector, b_vector = draw(st.booleans()), draw(st.booleans())
    a = (k,) if a_vector else batch.input_shapes[0] + (n, k)
    b = (k,) if b_vector else batch.input_shapes[1] + (k, m)
    return a, b


@given(shapes=matmul_shapes(), seed=SEEDS)
@GRAD
def test_matmul_gradcheck(shapes, seed):
    a, b = normal(seed, shapes[0]), normal(seed + 1, shapes[1])
    assert gradcheck(M.matmul, [a, b])
    out = mg.tensor(a, dtype=np.float64) @ mg.tensor(b, dtype=np.float64)
    expected = a @ b
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4),
       transposed=st.tuples(st.booleans(), st.booleans()), seed=SEEDS)
@GRAD
def test_matmul_of_column_major_operands_gradcheck(n, k, m, transposed, seed):
    # A transposed view (a linear layer's weight, a flattened convolution output) is
    # column-major; its gradient is built in that order, a separate path in MatMul's backward.
    def operand(shape, flip, seed):
        return normal(seed, shape[::-1]).T if flip else normal(seed, shape)
    a, b = operand((n, k), transposed[0], seed), operand((k, m), transposed[1], seed + 1)
    assert gradcheck(M.matmul, [a, b])


def test_matmul_gradient_takes_the_memory_order_of_its_operand():
    a = mg.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    column_major = M.permute(a, (1, 0))               # (3, 4)
    b = mg.tensor(np.arange(8.0).reshape(4, 2))
    (grad,) = mg.autograd.grad((column_major @ b).sum(), [column_major])
    np.testing.assert_array_equal(grad.numpy(), np.ones((3, 2)) @ b.numpy().T)
    assert grad.numpy().T.flags.c_contiguous


@given(shapes=matmul_shapes(), seed=SEEDS)
@GRADGRAD
def test_matmul_gradgradcheck(shapes, seed):
    a, b = normal(seed, shapes[0]), normal(seed + 1, shapes[1])
    assert gradgradcheck(M.matmul, [a, b])


# ---------------------------------------------------------------- reductions

REDUCTIONS = {
    # name: (minigan op, NumPy reference, data maker)
    "sum": (M.sum, np.sum, normal),
    "mean": (M.mean, np.mean, normal),
    "max": (M.max, np.max, distinct),
    "min": (M.min, np.min, distinct),
    "logsumexp": (M.logsumexp, lambda x, axis, keepdims: np.log(np.sum(
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


@pytest.mark.parametrize("op", [M.var, M.std], ids=["var", "std"])
@pytest.mark.parametrize("correction", [0, 1])
@given(case=shape_and_axis(), seed=SEEDS)
@GRAD
def test_var_and_std_gradcheck_and_match_numpy_ddof(op, correction, case, seed):
    shape, axis, keepdims = case
    assume(reduced_count(shape, axis) > correction)
    assume(op is M.var or reduced_count(shape, axis) > 1)  # std of one value: sqrt at 0
    x = distinct(seed, shape)
    assert gradcheck(lambda t: op(t, axis, keepdims, correction), [x])
    reference = np.var if op is M.var else np.std
    expected = reference(x, axis=axis, keepdims=keepdims, ddof=correction)
    out = op(mg.tensor(x, dtype=np.float64), axis, keepdims, correction)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)


@given(case=shape_and_axis(), seed=SEEDS)
@GRADGRAD
def test_var_gradgradcheck(case, seed):
    shape, axis, keepdims = case
    assume(reduced_count(shape, axis) > 1)
    assert gradgradcheck(lambda t: M.var(t, axis, keepdims), [normal(seed, shape)])


def test_var_defaults_to_bessel_correction_like_pytorch():
    x = mg.tensor([1.0, 2.0, 3.0, 4.0])
    assert M.var(x).item() == pytest.approx(np.var([1, 2, 3, 4], ddof=1))
    assert x.var(correction=0).item() == pytest.approx(1.25)
    assert x.std().item() == pytest.approx(np.std([1, 2, 3, 4], ddof=1))


def test_max_splits_the_gradient_among_ties_like_amax():
    x = mg.tensor([[1.0, 3.0, 3.0], [5.0, 5.0, 5.0]], requires_grad=True)
    M.max(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.grad = None
    M.min(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1, 0, 0], [0, 0, 0]])


def test_max_of_an_empty_tensor_raises():
    with pytest.raises(ValueError, match=r"\(0, 3\)"):
        M.max(mg.zeros(0, 3))


def test_reduction_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="axis 2"):
        M.sum(mg.zeros(2, 3), axis=2)


def test_logsumexp_is_stable_for_large_and_infinite_values():
    x = mg.tensor(np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [0.0, -np.inf]]),
                  dtype=np.float64)
    out = M.logsumexp(x, axis=1).numpy()
    np.testing.assert_allclose(out, [1000 + np.log(2), -1000 + np.log(2), 0.0], rtol=1e-15)
    everything_minus_inf = mg.tensor(np.full(3, -np.inf))
    assert M.logsumexp(everything_minus_inf).item() == -np.inf


def test_logsumexp_matches_the_naive_formula_on_moderate_values():
    x = np.random.default_rng(0).normal(size=(4, 5)) * 3
    for axis in (None, 0, 1, (0, 1)):
        np.testing.assert_allclose(
            M.logsumexp(mg.tensor(x, dtype=np.float64), axis).numpy(),
            np.log(np.exp(x).sum(axis=axis)), rtol=1e-13)


@given(case=shape_and_axis(), seed=SEEDS)
@GRAD
def test_softmax_and_log_softmax_gradcheck(case, seed):
    shape, axis, _ = case
    axis = 0 if axis is None or isinstance(axis, tuple) else axis
    x = normal(seed, shape)
    assert gradcheck(lambda t: M.softmax(t, axis), [x])
    assert gradcheck(lambda t: M.log_softmax(t, axis), [x])
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    expected = shifted / shifted.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(M.softmax(mg.tensor(x, dtype=np.float64), axis).numpy(),
                               expected, rtol=1e-12)


def test_log_softmax_is_finite_for_huge_logits():
    x = mg.tensor([[1e4, 0.0, -1e4]], dtype=np.float64)
    np.testing.assert_allclose(M.log_softmax(x).numpy(), [[0.0, -1e4, -2e4]])
    assert np.isfinite(M.softmax(mg.tensor([[1e4, 0.0, -1e4]])).numpy()).all()


# ---------------------------------------------------------------- shapes

@st.composite
def reshape_case(draw):
    shape = draw(SHAPES)
    n = int(np.prod(shape))
    # A new shape with the same count: a factorisation of n in a drawn order, maybe with a -1.
    target, rest = [], n
    for f in draw(st.permutations([2, 3, 2, 3, 2, 3])):
        if rest % f == 0 and draw(st.booleans()):
            target.append(f)
            rest //= f
    target.append(rest)
    target = draw(st.permutations(target))
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return shape, tuple(target)


@given(case=reshape_case(), seed=SEEDS)
@GRAD
def test_reshape_gradcheck(case, seed):
    shape, target = case
    x = normal(seed, shape)
    assert gradcheck(lambda t: M.reshape(t, target) * M.reshape(t, target), [x])
    assert M.reshape(mg.tensor(x), target).shape == x.reshape(target).shape


@given(case=reshape_case(), seed=SEEDS)
@GRADGRAD
def test_reshape_gradgradcheck(case, seed):
    shape, target = case
    assert gradgradcheck(lambda t: M.reshape(t, target) ** 3, [normal(seed, shape)])


@given(data=st.data(), seed=SEEDS)
@GRAD
def test_reshape_of_a_view_in_another_memory_order_gradcheck(data, seed):
    # Flattening a convolution's batch-last output is a reshape of such a view: its gradient is
    # built in the view's memory order (a separate path in Reshape's backward).
    shape = data.draw(NONEMPTY_DIMS)
    order = tuple(data.draw(st.permutations(range(len(shape)))))
    weights = normal(seed + 1, (int(np.prod(shape)),))
    assert gradcheck(lambda t: M.reshape(M.permute(t, order), (-1,)) * weights,
                     [normal(seed, shape)])


def test_reshape_gradient_takes_the_memory_order_of_its_input():
    t = mg.tensor(np.arange(24.0).reshape(4, 3, 2), requires_grad=True)
    view = M.permute(t, (2, 0, 1))                    # (2, 4, 3), not C-contiguous
    flat = M.reshape(view, (2, 12))
    (grad,) = mg.autograd.grad((flat * mg.tensor(np.arange(24.0).reshape(2, 12))).sum(), [view])
    np.testing.assert_array_equal(grad.numpy(), np.arange(24.0).reshape(2, 4, 3))
    strides_order = lambda a: np.argsort(a.strides)  # noqa: E731
    np.testing.assert_array_equal(strides_order(grad.numpy()), strides_order(view.numpy()))


@given(data=st.data(), seed=SEEDS)
@GRAD
def test_permute_transpose_T_gradcheck(data, seed):
    shape = data.draw(NONEMPTY_DIMS)
    ndim = len(shape)
    order = tuple(data.draw(st.permutations(range(ndim))))
    dim0, dim1 = data.draw(st.integers(-ndim, ndim - 1)), data.draw(st.integers(-ndim, ndim - 1))
    x = normal(seed, shape)
    weights = normal(seed + 1, shape)  # breaks the symmetry a plain sum would have
    assert gradcheck(lambda t: M.permute(t * weights, order), [x])
    assert gradcheck(lambda t: M.transpose(t * weights, dim0, dim1), [x])
    assert gradcheck(lambda t: (t * weights).T, [x])
    np.testing.assert_array_equal(M.permute(mg.tensor(x), order).numpy(),
                                  x.astype(np.float32).transpose(order))
    np.testing.assert_array_equal(mg.tensor(x).T.numpy(), x.astype(np.float32).T)
    np.testing.assert_array_equal(M.transpose(mg.tensor(x), dim0, dim1).numpy(),
                                  np.swapaxes(x.astype(np.float32), dim0, dim1))


@given(data=st.data(), seed=SEEDS)
@GRAD
def test_flatten_unsqueeze_squeeze_gradcheck(data, seed):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=2))
    ndim = len(shape)
    start = data.draw(st.integers(0, ndim - 1))
    end = data.draw(st.integers(start, ndim - 1))
    new_axis = data.draw(st.integers(-ndim - 1, ndim))
    x = normal(seed, shape)
    weights = normal(seed + 1, shape)
    flat = x.reshape(shape[:start] + (-1,) + shape[end + 1:])
    assert M.flatten(mg.tensor(x), start, end).shape == flat.shape
    assert M.unsqueeze(mg.tensor(x), new_axis).shape == np.expand_dims(x, new_axis).shape
    assert M.squeeze(mg.tensor(x)).shape == np.squeeze(x).shape
    assert gradcheck(lambda t: M.flatten(t * weights, start, end), [x])
    assert gradcheck(lambda t: M.unsqueeze(t * weights, new_axis), [x])
    assert gradcheck(lambda t: M.squeeze(t * weights), [x])
    assert gradcheck(lambda t: M.squeeze(M.unsqueeze(t * weights, new_axis), new_axis), [x])


@given(pair=hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=3, max_side=3), seed=SEEDS)
@GRAD
def test_broadcast_to_and_sum_to_gradcheck(pair, seed):
    shape, target = pair.input_shapes[0], pair.result_shape
    x = normal(seed, shape)
    assert gradcheck(lambda t: M.broadcast_to(t, target), [x])
    assert gradcheck(lambda t: M.sum_to(t, shape), [normal(seed, target)])
    assert gradcheck(lambda t: t.expand(*target), [x])
    np.testing.assert_allclose(M.sum_to(mg.tensor(normal(seed, target), dtype=np.float64),
                                        shape).numpy(),
                               _numpy_sum_to(normal(seed, target), shape), rtol=1e-12)


def _numpy_sum_to(array, shape):
    lead = array.ndim - len(shape)
    array = array.sum(axis=tuple(range(lead)))
    return array.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


def test_to_device_dtype_passes_gradients_back_in_the_source_dtype():
    x = mg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = x.float()
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    assert x.to("cpu") is x
    assert gradcheck(lambda t: M.to_device_dtype(t, "cpu", np.float64) ** 2, [np.ones(3)])


# ---------------------------------------------------------------- indexing

@st.composite
def index_case(draw):
    """A shape and an index into it: basic, integer arrays with repeats, a mask, or a mixture."""
    shape = draw(NONEMPTY_DIMS)
    kind = draw(st.sampled_from(["basic", "integer", "first_axis_integer", "mask", "mixed"]))
    if kind == "basic":
        index = draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True,
                                       allow_ellipsis=True))
    elif kind == "integer":
        index = draw(hnp.integer_array_indices(
            shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)))
    elif kind == "first_axis_integer":  # x[[0, 0, 2]]: repeated rows must add their gradients
        index = np.array(draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1,
                                       max_size=5)))
    elif kind == "mask":
        dims = draw(st.integers(1, len(shape)))
        index = draw(hnp.arrays(np.bool_, shape[:dims]))
    else:
        assume(len(shape) >= 2)
        rows = np.array(draw(st.lists(st.integers(0, shape[1] - 1), min_size=1, max_size=4)))
        index = (slice(None, None, draw(st.sampled_from([1, -1]))), rows)
    return shape, index


@given(case=index_case(), seed=SEEDS)
@settings(max_examples=40, deadline=None)
def test_getitem_gradcheck(case, seed):
    shape, index = case
    x = normal(seed, shape)
    assert gradcheck(lambda t: t[index], [x])
    np.testing.assert_array_equal(mg.tensor(x, dtype=np.float64)[index].numpy(), x[index])


@given(case=index_case(), seed=SEEDS)
@GRADGRAD
def test_getitem_gradgradcheck(case, seed):
    shape, index = case
    assert gradgradcheck(lambda t: t[index] * t[index], [normal(seed, shape)])


def test_repeated_integer_indices_add_their_gradients():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_indexing_with_a_tensor_index_and_a_tensor_mask():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x[mg.tensor([1, 1])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0], [2, 2]])
    x.grad = None
    x[x > 2.5].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0], [1, 1]])


# ---------------------------------------------------------------- joining

@st.composite
def concat_case(draw):
    shape = draw(NONEMPTY_DIMS)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    shapes = [shape[:axis % len(shape)] + (n,) + shape[axis % len(shape) + 1:] for n in sizes]
    return shapes, axis


@given(case=concat_case(), seed=SEEDS)
@GRAD
def test_concat_gradcheck(case, seed):
    shapes, axis = case
    xs = [normal(seed + i, s) for i, s in enumerate(shapes)]
    assert gradcheck(lambda *ts: M.concat(ts, axis), xs)
    np.testing.assert_array_equal(
        M.cat([mg.tensor(x, dtype=np.float64) for x in xs], axis).numpy(),
        np.concatenate(xs, axis))


@given(case=concat_case(), seed=SEEDS)
@GRADGRAD
def test_concat_gradgradcheck(case, seed):
    shapes, axis = case
    xs = [normal(seed + i, s) for i, s in enumerate(shapes)]
    assert gradgradcheck(lambda *ts: M.concat([t * t for t in ts], axis), xs)


@given(shape=SHAPES, count=st.integers(1, 3), data=st.data(), seed=SEEDS)
@GRAD
def test_stack_gradcheck(shape, count, data, seed):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    xs = [normal(seed + i, shape) for i in range(count)]
    assert gradcheck(lambda *ts: M.stack(ts, axis), xs)
    np.testing.assert_array_equal(
        M.stack([mg.tensor(x, dtype=np.float64) for x in xs], axis).numpy(), np.stack(xs, axis))


def test_concat_and_stack_reject_mismatched_shapes_naming_them():
    with pytest.raises(ValueError, match=r"\(2, 4\).*\(2, 3\)"):
        M.concat([mg.zeros(2, 3), mg.zeros(2, 4)], axis=0)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        M.stack([mg.zeros(2, 3), mg.zeros(3, 2)])
    with pytest.raises(ValueError):
        M.concat([])


def test_concat_gives_no_gradient_to_a_constant_input():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0])
    M.concat([b, a]).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])
    assert b.grad is None


# ---------------------------------------------------------------- 0-d tensors

def zero_dim_cases():
    """(name, function, inputs) for every operation above, on 0-d inputs."""
    x, p, d = np.array(0.7), np.array(1.3), np.array(-0.45)
    cases = [(f"binary {n}", fn, make(0, (), ())) for n, (fn, make) in BINARY.items()]
    cases += [(f"unary {n}", fn, [p if make is positive else d]) for n, (fn, make)
              in SCALAR_FORMS.items()]
    cases += [(f"reduction {n}", fn, [x]) for n, (fn, _, _) in REDUCTIONS.items()]
    cases += [
        ("var correction=0", lambda t: M.var(t, correction=0) + t, [x]),
        ("clip", lambda t: M.clip(t, -1.0, 1.0), [x]),
        ("where", lambda a, b: M.where(np.array(True), a, b), [x, d]),
        ("reshape", lambda t: M.reshape(t, (1, 1)), [x]),
        ("getitem", lambda t: t[None][0], [x]),
        ("getitem of one element, squared", lambda t: t[1] * t[1], [np.ones(2)]),
        ("stack", lambda a, b: M.stack([a, b]), [x, d]),
        ("matmul of vectors", lambda a, b: M.matmul(a, b), [np.ones(2), np.ones(2)]),
    ]
    return cases


def test_zero_dim_tensors():
    """Every operation on 0-d inputs (NumPy ufuncs return scalars there, not 0-d arrays)."""
    failures = []
    for name, fn, inputs in zero_dim_cases():
        for check in (gradcheck, gradgradcheck):
            try:
                check(fn, inputs)
            except Exception as error:  # collect them all: the message lists every broken op
                failures.append(f"{check.__name__} {name}: {type(error).__name__}")
    assert not failures, "\n".join(failures)
