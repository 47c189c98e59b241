"""Shapes: reshape (and view, flatten, squeeze, unsqueeze), permute and transpose.

None of them changes a value, so each backward is the inverse rearrangement of the gradient:
a reshape back to the input's shape, the inverse permutation. Broadcasting (``expand``) lives
with the elementwise arithmetic it serves, in ``elementwise.py``.
"""
from __future__ import annotations

from math import prod  # the standard library's: shape arithmetic stays in Python

from minigan.autograd import Function, Tensor
from minigan.ops.dims import numpy_aliases


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return reshape(g, ctx.inputs[0].shape)

    @staticmethod
    def backward_once(ctx, g):
        return ctx.kernels.reshape_back(g, ctx.inputs[0].data)


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


def permute(x: Tensor, dims) -> Tensor:
    """The dims of ``x`` in the order ``dims`` (NumPy's ``transpose(x, axes)``)."""
    axes = tuple(d % x.ndim for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not a permutation of the {x.ndim} dims of {x.shape}")
    return x if axes == tuple(range(x.ndim)) else Permute.apply(x, axes=axes)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims, as PyTorch's ``transpose``; ``x.T`` reverses all of them, ``permute`` takes
    any order."""
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return permute(x, axes)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return reshape(x, x.shape[:start] + (-1,) + x.shape[end + 1:])


@numpy_aliases
def unsqueeze(x: Tensor, dim: int) -> Tensor:
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


@numpy_aliases
def squeeze(x: Tensor, dim: int | None = None) -> Tensor:
    if dim is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    dim = dim % x.ndim
    return x if x.shape[dim] != 1 else reshape(x, x.shape[:dim] + x.shape[dim + 1:])

