"""minigan.autograd.gradcheck: it passes correct gradients and catches wrong ones, naming where.

The last test shows why every ``backward`` must be written with Tensor operations: a backward
on raw arrays gives the right first derivative, so gradcheck passes, but its gradient is a
constant of the graph, so the second derivative (what WGAN-GP's penalty needs) is wrong, and
gradgradcheck says so.
"""
import numpy as np
import pytest

import minigan as mg
from minigan.autograd import Function, Tensor
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops import math as M


class DoubledIdentity(Function):
    """f(x) = x with a wrong backward (2 g)."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g * 2.0


class WrongLastElement(Function):
    """f(x) = 3 x whose backward forgets the last element."""

    @staticmethod
    def forward(ctx, x):
        return 3 * x

    @staticmethod
    def backward(ctx, g):
        mask = np.ones(ctx.inputs[0].shape)
        mask.reshape(-1)[-1] = 0
        return g * 3.0 * Tensor(mask)


class SquareOnRawArrays(Function):
    """f(x) = x^2 with a backward that breaks the RULE: 2 x taken from the raw array."""

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, g):
        return g * Tensor(2 * ctx.inputs[0].data)  # a constant: d/dx of it is lost


class Square(Function):
    """The same function written by the RULE."""

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, g):
        return g * ctx.inputs[0] * 2.0


def x_23():
    return np.random.default_rng(0).normal(size=(2, 3))


def test_gradcheck_returns_true_on_correct_operations():
    a, b = x_23(), np.random.default_rng(1).normal(size=(3, 4))
    assert gradcheck(lambda x, y: mg.tanh(x @ y), [a, b]) is True
    assert gradgradcheck(lambda x, y: mg.tanh(x @ y), [a, b]) is True
    assert gradcheck(Square.apply, [a]) is True
    assert gradgradcheck(Square.apply, [a]) is True


def test_gradcheck_raises_naming_the_input_and_the_element():
    pattern = r"input 0 \(shape \(2, 3\)\), element \(\d, \d\).*6 of 6 elements off"
    with pytest.raises(AssertionError, match=pattern):
        gradcheck(DoubledIdentity.apply, [x_23()])
    assert gradcheck(DoubledIdentity.apply, [x_23()], raise_exception=False) is False


def test_gradcheck_finds_a_single_wrong_element_of_the_second_input():
    a, b = x_23(), np.random.default_rng(1).normal(size=(2, 3))
    with pytest.raises(AssertionError, match=r"input 1 .*element \(1, 2\).*1 of 6 elements off"):
        gradcheck(lambda x, y: x * WrongLastElement.apply(y), [a, b])


def test_gradcheck_passes_non_float_inputs_through_and_leaves_inputs_untouched():
    a = x_23()
    before = a.copy()
    index = np.array([1, 1, 0])
    assert gradcheck(lambda x, i: x[i] * x[i], [a, index])
    np.testing.assert_array_equal(a, before)
    with pytest.raises(ValueError, match="no floating-point input"):
        gradcheck(lambda i: mg.tensor(i) * 1.0, [index])


def test_gradcheck_rejects_a_function_that_returns_no_tensor():
    with pytest.raises(TypeError, match="Tensor"):
        gradcheck(lambda x: x.numpy(), [x_23()])


def test_gradcheck_accepts_float32_tensors_and_checks_them_in_float64():
    x = mg.tensor(x_23())  # float32
    assert x.dtype == np.float32
    assert gradcheck(lambda t: M.exp(t) * t, [x])


def test_gradgradcheck_catches_a_backward_on_raw_arrays():
    x = x_23()
    assert gradcheck(SquareOnRawArrays.apply, [x])  # the first derivative is right...
    with pytest.raises(AssertionError, match="input 0"):  # ...the second is not
        gradgradcheck(SquareOnRawArrays.apply, [x])
    assert gradgradcheck(Square.apply, [x])


def test_gradgradcheck_catches_a_wrong_first_derivative_too():
    with pytest.raises(AssertionError):
        gradgradcheck(lambda t: DoubledIdentity.apply(t) * t, [x_23()])


def test_fn_may_return_a_tuple_and_each_output_is_checked():
    a, b = x_23(), np.random.default_rng(1).normal(size=(2, 3))
    assert gradcheck(lambda x, y: (x * y, M.exp(y)), [a, b])
    assert gradgradcheck(lambda x, y: (x * y, M.exp(y) * x), [a, b])
    # A wrong gradient in the second output alone is found.
    with pytest.raises(AssertionError, match=r"input 1 .*element \(1, 2\)"):
        gradcheck(lambda x, y: (x * 2.0, WrongLastElement.apply(y)), [a, b])


def test_the_checks_are_functions_of_minigan_autograd_as_in_torch():
    from minigan import autograd
    from minigan import gradcheck as module

    assert autograd.gradcheck is gradcheck and autograd.gradgradcheck is gradgradcheck
    assert module.gradcheck is gradcheck  # minigan.gradcheck, the older name, still imports
    assert mg.autograd.gradcheck(Square.apply, [x_23()]) is True
