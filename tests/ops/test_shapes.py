"""minigan.ops.shapes: reshape, permute, transpose, flatten, squeeze and unsqueeze.

Gradients by finite differences over drawn shapes, and the memory order of a reshape's gradient
(the path a flattened convolution output takes).
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan as mg
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops import shapes as S

from op_checks import (GRAD, GRADGRAD, NONEMPTY_DIMS, SEEDS, SHAPES,
                       assert_zero_dim_cases_pass, normal)


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
    assert gradcheck(lambda t: S.reshape(t, target) * S.reshape(t, target), [x])
    assert S.reshape(mg.tensor(x), target).shape == x.reshape(target).shape


@given(case=reshape_case(), seed=SEEDS)
@GRADGRAD
def test_reshape_gradgradcheck(case, seed):
    shape, target = case
    assert gradgradcheck(lambda t: S.reshape(t, target) ** 3, [normal(seed, shape)])


@given(data=st.data(), seed=SEEDS)
@GRAD
def test_reshape_of_a_view_in_another_memory_order_gradcheck(data, seed):
    # Flattening a convolution's batch-last output is a reshape of such a view: its gradient is
    # built in the view's memory order (a separate path in Reshape's backward).
    shape = data.draw(NONEMPTY_DIMS)
    order = tuple(data.draw(st.permutations(range(len(shape)))))
    weights = normal(seed + 1, (int(np.prod(shape)),))
    assert gradcheck(lambda t: S.reshape(S.permute(t, order), (-1,)) * weights,
                     [normal(seed, shape)])


def test_reshape_gradient_takes_the_memory_order_of_its_input(fast_kernels):
    t = mg.tensor(np.arange(24.0).reshape(4, 3, 2), requires_grad=True)
    view = S.permute(t, (2, 0, 1))                    # (2, 4, 3), not C-contiguous
    flat = S.reshape(view, (2, 12))
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
    assert gradcheck(lambda t: S.permute(t * weights, order), [x])
    assert gradcheck(lambda t: S.transpose(t * weights, dim0, dim1), [x])
    assert gradcheck(lambda t: (t * weights).T, [x])
    np.testing.assert_array_equal(S.permute(mg.tensor(x), order).numpy(),
                                  x.astype(np.float32).transpose(order))
    np.testing.assert_array_equal(mg.tensor(x).T.numpy(), x.astype(np.float32).T)
    np.testing.assert_array_equal(S.transpose(mg.tensor(x), dim0, dim1).numpy(),
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
    assert S.flatten(mg.tensor(x), start, end).shape == flat.shape
    assert S.unsqueeze(mg.tensor(x), new_axis).shape == np.expand_dims(x, new_axis).shape
    assert S.squeeze(mg.tensor(x)).shape == np.squeeze(x).shape
    assert gradcheck(lambda t: S.flatten(t * weights, start, end), [x])
    assert gradcheck(lambda t: S.unsqueeze(t * weights, new_axis), [x])
    assert gradcheck(lambda t: S.squeeze(t * weights), [x])
    assert gradcheck(lambda t: S.squeeze(S.unsqueeze(t * weights, new_axis), new_axis), [x])


# ---------------------------------------------------------------- 0-d tensors

def zero_dim_cases():
    """(name, function, inputs) for the operations above that take 0-d inputs."""
    x = np.array(0.7)
    return [("reshape", lambda t: S.reshape(t, (1, 1)), [x])]


def test_zero_dim_tensors():
    """Every operation on 0-d inputs (NumPy ufuncs return scalars there, not 0-d arrays)."""
    assert_zero_dim_cases_pass(zero_dim_cases())
