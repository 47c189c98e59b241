"""UnpairedLoader: batches from two unpaired domains at once, for CycleGAN.

    a, b = load_unaligned_folder("datasets/horse2zebra")     # or unpaired_digits()[0::2]
    loader = UnpairedLoader(a, b, batch_size=1, transform=to_images)
    for batch_a, batch_b in loader:
        ...

An epoch walks once through the LONGER domain in a fresh random order, max(len(a), len(b)) //
batch_size batches (``drop_last=True``). The shorter domain is drawn from fresh random orders
of its own, one after the other as each runs out, so every image of it is seen about equally
often and an image of A meets a different image of B every epoch (never a fixed pairing, which
would quietly turn unpaired data into paired data).

All orders are drawn from minigan's seeded generator (``minigan.backend.get_rng``), like
``DataLoader``'s: ``minigan.manual_seed`` repeats them, and a resumed run continues them.
"""
from __future__ import annotations

import math

import numpy as np

from minigan import backend
from minigan.autograd import tensor


class UnpairedLoader:
    """Iterate over ``(batch_a, batch_b)`` Tensors from two arrays of different lengths.

    ``transform`` is applied to each batch of each domain (e.g. uint8 images -> float32 in
    [-1, 1] shaped (B, C, H, W)); ``device`` is where the Tensors go. With ``drop_last=False``
    the last, smaller batch of the longer domain is kept and paired with as many B images.
    ``shuffle=False`` takes both domains in order (the shorter one cycled from its start).
    """

    def __init__(self, a, b, batch_size: int = 1, shuffle: bool = True, device="cpu",
                 transform=None, drop_last: bool = True):
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim == 0 or b.ndim == 0 or len(a) == 0 or len(b) == 0:
            raise ValueError(f"UnpairedLoader: both domains need at least one item, got shapes "
                             f"{a.shape} and {b.shape}")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"UnpairedLoader: batch_size must be a positive integer, "
                             f"got {batch_size!r}")
        self.a, self.b, self.batch_size = a, b, int(batch_size)
        self.shuffle, self.drop_last = shuffle, drop_last
        self.device, self.transform = backend.check_device(device), transform
        self.n = max(len(a), len(b))
        if drop_last and self.n < self.batch_size:
            raise ValueError(f"UnpairedLoader: batch_size {batch_size} is larger than both "
                             f"domains ({len(a)} and {len(b)} items) with drop_last=True, so "
                             "an epoch would have no batches")

    def __len__(self) -> int:
        """Number of batches per epoch."""
        if self.drop_last:
            return self.n // self.batch_size
        return math.ceil(self.n / self.batch_size)

    def _order(self, length: int, count: int) -> np.ndarray:
        """``count`` indices into ``length`` items: permutations back to back (or 0, 1, ...)."""
        if not self.shuffle:
            return np.arange(count) % length
        rng = backend.get_rng("cpu")  # fetched each time: manual_seed replaces the generator
        parts = [rng.permutation(length) for _ in range(-(-count // length))]
        return np.concatenate(parts)[:count]

    def __iter__(self):
        count = min(len(self) * self.batch_size, self.n)
        # Longer domain first, then the shorter: a fixed draw order keeps runs reproducible.
        longer_is_a = len(self.a) >= len(self.b)
        first = self._order(len(self.a) if longer_is_a else len(self.b), count)
        second = self._order(len(self.b) if longer_is_a else len(self.a), count)
        order_a, order_b = (first, second) if longer_is_a else (second, first)
        for start in range(0, count, self.batch_size):
            index = slice(start, start + self.batch_size)
            yield (self._batch(self.a[order_a[index]]), self._batch(self.b[order_b[index]]))

    def _batch(self, array: np.ndarray):
        if self.transform is not None:
            array = self.transform(array)
        return tensor(array, device=self.device)
