"""minigan.ops.linear's matrix product: gradients by finite differences, values against NumPy.

Operand shapes are drawn as NumPy's matmul takes them (broadcast batch dimensions, 1-D vectors),
and the column-major operands a linear layer meets (transposed views) take their own path in the
backward, checked here too. The linear layer itself is checked in tests/nn.
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan as mg
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops.linear import matmul
from minigan.ops.shapes import permute

from op_checks import GRAD, GRADGRAD, SEEDS, assert_zero_dim_cases_pass, normal


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
    assert gradcheck(matmul, [a, b])
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
    assert gradcheck(matmul, [a, b])


def test_matmul_gradient_takes_the_memory_order_of_its_operand(fast_kernels):
    a = mg.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    column_major = permute(a, (1, 0))               # (3, 4)
    b = mg.tensor(np.arange(8.0).reshape(4, 2))
    (grad,) = mg.autograd.grad((column_major @ b).sum(), [column_major])
    np.testing.assert_array_equal(grad.numpy(), np.ones((3, 2)) @ b.numpy().T)
    assert grad.numpy().T.flags.c_contiguous


@given(shapes=matmul_shapes(), seed=SEEDS)
@GRADGRAD
def test_matmul_gradgradcheck(shapes, seed):
    a, b = normal(seed, shapes[0]), normal(seed + 1, shapes[1])
    assert gradgradcheck(matmul, [a, b])


# ---------------------------------------------------------------- 0-d tensors

def zero_dim_cases():
    """(name, function, inputs) for the matrix product of two vectors, whose result is 0-d."""
    return [("matmul of vectors", lambda a, b: matmul(a, b), [np.ones(2), np.ones(2)])]


def test_zero_dim_tensors():
    """Every operation on 0-d inputs (NumPy ufuncs return scalars there, not 0-d arrays)."""
    assert_zero_dim_cases_pass(zero_dim_cases())
