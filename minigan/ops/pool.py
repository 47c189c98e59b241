"""Average pooling and nearest-neighbour upsampling.

``avg_pool2d`` is a sum over windows divided by the window size: :class:`WindowSum` adds the
kh*kw strided slices of the (zero-padded) input, and its adjoint :class:`WindowScatter` adds a
gradient back into those slices; each is the other's backward (the same pair of loops as a
convolution's im2col and col2im, with a weight of ones).

``upsample`` (nearest, integer scale) repeats each pixel into an s x s block. It is written with
reshape and broadcasting alone, so its gradient, the sum over each block, comes for free and can
be differentiated again.
"""
from __future__ import annotations

from minigan.autograd import Function, Tensor
from minigan.backend import xp_of
from minigan.ops import math
from minigan.ops.conv import _pair, conv_output_size


def _offsets(kernel, stride, out_size):
    """For each kernel offset, the (H, W) slices of the padded input that it reads."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out_size
    for i in range(kh):
        for j in range(kw):
            yield (Ellipsis, slice(i, i + (oh - 1) * sh + 1, sh),
                   slice(j, j + (ow - 1) * sw + 1, sw))


class WindowSum(Function):
    """Sum of each kh x kw window of the zero-padded input, windows ``stride`` apart."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding):
        xp = xp_of(x)
        (ph, pw), (h, w) = padding, x.shape[-2:]
        ctx.params = dict(kernel=kernel, stride=stride, padding=padding, in_size=(h, w))
        size = tuple(conv_output_size(n, k, s, p) for n, k, s, p in
                     zip((h, w), kernel, stride, padding))
        if ph or pw:
            padded = xp.zeros(x.shape[:-2] + (h + 2 * ph, w + 2 * pw), dtype=x.dtype)
            padded[..., ph:ph + h, pw:pw + w] = x
        else:
            padded = x
        out = xp.zeros(x.shape[:-2] + size, dtype=x.dtype)
        for index in _offsets(kernel, stride, size):
            out += padded[index]
        return out

    @staticmethod
    def backward(ctx, g):
        return WindowScatter.apply(g, **ctx.params)


class WindowScatter(Function):
    """Add each output value back onto every input pixel of its window: WindowSum's adjoint."""

    @staticmethod
    def forward(ctx, g, kernel, stride, padding, in_size):
        xp = xp_of(g)
        (ph, pw), (h, w) = padding, in_size
        ctx.params = dict(kernel=kernel, stride=stride, padding=padding)
        buffer = xp.zeros(g.shape[:-2] + (h + 2 * ph, w + 2 * pw), dtype=g.dtype)
        for index in _offsets(kernel, stride, g.shape[-2:]):
            buffer[index] += g
        return buffer[..., ph:ph + h, pw:pw + w]

    @staticmethod
    def backward(ctx, gg):
        return WindowSum.apply(gg, **ctx.params)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """Mean over kernel_size windows of an (N, C, H, W) or (C, H, W) input, as PyTorch's.

    ``stride`` defaults to ``kernel_size``; zero ``padding`` counts in the mean unless
    ``count_include_pad=False``.
    """
    op = "avg_pool2d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D or 4-D input, got shape {input.shape}")
    if ceil_mode:
        raise ValueError(f"{op}: ceil_mode=True is not supported")
    kernel = _pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else _pair(stride, "stride", op)
    padding = _pair(padding, "padding", op)
    if min(kernel) < 1 or min(stride) < 1:
        raise ValueError(f"{op}: kernel_size {kernel} and stride {stride} must be positive")
    if any(2 * p > k for p, k in zip(padding, kernel)) or min(padding) < 0:
        raise ValueError(f"{op}: padding {padding} must be non-negative and at most half the "
                         f"kernel size {kernel}")
    h, w = input.shape[-2] + 2 * padding[0], input.shape[-1] + 2 * padding[1]
    if kernel[0] > h or kernel[1] > w:
        raise ValueError(f"{op}: kernel size {kernel} is larger than the padded input ({h}, {w}) "
                         f"(input shape {input.shape}, padding {padding})")
    sums = WindowSum.apply(input, kernel=kernel, stride=stride, padding=padding)
    if divisor_override is not None:
        return sums / float(divisor_override)
    if count_include_pad or padding == (0, 0):
        return sums / float(kernel[0] * kernel[1])
    # Divide each window by the number of real (unpadded) pixels it covers.
    xp = xp_of(input.data)
    ones = xp.ones((1,) * (input.ndim - 2) + input.shape[-2:], dtype=input.dtype)
    counts = WindowSum.forward(Function(), ones, kernel, stride, padding)
    return sums / Tensor(counts)


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest") -> Tensor:
    """Nearest-neighbour upsampling of an (N, C, H, W) input by an integer factor (or to a
    ``size`` that is an integer multiple of the input's), as ``torch.nn.functional.interpolate``.
    """
    op = "upsample"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if mode != "nearest":
        raise ValueError(f"{op}: only mode='nearest' is supported, got {mode!r}")
    if input.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {input.shape}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    h, w = input.shape[2:]
    if size is not None:
        size = _pair(size, "size", op)
        if size[0] % h or size[1] % w:
            raise ValueError(f"{op}: size {size} must be an integer multiple of the input's "
                             f"({h}, {w}); minigan upsamples by integer factors only")
        scale = (size[0] // h, size[1] // w)
    else:
        factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * 2
        if len(factors) != 2 or any(float(f) != int(f) or int(f) < 1 for f in factors):
            raise ValueError(f"{op}: scale_factor must be a positive integer (or a pair), got "
                             f"{scale_factor!r}")
        scale = (int(factors[0]), int(factors[1]))
    if scale == (1, 1):
        return input
    n, c = input.shape[:2]
    blocks = math.broadcast_to(math.reshape(input, (n, c, h, 1, w, 1)),
                               (n, c, h, scale[0], w, scale[1]))
    return math.reshape(blocks, (n, c, h * scale[0], w * scale[1]))
