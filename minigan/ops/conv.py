"""2-D convolution and transposed convolution: one im2col and one col2im serve four directions.

Layouts are PyTorch's: input (N, C, H, W); a ``conv2d`` weight (out, in, kh, kw); a
``conv_transpose2d`` weight (in, out, kh, kw). Output sizes::

    conv2d:            OH = (H + 2 ph - kh) // sh + 1
    conv_transpose2d:  OH = (H - 1) sh - 2 ph + kh + output_padding

The two are adjoint: for a fixed weight w, <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>.
So the gradient of ``conv2d`` with respect to its input *is* ``conv_transpose2d`` (the lecture's
"fractionally strided convolution" is literally the backward pass of a strided convolution), and
the gradient of ``conv_transpose2d`` with respect to its input is ``conv2d``. Both weight
gradients are the same correlation of an output gradient with an input's windows
(:class:`Conv2dWeightGrad`). Every backward is written with these three Functions, and each of
them has a backward written with the others, so convolutions can be differentiated any number
of times (WGAN-GP differentiates a critic's input gradient).

The array work is the kernel set's (:mod:`minigan.kernels`): read
``kernels/reference.py`` for the textbook im2col and col2im, ``kernels/fast.py`` for the
batch-last, threaded form minigan runs by default.
"""
from __future__ import annotations

import numbers

from minigan import kernels
from minigan.autograd import Function, Tensor
from minigan.kernels.sizes import (conv_output_size,  # noqa: F401 (part of this module's API)
                                   conv_transpose_output_size, unreached_edge)


# ---------------------------------------------------------------- arguments and output sizes


def _pair(value, what: str, op: str) -> tuple:
    """An int or a pair of ints as a pair (kernel, stride, padding follow PyTorch)."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {what} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, numbers.Integral):
        return (int(value), int(value))
    try:
        pair = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int or a pair of ints, got {value!r}") from None
    if len(pair) != 2 or any(p != v for p, v in zip(pair, value)):
        raise ValueError(f"{op}: {what} must be an int or a pair of ints, got {value!r}")
    return pair


def _check_common(op: str, input, weight, bias, stride, padding, dilation, groups):
    for name, t in (("input", input), ("weight", weight), ("bias", bias)):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}; "
                            "wrap arrays with minigan.tensor(...)")
    if dilation not in (1, (1, 1)) or groups != 1:
        raise ValueError(f"{op}: minigan supports dilation=1 and groups=1 only, got "
                         f"dilation={dilation}, groups={groups}")
    if input.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {input.shape}"
                         + (" (add a batch dimension with x.unsqueeze(0))" if input.ndim == 3
                            else ""))
    if weight.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D weight, got shape {weight.shape}")
    for t in (weight, bias):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(f"{op}: input dtype {input.dtype} does not match the parameters' "
                            f"dtype {t.dtype}; convert one with .to(dtype=...)")
    stride, padding = _pair(stride, "stride", op), _pair(padding, "padding", op)
    if min(stride) < 1:
        raise ValueError(f"{op}: stride must be positive, got {stride}")
    if min(padding) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding}")
    return stride, padding


def check_conv2d(op, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Validate ``conv2d``'s arguments; ``op`` names the caller in the messages (a name, or a
    layer, whose repr is then made only for a message: a forward pass never pays for it).

    Returns (stride, padding) as pairs.
    """
    stride, padding = _check_common(op, input, weight, bias, stride, padding, dilation, groups)
    out_channels, in_channels, kh, kw = weight.shape
    if input.shape[1] != in_channels:
        raise ValueError(f"{op}: weight of shape {weight.shape} expects {in_channels} input "
                         f"channels, but the input of shape {input.shape} has {input.shape[1]}")
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"{op}: bias must have shape ({out_channels},), got {bias.shape}")
    h, w = input.shape[2] + 2 * padding[0], input.shape[3] + 2 * padding[1]
    if kh > h or kw > w:
        raise ValueError(f"{op}: kernel size ({kh}, {kw}) is larger than the padded input "
                         f"({h}, {w}) (input shape {input.shape}, padding {padding})")
    return stride, padding


def check_conv_transpose2d(op, input, weight, bias=None, stride=1, padding=0,
                           output_padding=0, groups=1, dilation=1):
    """Validate ``conv_transpose2d``'s arguments. Returns (stride, padding, output_padding)."""
    stride, padding = _check_common(op, input, weight, bias, stride, padding, dilation, groups)
    output_padding = _pair(output_padding, "output_padding", op)
    in_channels, out_channels, kh, kw = weight.shape
    if input.shape[1] != in_channels:
        raise ValueError(f"{op}: weight of shape {weight.shape} (in, out, kh, kw) expects "
                         f"{in_channels} input channels, but the input of shape {input.shape} "
                         f"has {input.shape[1]}")
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"{op}: bias must have shape ({out_channels},), got {bias.shape}")
    if any(not 0 <= op_ < s for op_, s in zip(output_padding, stride)):
        raise ValueError(f"{op}: output_padding {output_padding} must be non-negative and smaller "
                         f"than the stride {stride}")
    size = tuple(conv_transpose_output_size(n, k, s, p, o) for n, k, s, p, o in
                 zip(input.shape[2:], (kh, kw), stride, padding, output_padding))
    if min(size) < 1:
        raise ValueError(f"{op}: input of shape {input.shape} with kernel ({kh}, {kw}), stride "
                         f"{stride}, padding {padding} gives an empty output of size {size}")
    return stride, padding, output_padding


# ---------------------------------------------------------------- the three Functions


class Conv2d(Function):
    """y = conv2d(x, w) + b. ``cols`` may pass x's columns when the caller has them already."""

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, cols=None):
        out, ctx.cols = ctx.kernels.conv2d(x, w, b, stride, padding, cols)  # cols: for dL/dw
        ctx.stride, ctx.padding = stride, padding
        return out

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        # x's gradient is the adjoint of the convolution: a transposed convolution of g, sized
        # to give back x's shape; w's correlates g with x's windows.
        gx = _conv_transpose2d(g, w, None, ctx.stride, ctx.padding, _edge(ctx)) if need_x else None
        gw = Conv2dWeightGrad.apply(x, g, kernel=w.shape[2:], stride=ctx.stride,
                                    padding=ctx.padding, cols=_own_cols(ctx)) if need_w else None
        gb = g.sum(axis=(0, 2, 3)) if need_b else None
        return gx, gw, gb

    @staticmethod
    def backward_once(ctx, g):
        x, w, _ = ctx.inputs
        return ctx.kernels.conv2d_grads(x.data, w.data, g, ctx.cols, ctx.stride, ctx.padding,
                                        _edge(ctx), ctx.needs_input_grad)


class Conv2dWeightGrad(Function):
    """d<conv2d(x, w), g>/dw: the correlation of g with x's windows, shape (O, C, kh, kw).

    It is bilinear in (x, g) and <result, G> = <conv2d(x, G), g>, so its own gradients are a
    transposed convolution (for x) and a convolution (for g).
    """

    @staticmethod
    def forward(ctx, x, g, kernel, stride, padding, cols=None):
        ctx.stride, ctx.padding = stride, padding
        return ctx.kernels.conv2d_weight_grad(x, g, kernel, stride, padding, cols)

    @staticmethod
    def backward(ctx, gw):
        x, g = ctx.inputs
        gx = gg = None
        if ctx.needs_input_grad[0]:
            gx = _conv_transpose2d(g, gw, None, ctx.stride, ctx.padding,
                                   unreached_edge(x.shape[2:], gw.shape[2:], ctx.stride,
                                                  ctx.padding))
        if ctx.needs_input_grad[1]:
            gg = Conv2d.apply(x, gw, None, stride=ctx.stride, padding=ctx.padding)
        return gx, gg


class ConvTranspose2d(Function):
    """y = conv_transpose2d(x, w) + b, w laid out (in, out, kh, kw)."""

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, output_padding):
        ctx.stride, ctx.padding = stride, padding
        return ctx.kernels.conv_transpose2d(x, w, b, stride, padding, output_padding)

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        cols = None
        if need_x or need_w:
            # Both gradients read g's columns: built once, by the kernel set that the two
            # Functions below run with.
            cols = kernels.active.im2col(g.data, w.shape[2:], ctx.stride, ctx.padding)
        # The adjoint of a transposed convolution is a convolution, and w's gradient is
        # conv2d's weight gradient with the roles of x and g swapped.
        gx = Conv2d.apply(g, w, None, stride=ctx.stride, padding=ctx.padding,
                          cols=cols) if need_x else None
        gw = Conv2dWeightGrad.apply(g, x, kernel=w.shape[2:], stride=ctx.stride,
                                    padding=ctx.padding, cols=cols) if need_w else None
        gb = g.sum(axis=(0, 2, 3)) if need_b else None
        return gx, gw, gb

    @staticmethod
    def backward_once(ctx, g):
        x, w, _ = ctx.inputs
        return ctx.kernels.conv_transpose2d_grads(x.data, w.data, g, ctx.stride, ctx.padding,
                                                  ctx.needs_input_grad)


def _edge(ctx):
    """The output_padding that gives a conv2d node's input gradient exactly the input's size."""
    x, w, _ = ctx.inputs
    return unreached_edge(x.shape[2:], w.shape[2:], ctx.stride, ctx.padding)


def _own_cols(ctx):
    """The columns a Conv2d node's forward kept, where the Functions of its backward will run
    with the same kernel set (each set lays columns out its own way)."""
    return ctx.cols if ctx.kernels is kernels.active else None


def _conv_transpose2d(x, w, b, stride, padding, output_padding) -> Tensor:
    return ConvTranspose2d.apply(x, w, b, stride=stride, padding=padding,
                                 output_padding=output_padding)


# ---------------------------------------------------------------- public functions


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups=1) -> Tensor:
    """2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    input (N, C, H, W), weight (O, C, kh, kw), bias (O,) -> (N, O, OH, OW). ``stride`` and
    ``padding`` are an int or a pair (zero padding on both sides).
    """
    stride, padding = check_conv2d("conv2d", input, weight, bias, stride, padding, dilation,
                                   groups)
    return Conv2d.apply(input, weight, bias, stride=stride, padding=padding)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups=1, dilation=1) -> Tensor:
    """2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``.

    input (N, Cin, H, W), weight (Cin, Cout, kh, kw), bias (Cout,) -> (N, Cout, OH, OW). It is
    the gradient of ``conv2d`` with respect to its input: each input pixel scatters a kh x kw
    patch, placed ``stride`` apart; ``padding`` crops the result and ``output_padding`` adds rows
    and columns at the far edge (to pick among the input sizes a strided conv2d maps to one size).
    """
    stride, padding, output_padding = check_conv_transpose2d(
        "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups, dilation)
    return _conv_transpose2d(input, weight, bias, stride, padding, output_padding)
