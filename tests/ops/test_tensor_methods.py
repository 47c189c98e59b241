"""minigan.ops.tensor_methods: the operators a Tensor gets name both shapes when they fail."""
import numpy as np
import pytest

import minigan as mg
from minigan.ops import math as M


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: a ** b, M.maximum, lambda a, b: M.where(np.ones((2, 3), bool), a, b),
], ids=["add", "sub", "mul", "div", "pow", "maximum", "where"])
def test_binary_shape_mismatch_names_both_shapes(op):
    a, b = mg.tensor(np.ones((2, 3))), mg.tensor(np.ones((4,)))
    with pytest.raises(ValueError, match=r"\(2, ?3\).*\(4,\)"):
        op(a, b)


def test_matmul_and_reshape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 2\)"):
        mg.zeros(2, 3) @ mg.zeros(4, 2)
    with pytest.raises(ValueError, match=r"matmul.*\(\).*\(3,\)"):
        M.matmul(mg.tensor(1.0), mg.zeros(3))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 2\)"):
        mg.zeros(2, 3).reshape(4, 2)
