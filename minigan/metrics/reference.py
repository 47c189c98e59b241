"""The real reference of the classifier Fréchet distance, shipped with the package.

The FID compares the judge's penultimate features of generated digits with those of the official
MNIST test set. The test set itself is not shipped (10,000 images, and offline users may not have
it), but the comparison needs only the features' mean (128 numbers) and covariance (128 x 128),
which are: ``mnist_test_features.npz``, computed by ``scripts/make_reference_stats.py`` with the
shipped judge. So every run, offline included, reports an FID against the same real reference.
"""
from __future__ import annotations

import hashlib
import pathlib

import numpy as np

from minigan.files import atomic_write

STATS_PATH = pathlib.Path(__file__).with_name("mnist_test_features.npz")
STATS_SHA256 = "47e0ebdaa36b050d70bdfbacdb5b8f155599dad27ec168b9b424c7ceab056aef"


def save_reference_statistics(path, mu: np.ndarray, sigma: np.ndarray) -> str:
    """Write ``mu`` and ``sigma`` (float64) to ``path``; return the file's SHA-256."""
    with atomic_write(path) as f:
        np.savez(f, mu=np.asarray(mu, np.float64), sigma=np.asarray(sigma, np.float64))
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def mnist_test_statistics() -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the shipped judge's features of the 10,000 MNIST test images."""
    raw = STATS_PATH.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != STATS_SHA256:
        raise ValueError(f"{STATS_PATH}: SHA-256 {digest} does not match the recorded "
                         f"{STATS_SHA256}; the reference statistics are corrupt or were replaced")
    with np.load(STATS_PATH, allow_pickle=False) as stats:
        return stats["mu"], stats["sigma"]
