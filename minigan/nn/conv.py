"""Convolutional layers and their companions: Conv2d, ConvTranspose2d, ZeroPad2d,
ReflectionPad2d, Upsample and AvgPool2d, with PyTorch's arguments, defaults, initialisation and
``state_dict`` keys (``weight``, ``bias``).

The arithmetic lives in :mod:`minigan.ops.conv`, :mod:`minigan.ops.pad` and
:mod:`minigan.ops.pool`; a layer holds its weights and settings and checks its input, naming
itself in any error.
"""
from __future__ import annotations

import math

from minigan.autograd import Tensor
from minigan.nn import init
from minigan.nn.layers import empty_parameter
from minigan.nn.module import Module
from minigan.ops import conv as _conv
from minigan.ops import pad as _pad
from minigan.ops import pool as _pool

__all__ = ["Conv2d", "ConvTranspose2d", "ZeroPad2d", "ReflectionPad2d", "Upsample", "AvgPool2d"]

_PADDING_MODES = ("zeros", "reflect")


class _ConvNd(Module):
    """What Conv2d and ConvTranspose2d share: sizes, weight, bias and their initialisation."""

    _op = "conv"

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, output_padding,
                 groups, bias, dilation, padding_mode, weight_shape):
        super().__init__()
        name = type(self).__name__
        if in_channels < 1 or out_channels < 1:
            raise ValueError(f"{name} needs positive channel counts, got in_channels="
                             f"{in_channels}, out_channels={out_channels}")
        if groups != 1 or _conv._pair(dilation, "dilation", name) != (1, 1):
            raise ValueError(f"{name}: minigan supports groups=1 and dilation=1 only, got "
                             f"groups={groups}, dilation={dilation}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _conv._pair(kernel_size, "kernel_size", name)
        self.stride = _conv._pair(stride, "stride", name)
        self.padding = _conv._pair(padding, "padding", name)
        self.output_padding = _conv._pair(output_padding, "output_padding", name)
        self.dilation, self.groups, self.padding_mode = (1, 1), groups, padding_mode
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.padding) < 0:
            raise ValueError(f"{name}: kernel_size {self.kernel_size} and stride {self.stride} "
                             f"must be positive, padding {self.padding} non-negative")
        self.weight = empty_parameter(*weight_shape(self.kernel_size))
        self.register_parameter("bias", empty_parameter(out_channels) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        for the weight, and the same bound for the bias. fan_in reads the weight's dimension 1
        times the kernel size, for ConvTranspose2d's (in, out, kh, kw) layout too, as PyTorch."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text

    def _check_input(self, x) -> None:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r} expects a Tensor, got {type(x).__name__}; "
                            "wrap arrays with minigan.tensor(...)")
        if x.ndim != 4:
            raise ValueError(f"{self!r}: expected a 4-D input (N, {self.in_channels}, H, W), got "
                             f"shape {x.shape}" + (" (add a batch dimension with x.unsqueeze(0))"
                                                   if x.ndim == 3 else ""))


class Conv2d(_ConvNd):
    """2-D convolution: (N, in_channels, H, W) -> (N, out_channels, OH, OW),
    OH = (H + 2 padding - kernel) // stride + 1. Weight (out, in, kh, kw), bias (out,).

    ``padding_mode="reflect"`` pads by reflection (as CycleGAN's blocks do) instead of zeros.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros"):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, 0, groups, bias,
                         dilation, padding_mode,
                         lambda k: (out_channels, in_channels) + k)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        padding = self.padding
        if self.padding_mode == "reflect" and padding != (0, 0):
            (ph, pw), padding = padding, (0, 0)
            x = _pad.pad(x, (pw, pw, ph, ph), mode="reflect")
        stride, padding = _conv.check_conv2d(self, x, self.weight, self.bias, self.stride,
                                             padding)
        return _conv.Conv2d.apply(x, self.weight, self.bias, stride=stride, padding=padding)


class ConvTranspose2d(_ConvNd):
    """2-D transposed ("fractionally strided") convolution, the generator's upsampling layer:
    (N, in, H, W) -> (N, out, OH, OW), OH = (H - 1) stride - 2 padding + kernel + output_padding.
    Weight (in, out, kh, kw), bias (out,). ``ConvTranspose2d(128, 64, 4, 2, 1)`` doubles H and W.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros"):
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d supports padding_mode='zeros' only, got "
                             f"{padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode,
                         lambda k: (in_channels, out_channels) + k)
        if any(not 0 <= o < s for o, s in zip(self.output_padding, self.stride)):
            raise ValueError(f"ConvTranspose2d: output_padding {self.output_padding} must be "
                             f"smaller than the stride {self.stride}")

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        self._check_input(x)
        output_padding = self.output_padding
        if output_size is not None:  # PyTorch's way to pick among the sizes a stride allows
            output_padding = self._output_padding_for(x, output_size)
        stride, padding, output_padding = _conv.check_conv_transpose2d(
            self, x, self.weight, self.bias, self.stride, self.padding, output_padding)
        return _conv.ConvTranspose2d.apply(x, self.weight, self.bias, stride=stride,
                                           padding=padding, output_padding=output_padding)

    def _output_padding_for(self, x: Tensor, output_size) -> tuple:
        size = tuple(output_size)[-2:]
        smallest = tuple(_conv.conv_transpose_output_size(n, k, s, p) for n, k, s, p in
                         zip(x.shape[2:], self.kernel_size, self.stride, self.padding))
        extra = tuple(want - low for want, low in zip(size, smallest))
        if len(size) != 2 or any(not 0 <= e < s for e, s in zip(extra, self.stride)):
            raise ValueError(f"{self!r}: output_size {tuple(output_size)} is not reachable from "
                             f"input {x.shape}: sizes from {smallest} to "
                             f"{tuple(n + s - 1 for n, s in zip(smallest, self.stride))}")
        return extra


def _padding_per_side(padding, name: str) -> tuple:
    """An int, or PyTorch's (left, right, top, bottom)."""
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * 4
    padding = tuple(padding)
    if len(padding) != 4 or not all(isinstance(p, int) for p in padding):
        raise ValueError(f"{name}: padding must be an int or (left, right, top, bottom), got "
                         f"{padding!r}")
    return padding


class ZeroPad2d(Module):
    """Pad the last two axes with zeros: ``padding`` is an int or (left, right, top, bottom)."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding_per_side(padding, "ZeroPad2d")

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim not in (3, 4):
            raise ValueError(f"{self!r}: expected a 3-D or 4-D Tensor, got "
                             f"{getattr(x, 'shape', type(x).__name__)}")
        return _pad.pad(x, self.padding, mode="constant", value=0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad2d(ZeroPad2d):
    """Pad the last two axes by mirroring the input about its edges (CycleGAN's generator)."""

    def __init__(self, padding):
        Module.__init__(self)
        self.padding = _padding_per_side(padding, "ReflectionPad2d")

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim not in (3, 4):
            raise ValueError(f"{self!r}: expected a 3-D or 4-D Tensor, got "
                             f"{getattr(x, 'shape', type(x).__name__)}")
        try:
            return _pad.pad(x, self.padding, mode="reflect")
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None


class Upsample(Module):
    """Nearest-neighbour upsampling by an integer ``scale_factor`` (or to a multiple ``size``)."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners=None):
        super().__init__()
        if mode != "nearest":
            raise ValueError(f"Upsample: only mode='nearest' is supported, got {mode!r}")
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        self.size, self.scale_factor, self.mode = size, scale_factor, mode

    def forward(self, x: Tensor) -> Tensor:
        try:
            return _pool.upsample(x, self.size, self.scale_factor, self.mode)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None

    def extra_repr(self) -> str:
        if self.size is not None:
            return f"size={self.size}, mode='{self.mode}'"
        factor = self.scale_factor
        factor = float(factor) if isinstance(factor, (int, float)) else factor
        return f"scale_factor={factor}, mode='{self.mode}'"


class AvgPool2d(Module):
    """Mean over ``kernel_size`` windows, ``stride`` (default: the kernel size) apart."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        try:
            return _pool.avg_pool2d(x, self.kernel_size, self.stride, self.padding,
                                    self.ceil_mode, self.count_include_pad,
                                    self.divisor_override)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
