"""minigan.ops.indexing: x[index], cat/stack and where, by finite differences.

Indices are drawn of every kind (basic, integer arrays with repeats, masks, mixtures): repeated
indices must add their gradients. Joining is checked along every axis, and ``where`` over a
broadcast condition.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan as mg
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops import indexing as I

from op_checks import (GRAD, GRADGRAD, NONEMPTY_DIMS, SEEDS, SHAPES,
                       assert_zero_dim_cases_pass, normal)

TRIPLES = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)


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
    assert gradcheck(lambda *ts: I.concat(ts, axis), xs)
    np.testing.assert_array_equal(
        I.cat([mg.tensor(x, dtype=np.float64) for x in xs], axis).numpy(),
        np.concatenate(xs, axis))


@given(case=concat_case(), seed=SEEDS)
@GRADGRAD
def test_concat_gradgradcheck(case, seed):
    shapes, axis = case
    xs = [normal(seed + i, s) for i, s in enumerate(shapes)]
    assert gradgradcheck(lambda *ts: I.concat([t * t for t in ts], axis), xs)


@given(shape=SHAPES, count=st.integers(1, 3), data=st.data(), seed=SEEDS)
@GRAD
def test_stack_gradcheck(shape, count, data, seed):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    xs = [normal(seed + i, shape) for i in range(count)]
    assert gradcheck(lambda *ts: I.stack(ts, axis), xs)
    np.testing.assert_array_equal(
        I.stack([mg.tensor(x, dtype=np.float64) for x in xs], axis).numpy(), np.stack(xs, axis))


def test_concat_and_stack_reject_mismatched_shapes_naming_them():
    with pytest.raises(ValueError, match=r"\(2, 4\).*\(2, 3\)"):
        I.concat([mg.zeros(2, 3), mg.zeros(2, 4)], axis=0)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        I.stack([mg.zeros(2, 3), mg.zeros(3, 2)])
    with pytest.raises(ValueError):
        I.concat([])


def test_concat_gives_no_gradient_to_a_constant_input():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0])
    I.concat([b, a]).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])
    assert b.grad is None


# ---------------------------------------------------------------- where

@given(triple=TRIPLES, seed=SEEDS)
@GRAD
def test_where_gradcheck_with_a_broadcast_condition(triple, seed):
    shape_c, shape_a, shape_b = triple.input_shapes
    condition = np.random.default_rng(seed).random(shape_c) < 0.5
    a, b = normal(seed, shape_a), normal(seed + 1, shape_b)
    assert gradcheck(lambda x, y: I.where(condition, x, y), [a, b])
    out = I.where(mg.tensor(condition), mg.tensor(a, dtype=np.float64),
                  mg.tensor(b, dtype=np.float64))
    np.testing.assert_array_equal(out.numpy(), np.where(condition, a, b))


@given(triple=TRIPLES, seed=SEEDS)
@GRADGRAD
def test_where_gradgradcheck(triple, seed):
    shape_c, shape_a, shape_b = triple.input_shapes
    condition = np.random.default_rng(seed).random(shape_c) < 0.5
    a, b = normal(seed, shape_a), normal(seed + 1, shape_b)
    assert gradgradcheck(lambda x, y: I.where(condition, x, y) * x, [a, b])


# ---------------------------------------------------------------- 0-d tensors

def zero_dim_cases():
    """(name, function, inputs) for every operation above, on 0-d inputs."""
    x, d = np.array(0.7), np.array(-0.45)
    return [
        ("where", lambda a, b: I.where(np.array(True), a, b), [x, d]),
        ("getitem", lambda t: t[None][0], [x]),
        ("getitem of one element, squared", lambda t: t[1] * t[1], [np.ones(2)]),
        ("stack", lambda a, b: I.stack([a, b]), [x, d]),
    ]


def test_zero_dim_tensors():
    """Every operation on 0-d inputs (NumPy ufuncs return scalars there, not 0-d arrays)."""
    assert_zero_dim_cases_pass(zero_dim_cases())
