"""Reductions: sums, means, variances, maxima, and the softmax family built on logsumexp.

Each reduces over ``axis`` (an int, a tuple, or None for every axis), keeping the reduced axes
as size 1 when ``keepdims``. A reduction's backward broadcasts the gradient back over the axes
it removed: reshaped to the kept shape first, so that broadcasting lines it up with the input.
"""
from __future__ import annotations

import builtins
from math import prod  # the standard library's: shape arithmetic stays in Python

from minigan.autograd import Function, Tensor
from minigan.backend import xp_of
from minigan.ops.elementwise import broadcast_to, exp, sqrt
from minigan.ops.shapes import reshape


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

