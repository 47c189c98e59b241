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
"""
from __future__ import annotations

import numpy as np

from minigan import nn, optim
from minigan.autograd import Tensor, no_grad
from minigan.gan import losses
from minigan.gan.base import GANModel
from minigan.gan.models.dcgan import (_check_image_shape, dcgan_discriminator, dcgan_generator,
                                      dcgan_init_)
from minigan.gan.models.mlp import mlp_generator

ARCHS = ("mlp", "dcgan")
PENALTIES = ("clip", "gp")
# Each penalty's optimiser settings from its paper.
DEFAULTS = {"clip": dict(lr=5e-5, betas=None, clip_value=0.01),
            "gp": dict(lr=1e-4, betas=(0.5, 0.9), gp_weight=10.0)}


def mlp_critic(in_features: int = 784, hidden=(512, 256), negative_slope: float = 0.2
               ) -> nn.Sequential:
    """images (N, in_features) -> scores (N, 1): Linear + LeakyReLU layers, no sigmoid, no
    dropout (the critic should be a deterministic function for its score to mean something)."""
    layers, width = [], in_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.LeakyReLU(negative_slope)]
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


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
        betas: Adam's betas for gp (default (0.5, 0.9)); clip uses RMSprop and ignores them.
        k: critic updates per generator update (5).
        clip_value: c of the clipping (0.01).
        gp_weight: lambda of the gradient penalty (10).
        n_fixed: how many fixed noise vectors the per-epoch grid shows.
        device: ``"cpu"`` or ``"cuda"``.
    """

    name = "wgan"

    def __init__(self, penalty: str = "gp", arch: str = "mlp", latent_dim: int = 100,
                 g_hidden=(256, 512, 1024), d_hidden=(512, 256), width: int = 64,
                 image_shape=(1, 28, 28), lr: float | None = None, betas=None, k: int = 5,
                 clip_value: float = 0.01, gp_weight: float = 10.0, n_fixed: int = 64,
                 device=None):
        if penalty not in PENALTIES:
            raise ValueError(f"WGAN: penalty must be one of {PENALTIES}, got {penalty!r}")
        if arch not in ARCHS:
            raise ValueError(f"WGAN: arch must be one of {ARCHS}, got {arch!r}")
        if clip_value <= 0 or gp_weight < 0:
            raise ValueError(f"WGAN: clip_value must be positive and gp_weight non-negative, "
                             f"got {clip_value} and {gp_weight}")
        lr = DEFAULTS[penalty]["lr"] if lr is None else lr
        betas = tuple(betas or DEFAULTS["gp"]["betas"])
        super().__init__(dict(penalty=penalty, arch=arch, latent_dim=latent_dim,
                              g_hidden=list(g_hidden), d_hidden=list(d_hidden), width=width,
                              image_shape=list(image_shape), lr=lr, betas=list(betas), k=k,
                              clip_value=clip_value, gp_weight=gp_weight, n_fixed=n_fixed),
                         k=k, device=device)
        self.penalty, self.arch = penalty, arch
        self.clip_value, self.gp_weight = clip_value, gp_weight
        self.image_shape = tuple(image_shape)
        pixels = int(np.prod(self.image_shape))
        if arch == "mlp":
            self.G = mlp_generator(latent_dim, g_hidden, pixels)
            self.D = mlp_critic(pixels, d_hidden)
        else:
            self.G = dcgan_generator(latent_dim, width, image_shape)
            self.D = (dcgan_discriminator(width, image_shape) if penalty == "clip"
                      else conv_critic_gp(width, image_shape))
        self.G.to(self.device)
        self.D.to(self.device)
        if penalty == "clip":
            self.opt_g = optim.RMSprop(self.G.parameters(), lr=lr)
            self.opt_d = optim.RMSprop(self.D.parameters(), lr=lr)
            losses.clip_weights(self.D, clip_value)  # start inside the constraint
        else:
            self.opt_g = optim.Adam(self.G.parameters(), lr=lr, betas=betas)
            self.opt_d = optim.Adam(self.D.parameters(), lr=lr, betas=betas)
        self.networks = {"G": self.G, "D": self.D}
        self.optimizers = {"G": self.opt_g, "D": self.opt_d}
        self.fixed_noise = self.noise(n_fixed)

    def _shape_for_critic(self, x: Tensor) -> Tensor:
        n = x.shape[0]
        return x.reshape(n, -1) if self.arch == "mlp" else x.reshape(n, *self.image_shape)

    def update(self, batch, update_generator: bool) -> dict:
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        real = self._shape_for_critic(real)
        z = self.noise(real.shape[0])

        # 1. Critic: maximise mean f(x) - mean f(G(z)) (minimise its negative), plus the
        # penalty; then clip, if that is how this WGAN keeps f Lipschitz.
        if update_generator:
            fake = self._shape_for_critic(self.G(z))
        else:
            with no_grad():
                fake = self._shape_for_critic(self.G(z))
        real_scores = self.D(real)
        fake_scores = self.D(fake.detach())
        loss_w = losses.critic_loss_wasserstein(real_scores, fake_scores)
        logs = {}
        if self.penalty == "gp":
            gp = losses.gradient_penalty(self.D, real, fake, self.gp_weight)
            loss_d = loss_w + gp
            logs["gp"] = gp.item()
        else:
            loss_d = loss_w
        loss_d_value = self.optimizer_step("D", loss_d)  # read once: it is also the log
        if self.penalty == "clip":
            losses.clip_weights(self.D, self.clip_value)
        logs = {"loss_d": loss_d_value, "wasserstein": -loss_w.item(), **logs,
                "critic_real": real_scores.detach().mean().item(),
                "critic_fake": fake_scores.detach().mean().item()}

        # 2. Generator (every k-th batch): raise the updated critic's score of the fakes.
        if update_generator:
            logs["loss_g"] = self.generator_step(
                lambda: losses.generator_loss_wasserstein(self.D(fake)))
        return logs

    def generate(self, noise: Tensor, labels=None) -> Tensor:
        return self.G(noise).reshape(noise.shape[0], *self.image_shape)
