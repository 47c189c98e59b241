"""Checks for lessons/exercises/10_slerp.py: the path's shape and endpoints, constant norm
between two unit codes (where the straight line sinks to cos(theta / 2)), against
minigan.gan.latent.slerp on Gaussian codes, and the fallback to the straight line for parallel
and opposite codes, where the formula divides by sin(0)."""
from __future__ import annotations

import numpy as np

from minigan.gan import latent
from checks import Exercise, Wrong, as_array, expect_close


def _path(m, z0, z1, t, what):
    got = as_array(m.slerp(z0.copy(), z1.copy(), t.copy()), what)
    if got.shape != (len(t), len(z0)):
        raise Wrong(f"{what} has shape {got.shape}, expected ({len(t)}, {len(z0)}): one row "
                    f"per t")
    return got


def check_slerp(m):
    rng = np.random.default_rng(0)
    z0, z1 = rng.standard_normal(100), rng.standard_normal(100)
    t = np.linspace(0, 1, 11)
    got = _path(m, z0, z1, t, "slerp(z0 (100,), z1 (100,), 11 values of t)")
    expect_close(got[0], z0, "the row at t = 0 (should be z0)", tol=1e-9)
    expect_close(got[-1], z1, "the row at t = 1 (should be z1)", tol=1e-9)

    u0, u1 = z0 / np.linalg.norm(z0), z1 / np.linalg.norm(z1)
    norms = np.linalg.norm(_path(m, u0, u1, t, "slerp between two unit codes"), axis=1)
    line = np.linalg.norm((1 - t)[:, None] * u0 + t[:, None] * u1, axis=1)
    if np.allclose(norms, line, rtol=1e-9):
        raise Wrong(f"between two unit codes the norm falls to {norms.min():.3f} at the "
                    f"midpoint: this is the straight line (lerp); follow the great circle")
    expect_close(norms, np.ones_like(t), "the norms along slerp between two unit codes "
                 "(a great circle keeps them at 1)", tol=1e-9)
    expect_close(got, latent.slerp(z0, z1, t), "slerp(z0, z1, t), compared with "
                 "minigan.gan.latent.slerp", tol=1e-9)

    for z1_, what in ((2.5 * z0, "z1 = 2.5 z0 (parallel)"), (-z0, "z1 = -z0 (opposite)")):
        got = _path(m, z0, z1_, t, f"slerp with {what}")
        if not np.all(np.isfinite(got)):
            raise Wrong(f"slerp with {what} has inf or NaN entries: sin(theta) is about 0 "
                        f"there; fall back to the straight line when it is below 1e-6")
        expect_close(got, (1 - t)[:, None] * z0 + t[:, None] * z1_,
                     f"slerp with {what}, which should be the straight line", tol=1e-9)


EXERCISES = [
    Exercise("slerp", "theta = np.arccos(np.clip(z0 @ z1 / (|z0| |z1|), -1, 1)); if "
             "np.sin(theta) < 1e-6 return the line; else (np.sin((1 - t) * theta)[:, None] * z0 "
             "+ np.sin(t * theta)[:, None] * z1) / np.sin(theta)", check_slerp,
             idea="lesson 10: slerp moves along the great circle between the codes, weighted by "
             "sines of the angle between them; mind an angle of 0"),
]
