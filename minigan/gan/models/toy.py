"""A small MLP GAN for 2-D points, with a switch for each remedy against mode collapse.

    G: z (latent_dim) -> hidden -> ... -> 2,  ReLU between layers, no output activation
    D: x (2, or 2m packed) -> hidden -> ... -> [batch features] -> 1 logit,  LeakyReLU(0.2)

``remedy`` is one of ``"none"``, ``"minibatch"``, ``"mbstd"``, ``"pack"`` and ``"unrolled"``;
the discriminator and the update that each remedy changes are in
:mod:`minigan.gan.remedy_game`, which the fully connected MNIST GAN shares.
"""
from __future__ import annotations

import numpy as np

from minigan import nn, optim
from minigan.autograd import Tensor, no_grad
from minigan.gan.base import GANModel
from minigan.gan.games import BCEGame
from minigan.gan.remedy_game import (REMEDIES, RemedyDiscriminator, RemedyGame,  # noqa: F401
                                     check_remedy)
from minigan.ops import math as M
from minigan.ops.activation import sigmoid


def toy_generator(latent_dim: int = 16, hidden=(128, 128), out_features: int = 2):
    layers, width = [], latent_dim
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


class ToyGAN(RemedyGame, GANModel):
    """A GAN on 2-D points (ring or grid of Gaussians) with a mode-collapse remedy.

    Args:
        latent_dim: size of z.
        g_hidden, d_hidden: hidden widths.
        remedy: one of ``REMEDIES``.
        pack_size: samples per packed input (``"pack"``).
        mb_features, mb_kernel_dims: B and C of minibatch discrimination.
        unroll_steps, unroll_optimizer: look-ahead updates of the unrolled GAN and how they
            step (``"adam"`` from D's optimizer state, as in Metz et al.'s code, or ``"sgd"``).
        lr, betas: Adam's settings for both networks (the look-ahead uses D's).
        lr_decay: ``(start, end)`` steps: both learning rates stay at ``lr`` until step
            ``start``, then fall linearly to 0 at step ``end`` (None: constant). The end of the
            decay is what makes the modes sharp: at full rate the generator keeps jittering
            around each mode by more than the ring's 0.01 standard deviation.
        k: discriminator updates per generator update.
        n_fixed: fixed noise points drawn once (for pictures).
    """

    name = "toy"
    draws_images = False  # points in the plane

    def __init__(self, latent_dim: int = 16, g_hidden=(128, 128), d_hidden=(128, 128),
                 remedy: str = "none", pack_size: int = 4, mb_features: int = 8,
                 mb_kernel_dims: int = 4, unroll_steps: int = 5, unroll_optimizer: str = "adam",
                 lr: float = 1e-3, betas=(0.5, 0.999), lr_decay=None, k: int = 1,
                 n_fixed: int = 512, device=None):
        check_remedy("ToyGAN", remedy, pack_size, unroll_steps, unroll_optimizer)
        if lr_decay is not None:
            lr_decay = tuple(int(v) for v in lr_decay)
            if len(lr_decay) != 2 or not 0 <= lr_decay[0] < lr_decay[1]:
                raise ValueError(f"ToyGAN: lr_decay must be (start, end) steps with 0 <= start "
                                 f"< end, got {lr_decay}")
        super().__init__(dict(latent_dim=latent_dim, g_hidden=list(g_hidden),
                              d_hidden=list(d_hidden), remedy=remedy, pack_size=pack_size,
                              mb_features=mb_features, mb_kernel_dims=mb_kernel_dims,
                              unroll_steps=unroll_steps, unroll_optimizer=unroll_optimizer,
                              lr=lr, betas=list(betas),
                              lr_decay=None if lr_decay is None else list(lr_decay), k=k,
                              n_fixed=n_fixed),
                         k=k, device=device)
        self.remedy, self.loss, self.game = remedy, "nonsaturating", BCEGame("nonsaturating")
        self.unroll_steps, self.unroll_optimizer = unroll_steps, unroll_optimizer
        self.lr, self.betas, self.lr_decay = lr, tuple(betas), lr_decay
        self.set_networks(toy_generator(latent_dim, g_hidden),
                          RemedyDiscriminator(2, d_hidden, remedy, pack_size, mb_features,
                                              mb_kernel_dims),
                          lambda params, lr: optim.Adam(params, lr=lr, betas=self.betas),
                          lr, n_fixed)

    def learning_rate(self, step: int) -> float:
        """Both networks' learning rate at ``step`` (a function of the step alone, so a resumed
        run follows the same schedule)."""
        if self.lr_decay is None:
            return self.lr
        start, end = self.lr_decay
        return self.lr * min(1.0, max(0.0, (end - step) / (end - start)))

    def update(self, batch, update_generator: bool) -> dict:
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        lr = self.learning_rate(self.step)
        for optimizer in (self.opt_g, self.opt_d):
            for group in optimizer.param_groups:
                group["lr"] = lr
        return self.remedy_update(real, update_generator)

    def generate(self, noise: Tensor, labels=None) -> Tensor:
        return self.sampling_generator(noise)

    def d_probability(self, points: Tensor, reference: Tensor | None = None,
                      chunk: int = 256) -> Tensor:
        """D's probability of "real" at each of ``points`` (N, 2), for pictures.

        Batch-dependent discriminators need company: each chunk of points is scored together
        with ``reference`` (generated points, say); a packed D sees each point beside
        ``pack_size - 1`` reference points.
        """
        out = []
        with no_grad(), self.evaluating():
            for start in range(0, points.shape[0], chunk):
                x = points[start:start + chunk]
                c = x.shape[0]
                if self.pack_size > 1:
                    others = reference[:self.pack_size - 1]
                    rows = [M.concat([x[i:i + 1], others], axis=0) for i in range(c)]
                    logits = self.D(M.concat(rows, axis=0))
                elif self.D.batch_layer is not None and reference is not None:
                    logits = self.D(M.concat([x, reference], axis=0))[:c]
                else:
                    logits = self.D(x)
                out.append(sigmoid(logits).reshape(c))
        return M.concat(out, axis=0)

    def iter_samples(self, n: int, batch_size: int = 1000):
        """Batches of generated points, ``{"points": float32 (batch, 2)}`` (not images)."""
        for start in range(0, n, batch_size):
            yield {"points": self.sample(min(batch_size, n - start)).numpy().astype(np.float32)}

    def export_samples(self, n: int, batch_size: int = 1000) -> dict:
        """``n`` generated points as ``{"points": float32 (n, 2)}`` (not images)."""
        chunks = [chunk["points"] for chunk in self.iter_samples(n, batch_size)]
        return {"points": np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)}
