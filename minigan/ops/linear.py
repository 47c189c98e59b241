"""A linear layer's affine map, y = x @ w.T + b, as one Function (PyTorch's ``addmm``).

One Function rather than a product and an add: the bias is added to each slab of the product
while the slab is still in the cache (``threads.matmul``'s ``add``), not in a pass of its own
over the output. The gradients::

    dx = g @ w        dw = g.T @ x        db = g summed over the batch

each laid out in memory like what it is the gradient of. With ``create_graph`` they are
written with Tensor operations, so that they can be differentiated again.
"""
from __future__ import annotations

from minigan import threads
from minigan.autograd import Function, Tensor, is_grad_enabled
from minigan.ops import math


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
                    math.transpose(g, 0, 1) @ x if need_w else None,
                    g.sum(axis=0) if need_b else None)
        return (Tensor(math.product_laid_out_like(x.data, g.data, w.data)) if need_x else None,
                Tensor(math.product_laid_out_like(w.data, g.data.T, x.data)) if need_w else None,
                Tensor(g.data.sum(axis=0)) if need_b else None)


def linear(x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
    """x @ w.T + b for a 2-D x; the caller checks the shapes (see ``nn.functional.linear``)."""
    return Linear.apply(x, w, b)
