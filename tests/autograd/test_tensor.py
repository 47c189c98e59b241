"""minigan.autograd.Tensor and minigan.tensor: dtypes, what may require grad, comparisons."""
import numpy as np
import pytest

import minigan as mg
from minigan.autograd import Tensor
from minigan.ops import math as M


def test_only_floating_tensors_can_require_grad():
    with pytest.raises(TypeError, match="floating"):
        mg.tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(TypeError, match="floating"):
        mg.tensor([1, 2, 3]).requires_grad_()
    with pytest.raises(TypeError):
        Tensor([1.0, 2.0])  # a list is not an array: mg.tensor converts, Tensor wraps


# ---------------------------------------------------------------- dtypes

def test_float_data_becomes_float32_and_integers_stay_integers():
    assert mg.tensor(np.zeros(3, dtype=np.float64)).dtype == np.float32
    assert mg.tensor([1.5, 2.5]).dtype == np.float32
    assert mg.tensor(2.5).dtype == np.float32
    assert mg.tensor(np.zeros(3, dtype=np.float64), dtype=np.float64).dtype == np.float64
    assert mg.tensor(np.arange(3)).dtype == np.arange(3).dtype
    assert mg.tensor([1, 2]).dtype.kind == "i"
    assert mg.tensor([True, False]).dtype == np.bool_


def test_python_numbers_and_float64_arrays_keep_float32():
    x = mg.randn(3, requires_grad=True)
    for y in (x * 2.0, 2.0 - x, x / 3, 1 / (x + 5.0), x ** 2, 2.0 ** x, x + 1,
              x + np.ones(3), np.ones(3) * x, x * np.float64(0.5), M.maximum(x, 0.0),
              M.where(np.array([True, False, True]), x, 0.0)):
        assert y.dtype == np.float32
    (x * 2.0).sum().backward()
    assert x.grad.dtype == np.float32


def test_comparisons_are_elementwise_and_record_nothing():
    a, b = mg.tensor([1.0, 2.0, 3.0], requires_grad=True), mg.tensor([1.0, 5.0, 0.0])
    expected = {"<": [False, True, False], "<=": [True, True, False], ">": [False, False, True],
                ">=": [True, False, True], "==": [True, False, False], "!=": [False, True, True]}
    results = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}
    for op, result in results.items():
        assert isinstance(result, Tensor), op
        assert result.dtype == np.bool_ and not result.requires_grad, op
        np.testing.assert_array_equal(result.numpy(), expected[op], err_msg=op)


def test_mg_tensor_copies_its_data():
    data = np.array([1.0, 2.0], dtype=np.float32)
    t = mg.tensor(data)
    data[0] = 100.0
    assert t.numpy()[0] == 1.0


def test_mg_tensor_takes_nested_lists():
    t = mg.tensor([[1.0, 2.0]])
    assert t.shape == (1, 2) and t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), [[1.0, 2.0]])
    labels = mg.tensor([[1, 2], [3, 4]])
    assert labels.shape == (2, 2) and labels.dtype == np.int64
    x = mg.tensor([[0.5], [1.5]], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0], [3.0]])
