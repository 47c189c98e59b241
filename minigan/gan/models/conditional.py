"""The conditional GAN (Mirza and Osindero, 2014): tell both networks which digit to draw.

The label y enters both networks through a learnt embedding (``nn.Embedding(10, e)``):

    G(z, y): [z, emb_G(y)]                        -> the vanilla (or DCGAN) generator
    D(x, y): MLP:  [flatten(x), emb_D(y)]         -> the vanilla discriminator
             conv: [x, emb_D(y) as e constant channels] -> strided convolutions

D is asked "is x a real image *of digit y*?". A generator that draws a good 3 when asked for a
7 is caught (real 7s never look like that), so G must learn to obey the label. The game and
the losses are the vanilla GAN's (BCE from logits, non-saturating generator loss):

    min_G max_D  E_{x,y}[log D(x, y)] + E_{z,y}[log(1 - D(G(z, y), y))]

The fakes are drawn with the labels of the real batch, so G sees the data's label frequencies.
"""
from __future__ import annotations

import numpy as np

from minigan import backend, nn, optim
from minigan.autograd import Tensor
from minigan.gan import losses
from minigan.gan.base import GANModel, sample_images
from minigan.gan.games import BCEGame
from minigan.gan.models.dcgan import dcgan_discriminator, dcgan_generator
from minigan.gan.models.mlp import mlp_discriminator, mlp_generator
from minigan.gan.recipe import check_recipe
from minigan.ops import math

ARCHS = ("mlp", "dcgan")


def as_labels(labels, n: int, device) -> Tensor:
    """``labels`` (a Tensor, array, list or int) as an int64 Tensor of shape (n,) on ``device``."""
    data = labels.data if isinstance(labels, Tensor) else labels
    if (backend.is_array(data) and data.shape == (n,) and data.dtype == np.int64
            and backend.device_of(data) == device):
        return labels if isinstance(labels, Tensor) else Tensor(data)  # a loader's batch
    data = backend.to_numpy(data) if backend.is_array(data) else np.asarray(data)
    if data.ndim == 0:
        data = np.full(n, int(data))
    if data.dtype.kind not in "iu":
        raise TypeError(f"ConditionalGAN: labels must be integers, got dtype {data.dtype}")
    if data.shape != (n,):
        raise ValueError(f"ConditionalGAN: expected {n} labels (one per noise vector), "
                         f"got shape {data.shape}")
    return Tensor(backend.to_device(data.astype(np.int64), device))


class ConditionalGenerator(nn.Module):
    """G(z, y): the noise concatenated with a learnt embedding of the label."""

    def __init__(self, latent_dim: int, n_classes: int, embed_dim: int, arch: str,
                 hidden=(256, 512, 1024), width: int = 64, image_shape=(1, 28, 28)):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.embed = nn.Embedding(n_classes, embed_dim)
        if arch == "mlp":
            self.net = mlp_generator(latent_dim + embed_dim, hidden, int(np.prod(image_shape)))
        else:
            self.net = dcgan_generator(latent_dim + embed_dim, width, image_shape)

    def forward(self, z: Tensor, labels: Tensor) -> Tensor:
        x = self.net(math.concat([z, self.embed(labels)], axis=1))
        return x.reshape(z.shape[0], *self.image_shape)


class ConditionalDiscriminator(nn.Module):
    """D(x, y) -> logits (N, 1). MLP: the label's embedding joins the flattened image. Conv:
    it is broadcast over the image as ``embed_dim`` extra constant channels, so the first
    convolution already sees the label next to every pixel."""

    def __init__(self, n_classes: int, embed_dim: int, arch: str, hidden=(1024, 512, 256),
                 dropout: float = 0.3, width: int = 64, image_shape=(1, 28, 28)):
        super().__init__()
        self.arch, self.image_shape = arch, tuple(image_shape)
        self.embed = nn.Embedding(n_classes, embed_dim)
        if arch == "mlp":
            self.net = mlp_discriminator(int(np.prod(image_shape)) + embed_dim, hidden, dropout)
        else:
            c, h, w = self.image_shape
            self.net = dcgan_discriminator(width, (c + embed_dim, h, w))

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        n, e = x.shape[0], self.embed(labels)
        if self.arch == "mlp":
            return self.net(math.concat([x.reshape(n, -1), e], axis=1))
        x = x.reshape(n, *self.image_shape)
        h, w = self.image_shape[1:]
        maps = math.broadcast_to(e.reshape(n, -1, 1, 1), (n, e.shape[1], h, w))
        return self.net(math.concat([x, maps], axis=1))


class ConditionalGAN(GANModel):
    """A GAN that draws the digit it is asked for: ``model.sample(noise=z, labels=[3, 7])``.

    Args:
        arch: ``"mlp"`` (the vanilla GAN's fully connected networks) or ``"dcgan"``
            (transposed/strided convolutions with batch norm, weights from N(0, 0.02)).
        latent_dim: size of z.
        n_classes: number of labels (10 digits).
        embed_dim: size of the label embeddings (one table in G, another in D).
        g_hidden, d_hidden: MLP widths; ``width``: the conv nets' base channel count.
        image_shape: (C, H, W); the conv arch needs H and W multiples of 4.
        dropout: the MLP discriminator's dropout.
        lr, betas: Adam's settings for both networks.
        k: discriminator updates per generator update.
        loss: ``"nonsaturating"`` or ``"minimax"``.
        n_fixed_per_class: columns of the per-epoch grid; it has one row per label, and the
            same noise vector down each column (so a column shows one "style" in every digit).
        device: ``"cpu"`` or ``"cuda"``.

    Batches are ``(images, labels)``; images flattened or (N, C, H, W), labels int (N,).
    """

    name = "cgan"
    conditional = True

    def __init__(self, arch: str = "mlp", latent_dim: int = 100, n_classes: int = 10,
                 embed_dim: int = 10, g_hidden=(256, 512, 1024), d_hidden=(1024, 512, 256),
                 width: int = 64, image_shape=(1, 28, 28), dropout: float = 0.3,
                 lr: float = 2e-4, betas=(0.5, 0.999), k: int = 1, loss: str = "nonsaturating",
                 n_fixed_per_class: int = 10, device=None, recipe: dict | None = None):
        if arch not in ARCHS:
            raise ValueError(f"ConditionalGAN: arch must be one of {ARCHS}, got {arch!r}")
        if loss not in losses.GENERATOR_LOSSES:
            raise ValueError(f"ConditionalGAN: loss must be one of {losses.GENERATOR_LOSSES}, "
                             f"got {loss!r}")
        recipe = check_recipe("ConditionalGAN", recipe)
        self.game = BCEGame(loss, recipe["label_smoothing"])
        super().__init__(dict(arch=arch, latent_dim=latent_dim, n_classes=n_classes,
                              embed_dim=embed_dim, g_hidden=list(g_hidden),
                              d_hidden=list(d_hidden), width=width,
                              image_shape=list(image_shape), dropout=dropout, lr=lr,
                              betas=list(betas), k=k, loss=loss,
                              n_fixed_per_class=n_fixed_per_class, recipe=recipe),
                         k=k, device=device)
        self.arch, self.loss, self.n_classes = arch, loss, n_classes
        self.image_shape = tuple(image_shape)
        self.set_networks(
            ConditionalGenerator(latent_dim, n_classes, embed_dim, arch, g_hidden, width,
                                 image_shape),
            ConditionalDiscriminator(n_classes, embed_dim, arch, d_hidden, dropout, width,
                                     image_shape),
            lambda params, lr: optim.Adam(params, lr=lr, betas=tuple(betas)), lr)
        # Row r of the grid is label r; column c uses noise vector c in every row.
        self.grid_nrow = n_fixed_per_class
        columns = self.noise(n_fixed_per_class)
        index = np.tile(np.arange(n_fixed_per_class), n_classes)
        self.fixed_noise = Tensor(columns.data[backend.to_device(index, self.device)])

    def fixed_labels(self) -> Tensor:
        per_row = self.fixed_noise.shape[0] // self.n_classes
        return as_labels(np.repeat(np.arange(self.n_classes), per_row), self.fixed_noise.shape[0],
                         self.device)

    def update(self, batch, update_generator: bool) -> dict:
        if not isinstance(batch, (tuple, list)) or len(batch) < 2:
            raise ValueError("ConditionalGAN: batches must be (images, labels)")
        real, labels = batch[0], as_labels(batch[1], batch[0].shape[0], self.device)
        # D: (real x, its label) -> 1, (G(z, y), y) -> 0, with the real batch's labels; G:
        # make the updated D accept the fakes as real images of the requested digits.
        return self.adversarial_update(real, update_generator, cond=(labels,))

    def generate(self, noise: Tensor, labels=None) -> Tensor:
        """Images of the digits ``labels`` (one per noise vector). Without labels the digits
        cycle 0, 1, ..., 9, 0, ... (so any caller gets every class)."""
        n = noise.shape[0]
        if labels is None:
            labels = np.arange(n) % self.n_classes
        return self.sampling_generator(noise, as_labels(labels, n, self.device))

    def iter_samples(self, n: int, batch_size: int = 1000):
        """Batches of ``images`` uint8 and the requested ``labels`` (int64, each class equally
        often: 0, 1, ..., 9, 0, ... across the batches), so a judge can check that each image
        shows its label."""
        for start in range(0, n, batch_size):
            labels = np.arange(start, min(n, start + batch_size), dtype=np.int64) % self.n_classes
            images = self.sample(noise=self.noise(len(labels)), labels=labels)
            yield {"images": sample_images(images), "labels": labels}
