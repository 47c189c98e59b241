"""The matrix product and a linear layer's affine map, y = x @ w.T + b (PyTorch's ``addmm``).

``matmul`` follows NumPy's rules (batch dimensions broadcast, 1-D operands are vectors); its
gradients are the products ``g @ b.T`` and ``a.T @ g``, summed back over broadcast batches.

``Linear`` is one Function rather than a product and an add: the bias is added to each slab of
the product while the slab is still in the cache (``threads.matmul``'s ``add``), not in a pass of
its own over the output. The gradients::

    dx = g @ w        dw = g.T @ x        db = g summed over the batch

each laid out in memory like what it is the gradient of. With ``create_graph`` they are
written with Tensor operations, so that they can be differentiated again.
"""
from __future__ import annotations

from minigan import threads
from minigan.autograd import Function, Tensor, is_grad_enabled
from minigan.ops.elementwise import operands, sum_to
from minigan.ops.shapes import reshape, transpose


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


def product_laid_out_like(operand, left, right):
    """left @ right, in the memory order of the matrix ``operand`` (the one it is the gradient
    of). A linear layer's input is often a flattened convolution output, column-major: its
    gradient in that order flows back through the flatten and on without a transposing copy."""
    if operand.T.flags.c_contiguous and not operand.flags.c_contiguous:
        return threads.matmul(right.T, left.T).T
    return threads.matmul(left, right)


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
        return threads.matmul(x, w.T, add=None if b is None else b.reshape(1, -1))

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        if is_grad_enabled():
            return (g @ w if need_x else None,
                    transpose(g, 0, 1) @ x if need_w else None,
                    g.sum(axis=0) if need_b else None)
        return (Tensor(product_laid_out_like(x.data, g.data, w.data)) if need_x else None,
                Tensor(product_laid_out_like(w.data, g.data.T, x.data)) if need_w else None,
                Tensor(g.data.sum(axis=0)) if need_b else None)


def linear(x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
    """x @ w.T + b for a 2-D x; the caller checks the shapes (see ``nn.functional.linear``)."""
    return Linear.apply(x, w, b)
