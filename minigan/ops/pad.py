"""Padding: constant (zeros by default) and reflect, as ``torch.nn.functional.pad``.

``pad`` is a flat tuple read from the LAST dimension backwards, as in PyTorch:
``(left, right)`` pads the last axis, ``(left, right, top, bottom)`` the last two.

Reflect padding mirrors the input about its edge without repeating it (``[1 2 3]`` padded by 2
on the left is ``[3 2 1 2 3]``): CycleGAN and pix2pix pad this way so that edges look natural.
Its gradient *folds* the padded border back onto the pixels it copied; the fold and the
padding are adjoint, so each is the other's backward and both can be differentiated again.
"""
from __future__ import annotations

from minigan.autograd import Function, Tensor
from minigan.backend import xp_of
from minigan.ops import math

MODES = ("constant", "reflect")


def _widths(pad, ndim: int, op: str):
    """PyTorch's flat pad tuple as ((before, after), ...) for each of the input's axes."""
    try:
        pad = tuple(int(p) for p in pad)
    except TypeError:
        raise TypeError(f"{op}: pad must be a tuple of ints, got {pad!r}") from None
    if len(pad) % 2 or len(pad) // 2 > ndim:
        raise ValueError(f"{op}: pad {pad} must have an even length of at most 2 * {ndim} "
                         f"(two numbers per padded axis, last axis first)")
    widths = [(0, 0)] * ndim
    for k in range(len(pad) // 2):
        widths[ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    return tuple(widths)


class ConstantPad(Function):
    @staticmethod
    def forward(ctx, x, widths, value):
        xp = xp_of(x)
        shape = tuple(n + a + b for n, (a, b) in zip(x.shape, widths))
        ctx.index = tuple(slice(a, a + n) for n, (a, _) in zip(x.shape, widths))
        out = xp.full(shape, value, dtype=x.dtype)
        out[ctx.index] = x
        return out

    @staticmethod
    def backward(ctx, g):
        return g[ctx.index]


class ReflectPad(Function):
    @staticmethod
    def forward(ctx, x, widths):
        ctx.widths = widths
        return xp_of(x).pad(x, widths, mode="reflect")

    @staticmethod
    def backward(ctx, g):
        return ReflectFold.apply(g, widths=ctx.widths)


class ReflectFold(Function):
    """Sum a reflect-padded gradient back onto the input's shape: the adjoint of ReflectPad."""

    @staticmethod
    def forward(ctx, g, widths):
        ctx.widths = widths
        for axis, (lo, hi) in enumerate(widths):
            if not (lo or hi):
                continue
            n = g.shape[axis] - lo - hi

            def take(start, stop, step=1):
                index = [slice(None)] * g.ndim
                index[axis] = slice(start, stop, step)
                return tuple(index)

            folded = g[take(lo, lo + n)].copy()
            if lo:  # padded[lo - 1 - t] copied x[1 + t]
                folded[take(1, lo + 1)] += g[take(lo - 1, None, -1)]
            if hi:  # padded[lo + n + t] copied x[n - 2 - t]
                folded[take(n - 1 - hi, n - 1)] += g[take(lo + n + hi - 1, lo + n - 1, -1)]
            g = folded
        return g

    @staticmethod
    def backward(ctx, gg):
        return ReflectPad.apply(gg, widths=ctx.widths)


def pad(input: Tensor, pad, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad ``input`` as ``torch.nn.functional.pad``: ``pad`` = (left, right, top, bottom, ...).

    ``mode="constant"`` fills with ``value`` (negative widths crop); ``mode="reflect"`` mirrors
    the last one or two axes of a 3-D or 4-D input, each width smaller than that axis.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be a Tensor, got {type(input).__name__}")
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {MODES}, got {mode!r}")
    widths = _widths(pad, input.ndim, "pad")
    if mode == "constant":
        if any(a < 0 or b < 0 for a, b in widths):  # negative padding crops, as in PyTorch
            crop = tuple(slice(-min(a, 0), n + min(b, 0)) for n, (a, b) in zip(input.shape, widths))
            if any(s.start >= s.stop for s in crop):
                raise ValueError(f"pad: widths {pad} crop the input of shape {input.shape} away")
            input = math.getitem(input, crop)
            widths = tuple((max(a, 0), max(b, 0)) for a, b in widths)
        if not any(a or b for a, b in widths):
            return input
        return ConstantPad.apply(input, widths=widths, value=value)
    padded_axes = len(tuple(pad)) // 2
    if input.ndim not in (3, 4) or padded_axes > input.ndim - 2:
        raise ValueError(f"pad: reflect padding pads the last 1 or 2 axes of a 3-D or 4-D input, "
                         f"got pad {tuple(pad)} for an input of shape {input.shape}")
    for n, (a, b) in zip(input.shape, widths):
        if a < 0 or b < 0 or a >= n or b >= n:
            raise ValueError(f"pad: reflect padding widths {tuple(pad)} must be non-negative and "
                             f"smaller than the padded axes of the input of shape {input.shape}")
    if not any(a or b for a, b in widths):
        return input
    return ReflectPad.apply(input, widths=widths)
