"""pix2pix's U-Net generator (Isola et al., 2017; Ronneberger et al., 2015).

An encoder-decoder whose mirror layers are joined by skip connections: the decoder layer at
each resolution receives the encoder's features of that resolution concatenated to its own.
In image-to-image translation input and output share their structure (edges, strokes,
positions), and the skips carry it across directly instead of squeezing it through the 1x1
bottleneck.

Built from the inside out, as in pytorch-CycleGAN-and-pix2pix, by nesting
:class:`UnetSkipConnectionBlock`\\ s. Level i (0 = outermost) goes from ``ngf * min(2**(i-1), 8)``
to ``ngf * min(2**i, 8)`` channels; with ``num_downs=8`` on 256x256 images::

    x --down0--> 64 --down1--> 128 --down2--> 256 --down3--> 512 --down4..6--> 512 --down7--> 1x1
    y <--up0--- [64|64] <--up1-- [128|128] <--  ...   <--up6-- [512|512] <--up7-- (innermost)

Every block but the outermost returns ``cat([x, block(x)], channels)``, which is why its parent's
up-convolution takes twice its width. Down: LeakyReLU(0.2), Conv 4x4 stride 2, norm; up: ReLU,
ConvTranspose 4x4 stride 2, norm. The outermost has no norm and ends in Tanh; the innermost has
no norm on its way down (a 1x1 map's batch statistics would be those of N numbers). Dropout(0.5)
follows the up-path of the ``num_downs - 5`` blocks that are ngf*8 wide on both sides: pix2pix's
only source of noise, kept on at test time in the paper.

Names and parameter counts equal the repository's for ``num_downs >= 5`` (54,414,531 for
``UnetGenerator(3, 3, 8, 64)``). Fewer levels (2 to 4) are allowed for tiny tests; they drop the
middle blocks.
"""
from __future__ import annotations

from minigan import nn
from minigan.autograd import Tensor
from minigan.gan.models.resnet_generator import (_check_norm, check_image_batch, conv_bias,
                                                  init_weights, norm_layer)
from minigan.ops.math import concat

__all__ = ["UnetSkipConnectionBlock", "UnetGenerator"]


class UnetSkipConnectionBlock(nn.Module):
    """One level of the U-Net: down-convolution, the ``submodule`` (the inner levels), up-
    convolution, and the skip. Input (N, input_nc or outer_nc, H, W); output (N, 2 * outer_nc,
    H, W) (the input and the block's result, side by side), or (N, outer_nc, H, W) outermost.
    """

    def __init__(self, outer_nc: int, inner_nc: int, input_nc: int | None = None,
                 submodule: nn.Module | None = None, outermost: bool = False,
                 innermost: bool = False, norm: str = "batch", use_dropout: bool = False):
        super().__init__()
        self.outermost = outermost
        bias = conv_bias(norm)
        input_nc = outer_nc if input_nc is None else input_nc
        downconv = nn.Conv2d(input_nc, inner_nc, 4, stride=2, padding=1, bias=bias)
        if outermost:
            up_in = 2 * inner_nc
            model = [downconv, submodule, nn.ReLU(True),
                     nn.ConvTranspose2d(up_in, outer_nc, 4, stride=2, padding=1), nn.Tanh()]
        elif innermost:
            model = [nn.LeakyReLU(0.2, True), downconv, nn.ReLU(True),
                     nn.ConvTranspose2d(inner_nc, outer_nc, 4, stride=2, padding=1, bias=bias),
                     norm_layer(norm, outer_nc)]
        else:
            model = [nn.LeakyReLU(0.2, True), downconv, norm_layer(norm, inner_nc), submodule,
                     nn.ReLU(True),
                     nn.ConvTranspose2d(2 * inner_nc, outer_nc, 4, stride=2, padding=1, bias=bias),
                     norm_layer(norm, outer_nc)]
            if use_dropout:
                model.append(nn.Dropout(0.5))
        if submodule is None and not innermost:
            raise ValueError("UnetSkipConnectionBlock: only the innermost block has no submodule")
        self.model = nn.Sequential(*model)

    def forward(self, x: Tensor) -> Tensor:
        if self.outermost:
            return self.model(x)
        return concat([x, self.model(x)], axis=1)


class UnetGenerator(nn.Module):
    """Image (N, in_channels, H, W) -> image (N, out_channels, H, W) in [-1, 1].

    Args:
        in_channels, out_channels: channels of the input and output images.
        num_downs: stride-2 levels; H and W must be multiples of ``2 ** num_downs`` (8 for
            256x256 images, down to a 1x1 bottleneck; 5 for 32x32 digits).
        ngf: width of the outermost level; inner levels double it, up to ngf * 8.
        norm: ``"batch"`` (pix2pix), ``"instance"`` or ``"none"``.
        use_dropout: Dropout(0.5) in the inner ngf*8-wide decoder layers.
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 3, num_downs: int = 8,
                 ngf: int = 64, norm: str = "batch", use_dropout: bool = True):
        super().__init__()
        _check_norm(norm, "UnetGenerator")
        if min(in_channels, out_channels, ngf) < 1 or num_downs < 2:
            raise ValueError(f"UnetGenerator needs positive channel counts and ngf and "
                             f"num_downs >= 2; got in_channels={in_channels}, out_channels="
                             f"{out_channels}, ngf={ngf}, num_downs={num_downs}")
        self.in_channels, self.out_channels, self.num_downs = in_channels, out_channels, num_downs
        width = [ngf * min(2 ** i, 8) for i in range(num_downs)]  # inner width of level i
        block = UnetSkipConnectionBlock(width[-2], width[-1], innermost=True, norm=norm)
        for i in range(num_downs - 2, 0, -1):
            block = UnetSkipConnectionBlock(width[i - 1], width[i], submodule=block, norm=norm,
                                            use_dropout=use_dropout and i >= 4)
        self.model = UnetSkipConnectionBlock(out_channels, width[0], input_nc=in_channels,
                                             submodule=block, outermost=True, norm=norm)
        init_weights(self)

    def check_input(self, x) -> None:
        """Raise a ValueError naming the generator unless x is (N, in_channels, H, W) with H and
        W multiples of 2**num_downs (each level halves them; the skips need exact halves)."""
        step = 2 ** self.num_downs
        check_image_batch("UnetGenerator", x, self.in_channels, step, step,
                          f"2**num_downs, num_downs={self.num_downs}")

    def forward(self, x: Tensor) -> Tensor:
        self.check_input(x)
        return self.model(x)
