"""minigan.autograd.Function: what a new operation may rely on when it is applied."""
import numpy as np
import pytest

import minigan as mg
from minigan import backend
from minigan.autograd import Function, Tensor
from minigan.ops import math as M


def leaf(values, dtype=np.float64):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype=dtype, requires_grad=True)


def test_a_function_may_take_none_for_an_absent_input():
    class AddBias(Function):
        @staticmethod
        def forward(ctx, x, bias):
            return x if bias is None else x + bias

        @staticmethod
        def backward(ctx, g):
            return g, (None if ctx.inputs[1] is None else g)

    x = leaf([1.0, 2.0])
    AddBias.apply(x, None).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_operations_between_two_devices_raise(monkeypatch):
    class FakeGPUArray(np.ndarray):
        """A NumPy array that minigan is told lives on another device."""

    real_device_of = backend.device_of
    monkeypatch.setattr(backend, "device_of", lambda array: "cuda" if isinstance(
        array, FakeGPUArray) else real_device_of(array))
    here = mg.tensor([1.0, 2.0])
    there = Tensor(np.array([1.0, 2.0], dtype=np.float32).view(FakeGPUArray))
    assert there.device == "cuda"
    with pytest.raises(RuntimeError, match="cpu.*cuda"):
        here + there
    with pytest.raises(RuntimeError, match="cpu.*cuda"):
        M.concat([here, there])


def test_what_the_docstring_says_differs_from_torch():
    """forward sees arrays, options arrive as keywords and get no gradient, ctx.inputs is kept."""
    seen = {}

    class Scale(Function):
        @staticmethod
        def forward(ctx, x, factor):
            seen["forward"] = type(x)
            return x * factor

        @staticmethod
        def backward(ctx, g):
            seen["backward"] = (type(g), ctx.inputs, ctx.output.shape)
            return g * 3.0  # one gradient: for x alone, none for the option

    x = mg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = Scale.apply(x, factor=3.0)
    y.sum().backward()
    assert seen["forward"] is np.ndarray
    grad_type, inputs, output_shape = seen["backward"]
    assert grad_type is Tensor and len(inputs) == 1 and inputs[0] is x and output_shape == (2,)
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
