"""Activation functions: relu, leaky_relu, tanh, sigmoid, softplus, log_sigmoid.

Smooth activations save their output and write the derivative in terms of it
(tanh' = 1 - y^2, sigmoid' = y (1 - y)); piecewise-linear ones save a constant slope mask.
"""
from __future__ import annotations

from minigan.autograd import Function, Tensor
from minigan.backend import xp_of


class _PiecewiseLinear(Function):
    """An activation whose forward keeps its slope (ctx.slope, constant between kinks): its
    gradient is g times that slope."""

    @staticmethod
    def backward(ctx, g):
        return g * Tensor(ctx.slope)

    @staticmethod
    def backward_once(ctx, g):
        return ctx.kernels.times_slope(g, ctx.slope)


class ReLU(_PiecewiseLinear):
    @staticmethod
    def forward(ctx, x):
        out, ctx.slope = ctx.kernels.relu(x)  # slope: 1 where x > 0, else 0
        return out


class LeakyReLU(_PiecewiseLinear):
    @staticmethod
    def forward(ctx, x, negative_slope):
        out, ctx.slope = ctx.kernels.leaky_relu(x, negative_slope)  # 1 or negative_slope
        return out


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
