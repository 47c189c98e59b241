"""Least-squares GAN (Mao et al., 2017): the DCGAN or MLP networks, trained with squared errors.

D outputs a raw score (no sigmoid) and is trained to regress real images to ``b`` and fakes to
``a``; G is trained to make D output ``c`` on its samples:

    loss_D = 1/2 E_x (D(x) - b)^2 + 1/2 E_z (D(G(z)) - a)^2
    loss_G = 1/2 E_z (D(G(z)) - c)^2

Two codings (a, b, c): ``"01"`` = (0, 1, 1), the common practical choice, and ``"-11"`` =
(-1, 1, 0), which satisfies the paper's b - c = 1, b - a = 2 under which the game minimises the
Pearson chi^2 divergence between (data + generator) and twice the generator. A sigmoid-BCE
loss stops pulling on fakes that D already classifies correctly; the squared error keeps
pulling them towards the data in proportion to their distance, which gives G useful gradients
for longer.

The training step is :class:`minigan.gan.models.dcgan.DCGAN`'s with ``loss="lsgan"``; this
class adds the choice of networks (``arch="dcgan"`` or the vanilla GAN's ``"mlp"``).
"""
from __future__ import annotations

import numpy as np

from minigan import nn
from minigan.gan.models.dcgan import DCGAN
from minigan.gan.models.mlp import mlp_discriminator, mlp_generator

ARCHS = ("dcgan", "mlp")


class LSGAN(DCGAN):
    """Least-squares GAN on 28x28 images.

    Args:
        latent_dim: size of the noise vector z.
        arch: ``"dcgan"`` (convolutional, see :mod:`~minigan.gan.models.dcgan`) or ``"mlp"``
            (the vanilla GAN's fully connected networks, see :mod:`~minigan.gan.models.mlp`).
        coding: ``"01"`` (a, b, c) = (0, 1, 1) or ``"-11"`` = (-1, 1, 0).
        g_width, d_width: the DCGAN networks' widths (``arch="dcgan"``).
        g_hidden, d_hidden, dropout: the MLP networks' hidden widths and D's dropout
            (``arch="mlp"``).
        image_shape, lr, betas, k, n_fixed, device, recipe: as in :class:`DCGAN`.
    """

    name = "lsgan"

    def __init__(self, latent_dim: int = 100, arch: str = "dcgan", coding: str = "01",
                 g_width: int = 64, d_width: int = 64, g_hidden=(256, 512, 1024),
                 d_hidden=(1024, 512, 256), dropout: float = 0.3, image_shape=(1, 28, 28),
                 lr: float = 2e-4, betas=(0.5, 0.999), k: int = 1, n_fixed: int = 64,
                 device=None, recipe: dict | None = None):
        if arch not in ARCHS:
            raise ValueError(f"LSGAN: arch must be one of {ARCHS}, got {arch!r}")
        self._extra = dict(arch=arch, g_hidden=list(g_hidden), d_hidden=list(d_hidden),
                           dropout=dropout)
        super().__init__(latent_dim=latent_dim, g_width=g_width, d_width=d_width,
                         image_shape=image_shape, lr=lr, betas=betas, k=k, loss="lsgan",
                         coding=coding, n_fixed=n_fixed, device=device, recipe=recipe)
        self.arch = arch

    def _config(self, **config) -> dict:
        config.pop("loss")  # always least squares: not a constructor argument here
        return {**config, **self._extra}

    def _build_networks(self):
        cfg = self.config
        if cfg["arch"] == "dcgan":
            return super()._build_networks()
        pixels = int(np.prod(self.image_shape))
        G = nn.Sequential(mlp_generator(cfg["latent_dim"], cfg["g_hidden"], pixels),
                          nn.Unflatten(1, self.image_shape))
        D = nn.Sequential(nn.Flatten(), mlp_discriminator(pixels, cfg["d_hidden"], cfg["dropout"]))
        return G, D
