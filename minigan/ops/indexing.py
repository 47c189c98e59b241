"""Indexing and joining: ``x[index]``, ``cat``/``stack``, ``where``.

Indexing's adjoint scatters a gradient back into zeros of the input's shape (:class:`IndexAdd`),
adding where an index repeats; joining's backward slices the gradient back into its pieces.
"""
from __future__ import annotations

from minigan import backend
from minigan.autograd import Function, Tensor
from minigan.backend import xp_of
from minigan.ops.dims import numpy_aliases
from minigan.ops.elementwise import operands, sum_to
from minigan.ops.shapes import unsqueeze


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
    index = _plain_index(index)
    for part in index if isinstance(index, tuple) else (index,):
        backend.check_same_device("indexing", x.device, part, "an index", host_ok=True)
    return GetItem.apply(x, index=index)


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


@numpy_aliases
def concat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing dim (``torch.cat``)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concat needs at least one tensor")
    first = tensors[0]
    dim = dim % first.ndim
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or t.shape[:dim] + t.shape[dim + 1:] != \
                first.shape[:dim] + first.shape[dim + 1:]:
            raise ValueError(f"concat along dim {dim}: tensor {i} has shape {t.shape}, which does "
                             f"not match tensor 0's shape {first.shape} off that dim")
    return Concat.apply(*tensors, axis=dim)


cat = concat


@numpy_aliases
def stack(tensors, dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dim."""
    tensors = list(tensors)
    if any(t.shape != tensors[0].shape for t in tensors):
        raise ValueError(f"stack needs tensors of one shape, got {[t.shape for t in tensors]}")
    dim = dim % (tensors[0].ndim + 1)
    return concat([unsqueeze(t, dim) for t in tensors], dim)


class Where(Function):
    @staticmethod
    def forward(ctx, a, b, condition):
        xp = xp_of(a)
        condition = xp.asarray(condition)  # a list of booleans becomes an array on a's device
        ctx.chosen = condition.astype(xp.result_type(a, b))
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
    a, b = operands(a, b)
    cond = condition.data if isinstance(condition, Tensor) else condition
    backend.check_same_device("where", a.device, cond, "the condition")
    return Where.apply(a, b, condition=cond)

