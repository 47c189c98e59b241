"""Elementwise arithmetic, matrix products, reductions, shapes, indexing and joining.

Each operation is a :class:`Function` whose ``forward`` works on raw arrays (through ``xp``, the
array module of its input, so the same code runs on NumPy and CuPy) and whose ``backward`` is
written with these same operations, so it can itself be differentiated. Broadcasting follows
NumPy; every backward sums its gradient back to the shape of the input it belongs to.
"""
from __future__ import annotations

import builtins
from math import prod  # the standard library's: shape arithmetic stays in Python

import numpy as np

from minigan import backend, threads
from minigan.autograd import Function, Tensor, as_tensor_like, is_grad_enabled
from minigan.backend import xp_of


def _operands(a, b):
    """Turn a pair in which one side may be a Python number or array into two Tensors."""
    if isinstance(a, Tensor):
        return a, as_tensor_like(b, a)
    return as_tensor_like(a, b), b


# ---------------------------------------------------------------- broadcasting


def _sum_to_shape(array, shape):
    """Sum ``array`` over the axes that broadcasting added or stretched to reach its shape."""
    lead = array.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and array.shape[lead + i] != 1)
    if lead or stretched:
        array = array.sum(axis=tuple(range(lead)) + stretched, keepdims=True)
        if lead:
            array = array.reshape(shape)
    return array


class BroadcastTo(Function):
    @staticmethod
    def forward(ctx, x, shape):
        return xp_of(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.inputs[0].shape)


class SumTo(Function):
    @staticmethod
    def forward(ctx, x, shape):
        return _sum_to_shape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return broadcast_to(g, ctx.inputs[0].shape)


def broadcast_to(x: Tensor, shape) -> Tensor:
    shape = tuple(shape)
    return x if x.shape == shape else BroadcastTo.apply(x, shape=shape)


def sum_to(x: Tensor, shape) -> Tensor:
    """Reduce a broadcast gradient back to ``shape`` (the adjoint of :func:`broadcast_to`)."""
    shape = tuple(shape)
    return x if x.shape == shape else SumTo.apply(x, shape=shape)


# ---------------------------------------------------------------- elementwise arithmetic


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        return sum_to(g, a.shape), sum_to(g, b.shape)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        gb = -sum_to(g, b.shape) if ctx.needs_input_grad[1] else None
        return sum_to(g, a.shape), gb


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        ga = sum_to(g * b, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(g * a, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        ga = sum_to(g / b, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(-g * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


class PowScalar(Function):
    """x ** c for a constant exponent c."""

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.exponent = exponent
        return x ** exponent

    @staticmethod
    def backward(ctx, g):
        (x,), c = ctx.inputs, ctx.exponent
        if c == 2:  # the common case (squared norms, MSE) without a pow in the graph
            return g * x * 2.0
        return g * c * x ** (c - 1)


class Pow(Function):
    """a ** b for tensors; d/da = b a^(b-1), d/db = a^b log a (for a > 0)."""

    @staticmethod
    def forward(ctx, a, b):
        return a ** b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        ga = sum_to(g * b * a ** (b - 1), a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(g * ctx.output * log(a), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        return xp_of(x).exp(x)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.output


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        return xp_of(x).log(x)

    @staticmethod
    def backward(ctx, g):
        return g / ctx.inputs[0]


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        return xp_of(x).sqrt(x)

    @staticmethod
    def backward(ctx, g):
        return g / (ctx.output * 2.0)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        xp = xp_of(x)
        ctx.sign = xp.sign(x)
        return xp.abs(x)

    @staticmethod
    def backward(ctx, g):
        return g * Tensor(ctx.sign)


class Maximum(Function):
    """Elementwise max; at ties the gradient is split evenly, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        xp = xp_of(a)
        ctx.share_a = ((a > b) + 0.5 * (a == b)).astype(xp.result_type(a, b))
        return xp.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        share_a = Tensor(ctx.share_a)
        ga = sum_to(g * share_a, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(g * (1.0 - share_a), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Clip(Function):
    @staticmethod
    def forward(ctx, x, low, high):
        ctx.inside = ((x >= (-np.inf if low is None else low))
                      & (x <= (np.inf if high is None else high))).astype(x.dtype)
        return xp_of(x).clip(x, low, high)

    @staticmethod
    def backward(ctx, g):
        return g * Tensor(ctx.inside)


def add(a, b) -> Tensor:
    return Add.apply(*_operands(a, b))


def sub(a, b) -> Tensor:
    return Sub.apply(*_operands(a, b))


def mul(a, b) -> Tensor:
    return Mul.apply(*_operands(a, b))


def div(a, b) -> Tensor:
    return Div.apply(*_operands(a, b))


def neg(x: Tensor) -> Tensor:
    return Neg.apply(x)


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return PowScalar.apply(a, exponent=b)
    return Pow.apply(*_operands(a, b))


def exp(x: Tensor) -> Tensor:
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    return Abs.apply(x)


def maximum(a, b) -> Tensor:
    return Maximum.apply(*_operands(a, b))


def minimum(a, b) -> Tensor:
    a, b = _operands(a, b)
    return -maximum(-a, -b)


def clip(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    if min is None and max is None:
        raise ValueError("clip needs at least one of min and max")
    return Clip.apply(x, low=min, high=max)


clamp = clip


# ---------------------------------------------------------------- matrix product


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        return threads.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        if not is_grad_enabled() and a.ndim == 2 and b.ndim == 2:
            return tuple(Tensor(product_laid_out_like(like.data, left, right)) if needed
                         else None for like, left, right, needed in (
                             (a, g.data, b.data.T, ctx.needs_input_grad[0]),
                             (b, a.data.T, g.data, ctx.needs_input_grad[1])))
        ga = sum_to(g @ b.transpose(-1, -2), a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(a.transpose(-1, -2) @ g, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def product_laid_out_like(like, left, right):
    """left @ right, in the memory order of the matrix ``like`` (the operand it is the gradient
    of). A linear layer's input is often a flattened convolution output, column-major: its
    gradient in that order flows back through the flatten and on without a transposing copy."""
    if like.T.flags.c_contiguous and not like.flags.c_contiguous:
        return threads.matmul(right.T, left.T).T
    return threads.matmul(left, right)


def matmul(a, b) -> Tensor:
    """Matrix product with NumPy's rules: batch dimensions broadcast, 1-D operands are vectors."""
    a, b = _operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul needs at least 1-D operands, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align "
                         f"({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})")
    squeeze = []
    if a.ndim == 1:
        a, squeeze = reshape(a, (1, -1)), squeeze + [-2]
    if b.ndim == 1:
        b, squeeze = reshape(b, (-1, 1)), squeeze + [-1]
    out = MatMul.apply(a, b)
    if squeeze:
        shape = list(out.shape)
        for axis in sorted(squeeze):
            shape[axis] = None
        out = reshape(out, tuple(n for n in shape if n is not None))
    return out


# ---------------------------------------------------------------- reductions


def _normalise_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
    return tuple(sorted(a % builtins.max(ndim, 1) for a in axes))


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.kept = _kept_shape(x.shape, axes)
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return broadcast_to(reshape(g, ctx.kept), ctx.inputs[0].shape)


class Max(Function):
    """Maximum over axes; ties share the gradient evenly (as PyTorch's ``amax`` does)."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        out = x.max(axis=axes, keepdims=True)
        winners = (x == out).astype(x.dtype)
        ctx.share = winners / winners.sum(axis=axes, keepdims=True)
        ctx.kept = out.shape
        return out if keepdims else out.reshape(tuple(n for i, n in enumerate(x.shape)
                                                      if i not in axes))

    @staticmethod
    def backward(ctx, g):
        return broadcast_to(reshape(g, ctx.kept), ctx.share.shape) * Tensor(ctx.share)


class LogSumExp(Function):
    """log(sum(exp(x))) over axes, shifted by the maximum so that it never overflows."""

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        xp = xp_of(x)
        top = x.max(axis=axes, keepdims=True)
        top = xp.where(xp.isfinite(top), top, 0)
        total = xp.exp(x - top).sum(axis=axes, keepdims=True)
        # All terms exp(-inf) = 0: the answer is -inf, without log(0)'s warning.
        out = xp.where(total > 0, xp.log(xp.where(total > 0, total, 1)), -xp.inf) + top
        ctx.kept = out.shape
        return out if keepdims else out.reshape(tuple(n for i, n in enumerate(x.shape)
                                                      if i not in axes))

    @staticmethod
    def backward(ctx, g):
        x = ctx.inputs[0]
        softmax = exp(x - reshape(ctx.output, ctx.kept))
        return reshape(g, ctx.kept) * softmax


def sum(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Sum.apply(x, axes=_normalise_axes(axis, x.ndim), keepdims=keepdims)


def mean(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    axes = _normalise_axes(axis, x.ndim)
    count = prod(x.shape[a] for a in axes)
    return sum(x, axes, keepdims) / count


def var(x: Tensor, axis=None, keepdims: bool = False, correction: int = 1) -> Tensor:
    """Variance with PyTorch's default Bessel correction (``correction=0`` for the population)."""
    axes = _normalise_axes(axis, x.ndim)
    count = prod(x.shape[a] for a in axes)
    centred = x - mean(x, axes, keepdims=True)
    return sum(centred * centred, axes, keepdims) / (count - correction)


def std(x: Tensor, axis=None, keepdims: bool = False, correction: int = 1) -> Tensor:
    return sqrt(var(x, axis, keepdims, correction))


def max(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    if x.numel() == 0:
        raise ValueError(f"max of an empty tensor (shape {x.shape})")
    return Max.apply(x, axes=_normalise_axes(axis, x.ndim), keepdims=keepdims)


def min(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return -max(-x, axis, keepdims)


def logsumexp(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    return LogSumExp.apply(x, axes=_normalise_axes(axis, x.ndim), keepdims=keepdims)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    return x - logsumexp(x, axis, keepdims=True)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    return exp(log_softmax(x, axis))


# ---------------------------------------------------------------- shapes


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        x = ctx.inputs[0]
        if is_grad_enabled() or x.data.flags.c_contiguous:
            return reshape(g, x.shape)
        # x was laid out in another order (a convolution's batch-last output, flattened for a
        # linear layer): give the gradient that order too, so that the elementwise backward
        # steps that meet it and x's saved values walk one memory order, not two. A gradient
        # that arrives in that order already (see MatMul's backward) reshapes to a view of it.
        view = g.data.reshape(x.shape)
        if view.strides == x.data.strides:
            return Tensor(view)
        out = xp_of(x.data).empty_like(x.data)
        out[...] = view
        return Tensor(out)


class Permute(Function):
    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return permute(g, tuple(sorted(range(len(ctx.axes)), key=ctx.axes.__getitem__)))


def reshape(x: Tensor, shape) -> Tensor:
    shape = tuple(int(n) for n in shape)
    size, known = x.numel(), prod(n for n in shape if n != -1)
    if shape.count(-1) > 1 or any(n < -1 for n in shape) or (
            size != known if -1 not in shape else known == 0 or size % known):
        raise ValueError(f"cannot reshape a tensor of shape {x.shape} ({size} elements) "
                         f"into shape {shape}")
    target = tuple(size // known if n == -1 else n for n in shape)
    return x if target == x.shape else Reshape.apply(x, shape=target)


def permute(x: Tensor, axes) -> Tensor:
    axes = tuple(a % x.ndim for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not a permutation of the {x.ndim} axes of {x.shape}")
    return x if axes == tuple(range(x.ndim)) else Permute.apply(x, axes=axes)


def transpose(x: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    """Swap two axes (PyTorch's ``transpose``); ``x.T`` reverses all of them."""
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return permute(x, axes)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return reshape(x, x.shape[:start] + (-1,) + x.shape[end + 1:])


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x: Tensor, dim: int | None = None) -> Tensor:
    if dim is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    dim = dim % x.ndim
    return x if x.shape[dim] != 1 else reshape(x, x.shape[:dim] + x.shape[dim + 1:])


# ---------------------------------------------------------------- indexing and joining


def _plain_index(index):
    """The index with Tensors replaced by their arrays."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    return index.data if isinstance(index, Tensor) else index


def _is_basic(index) -> bool:
    """Basic indexing (ints, slices, None, ...) never repeats an element, so it can be assigned."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, index):
        ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.apply(g, shape=ctx.inputs[0].shape, index=ctx.index)


class IndexAdd(Function):
    """Scatter ``g`` into zeros of ``shape`` at ``index``: the adjoint of indexing."""

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = xp_of(g).zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g
        else:  # repeated indices must add up
            backend.scatter_add(out, index, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return GetItem.apply(gg, index=ctx.index)


def getitem(x: Tensor, index) -> Tensor:
    return GetItem.apply(x, index=_plain_index(index))


class Concat(Function):
    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        return xp_of(arrays[0]).concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        for t, needed in zip(ctx.inputs, ctx.needs_input_grad):
            stop = start + t.shape[ctx.axis]
            index = (slice(None),) * ctx.axis + (slice(start, stop),)
            grads.append(g[index] if needed else None)
            start = stop
        return tuple(grads)


def concat(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (``torch.cat``)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concat needs at least one tensor")
    first = tensors[0]
    axis = axis % first.ndim
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1:] != \
                first.shape[:axis] + first.shape[axis + 1:]:
            raise ValueError(f"concat along axis {axis}: tensor {i} has shape {t.shape}, which does "
                             f"not match tensor 0's shape {first.shape} off that axis")
    return Concat.apply(*tensors, axis=axis)


cat = concat


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    tensors = list(tensors)
    if any(t.shape != tensors[0].shape for t in tensors):
        raise ValueError(f"stack needs tensors of one shape, got {[t.shape for t in tensors]}")
    axis = axis % (tensors[0].ndim + 1)
    return concat([unsqueeze(t, axis) for t in tensors], axis)


class Where(Function):
    @staticmethod
    def forward(ctx, a, b, condition):
        xp = xp_of(a)
        ctx.chosen = xp.asarray(condition).astype(xp.result_type(a, b))
        return xp.where(condition, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        chosen = Tensor(ctx.chosen)
        ga = sum_to(g * chosen, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(g * (1.0 - chosen), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``; the condition itself is not differentiated."""
    a, b = _operands(a, b)
    cond = condition.data if isinstance(condition, Tensor) else condition
    return Where.apply(a, b, condition=cond)


# ---------------------------------------------------------------- moving between devices, dtypes


class ToDeviceDtype(Function):
    @staticmethod
    def forward(ctx, x, device, dtype):
        ctx.source = (backend.device_of(x), x.dtype)
        return backend.to_device(x, device).astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        device, dtype = ctx.source
        return to_device_dtype(g, device=device, dtype=dtype)


def to_device_dtype(x: Tensor, device=None, dtype=None) -> Tensor:
    device = backend.check_device(device) if device is not None else x.device
    dtype = np.dtype(dtype) if dtype is not None else x.dtype
    if device == x.device and dtype == x.dtype:
        return x
    return ToDeviceDtype.apply(x, device=device, dtype=dtype)
