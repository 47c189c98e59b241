"""Reductions: sums, means, variances, maxima, and the softmax family built on logsumexp.

Each reduces over ``dim`` (an int, a tuple, or None for every dim), keeping the reduced dims as
size 1 when ``keepdim``, as PyTorch's do (NumPy's ``axis`` and ``keepdims`` work too). A
reduction's backward broadcasts the gradient back over the dims it removed: reshaped to the
kept shape first, so that broadcasting lines it up with the input.

``max(x, dim)`` is PyTorch's: the values and the indices where they are, and the gradient goes
to that one index. ``amax`` reduces over several dims and shares the gradient among ties.
"""
from __future__ import annotations

from collections import namedtuple
from math import prod  # the standard library's: shape arithmetic stays in Python

from minigan.autograd import Function, Tensor
from minigan.backend import xp_of
from minigan.ops.dims import normalise_dims, numpy_aliases
from minigan.ops.elementwise import broadcast_to, exp, sqrt
from minigan.ops.indexing import getitem
from minigan.ops.shapes import reshape


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


@numpy_aliases
def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return Sum.apply(x, axes=normalise_dims(dim, x.ndim), keepdims=keepdim)


@numpy_aliases
def mean(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    dims = normalise_dims(dim, x.ndim)
    count = prod(x.shape[d] for d in dims)
    return sum(x, dims, keepdim) / count


@numpy_aliases
def var(x: Tensor, dim=None, keepdim: bool = False, correction: int = 1) -> Tensor:
    """Variance with PyTorch's default Bessel correction (``correction=0`` for the population)."""
    dims = normalise_dims(dim, x.ndim)
    count = prod(x.shape[d] for d in dims)
    centred = x - mean(x, dims, keepdim=True)
    return sum(centred * centred, dims, keepdim) / (count - correction)


@numpy_aliases
def std(x: Tensor, dim=None, keepdim: bool = False, correction: int = 1) -> Tensor:
    return sqrt(var(x, dim, keepdim, correction))


@numpy_aliases
def amax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (None for all, or several); ties share the gradient evenly."""
    if x.numel() == 0:
        raise ValueError(f"max of an empty tensor (shape {x.shape})")
    return Max.apply(x, axes=normalise_dims(dim, x.ndim), keepdims=keepdim)


@numpy_aliases
def amin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return -amax(-x, dim, keepdim)


ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])  # torch.return_types.max


def _along(name: str, x: Tensor, dim, keepdim: bool) -> ValuesIndices:
    """``max(x, dim)`` or ``min(x, dim)``: the values, gathered at the indices that ``argmax``
    or ``argmin`` finds along ``dim``, so that the gradient goes to those elements alone (the
    first of a tie), as in PyTorch."""
    if isinstance(dim, Tensor):
        raise TypeError(f"{name}(input, other) is {name}imum(input, other) in minigan: the "
                        f"elementwise {name} of two tensors")
    if not isinstance(dim, int):
        raise TypeError(f"{name}(input, dim) takes one dim and returns (values, indices), as "
                        f"PyTorch's; for several dims use a{name}, got dim={dim!r}")
    if x.numel() == 0:
        raise ValueError(f"{name} of an empty tensor (shape {x.shape})")
    shape = x.shape
    (dim,) = normalise_dims(dim, x.ndim) if x.ndim else (0,)
    x = x if x.ndim else reshape(x, (1,))  # a 0-d tensor is its own maximum, at index 0
    xp = xp_of(x.data)
    indices = getattr(xp, "arg" + name)(x.data, axis=dim, keepdims=True)
    # x[grid] takes, at each position off ``dim``, the element at its index along ``dim``: one
    # arange per other dim, shaped to broadcast against the indices (NumPy's take_along_axis).
    grid = tuple(indices if d == dim else
                 xp.arange(n).reshape([n if e == d else 1 for e in range(x.ndim)])
                 for d, n in enumerate(x.shape))
    values = getitem(x, grid)
    if not (keepdim and shape):
        kept = shape[:dim] + shape[dim + 1:]
        values, indices = reshape(values, kept), indices.reshape(kept)
    return ValuesIndices(values, Tensor(indices))


@numpy_aliases
def max(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """``x.max()``: the largest value (ties share the gradient, as ``amax``). ``x.max(dim)``:
    ``(values, indices)`` along ``dim``, as PyTorch's; the elementwise max is ``maximum``."""
    return amax(x, None, keepdim) if dim is None else _along("max", x, dim, keepdim)


@numpy_aliases
def min(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """``x.min()``: the smallest value; ``x.min(dim)``: ``(values, indices)`` along ``dim``."""
    return amin(x, None, keepdim) if dim is None else _along("min", x, dim, keepdim)


@numpy_aliases
def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Where the maximum is (the first, at ties), over all dims or along ``dim``; an integer
    tensor, outside the graph."""
    return Tensor(xp_of(x.data).argmax(x.data, axis=dim, keepdims=keepdim))


@numpy_aliases
def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return Tensor(xp_of(x.data).argmin(x.data, axis=dim, keepdims=keepdim))


@numpy_aliases
def logsumexp(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return LogSumExp.apply(x, axes=normalise_dims(dim, x.ndim), keepdims=keepdim)


@numpy_aliases
def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    return x - logsumexp(x, dim, keepdim=True)


@numpy_aliases
def softmax(x: Tensor, dim: int = -1) -> Tensor:
    return exp(log_softmax(x, dim))
