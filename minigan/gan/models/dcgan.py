"""DCGAN (Radford et al., 2016): the convolutional GAN, following the paper's guidelines.

The lecture's list, and where each item is in the code below:

* no pooling: D downsamples with strided convolutions, G upsamples with transposed ones;
* batch norm in both networks, but not on G's output layer nor on D's input layer;
* ReLU in G (tanh on its output), LeakyReLU(0.2) in D;
* weights from N(0, 0.02), batch-norm scales from N(1, 0.02), biases 0 (:func:`dcgan_init_`);
* Adam(lr=2e-4, betas=(0.5, 0.999)).

For 28x28 MNIST (``width=64``, ``latent_dim=100``)::

    G: z (100) -> Linear -> 128*7*7 + BatchNorm1d + ReLU -> (128, 7, 7)
       -> ConvTranspose2d(128, 64, 4, 2, 1) + BatchNorm2d + ReLU      (64, 14, 14)
       -> ConvTranspose2d(64, 1, 4, 2, 1) + Tanh                       (1, 28, 28)
    D: x (1, 28, 28) -> Conv2d(1, 64, 4, 2, 1) + LeakyReLU(0.2)        (64, 14, 14)
       -> Conv2d(64, 128, 4, 2, 1) + BatchNorm2d + LeakyReLU(0.2)      (128, 7, 7)
       -> Flatten -> Linear(6272, 1)                                   a logit (or an LSGAN score)

``variant="allconv"`` is the all-convolutional form common in DCGAN tutorials for 28x28
digits (PyTorch's DCGAN example scaled down): the 7x7 seed is made, and read, by a convolution
whose kernel covers the whole 7x7 map instead of by a linear layer::

    G: z (100) as (100, 1, 1) -> ConvTranspose2d(100, 128, 7, 1, 0) + BatchNorm2d + ReLU
                                                                       (128, 7, 7)
       -> ConvTranspose2d(128, 64, 4, 2, 1) + BatchNorm2d + ReLU      (64, 14, 14)
       -> ConvTranspose2d(64, 1, 4, 2, 1) + Tanh                       (1, 28, 28)
    D: x (1, 28, 28) -> Conv2d(1, 64, 4, 2, 1) + LeakyReLU(0.2)        (64, 14, 14)
       -> Conv2d(64, 128, 4, 2, 1) + BatchNorm2d + LeakyReLU(0.2)      (128, 7, 7)
       -> Conv2d(128, 1, 7, 1, 0) -> Flatten                           a logit (N, 1)

The arithmetic is the same (a 7x7 kernel over a 7x7 map is a dense layer), but there is no
6,272-wide dense layer with batch norm over 6,272 features at G's input: G's first layer
normalises 128 channels of 7x7 maps like its other layers, and every layer of both networks
is a convolution, as the paper's guidelines ask.

A kernel of 4 with stride 2 and padding 1 exactly halves (or doubles) the side, and every
output pixel of a transposed convolution gets contributions from the same number (4) of
kernel taps, which avoids the checkerboard pattern of a kernel of 3 at stride 2.

The same training step serves three losses: the BCE game with the non-saturating (default) or
minimax generator loss, and least squares (``loss="lsgan"``, Mao et al. 2017), where D's output
is a raw score regressed to ``b`` for real and ``a`` for fake data, and G pulls it to ``c``.
"""
from __future__ import annotations

import numpy as np

from minigan import nn, optim
from minigan.autograd import Tensor
from minigan.gan import losses
from minigan.gan.base import GANModel
from minigan.gan.games import BCEGame, LeastSquaresGame
from minigan.gan.recipe import check_recipe
from minigan.nn import init

LOSSES = ("nonsaturating", "minimax", "lsgan")


def _check_image_shape(image_shape, who: str) -> tuple:
    shape = tuple(int(s) for s in image_shape)
    if len(shape) != 3 or shape[1] % 4 or shape[2] % 4 or min(shape) < 1:
        raise ValueError(f"{who}: image_shape must be (C, H, W) with H and W multiples of 4 "
                         f"(two stride-2 layers), got {tuple(image_shape)}")
    return shape


def dcgan_generator(latent_dim: int = 100, width: int = 64,
                    image_shape=(1, 28, 28)) -> nn.Sequential:
    """z (N, latent_dim) -> images (N, C, H, W) in [-1, 1], from a (2*width, H/4, W/4) seed
    upsampled twice. No batch norm on the output layer: the generator must be free to set the
    mean and spread of its pixels (the paper found that normalising it made training unstable).
    """
    c, h, w = _check_image_shape(image_shape, "dcgan_generator")
    seed = (2 * width, h // 4, w // 4)
    features = int(np.prod(seed))
    net = nn.Sequential(
        nn.Linear(latent_dim, features), nn.BatchNorm1d(features), nn.ReLU(),
        nn.Unflatten(1, seed),
        nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(),
        nn.ConvTranspose2d(width, c, 4, 2, 1), nn.Tanh())
    return dcgan_init_(net)


def dcgan_discriminator(width: int = 64, image_shape=(1, 28, 28)) -> nn.Sequential:
    """images (N, C, H, W) -> one raw score per image (N, 1): a logit for the BCE losses.
    No batch norm on the input layer: it would erase the mean and scale of the images, which
    is part of what tells real from fake."""
    c, h, w = _check_image_shape(image_shape, "dcgan_discriminator")
    net = nn.Sequential(
        nn.Conv2d(c, width, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 2, 1), nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(2 * width * (h // 4) * (w // 4), 1))
    return dcgan_init_(net)


def allconv_generator(latent_dim: int = 100, width: int = 64,
                      image_shape=(1, 28, 28)) -> nn.Sequential:
    """z (N, latent_dim) -> images (N, C, H, W) in [-1, 1] (``variant="allconv"``): z as a
    1x1 map, grown to the (2*width, H/4, W/4) seed by a transposed convolution whose kernel
    is the seed's size, then upsampled twice as in :func:`dcgan_generator`."""
    c, h, w = _check_image_shape(image_shape, "allconv_generator")
    net = nn.Sequential(
        nn.Unflatten(1, (latent_dim, 1, 1)),
        nn.ConvTranspose2d(latent_dim, 2 * width, (h // 4, w // 4), 1, 0),
        nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(),
        nn.ConvTranspose2d(width, c, 4, 2, 1), nn.Tanh())
    return dcgan_init_(net)


def allconv_discriminator(width: int = 64, image_shape=(1, 28, 28)) -> nn.Sequential:
    """images (N, C, H, W) -> a logit (N, 1) (``variant="allconv"``): downsampled twice as in
    :func:`dcgan_discriminator`, then one convolution whose kernel covers the whole
    (H/4, W/4) map."""
    c, h, w = _check_image_shape(image_shape, "allconv_discriminator")
    net = nn.Sequential(
        nn.Conv2d(c, width, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 2, 1), nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
        nn.Conv2d(2 * width, 1, (h // 4, w // 4), 1, 0), nn.Flatten())
    return dcgan_init_(net)


# The network pairs of ``DCGAN(variant=...)``: (generator, discriminator) builders.
VARIANTS = {"lecture": (dcgan_generator, dcgan_discriminator),
            "allconv": (allconv_generator, allconv_discriminator)}


def dcgan_init_(module: nn.Module, std: float = 0.02) -> nn.Module:
    """DCGAN's initialisation, in place: every (transposed) convolution's and linear layer's
    weight from N(0, std), every batch norm's scale from N(1, std), all biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and m.weight is not None:
            init.normal_(m.weight, 1.0, std)
            init.zeros_(m.bias)
    return module


class DCGAN(GANModel):
    """The convolutional GAN for small grey (or colour) images: MNIST, Fashion-MNIST.

    Args:
        latent_dim: size of the noise vector z.
        g_width, d_width: channels of the 14x14 layers (the 7x7 ones have twice as many);
            64 is the architecture above, small values make quick tests.
        image_shape: (C, H, W), H and W multiples of 4.
        lr, betas: Adam's settings, shared by both networks.
        k: discriminator updates per generator update.
        loss: ``"nonsaturating"`` (default), ``"minimax"`` or ``"lsgan"``.
        coding: LSGAN's targets (a, b, c), ``"01"`` = (0, 1, 1) or ``"-11"`` = (-1, 1, 0)
            (see :data:`minigan.gan.losses.LSGAN_CODINGS`); ignored by the BCE losses.
        n_fixed: how many fixed noise vectors the per-epoch grid shows.
        device: ``"cpu"`` or ``"cuda"``.
        recipe: what the update adds to the plain game (:mod:`minigan.gan.recipe`).
        variant: the networks: ``"lecture"`` (default: G's linear seed, D's linear read-out)
            or ``"allconv"`` (convolutions only; see the module docstring). The config holds
            it only when it is not the default, so lecture runs' configs and checkpoints are
            what they were before the option existed.
    """

    name = "dcgan"

    def __init__(self, latent_dim: int = 100, g_width: int = 64, d_width: int = 64,
                 image_shape=(1, 28, 28), lr: float = 2e-4, betas=(0.5, 0.999), k: int = 1,
                 loss: str = "nonsaturating", coding: str = "01", n_fixed: int = 64,
                 device=None, recipe: dict | None = None, variant: str = "lecture"):
        if variant not in VARIANTS:
            raise ValueError(f"{type(self).__name__}: variant must be one of {tuple(VARIANTS)}, "
                             f"got {variant!r}")
        self.variant = variant
        if loss not in LOSSES:
            raise ValueError(f"{type(self).__name__}: loss must be one of {LOSSES}, got {loss!r}")
        if coding not in losses.LSGAN_CODINGS:  # checked for the BCE losses too: it is saved
            raise ValueError(f"{type(self).__name__}: coding must be one of "
                             f"{tuple(losses.LSGAN_CODINGS)}, got {coding!r}")
        recipe = check_recipe(type(self).__name__, recipe)
        self.game = (LeastSquaresGame(coding) if loss == "lsgan"
                     else BCEGame(loss, recipe["label_smoothing"]))
        super().__init__(self._config(latent_dim=latent_dim, g_width=g_width, d_width=d_width,
                                      image_shape=list(image_shape), lr=lr, betas=list(betas),
                                      k=k, loss=loss, coding=coding, n_fixed=n_fixed,
                                      recipe=recipe,
                                      **({} if variant == "lecture" else {"variant": variant})),
                         k=k, device=device)
        self.loss = loss
        self.coding = coding
        self.image_shape = _check_image_shape(image_shape, type(self).__name__)
        self.set_networks(*self._build_networks(),
                          lambda params, lr: optim.Adam(params, lr=lr, betas=tuple(betas)),
                          lr, n_fixed)

    # Hooks a subclass (LSGAN) changes: which arguments it takes and which networks it builds.

    def _config(self, **config) -> dict:
        return config

    def _build_networks(self):
        cfg = self.config
        generator, discriminator = VARIANTS[self.variant]
        return (generator(cfg["latent_dim"], cfg["g_width"], self.image_shape),
                discriminator(cfg["d_width"], self.image_shape))

    # ---------------------------------------------------------------- the protocol

    def update(self, batch, update_generator: bool) -> dict:
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self.adversarial_update(real.reshape(real.shape[0], *self.image_shape),
                                       update_generator)

    def generate(self, noise: Tensor, labels=None) -> Tensor:
        return self.sampling_generator(noise).reshape(noise.shape[0], *self.image_shape)
