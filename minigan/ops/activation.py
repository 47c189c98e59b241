"""Activation functions: relu, leaky_relu, tanh, sigmoid, softplus, log_sigmoid.

Smooth activations save their output and write the derivative in terms of it
(tanh' = 1 - y^2, sigmoid' = y (1 - y)); piecewise-linear ones save a constant slope mask.
"""
from __future__ import annotations

from minigan import backend, threads
from minigan.autograd import Function, Tensor, is_grad_enabled

xp_of = backend.get_array_module


class ReLU(Function):
    @staticmethod
    def forward(ctx, x):
        xp = xp_of(x)
        # The slope is a boolean mask: a quarter of the memory, and as fast to multiply by.
        ctx.slope, out = xp.empty_like(x, dtype=bool), xp.empty_like(x)

        def relu(x, slope, out):
            xp.greater(x, 0, out=slope)
            xp.multiply(x, slope, out=out)
        threads.parallel_map(relu, x, ctx.slope, out)
        return out

    @staticmethod
    def backward(ctx, g):
        return _times_slope(ctx, g)


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, x, negative_slope):
        xp = xp_of(x)
        a = x.dtype.type(negative_slope)
        ctx.slope, out = xp.empty_like(x), xp.empty_like(x)

        def leaky(x, slope, out):  # three passes over a slab: worth sharing between threads
            if 0 <= negative_slope <= 1:  # max(1{x>0}, a): 7x faster than where() on random signs
                xp.maximum(x > 0, a, dtype=x.dtype, out=slope)
            else:
                slope[...] = xp.where(x > 0, x.dtype.type(1), a)
            xp.multiply(x, slope, out=out)
        threads.parallel_map(leaky, x, ctx.slope, out)
        return out

    @staticmethod
    def backward(ctx, g):
        return _times_slope(ctx, g)


def _times_slope(ctx, g: Tensor) -> Tensor:
    """g * slope, the backward of a piecewise-linear activation (on the threads when no graph
    of it is recorded)."""
    if is_grad_enabled():
        return g * Tensor(ctx.slope)
    out = xp_of(g.data).empty_like(ctx.slope, dtype=g.dtype)  # in the input's memory order
    threads.parallel_map(lambda slope, g, out: xp_of(g).multiply(g, slope, out=out),
                         ctx.slope, g.data, out)
    return Tensor(out)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        return xp_of(x).tanh(x)

    @staticmethod
    def backward(ctx, g):
        y = ctx.output
        return g * (1.0 - y * y)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        xp = xp_of(x)
        # 1 / (1 + e^-x) overflows e^-x for very negative x; this form does not.
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        y = ctx.output
        return g * y * (1.0 - y)


class Softplus(Function):
    """log(1 + e^x), computed as logaddexp(0, x) so it is exact for |x| in the thousands."""

    @staticmethod
    def forward(ctx, x):
        return xp_of(x).logaddexp(0, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return g * sigmoid(ctx.inputs[0])


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU.apply(x, negative_slope=negative_slope)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(x)


def softplus(x: Tensor) -> Tensor:
    return Softplus.apply(x)


def log_sigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable where sigmoid(x) underflows."""
    return -softplus(-x)
