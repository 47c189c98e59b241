"""The PatchGAN discriminator of pix2pix and CycleGAN (the repository's NLayerDiscriminator).

Instead of one verdict per image it gives a grid of logits, each judging whether one patch of
the input looks real. Its convolutions stop before they cover the whole image, so it can only
judge local texture and sharpness; the L1 (pix2pix) or cycle (CycleGAN) loss takes care of the
large-scale structure. It has few parameters, runs on any image size, and the patch it sees is
its receptive field::

    Conv 4x4 stride 2 (in -> ndf) + LeakyReLU(0.2)                      no norm on the input
    for n in 1..n_layers-1: Conv 4x4 stride 2 + norm + LeakyReLU(0.2)   ndf * min(2**n, 8)
    Conv 4x4 stride 1 + norm + LeakyReLU(0.2)                           ndf * min(2**n_layers, 8)
    Conv 4x4 stride 1 (-> 1)                                            one logit per patch

Walking back from one output logit, a layer with kernel k and stride s widens the patch from
r to ``(r - 1) * s + k`` input pixels: 1 -> 4 -> 7 -> 16 -> 34 -> 70 for ``n_layers=3``, the
paper's "70x70 PatchGAN" (16 for n_layers=1, 34 for 2, 142 for 4). On a 256x256 image it
gives a 30x30 grid of logits. Names and the parameter count (2,764,737 with instance norm,
2,765,633 with batch norm, for ``ndf=64, n_layers=3``) equal the repository's.
"""
from __future__ import annotations

from minigan import nn
from minigan.autograd import Tensor
from minigan.gan.models.resnet_generator import _check_norm, conv_bias, init_weights, norm_layer

__all__ = ["patchgan_layers", "patchgan_receptive_field", "receptive_field",
           "PatchGANDiscriminator"]

_PADDING = 1


def patchgan_layers(n_layers: int, kernel: int = 4) -> list:
    """(kernel, stride) of the discriminator's convolutions, input to output."""
    if n_layers < 1 or kernel < 1:
        raise ValueError(f"patchgan_layers: n_layers and kernel must be >= 1, got "
                         f"n_layers={n_layers}, kernel={kernel}")
    return [(kernel, 2)] * n_layers + [(kernel, 1), (kernel, 1)]


def receptive_field(layers) -> int:
    """Side of the input patch one output pixel depends on, for convolutions given as
    (kernel, stride) from input to output: start from 1 pixel at the output and walk back,
    ``r_in = (r_out - 1) * stride + kernel``."""
    r = 1
    for kernel, stride in reversed(list(layers)):
        r = (r - 1) * stride + kernel
    return r


def patchgan_receptive_field(n_layers: int, kernel: int = 4) -> int:
    """The patch side each logit of an ``n_layers`` PatchGAN sees: 16, 34, 70, 142 for
    n_layers = 1, 2, 3, 4 with 4x4 kernels."""
    return receptive_field(patchgan_layers(n_layers, kernel))


class PatchGANDiscriminator(nn.Module):
    """Images (N, in_channels, H, W) -> logits (N, 1, H', W'), one per overlapping
    ``receptive_field`` x ``receptive_field`` patch (see :meth:`output_shape`).

    Args:
        in_channels: image channels (pix2pix's conditional D sees input and output side by
            side: in_channels of both).
        ndf: width of the first layer; later layers double it, up to ndf * 8.
        n_layers: stride-2 layers; 3 gives the 70x70 PatchGAN.
        norm: ``"batch"`` (pix2pix), ``"instance"`` (CycleGAN) or ``"none"``.
    """

    def __init__(self, in_channels: int = 3, ndf: int = 64, n_layers: int = 3,
                 norm: str = "batch"):
        super().__init__()
        _check_norm(norm, "PatchGANDiscriminator")
        if min(in_channels, ndf, n_layers) < 1:
            raise ValueError(f"PatchGANDiscriminator needs positive in_channels, ndf and "
                             f"n_layers; got in_channels={in_channels}, ndf={ndf}, "
                             f"n_layers={n_layers}")
        self.in_channels, self.n_layers, self.ndf, self.norm = in_channels, n_layers, ndf, norm
        bias = conv_bias(norm)
        widths = [in_channels] + [ndf * min(2 ** n, 8) for n in range(n_layers + 1)]
        layers = [nn.Conv2d(in_channels, ndf, 4, stride=2, padding=_PADDING),
                  nn.LeakyReLU(0.2, True)]
        for n in range(1, n_layers + 1):
            stride = 2 if n < n_layers else 1
            layers += [nn.Conv2d(widths[n], widths[n + 1], 4, stride=stride, padding=_PADDING,
                                 bias=bias),
                       norm_layer(norm, widths[n + 1]), nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(widths[-1], 1, 4, stride=1, padding=_PADDING))
        self.model = nn.Sequential(*layers)
        init_weights(self)
        convs = [m for m in self.model if isinstance(m, nn.Conv2d)]
        self.receptive_field = receptive_field((m.kernel_size[0], m.stride[0]) for m in convs)

    def output_shape(self, h: int, w: int) -> tuple:
        """(1, H', W'): the grid of logits for an H x W input (a ValueError if it is empty)."""
        sides = [h, w]
        for m in self.model:
            if isinstance(m, nn.Conv2d):
                sides = [(n + 2 * _PADDING - k) // s + 1 if n + 2 * _PADDING >= k else 0
                         for n, k, s in zip(sides, m.kernel_size, m.stride)]
        if min(sides) < 1:
            raise ValueError(f"PatchGANDiscriminator(n_layers={self.n_layers}): a {h}x{w} input "
                             f"is too small to give any logit")
        return (1, *sides)

    def describe(self, h: int | None = None, w: int | None = None) -> str:
        """One line for the examples to print, e.g. "PatchGAN: each logit sees a 70x70 patch
        (a 256x256 image gives 30x30 logits)"."""
        r = self.receptive_field
        text = f"PatchGAN: each logit sees a {r}x{r} patch"
        if h is not None:
            w = h if w is None else w
            _, oh, ow = self.output_shape(h, w)
            text += f" (a {h}x{w} image gives {oh}x{ow} logits)"
        return text

    summary = describe

    def extra_repr(self) -> str:
        return f"receptive_field={self.receptive_field}"

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"PatchGANDiscriminator expects a Tensor, got {type(x).__name__}")
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"PatchGANDiscriminator: expected input (N, {self.in_channels}, H, "
                             f"W), got shape {tuple(x.shape)}")
        self.output_shape(x.shape[2], x.shape[3])
        return self.model(x)
