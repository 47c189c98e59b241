"""Mode coverage on two-dimensional mixtures of Gaussians (VEEGAN's and PacGAN's protocol).

The ring of 8 Gaussians (radius 1, std 0.01) and the 5x5 grid of 25 (means in
{-4, -2, 0, 2, 4}^2, std 0.05) make mode collapse countable:

- a sample is *high quality* when it lies within 3 standard deviations of its nearest mode;
- a mode is *captured* when it is the nearest mode of at least one high-quality sample;
- both are counted over 2,500 samples, and reported as mean +- standard error over seeds.

    from minigan.metrics.modes import MIXTURES, mode_coverage
    modes, std = MIXTURES["ring"]
    result = mode_coverage(samples, modes, std)   # {"modes": 8, "high_quality": 0.97, ...}
"""
from __future__ import annotations

import numpy as np

from minigan.data.toy import grid_modes, ring_modes
from minigan.metrics.parzen import mean_and_se

# name -> (mode centres (K, 2), per-mode standard deviation)
MIXTURES = {
    "ring": (ring_modes(8, 1.0), 0.01),
    "grid": (grid_modes(5, 2.0), 0.05),
}
N_SAMPLES = 2500  # the papers' count


def mode_coverage(samples, modes, std: float, threshold: float = 3.0) -> dict:
    """Count captured modes and the share of high-quality samples.

    Args:
        samples: (N, 2) generated points (any array-like).
        modes: (K, 2) mode centres.
        std: the mixture's per-mode standard deviation.
        threshold: "high quality" means within ``threshold * std`` of the nearest mode.

    Returns:
        ``modes`` (int, captured), ``n_modes`` (K), ``high_quality`` (share in [0, 1]),
        ``counts`` (int (K,): high-quality samples per mode).
    """
    samples = np.asarray(samples, dtype=np.float64)
    modes = np.asarray(modes, dtype=np.float64)
    if samples.ndim != 2 or modes.ndim != 2 or samples.shape[1] != modes.shape[1]:
        raise ValueError(f"mode_coverage: samples (N, d) and modes (K, d) must agree, got "
                         f"{samples.shape} and {modes.shape}")
    if len(samples) == 0:
        raise ValueError("mode_coverage: no samples")
    if not std > 0:
        raise ValueError(f"mode_coverage: std must be positive, got {std}")
    distance = np.linalg.norm(samples[:, None, :] - modes[None, :, :], axis=2)  # (N, K)
    nearest = distance.argmin(axis=1)
    good = distance[np.arange(len(samples)), nearest] <= threshold * std
    counts = np.bincount(nearest[good], minlength=len(modes))
    return {"modes": int((counts > 0).sum()), "n_modes": int(len(modes)),
            "high_quality": float(good.mean()), "counts": counts}


def summarize_runs(results) -> dict:
    """Mean and standard error over seeds of ``modes`` and ``high_quality`` (a list of
    :func:`mode_coverage` dicts)."""
    results = list(results)
    modes = mean_and_se([r["modes"] for r in results])
    quality = mean_and_se([r["high_quality"] for r in results])
    return {"modes": modes, "high_quality": quality, "seeds": len(results),
            "all_modes_every_seed": all(r["modes"] == r["n_modes"] for r in results)}


def format_summary(summary: dict, n_modes: int) -> str:
    (m, m_se), (q, q_se) = summary["modes"], summary["high_quality"]
    return (f"modes captured {m:.1f} +- {m_se:.1f} of {n_modes}, high quality "
            f"{100 * q:.1f}% +- {100 * q_se:.1f}% ({summary['seeds']} seeds)")
