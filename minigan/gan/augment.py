"""Differentiable augmentation of everything the discriminator sees (DiffAugment).

With 5,000 training images a discriminator memorises the training set within a few thousand
steps: it then tells real from fake by heart, its feedback to the generator turns to noise, and
the samples stop improving or collapse. Augmenting the real images alone does not help: the
generator then learns to draw the augmentations. Zhao et al. (2020, "Differentiable
Augmentation for Data-Efficient GAN Training") augment *both* real and generated images, in
both players' losses, with transformations written as differentiable operations, so the
generator's gradient flows back through the augmentation of its own samples:

* **translation**: shift each image by up to 1/8 of its side in each direction, filling with
  zeros (the paper's setting; in [-1, 1] images zero is mid-grey);
* **cutout**: zero one square of half the image's side at a random place in each image.

Both are written with minigan's differentiable operations (padding, indexing, a product with a
mask), drawn from minigan's seeded generator so that a resumed run repeats them exactly.
"""
from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.autograd import Tensor
from minigan.ops import math, pad

POLICIES = ("translation", "cutout")


def _random_ints(low: int, high: int, size: int) -> np.ndarray:
    return backend.get_rng().integers(low, high + 1, size=size)


def translate(images: Tensor, ratio: float = 0.125) -> Tensor:
    """Shift each image of a (N, C, H, W) batch by its own random offset of up to ``ratio`` of
    its side, filling with zeros."""
    n, c, h, w = images.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy, dx = _random_ints(-sy, sy, n), _random_ints(-sx, sx, n)
    padded = pad.pad(images, (sx, sx, sy, sy))
    rows = np.arange(h)[None, :] + sy - dy[:, None]  # (N, H): output row i reads row i - dy
    cols = np.arange(w)[None, :] + sx - dx[:, None]
    index = (np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None],
             rows[:, None, :, None], cols[:, None, None, :])
    return math.getitem(padded, tuple(backend.to_device(i, images.device) for i in index))


def cutout(images: Tensor, ratio: float = 0.5) -> Tensor:
    """Zero a square of ``ratio`` times the side, at a random centre, in each image."""
    n, _, h, w = images.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy, cx = _random_ints(0, h - 1, n), _random_ints(0, w - 1, n)
    ys, xs = np.arange(h)[None, :], np.arange(w)[None, :]
    inside_y = np.abs(ys - cy[:, None]) < (ch + 1) // 2 if ch else np.zeros((n, h), bool)
    inside_x = np.abs(xs - cx[:, None]) < (cw + 1) // 2 if cw else np.zeros((n, w), bool)
    mask = ~(inside_y[:, :, None] & inside_x[:, None, :])  # (N, H, W): False in the square
    mask = backend.to_device(mask[:, None].astype(images.dtype), images.device)
    return images * Tensor(mask)


_TRANSFORMS = {"translation": translate, "cutout": cutout}


def diff_augment(images: Tensor, policy=POLICIES, image_shape=None) -> Tensor:
    """``images`` through each transformation of ``policy``, in order, differentiably.

    ``images`` is a (N, C, H, W) batch, or a batch of flat vectors with ``image_shape`` =
    (C, H, W) (a fully connected discriminator's input); the result has the input's shape.
    An empty policy returns the images unchanged.
    """
    policy = tuple(policy)
    unknown = [p for p in policy if p not in _TRANSFORMS]
    if unknown:
        raise ValueError(f"diff_augment: unknown transformation(s) {unknown}; "
                         f"minigan has {list(POLICIES)}")
    if not policy:
        return images
    flat = images.ndim == 2
    if flat:
        if image_shape is None or int(np.prod(image_shape)) != images.shape[1]:
            raise ValueError(f"diff_augment: a batch of vectors {images.shape} needs the "
                             f"image_shape (C, H, W) they unflatten to, got {image_shape}")
        images = images.reshape(images.shape[0], *image_shape)
    elif images.ndim != 4:
        raise ValueError(f"diff_augment expects images (N, C, H, W) or vectors (N, D), got "
                         f"shape {images.shape}")
    for name in policy:
        images = _TRANSFORMS[name](images)
    return images.reshape(images.shape[0], -1) if flat else images
