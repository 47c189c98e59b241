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

How the arithmetic is laid out (see DESIGN.md, "Performance"; the copies are in
``ops/columns.py``):

* im2col: pad the input into a buffer laid out (C, H, W, N), take a zero-copy strided view of
  its windows, shaped (C, kh, kw, OH, OW, N), and copy it once into a (C*kh*kw, OH*OW*N) matrix.
  The convolution is then ONE matrix product ``w.reshape(O, C*kh*kw) @ columns``.
* col2im (transposed convolution): one matrix product gives the columns, then a Python loop over
  the kh*kw kernel offsets adds each (C, H, W, N) slab into a strided slice of the output buffer.
  No ``add.at``, and no Python loop over pixels, images or channels.
* The batch is the innermost axis of both buffers. Every strided copy and add then moves runs of
  N contiguous numbers instead of rows of OW numbers, which measured 2-3x faster at DCGAN sizes.
  Results are returned as (N, C, H, W) *views* of (C, H, W, N) memory: NumPy's elementwise
  operations and reductions keep that layout, so the next convolution finds its input already
  in the order it wants and its layout change costs nothing.
* Every core works (:mod:`minigan.threads`): the copies and adds are split by channel, and each
  product into independent parts, over minigan's threads, with OpenBLAS kept to one thread so
  that its idle workers do not spin on the cores ours need. In a backward without a graph to
  record, the input's and the weight's gradient products run at once, one per core, and the
  col2im that follows the first is shared as each thread comes free.
"""
from __future__ import annotations

import numbers

from minigan import backend, threads
from minigan.autograd import Function, Tensor, is_grad_enabled
from minigan.ops import columns
from minigan.ops.columns import conv_output_size  # noqa: F401 (im2col's, and this API's)

xp_of = backend.get_array_module


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


def conv_transpose_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0) -> int:
    """Height (or width) of ``conv_transpose2d``'s output:
    (size - 1) stride - 2 padding + kernel + output_padding."""
    return (size - 1) * stride - 2 * padding + kernel + output_padding


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


def check_conv2d(op: str, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Validate ``conv2d``'s arguments; ``op`` names the caller (a layer) in the messages.

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


def check_conv_transpose2d(op: str, input, weight, bias=None, stride=1, padding=0,
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


# ---------------------------------------------------------------- bias gradients


def _bias_grad(g: Tensor) -> Tensor:
    """g summed over all but the channel axis. Without a graph to record, as a matrix-vector
    product of its (C, H*W*N) memory with ones: 5x faster here than NumPy's sum over three
    axes, which walks them one at a time."""
    if is_grad_enabled():
        return g.sum(axis=(0, 2, 3))
    return Tensor(_row_sums(columns.batch_last(g.data).reshape(g.shape[1], -1)))


def _row_sums(rows):
    ones = xp_of(rows).ones((rows.shape[1], 1), dtype=rows.dtype)
    return threads.matmul(rows, ones).reshape(-1)


# ---------------------------------------------------------------- the three Functions


class Conv2d(Function):
    """y = conv2d(x, w) + b. ``cols`` may pass x's columns when the caller has them already."""

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, cols=None):
        o, c, kh, kw = w.shape
        n, _, h, wd = x.shape
        oh, ow = conv_output_size(h, kh, stride[0], padding[0]), conv_output_size(
            wd, kw, stride[1], padding[1])
        if cols is None:
            cols = columns.im2col(x, (kh, kw), stride, padding)
        ctx.cols, ctx.stride, ctx.padding = cols, stride, padding  # cols: for the weight grad
        out = threads.matmul(w.reshape(o, c * kh * kw), cols,
                             add=None if b is None else b.reshape(o, 1))
        return out.reshape(o, oh, ow, n).transpose(3, 0, 1, 2)

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = gw = gb = None
        if need_x and need_w and not is_grad_enabled():
            gx, gw, gb = _conv2d_grads_at_once(ctx, g, need_b)
        if need_x and gx is None:  # the adjoint of the convolution, sized to give back x's shape
            gx = _conv_transpose2d(g, w, None, ctx.stride, ctx.padding,
                                   _lost_rows(x.shape, w.shape, ctx.stride, ctx.padding))
        if need_w and gw is None:
            gw = Conv2dWeightGrad.apply(x, g, kernel=w.shape[2:], stride=ctx.stride,
                                        padding=ctx.padding, cols=ctx.cols)
        if need_b and gb is None:
            gb = _bias_grad(g)
        return gx, gw, gb


class Conv2dWeightGrad(Function):
    """d<conv2d(x, w), g>/dw: the correlation of g with x's windows, shape (O, C, kh, kw).

    It is bilinear in (x, g) and <result, G> = <conv2d(x, G), g>, so its own gradients are a
    transposed convolution (for x) and a convolution (for g).
    """

    @staticmethod
    def forward(ctx, x, g, kernel, stride, padding, cols=None):
        kh, kw = kernel
        o, c = g.shape[1], x.shape[1]
        if cols is None:
            cols = columns.im2col(x, (kh, kw), stride, padding)
        ctx.kernel, ctx.stride, ctx.padding = (kh, kw), stride, padding
        rows = columns.batch_last(g).reshape(o, -1)
        return threads.matmul(cols, rows.T).T.reshape(o, c, kh, kw)

    @staticmethod
    def backward(ctx, gw):
        x, g = ctx.inputs
        gx = gg = None
        if ctx.needs_input_grad[0]:
            gx = _conv_transpose2d(g, gw, None, ctx.stride, ctx.padding,
                                   _lost_rows(x.shape, gw.shape, ctx.stride, ctx.padding))
        if ctx.needs_input_grad[1]:
            gg = Conv2d.apply(x, gw, None, stride=ctx.stride, padding=ctx.padding)
        return gx, gg


class ConvTranspose2d(Function):
    """y = conv_transpose2d(x, w) + b, w laid out (in, out, kh, kw): one matrix product, col2im."""

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, output_padding):
        cin, cout, kh, kw = w.shape
        n, _, h, wd = x.shape
        size = tuple(conv_transpose_output_size(*args) for args in
                     zip((h, wd), (kh, kw), stride, padding, output_padding))
        ctx.stride, ctx.padding = stride, padding
        cols = threads.matmul(w.reshape(cin, cout * kh * kw).T,
                              columns.batch_last(x).reshape(cin, h * wd * n))
        out = columns.col2im(cols.reshape(cout, kh, kw, h, wd, n), (kh, kw), stride, padding,
                             size, b)
        return out.transpose(3, 0, 1, 2)

    @staticmethod
    def backward(ctx, g):
        x, w, b = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = gw = gb = None
        cols = None
        if need_x or need_w:  # both gradients read the columns of g: build them once
            cols = columns.im2col(g.data, w.shape[2:], ctx.stride, ctx.padding)
        if need_x and need_w and not is_grad_enabled():
            gx, gw, gb = _conv_transpose2d_grads_at_once(x, w, g, cols, need_b)
        if need_x and gx is None:
            gx = Conv2d.apply(g, w, None, stride=ctx.stride, padding=ctx.padding, cols=cols)
        if need_w and gw is None:  # conv2d's weight gradient, the roles of x and g swapped
            gw = Conv2dWeightGrad.apply(g, x, kernel=w.shape[2:], stride=ctx.stride,
                                        padding=ctx.padding, cols=cols)
        if need_b and gb is None:
            gb = _bias_grad(g)
        return gx, gw, gb


def _conv2d_grads_at_once(ctx, g, need_b):
    """conv2d's input, weight (and bias) gradients without a graph, on two threads at once:
    the input's product (a transposed convolution's) and then its col2im here, the weight's
    product (Conv2dWeightGrad's) on the other thread, which then helps with the col2im. The
    bias's sums go with the input's product, the shorter of the two."""
    x, w, _ = ctx.inputs
    o, c, kh, kw = w.shape
    rows = columns.batch_last(g.data)  # (O, OH, OW, N)
    _, oh, ow, n = rows.shape
    rows = rows.reshape(o, oh * ow * n)
    weights = w.data.reshape(o, c * kh * kw)
    shape = (c, kh, kw, oh, ow, n)
    image, add = columns.col2im_by_channels(shape, rows.dtype, xp_of(rows), (kh, kw),
                                            ctx.stride, ctx.padding, x.shape[2:])
    (cols, gb), gw = threads.run_together(
        lambda: (threads.matmul(weights.T, rows).reshape(shape),
                 _row_sums(rows) if need_b else None),
        lambda: threads.matmul(ctx.cols, rows.T).T,
        like=ctx.cols, then=lambda first, lo, hi: add(first[0], lo, hi), length=c)
    return Tensor(image.transpose(3, 0, 1, 2)), Tensor(gw.reshape(w.shape)), _maybe_tensor(gb)


def _conv_transpose2d_grads_at_once(x, w, g, cols, need_b):
    """conv_transpose2d's input, weight (and bias) gradients without a graph, from the columns
    of its output gradient g: the two products at once on two threads (see above)."""
    cin, cout, kh, kw = w.shape
    n, _, h, wd = x.shape
    images = columns.batch_last(x.data).reshape(cin, h * wd * n)
    rows = columns.batch_last(g.data).reshape(cout, -1) if need_b else None
    (gx, gb), gw = threads.run_together(  # the bias's sums with the shorter product
        lambda: (threads.matmul(w.data.reshape(cin, cout * kh * kw), cols),
                 _row_sums(rows) if need_b else None),
        lambda: threads.matmul(cols, images.T).T, like=cols)
    return (Tensor(gx.reshape(cin, h, wd, n).transpose(3, 0, 1, 2)), Tensor(gw.reshape(w.shape)),
            _maybe_tensor(gb))


def _maybe_tensor(array):
    return None if array is None else Tensor(array)


def _lost_rows(x_shape, w_shape, stride, padding):
    """The output_padding that makes conv_transpose2d give back exactly x's height and width:
    the rows and columns at the far edge that a strided convolution never reached."""
    return tuple((n + 2 * p - k) % s for n, k, s, p in
                 zip(x_shape[2:], w_shape[2:], stride, padding))


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
