"""A history of generated images for the discriminators (Shrivastava et al. 2017, used by
CycleGAN).

A discriminator trained only on the generator's latest images chases it: it forgets what the
generator did a few steps ago, and the generator can return there. Showing the discriminator
a mix of new fakes and fakes from a pool of past ones (50 in CycleGAN) damps that oscillation.

    pool = ImagePool(50)
    fake_for_d = pool.query(fake.detach())

For each image of the batch: while the pool is filling up, the image is stored and shown; once
it is full, with probability 1/2 the image is shown and also kept in place of a random stored
one, which is shown instead, and with probability 1/2 the image is shown as it is. The draws
come from minigan's seeded generator, and the pool's contents travel in checkpoints
(:meth:`state`), so a resumed run shows the discriminators the same images.
"""
from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.autograd import Tensor


class ImagePool:
    """A pool of at most ``size`` past generated images (``size`` 0: no pool, shown as they are)."""

    def __init__(self, size: int = 50):
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"ImagePool: size must be a non-negative integer, got {size!r}")
        self.size = size
        self.images: list = []  # arrays (C, H, W) on the images' device

    def __len__(self) -> int:
        return len(self.images)

    def query(self, images: Tensor) -> Tensor:
        """A batch like ``images`` (N, C, H, W) mixing them with stored ones (see the module);
        the result carries no graph: the pool feeds the discriminator only."""
        if images.ndim != 4:
            raise ValueError(f"ImagePool.query expects images (N, C, H, W), got shape "
                             f"{tuple(images.shape)}")
        if self.size == 0:
            return images.detach()
        if self.images and self.images[0].shape != tuple(images.shape[1:]):
            raise ValueError(f"ImagePool.query: images of shape {tuple(images.shape[1:])} "
                             f"in a pool of shape {self.images[0].shape}")
        xp = backend.get_array_module(images.data)
        rng = backend.get_rng()
        shown = []
        for image in images.data:
            image = image.copy()  # the pool must not alias a batch that later steps overwrite
            if len(self.images) < self.size:
                self.images.append(image)
                shown.append(image)
            elif rng.random() < 0.5:
                slot = int(rng.integers(self.size))
                shown.append(self.images[slot])
                self.images[slot] = image
            else:
                shown.append(image)
        return Tensor(xp.stack(shown))

    # ------------------------------------------------------------------ checkpoints

    def state(self) -> np.ndarray:
        """The stored images as one NumPy array (K, C, H, W), K <= size (K = 0: shape (0,))."""
        if not self.images:
            return np.zeros((0,), np.float32)
        return np.stack([backend.to_numpy(image) for image in self.images])

    def load_state(self, array, device="cpu") -> None:
        array = np.asarray(array)
        if len(array) > self.size:
            raise ValueError(f"ImagePool.load_state: {len(array)} images for a pool of "
                             f"{self.size}")
        self.images = [backend.to_device(image, device) for image in array]
