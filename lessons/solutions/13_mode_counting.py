"""Lesson 13, reference solutions: high-quality samples and captured modes."""
import numpy as np


def _nearest(samples, modes):
    """Each sample's nearest mode and its distance to it."""
    distance = np.linalg.norm(np.asarray(samples, dtype=np.float64)[:, None, :]
                              - np.asarray(modes, dtype=np.float64)[None, :, :], axis=2)
    nearest = distance.argmin(axis=1)
    return nearest, distance[np.arange(len(distance)), nearest]


def high_quality_share(samples, modes, std, threshold=3.0):
    """Share of samples within threshold * std of their nearest mode."""
    _, gap = _nearest(samples, modes)
    return float(np.mean(gap <= threshold * std))


def modes_captured(samples, modes, std, threshold=3.0):
    """Modes that are the nearest mode of some high-quality sample."""
    nearest, gap = _nearest(samples, modes)
    return int(len(np.unique(nearest[gap <= threshold * std])))
