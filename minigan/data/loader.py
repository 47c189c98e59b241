"""DataLoader: mini-batches of minigan Tensors from NumPy arrays held in memory.

    images, labels = load_mnist()
    loader = DataLoader((images, labels), batch_size=64, transform=scale_to_unit_range)
    for x, y in loader:          # x: float32 (64, 1, 28, 28) in [-1, 1], y: int64 (64,)
        ...

MNIST fits in memory (47 MB), so there is no Dataset class and no worker processes: an epoch
is one random permutation, and each batch is one fancy-index per array.

Transforms: a GAN whose generator ends in ``tanh`` wants images in [-1, 1]. Two helpers:
``to_minus1_1`` rescales and keeps the shape; ``scale_to_unit_range`` also gives the shape a
model eats: (N, 1, H, W) for convolutional nets, or (N, H*W) with ``flatten=True`` for MLPs
(``transform=functools.partial(scale_to_unit_range, flatten=True)``).
"""
from __future__ import annotations

import math

import numpy as np

from minigan import backend
from minigan.autograd import tensor


def to_minus1_1(images) -> np.ndarray:
    """uint8 pixels 0..255 -> float32 in [-1, 1], same shape (0 -> -1, 255 -> 1)."""
    return np.asarray(images, dtype=np.float32) / np.float32(127.5) - np.float32(1.0)


def scale_to_unit_range(images, flatten: bool = False) -> np.ndarray:
    """uint8 images (N, H, W) -> float32 in [-1, 1], shaped (N, 1, H, W) or (N, H*W)."""
    x = to_minus1_1(images)
    return x.reshape(len(x), -1) if flatten else x[:, None]


class DataLoader:
    """Iterate over ``arrays`` (a tuple of equal-length arrays) in batches of Tensors.

    Each batch is a tuple with one Tensor per array, on ``device``. ``transform`` is applied
    to the batch of the FIRST array (the images). Integer arrays after the first (labels,
    conditions) become int64, the index type of cross-entropy and embeddings. Shuffling draws
    one permutation per epoch from minigan's seeded generator, so ``minigan.manual_seed``
    repeats the order and a resumed run continues the same sequence.
    """

    def __init__(self, arrays, batch_size: int = 64, shuffle: bool = True,
                 drop_last: bool = False, device="cpu", transform=None):
        if isinstance(arrays, np.ndarray):  # a single array: batches are 1-tuples
            arrays = (arrays,)
        arrays = tuple(np.asarray(a) for a in arrays)
        if not arrays:
            raise ValueError("DataLoader needs at least one array")
        lengths = [len(a) if a.ndim else None for a in arrays]
        if None in lengths or len(set(lengths)) != 1:
            shapes = [a.shape for a in arrays]
            raise ValueError(f"DataLoader arrays must share their first dimension, got {shapes}")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.arrays, self.batch_size = arrays, int(batch_size)
        self.shuffle, self.drop_last = shuffle, drop_last
        self.device, self.transform = backend.check_device(device), transform
        self.n = lengths[0]

    def __len__(self) -> int:
        """Number of batches per epoch."""
        if self.drop_last:
            return self.n // self.batch_size
        return math.ceil(self.n / self.batch_size)

    def __iter__(self):
        # get_rng is called each epoch, not cached: manual_seed replaces the generator.
        order = backend.get_rng("cpu").permutation(self.n) if self.shuffle else np.arange(self.n)
        for b in range(len(self)):
            index = order[b * self.batch_size:(b + 1) * self.batch_size]
            yield tuple(tensor(self._prepare(i, a[index]), device=self.device)
                        for i, a in enumerate(self.arrays))

    def _prepare(self, position: int, batch: np.ndarray) -> np.ndarray:
        if position == 0:
            return self.transform(batch) if self.transform is not None else batch
        if np.issubdtype(batch.dtype, np.integer):
            return batch.astype(np.int64)
        return batch
