"""The vanilla GAN (Goodfellow et al., 2014): two fully connected networks playing a game.

    G: z (100) -> 256 -> 512 -> 1024 -> 784, LeakyReLU(0.2) between layers, tanh at the end
    D: x (784) -> 1024 -> 512 -> 256 -> 1,   LeakyReLU(0.2) and Dropout(0.3) between layers

D outputs a logit (no sigmoid): the losses in :mod:`minigan.gan.losses` take logits, which keeps
them exact when D is very sure. Both networks train with Adam(lr=2e-4, betas=(0.5, 0.999)), the
lecture's advice (the default beta1 = 0.9 often fails for GANs).

One training step, as in the lecture ("train D for k iterations, then G once"):

1. D step: score a real batch and a batch of fakes G(z); minimise -[log D(x) + log(1 - D(G(z)))].
   The fakes are detached: this step must not change G.
2. G step (every k-th batch): score the same fakes with the updated D, and minimise the
   generator loss, non-saturating -log D(G(z)) by default. D's parameters are frozen meanwhile,
   so the backward pass skips their (unused) weight gradients.
"""
from __future__ import annotations

import numpy as np

from minigan import nn, optim
from minigan.autograd import Tensor
from minigan.gan.base import GANModel
from minigan.gan.games import BCEGame
from minigan.gan.recipe import check_recipe
from minigan.gan.remedy_game import RemedyDiscriminator, RemedyGame, check_remedy


def mlp_generator(latent_dim: int = 100, hidden=(256, 512, 1024), out_features: int = 784,
                  negative_slope: float = 0.2) -> nn.Sequential:
    """z (N, latent_dim) -> images (N, out_features) in [-1, 1]."""
    layers, width = [], latent_dim
    for h in hidden:
        layers += [nn.Linear(width, h), nn.LeakyReLU(negative_slope)]
        width = h
    layers += [nn.Linear(width, out_features), nn.Tanh()]
    return nn.Sequential(*layers)


def mlp_discriminator(in_features: int = 784, hidden=(1024, 512, 256), dropout: float = 0.3,
                      negative_slope: float = 0.2) -> nn.Sequential:
    """images (N, in_features) -> logits (N, 1): positive means "real"."""
    layers, width = [], in_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.LeakyReLU(negative_slope)]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


class VanillaGAN(RemedyGame, GANModel):
    """The lecture's fully connected GAN for 28x28 grey images (MNIST, Fashion-MNIST).

    Args:
        latent_dim: size of the noise vector z.
        g_hidden, d_hidden: widths of the hidden layers (smaller ones make quick tests).
        image_shape: (C, H, W) of the images; the networks see them flattened.
        dropout: D's dropout probability.
        lr, betas: Adam's settings, shared by both networks.
        k: discriminator updates per generator update.
        loss: the generator's loss, ``"nonsaturating"`` (-log D(G(z))) or ``"minimax"``
            (log(1 - D(G(z)))).
        n_fixed: how many fixed noise vectors the per-epoch grid shows.
        device: ``"cpu"`` or ``"cuda"``.
        remedy: a remedy against mode collapse (:mod:`minigan.gan.remedy_game`): ``"none"``
            (the lecture's network), ``"minibatch"``, ``"mbstd"``, ``"pack"`` or
            ``"unrolled"``. With a remedy, D is a :class:`RemedyDiscriminator` of the same
            widths, LeakyReLU and dropout.
        pack_size, mb_features, mb_kernel_dims, unroll_steps, unroll_optimizer: the remedies'
            settings (D scores ``pack_size`` images at once; minibatch discrimination's B and
            C, Salimans et al.'s 100 and 5; the look-ahead's steps and optimizer).
        recipe: what the update adds to the plain game (:mod:`minigan.gan.recipe`: moving
            average of G, augmentation, R1, label smoothing, D's own learning rate).
    """

    name = "vanilla"

    def __init__(self, latent_dim: int = 100, g_hidden=(256, 512, 1024),
                 d_hidden=(1024, 512, 256), image_shape=(1, 28, 28), dropout: float = 0.3,
                 lr: float = 2e-4, betas=(0.5, 0.999), k: int = 1,
                 loss: str = "nonsaturating", n_fixed: int = 64, device=None,
                 remedy: str = "none", pack_size: int = 4, mb_features: int = 100,
                 mb_kernel_dims: int = 5, unroll_steps: int = 5, unroll_optimizer: str = "adam",
                 recipe: dict | None = None):
        recipe = check_recipe("VanillaGAN", recipe)
        self.game = BCEGame(loss, recipe["label_smoothing"])
        check_remedy("VanillaGAN", remedy, pack_size, unroll_steps, unroll_optimizer)
        super().__init__(dict(latent_dim=latent_dim, g_hidden=list(g_hidden),
                              d_hidden=list(d_hidden), image_shape=list(image_shape),
                              dropout=dropout, lr=lr, betas=list(betas), k=k, loss=loss,
                              n_fixed=n_fixed, remedy=remedy, pack_size=pack_size,
                              mb_features=mb_features, mb_kernel_dims=mb_kernel_dims,
                              unroll_steps=unroll_steps, unroll_optimizer=unroll_optimizer,
                              recipe=recipe),
                         k=k, device=device)
        self.loss, self.remedy, self.betas = loss, remedy, tuple(betas)
        self.unroll_steps, self.unroll_optimizer = unroll_steps, unroll_optimizer
        self.image_shape = tuple(image_shape)
        pixels = int(np.prod(self.image_shape))
        G = mlp_generator(latent_dim, g_hidden, pixels)
        if remedy == "none":
            D = mlp_discriminator(pixels, d_hidden, dropout)
        else:
            D = RemedyDiscriminator(pixels, d_hidden, remedy, pack_size, mb_features,
                                    mb_kernel_dims, dropout=dropout)
        self.set_networks(G, D, lambda params, lr: optim.Adam(params, lr=lr, betas=self.betas),
                          lr, n_fixed)

    def update(self, batch, update_generator: bool) -> dict:
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        real = real.reshape(real.shape[0], -1)
        if self.remedy == "none":
            return self.adversarial_update(real, update_generator)
        return self.remedy_update(real, update_generator)

    def generate(self, noise: Tensor, labels=None) -> Tensor:
        return self.sampling_generator(noise).reshape(noise.shape[0], *self.image_shape)
