"""Wasserstein GANs: WGAN (Arjovsky et al., 2017) and WGAN-GP (Gulrajani et al., 2017).

The discriminator becomes a *critic* f: an unbounded score (no sigmoid), trained to maximise

    W_est = mean f(x) - mean f(G(z))

over 1-Lipschitz functions. By the Kantorovich-Rubinstein duality the maximum is the
Earth-Mover (Wasserstein-1) distance between the data and the generator's distribution, so,
unlike the vanilla GAN's losses, W_est falls as the samples improve: it is the "better
measurement of progress" the lecture promises, logged here as ``wasserstein``. The generator
minimises -mean f(G(z)).

The critic must stay Lipschitz, and it is trained ``k = 5`` times per generator update, so that
it is near its optimum when the generator asks it for directions:

* ``penalty="clip"`` (WGAN): clamp every critic weight to [-0.01, 0.01] after each critic
  update; RMSprop(lr=5e-5) for both networks (the paper found momentum-based optimisers
  unstable with clipping).
* ``penalty="gp"`` (WGAN-GP): add lambda * mean (||grad f(x_hat)|| - 1)^2 on random
  interpolates of real and fake samples (lambda = 10); Adam(lr=1e-4, betas=(0.5, 0.9)). The
  penalty is per sample, so the critic uses no batch norm (which would couple the samples of a
  batch): layer norm in the convolutional critic, nothing in the MLP one.

``optimizer="adam"`` (or ``"rmsprop"``) overrides the paper's choice, so that the two ways of
keeping f Lipschitz can be compared with one optimiser (lesson 12).
"""
from __future__ import annotations

import numpy as np

from minigan import nn, optim
from minigan.autograd import Tensor
from minigan.gan import losses
from minigan.gan.base import GANModel
from minigan.gan.games import WassersteinGame
from minigan.gan.models.dcgan import (_check_image_shape, dcgan_discriminator, dcgan_generator,
                                      dcgan_init_)
from minigan.gan.models.mlp import mlp_discriminator, mlp_generator
from minigan.gan.recipe import check_recipe

ARCHS = ("mlp", "dcgan")
PENALTIES = WassersteinGame.PENALTIES
OPTIMIZERS = ("rmsprop", "adam")
# Each penalty's optimiser settings from its paper.
DEFAULTS = {"clip": dict(lr=5e-5, betas=None, clip_value=0.01),
            "gp": dict(lr=1e-4, betas=(0.5, 0.9), gp_weight=10.0)}


def mlp_critic(in_features: int = 784, hidden=(512, 256), negative_slope: float = 0.2
               ) -> nn.Sequential:
    """images (N, in_features) -> scores (N, 1): Linear + LeakyReLU layers, no sigmoid, no
    dropout (the critic should be a deterministic function for its score to mean something)."""
    return mlp_discriminator(in_features, hidden, dropout=0.0, negative_slope=negative_slope)


def conv_critic_gp(width: int = 64, image_shape=(1, 28, 28)) -> nn.Sequential:
    """DCGAN's discriminator shape for WGAN-GP: the batch norm replaced by layer norm over
    (C, H, W), which normalises each sample on its own."""
    c, h, w = _check_image_shape(image_shape, "conv_critic_gp")
    net = nn.Sequential(
        nn.Conv2d(c, width, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LayerNorm((2 * width, h // 4, w // 4)),
        nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(2 * width * (h // 4) * (w // 4), 1))
    return dcgan_init_(net)


class WGAN(GANModel):
    """WGAN with weight clipping (``penalty="clip"``) or a gradient penalty (``"gp"``).

    Args:
        penalty: ``"clip"`` or ``"gp"``.
        arch: ``"mlp"`` (the vanilla generator and an MLP critic) or ``"dcgan"`` (DCGAN's
            generator; DCGAN's discriminator as the critic for clipping, with layer norm
            instead of batch norm for the gradient penalty).
        latent_dim: size of z.
        g_hidden, d_hidden: MLP widths; ``width``: the conv nets' base channel count.
        image_shape: (C, H, W).
        lr: learning rate (default: 5e-5 for clip, 1e-4 for gp).
        betas: Adam's betas (default (0.5, 0.9)); RMSprop ignores them.
        optimizer: ``"rmsprop"`` or ``"adam"`` for both networks; None (the default) takes each
            paper's: RMSprop for clip, Adam for gp.
        k: critic updates per generator update (5).
        clip_value: c of the clipping (0.01).
        gp_weight: lambda of the gradient penalty (10).
        n_fixed: how many fixed noise vectors the per-epoch grid shows.
        device: ``"cpu"`` or ``"cuda"``.
        recipe: what the update adds to the game (:mod:`minigan.gan.recipe`).
    """

    name = "wgan"

    def __init__(self, penalty: str = "gp", arch: str = "mlp", latent_dim: int = 100,
                 g_hidden=(256, 512, 1024), d_hidden=(512, 256), width: int = 64,
                 image_shape=(1, 28, 28), lr: float | None = None, betas=None, k: int = 5,
                 clip_value: float = 0.01, gp_weight: float = 10.0, n_fixed: int = 64,
                 device=None, recipe: dict | None = None, optimizer: str | None = None):
        if penalty not in PENALTIES:
            raise ValueError(f"WGAN: penalty must be one of {PENALTIES}, got {penalty!r}")
        if arch not in ARCHS:
            raise ValueError(f"WGAN: arch must be one of {ARCHS}, got {arch!r}")
        if clip_value <= 0 or gp_weight < 0:
            raise ValueError(f"WGAN: clip_value must be positive and gp_weight non-negative, "
                             f"got {clip_value} and {gp_weight}")
        papers = "rmsprop" if penalty == "clip" else "adam"
        optimizer = optimizer or papers
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"WGAN: optimizer must be one of {OPTIMIZERS} (or None, for the "
                             f"paper's), got {optimizer!r}")
        recipe = check_recipe("WGAN", recipe)
        self.game = WassersteinGame(penalty, clip_value, gp_weight)
        lr = DEFAULTS[penalty]["lr"] if lr is None else lr
        betas = tuple(betas or DEFAULTS["gp"]["betas"])
        config = dict(penalty=penalty, arch=arch, latent_dim=latent_dim,
                      g_hidden=list(g_hidden), d_hidden=list(d_hidden), width=width,
                      image_shape=list(image_shape), lr=lr, betas=list(betas), k=k,
                      clip_value=clip_value, gp_weight=gp_weight, n_fixed=n_fixed, recipe=recipe)
        if optimizer != papers:  # only then: checkpoints of the papers' settings stay as they were
            config["optimizer"] = optimizer
        super().__init__(config, k=k, device=device)
        self.penalty, self.arch = penalty, arch
        self.clip_value, self.gp_weight = clip_value, gp_weight
        self.image_shape = tuple(image_shape)
        pixels = int(np.prod(self.image_shape))
        if arch == "mlp":
            G, D = mlp_generator(latent_dim, g_hidden, pixels), mlp_critic(pixels, d_hidden)
        else:
            G = dcgan_generator(latent_dim, width, image_shape)
            D = (dcgan_discriminator(width, image_shape) if penalty == "clip"
                 else conv_critic_gp(width, image_shape))
        if optimizer == "rmsprop":
            self.set_networks(G, D, lambda params, lr: optim.RMSprop(params, lr=lr), lr, n_fixed)
        else:
            self.set_networks(G, D, lambda params, lr: optim.Adam(params, lr=lr, betas=betas),
                              lr, n_fixed)
        if penalty == "clip":
            losses.clip_weights(self.D, clip_value)  # start inside the constraint

    def update(self, batch, update_generator: bool) -> dict:
        """The critic's step (the game's loss, its penalty, then clipping if that is how this
        WGAN keeps f Lipschitz); every k-th batch, G's step on the updated critic."""
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        n = real.shape[0]
        real = real.reshape(n, -1) if self.arch == "mlp" else real.reshape(n, *self.image_shape)
        return self.adversarial_update(real, update_generator)

    def generate(self, noise: Tensor, labels=None) -> Tensor:
        return self.sampling_generator(noise).reshape(noise.shape[0], *self.image_shape)
