"""The matrix product and a linear layer's affine map, y = x @ w.T + b (PyTorch's ``addmm``).

``matmul`` follows NumPy's rules (batch dimensions broadcast, 1-D operands are vectors); its
gradients are the products ``g @ b.T`` and ``a.T @ g``, summed back over broadcast batches.

``Linear`` is one Function rather than a product and an add, so that the fast kernels can add
the bias to each slab of the product while the slab is still in the cache. The gradients::

    dx = g @ w        dw = g.T @ x        db = g summed over the batch
"""
from __future__ import annotations

from minigan.autograd import Function, Tensor
from minigan.ops.elementwise import operands, sum_to
from minigan.ops.shapes import reshape, transpose


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        return ctx.kernels.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        ga = sum_to(g @ b.transpose(-1, -2), a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to(a.transpose(-1, -2) @ g, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def backward_once(ctx, g):
        a, b = ctx.inputs
        if a.ndim == 2 and b.ndim == 2:
            return ctx.kernels.matmul_grads(a.data, b.data, g, ctx.needs_input_grad)
        grads = MatMul.backward(ctx, Tensor(g))  # batched: the Tensor form, under no_grad
        return tuple(None if t is None else t.data for t in grads)


def matmul(a, b) -> Tensor:
    """Matrix product with NumPy's rules: batch dimensions broadcast, 1-D operands are vectors."""
    a, b = operands(a, b)
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


class Linear(Function):
    """x (N, in), w (out, in), b (out,) or None -> (N, out)."""

    @staticmethod
    def forward(ctx, x, w, b):
        return ctx.kernels.linear(x, w, b)

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        return (g @ w if need_x else None,
                transpose(g, 0, 1) @ x if need_w else None,
                g.sum(axis=0) if need_b else None)

    @staticmethod
    def backward_once(ctx, g):
        x, w, _ = ctx.inputs
        return ctx.kernels.linear_grads(x.data, w.data, g, ctx.needs_input_grad)


def linear(x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
    """x @ w.T + b for a 2-D x; the caller checks the shapes (see ``nn.functional.linear``)."""
    return Linear.apply(x, w, b)
