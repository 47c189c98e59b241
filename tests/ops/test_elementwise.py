"""minigan.ops.elementwise: gradients by finite differences over drawn shapes, values against NumPy.

Every operation is gradchecked in float64 over shapes that hypothesis draws (broadcasting
pairs); the ones a gradient penalty differentiates are also gradgradchecked. Data is drawn from
a seeded NumPy generator (the seed is drawn by hypothesis), shaped so that no test sits on a
point where the function has no derivative: ties for maximum, zero for abs, the bounds of clip,
non-positive numbers for log/sqrt/pow.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan as mg
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops import elementwise as E

from op_checks import (GRAD, GRADGRAD, SEEDS, SHAPES, assert_zero_dim_cases_pass,
                       normal)

PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def positive(seed, shape):
    return np.random.default_rng(seed).uniform(0.5, 2.0, shape)

def away_from_zero(seed, shape):
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 2.0, shape)

def untied_pair(seed, shape_a, shape_b):
    """a on the grid 0.2 k, b on the grid 0.2 k + 0.1: every broadcast pair differs by >= 0.1."""
    rng = np.random.default_rng(seed)
    return rng.integers(-8, 8, shape_a) * 0.2, rng.integers(-8, 8, shape_b) * 0.2 + 0.1


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
    "maximum": (E.maximum, untied_pair),
    "minimum": (E.minimum, untied_pair),
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
    "exp": (E.exp, normal),
    "log": (E.log, positive),
    "sqrt": (E.sqrt, positive),
    "abs": (E.abs, away_from_zero),
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
    assert gradcheck(lambda t: E.clip(t, low, high), [x])
    np.testing.assert_array_equal(E.clip(mg.tensor(x, dtype=np.float64), low, high).numpy(),
                                  np.clip(x, low, high))


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="clip"):
        E.clip(mg.tensor([1.0]))


def test_maximum_and_minimum_split_a_tie_evenly_like_pytorch():
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    E.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 0.5, 0.0])
    a.grad = b.grad = None
    E.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.5, 1.0])


# ---------------------------------------------------------------- broadcasting

@given(pair=hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=3, max_side=3), seed=SEEDS)
@GRAD
def test_broadcast_to_and_sum_to_gradcheck(pair, seed):
    shape, target = pair.input_shapes[0], pair.result_shape
    x = normal(seed, shape)
    assert gradcheck(lambda t: E.broadcast_to(t, target), [x])
    assert gradcheck(lambda t: E.sum_to(t, shape), [normal(seed, target)])
    assert gradcheck(lambda t: t.expand(*target), [x])
    np.testing.assert_allclose(E.sum_to(mg.tensor(normal(seed, target), dtype=np.float64),
                                        shape).numpy(),
                               _numpy_sum_to(normal(seed, target), shape), rtol=1e-12)


def _numpy_sum_to(array, shape):
    lead = array.ndim - len(shape)
    array = array.sum(axis=tuple(range(lead)))
    return array.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


# ---------------------------------------------------------------- moving between devices, dtypes

def test_to_device_dtype_passes_gradients_back_in_the_source_dtype():
    x = mg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = x.float()
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    assert x.to("cpu") is x
    assert gradcheck(lambda t: E.to_device_dtype(t, "cpu", np.float64) ** 2, [np.ones(3)])


# ---------------------------------------------------------------- 0-d tensors

def zero_dim_cases():
    """(name, function, inputs) for every operation above, on 0-d inputs."""
    x, p, d = np.array(0.7), np.array(1.3), np.array(-0.45)
    cases = [(f"binary {n}", fn, make(0, (), ())) for n, (fn, make) in BINARY.items()]
    cases += [(f"unary {n}", fn, [p if make is positive else d]) for n, (fn, make)
              in SCALAR_FORMS.items()]
    cases += [("clip", lambda t: E.clip(t, -1.0, 1.0), [x])]
    return cases


def test_zero_dim_tensors():
    """Every operation on 0-d inputs (NumPy ufuncs return scalars there, not 0-d arrays)."""
    assert_zero_dim_cases_pass(zero_dim_cases())


# ---------------------------------------------------------------- dtype promotion

PROMOTIONS = [
    # (what, dtype of the tensor t, the operation, the dtype PyTorch gives)
    ("int * float", np.int64, lambda t: t * 2.5, np.float32),
    ("float - int", np.int32, lambda t: 2.5 - t, np.float32),
    ("int / int", np.int64, lambda t: t / 2, np.float32),
    ("int ** float", np.int64, lambda t: t ** 0.5, np.float32),
    ("exp of int", np.int64, lambda t: E.exp(t), np.float32),
    ("int32 * int", np.int32, lambda t: t * 2, np.int32),
    ("bool + int", np.bool_, lambda t: t + 1, np.int64),
    ("bool + bool", np.bool_, lambda t: t + True, np.bool_),
    ("int + float64 tensor", np.int64, lambda t: t + mg.tensor([1.0], dtype=np.float64),
     np.float64),
    ("float32 tensor * int", np.int64, lambda t: mg.tensor([1.0]) * t, np.float32),
    ("maximum(int, float)", np.int32, lambda t: E.maximum(t, 0.5), np.float32),
]


@pytest.mark.parametrize("what, dtype, op, expected", PROMOTIONS, ids=[p[0] for p in PROMOTIONS])
def test_integer_and_floating_operands_promote_as_pytorch_does(what, dtype, op, expected):
    t = mg.tensor(np.array([1, 0, 1], dtype=dtype))
    out = op(t)
    assert out.dtype == expected
    # The values are those of the same operation in float64, cast to the dtype of the result.
    reference = op(mg.tensor(np.array([1, 0, 1]), dtype=np.float64))
    np.testing.assert_allclose(out.numpy(), reference.numpy().astype(expected), rtol=1e-6)


def test_a_float_tensor_keeps_its_dtype_with_numbers_and_integer_tensors():
    x = mg.tensor([1.0, 2.0])  # float32
    for y in (x * 2, x / 3, x + mg.tensor([1, 2]), mg.tensor([1, 2]) - x, x ** 2, E.exp(x)):
        assert y.dtype == np.float32
