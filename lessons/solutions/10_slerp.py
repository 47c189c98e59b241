"""Lesson 10, reference solution: spherical interpolation, with the straight line as fallback."""
import numpy as np


def slerp(z0, z1, t):
    """The great circle from z0 to z1 at fractions t: (d,), (d,), (T,) -> (T, d)."""
    z0, z1, t = (np.asarray(a, dtype=np.float64) for a in (z0, z1, t))
    norms = np.linalg.norm(z0) * np.linalg.norm(z1)
    cos = np.clip(np.dot(z0, z1) / norms, -1.0, 1.0) if norms > 0 else 1.0
    theta = np.arccos(cos)
    if np.sin(theta) < 1e-6:
        return (1 - t)[:, None] * z0 + t[:, None] * z1
    return (np.sin((1 - t) * theta)[:, None] * z0 + np.sin(t * theta)[:, None] * z1) \
        / np.sin(theta)
