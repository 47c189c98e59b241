"""Elementwise arithmetic, and the broadcasting that lets its operands differ in shape.

Each operation is a :class:`Function` whose ``forward`` works on raw arrays (through ``xp``, the
array module of its input, so the same code runs on NumPy and CuPy) and whose ``backward`` is
written with these same operations, so it can itself be differentiated. Broadcasting follows
NumPy; every backward sums its gradient back to the shape of the input it belongs to
(:func:`sum_to`, the adjoint of :func:`broadcast_to`).

The other families: reductions in ``reductions.py``, shapes in ``shapes.py``, indexing and
joining in ``indexing.py``, the matrix product in ``linear.py``.
"""
from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.autograd import Function, Tensor, as_operand
from minigan.backend import xp_of


def operands(a, b):
    """Turn a pair in which one side may be a Python number or array into two Tensors, of one
    dtype where PyTorch would give one: an integer or boolean tensor meeting a floating one
    takes the floating one's dtype (NumPy would make int64 with float32 float64)."""
    a, b = (a, as_operand(b, a)) if isinstance(a, Tensor) else (as_operand(a, b), b)
    if a.data.dtype is not b.data.dtype:  # NumPy's dtypes are singletons: the common case is fast
        if _is_floating_point(a) and not _is_floating_point(b):
            b = _cast(b, a.dtype)
        elif _is_floating_point(b) and not _is_floating_point(a):
            a = _cast(a, b.dtype)
    return a, b


def floating(x: Tensor) -> Tensor:
    """``x``, an integer or boolean ``x`` cast to the default floating dtype: as in PyTorch,
    the functions that take integers to fractions (``exp``, ``sqrt``, true division) give it."""
    return x if _is_floating_point(x) else _cast(x, backend.get_default_dtype())


def _is_floating_point(x: Tensor) -> bool:  # PyTorch's Tensor.is_floating_point
    return x.dtype.kind == "f"


def _cast(x: Tensor, dtype) -> Tensor:
    # Only tensors that are not floating are cast, and they never require grad: no graph needed.
    return Tensor(x.data.astype(dtype))


# ---------------------------------------------------------------- broadcasting


def sum_array_to(array, shape):
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
        return sum_array_to(x, shape)

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
    return Add.apply(*operands(a, b))


def sub(a, b) -> Tensor:
    return Sub.apply(*operands(a, b))


def mul(a, b) -> Tensor:
    return Mul.apply(*operands(a, b))


def div(a, b) -> Tensor:
    a, b = operands(a, b)
    if not _is_floating_point(a):  # nor b: integers divide into the default floating dtype
        a, b = floating(a), floating(b)
    return Div.apply(a, b)


def neg(x: Tensor) -> Tensor:
    return Neg.apply(x)


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return PowScalar.apply(floating(a) if isinstance(b, float) else a, exponent=b)
    return Pow.apply(*operands(a, b))


def exp(x: Tensor) -> Tensor:
    return Exp.apply(floating(x))


def log(x: Tensor) -> Tensor:
    return Log.apply(floating(x))


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(floating(x))


def abs(x: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    return Abs.apply(x)


def maximum(a, b) -> Tensor:
    return Maximum.apply(*operands(a, b))


def minimum(a, b) -> Tensor:
    a, b = operands(a, b)
    return -maximum(-a, -b)


def clip(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    if min is None and max is None:
        raise ValueError("clip needs at least one of min and max")
    return Clip.apply(x, low=min, high=max)


clamp = clip


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
    """``x.to(device, dtype)``: a copy on ``device`` and/or with ``dtype`` (``x`` itself when
    nothing changes); gradients flow back through the move, to ``x``'s device and dtype."""
    device = backend.check_device(device) if device is not None else x.device
    dtype = np.dtype(dtype) if dtype is not None else x.dtype
    if device == x.device and dtype == x.dtype:
        return x
    return ToDeviceDtype.apply(x, device=device, dtype=dtype)

