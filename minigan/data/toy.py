"""Two-dimensional mixtures of Gaussians: the classic test of mode collapse.

A GAN trained on a ring of 8 (or a grid of 25) tight Gaussians either covers every mode or
visibly doesn't: count the modes its samples land near (``mode_index`` tells which mode each
real point came from). The defaults follow the usual choices in the GAN literature (ring of
8 on the unit circle; 5x5 grid with means in {-4, -2, 0, 2, 4}^2).

``rng`` may be a ``numpy.random.Generator``, a seed, or None for minigan's seeded generator
(so ``minigan.manual_seed`` repeats the data).
"""
from __future__ import annotations

import numpy as np

from minigan import backend


def ring_modes(n_modes: int = 8, radius: float = 1.0) -> np.ndarray:
    """Centres of ``n_modes`` Gaussians evenly spaced on a circle, float32 (n_modes, 2)."""
    angle = 2 * np.pi * np.arange(n_modes) / n_modes
    return (radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)).astype(np.float32)


def grid_modes(grid: int = 5, spacing: float = 2.0) -> np.ndarray:
    """Centres of a ``grid`` x ``grid`` square of Gaussians around 0, float32 (grid**2, 2)."""
    axis = (np.arange(grid) - (grid - 1) / 2) * spacing
    xs, ys = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def ring_of_gaussians(n: int, n_modes: int = 8, radius: float = 1.0, std: float = 0.01,
                      rng=None):
    """``n`` points from a ring of Gaussians: ``(points float32 (n, 2), mode_index int64 (n,))``."""
    return _sample(ring_modes(n_modes, radius), n, std, rng)


def grid_of_gaussians(n: int, grid: int = 5, spacing: float = 2.0, std: float = 0.05,
                      rng=None):
    """``n`` points from a grid of Gaussians: ``(points float32 (n, 2), mode_index int64 (n,))``."""
    return _sample(grid_modes(grid, spacing), n, std, rng)


def _sample(modes: np.ndarray, n: int, std: float, rng):
    rng = backend.get_rng("cpu") if rng is None else np.random.default_rng(rng)
    index = rng.integers(0, len(modes), size=n)  # equal weights: every mode equally likely
    points = modes[index] + std * rng.standard_normal((n, 2))
    return points.astype(np.float32), index.astype(np.int64)
