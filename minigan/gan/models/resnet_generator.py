"""CycleGAN's ResNet generator (Zhu et al., 2017, after Johnson et al.'s style-transfer net),
and the helpers the three image-to-image networks share: :func:`norm_layer`,
:func:`conv_bias` and :func:`init_weights`.

The generator encodes, transforms at low resolution, and decodes::

    ReflectionPad2d(3) + Conv 7x7 (in -> ngf) + norm + ReLU              (ngf, H, W)
    n_downsampling x [Conv 3x3 stride 2 + norm + ReLU], doubling width  (ngf*4, H/4, W/4)
    n_blocks x ResnetBlock: x + [pad, conv 3x3, norm, ReLU, pad, conv 3x3, norm](x)
    n_downsampling x [ConvTranspose 3x3 stride 2 + norm + ReLU], halving width
    ReflectionPad2d(3) + Conv 7x7 (ngf -> out) + Tanh                    (out, H, W) in [-1, 1]

The residual blocks start as (almost) the identity, so an untrained generator passes its
input's content through and the blocks only learn the change of style: the reason CycleGAN
keeps shapes and strokes while it changes textures. Reflection padding instead of zeros keeps
the image's border from looking like a dark frame, which the discriminator would learn to spot.

Layer order and names follow pytorch-CycleGAN-and-pix2pix's ``networks.py`` (``model.0``,
``model.10.conv_block.1.weight``, ...), so its state dicts map one to one; the default size
(``ngf=64, n_blocks=9``) has the repository's 11,378,179 parameters.
"""
from __future__ import annotations

from minigan import nn
from minigan.autograd import Tensor

__all__ = ["NORMS", "norm_layer", "conv_bias", "init_weights", "ResnetBlock", "ResnetGenerator"]

NORMS = ("instance", "batch", "none")


def _check_norm(kind: str, who: str) -> str:
    if kind not in NORMS:
        raise ValueError(f"{who}: norm must be one of {NORMS}, got {kind!r}")
    return kind


def norm_layer(kind: str, channels: int) -> nn.Module:
    """The normalisation after a convolution: ``"instance"`` (CycleGAN: per image and channel,
    no learnt scale, no running statistics, so training and testing behave alike),
    ``"batch"`` (pix2pix) or ``"none"`` (an Identity, which keeps the layer indices, and so the
    state_dict keys, the same for every kind)."""
    _check_norm(kind, "norm_layer")
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    return nn.Identity()


def conv_bias(kind: str) -> bool:
    """Whether a convolution followed by a ``kind`` norm gets a bias. Batch norm subtracts the
    mean and adds its own learnt shift, so a bias before it is wasted: no bias. The repository
    keeps the bias before instance norm (which, having no affine shift, cancels it too, but the
    parameter counts we match include it). Without a norm the bias is the layer's only shift,
    so it stays (the repository drops it there, an accident of its ``use_bias`` test)."""
    return _check_norm(kind, "conv_bias") != "batch"


def init_weights(module: nn.Module, gain: float = 0.02) -> nn.Module:
    """The repository's ``init_weights(net, "normal", 0.02)``, in place, from minigan's seeded
    generator: (transposed) convolution and linear weights from N(0, gain), biases 0, batch-norm
    scales from N(1, gain) and shifts 0 (DCGAN's initialisation, with the same draws)."""
    from minigan.gan.models.dcgan import dcgan_init_

    return dcgan_init_(module, std=gain)


def check_image_batch(network: str, x, channels: int, multiple: int, smallest: int,
                      why: str) -> None:
    """Raise an error naming ``network`` unless ``x`` is a Tensor (N, channels, H, W) with H and
    W multiples of ``multiple`` (``why`` says where that comes from) and at least ``smallest``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{network} expects a Tensor, got {type(x).__name__}")
    shape = tuple(x.shape)
    if len(shape) != 4 or shape[1] != channels or shape[2] % multiple or \
            shape[3] % multiple or min(shape[2:]) < smallest:
        raise ValueError(f"{network}: expected input (N, {channels}, H, W) with H and W "
                         f"multiples of {multiple} ({why}) and at least {smallest}, got shape "
                         f"{shape}")


class ResnetBlock(nn.Module):
    """``x + conv_block(x)`` with ``conv_block`` = reflection pad 1, 3x3 conv, norm, ReLU,
    [Dropout(0.5)], reflection pad 1, 3x3 conv, norm. Same width and size in and out."""

    def __init__(self, dim: int, norm: str = "instance", use_dropout: bool = False,
                 use_bias: bool | None = None):
        super().__init__()
        bias = conv_bias(norm) if use_bias is None else use_bias
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm_layer(norm, dim),
                  nn.ReLU(True)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm_layer(norm, dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """Image (N, in_channels, H, W) -> image (N, out_channels, H, W) in [-1, 1].

    Args:
        in_channels, out_channels: channels of the two domains (3 for photos, 1 for digits).
        ngf: width of the first layer; each downsampling doubles it.
        n_blocks: residual blocks at the lowest resolution (9 for 256x256, 6 for 128x128).
        n_downsampling: stride-2 layers down (and as many up); H and W must be multiples of
            ``2 ** n_downsampling``.
        norm: ``"instance"`` (the paper), ``"batch"`` or ``"none"``.
        use_dropout: Dropout(0.5) inside each block (off in CycleGAN).
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 3, ngf: int = 64,
                 n_blocks: int = 9, n_downsampling: int = 2, norm: str = "instance",
                 use_dropout: bool = False):
        super().__init__()
        _check_norm(norm, "ResnetGenerator")
        if min(in_channels, out_channels, ngf) < 1 or n_blocks < 0 or n_downsampling < 0:
            raise ValueError(f"ResnetGenerator needs positive channel counts and ngf, and "
                             f"non-negative n_blocks and n_downsampling; got in_channels="
                             f"{in_channels}, out_channels={out_channels}, ngf={ngf}, n_blocks="
                             f"{n_blocks}, n_downsampling={n_downsampling}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.n_downsampling, self.norm = n_downsampling, norm
        bias = conv_bias(norm)
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, ngf, 7, bias=bias),
                  norm_layer(norm, ngf), nn.ReLU(True)]
        for i in range(n_downsampling):
            width = ngf * 2 ** i
            layers += [nn.Conv2d(width, 2 * width, 3, stride=2, padding=1, bias=bias),
                       norm_layer(norm, 2 * width), nn.ReLU(True)]
        width = ngf * 2 ** n_downsampling
        layers += [ResnetBlock(width, norm, use_dropout, bias) for _ in range(n_blocks)]
        for i in range(n_downsampling):
            width = ngf * 2 ** (n_downsampling - i)
            layers += [nn.ConvTranspose2d(width, width // 2, 3, stride=2, padding=1,
                                          output_padding=1, bias=bias),
                       norm_layer(norm, width // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)
        init_weights(self)

    def check_input(self, x) -> None:
        """Raise a ValueError naming the generator unless x is (N, in_channels, H, W) with H and
        W multiples of 2**n_downsampling and large enough for the reflection paddings."""
        step = 2 ** self.n_downsampling
        # pad 3 needs a side > 3, each block's pad 1 a side > 1
        check_image_batch("ResnetGenerator", x, self.in_channels, step, max(4, 2 * step),
                          "2**n_downsampling")

    def forward(self, x: Tensor) -> Tensor:
        self.check_input(x)
        return self.model(x)
