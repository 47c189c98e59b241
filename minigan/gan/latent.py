"""Walking the latent space: interpolation strips and vector arithmetic (Radford et al., 2016).

Two pictures that show a generator has learned a smooth map rather than memorised images:

* :func:`interpolation_strip`: rows of images generated along a path between two random codes.
  If the generator has learned the data's structure, each row morphs gradually (a 1 thickening
  into a 7, say) instead of jumping or showing garbage midway.
* :func:`vector_arithmetic`: the DCGAN paper's "smiling woman - neutral woman + neutral man =
  smiling man". Average the codes of a few samples of each of three groups A, B and C (the mean
  of a few codes is steadier than one), compute mean(A) - mean(B) + mean(C), and generate from
  it and from small perturbations of it. On MNIST, :mod:`minigan.gan.attributes` does the
  paper's attribute version instead (thicker strokes, more slant), with measured attributes and
  numbers that say whether it worked.

Paths between Gaussian codes. A straight line (``"linear"``) between two codes of N(0, I) in
d = 100 dimensions passes close to the origin: its midpoint has norm about ||z|| / sqrt(2),
a region the generator hardly ever saw during training (almost all of a Gaussian's mass lies
near the sphere of radius sqrt(d)). Spherical interpolation (``"spherical"``, White 2016)
follows the great circle instead, keeping the norm near sqrt(d) all the way:

    slerp(z0, z1; t) = sin((1-t) theta) / sin(theta) z0 + sin(t theta) / sin(theta) z1,
    cos(theta) = <z0, z1> / (||z0|| ||z1||).

Everything works with any object that has the :class:`minigan.gan.base.GANModel` methods
``noise(n)`` and ``sample(noise=...)``.
"""
from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.autograd import Tensor
from minigan.viz import save_image_grid, to_uint8

METHODS = ("linear", "spherical")


def lerp(z0, z1, t):
    """Points (1 - t) z0 + t z1 for each t: arrays (d,), (d,), (T,) -> (T, d)."""
    z0, z1, t = np.asarray(z0, np.float64), np.asarray(z1, np.float64), np.asarray(t, np.float64)
    return (1.0 - t)[:, None] * z0 + t[:, None] * z1


def slerp(z0, z1, t):
    """Points on the great circle from z0 to z1 (norms interpolated linearly along it):
    arrays (d,), (d,), (T,) -> (T, d). Falls back to :func:`lerp` for (anti)parallel codes,
    where the circle is not defined."""
    z0, z1, t = np.asarray(z0, np.float64), np.asarray(z1, np.float64), np.asarray(t, np.float64)
    n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
    if n0 == 0 or n1 == 0:
        return lerp(z0, z1, t)
    cos = np.clip(np.dot(z0, z1) / (n0 * n1), -1.0, 1.0)
    theta = np.arccos(cos)
    if np.sin(theta) < 1e-6:
        return lerp(z0, z1, t)
    w0 = np.sin((1.0 - t) * theta) / np.sin(theta)
    w1 = np.sin(t * theta) / np.sin(theta)
    return w0[:, None] * z0 + w1[:, None] * z1


def interpolate_codes(z0, z1, steps: int, method: str = "spherical") -> np.ndarray:
    """``steps`` codes from ``z0`` to ``z1`` inclusive (both ends exact), shape (steps, d)."""
    if method not in METHODS:
        raise ValueError(f"interpolate_codes: method must be one of {METHODS}, got {method!r}")
    if steps < 2:
        raise ValueError(f"interpolate_codes: steps must be at least 2, got {steps}")
    z0, z1 = _as_numpy(z0), _as_numpy(z1)
    if z0.shape != z1.shape or z0.ndim != 1:
        raise ValueError(f"interpolate_codes: z0 {z0.shape} and z1 {z1.shape} must be two "
                         f"codes of the same size (d,)")
    t = np.linspace(0.0, 1.0, steps)
    path = (lerp if method == "linear" else slerp)(z0, z1, t)
    path[0], path[-1] = z0, z1  # exact ends, whatever rounding the weights did
    return path


def interpolation_strip(model, rows: int = 8, steps: int = 10, method: str = "spherical",
                        path=None, ends=None) -> np.ndarray:
    """Images along ``rows`` paths of ``steps`` codes each, between random pairs of codes.

    Args:
        model: a GAN model (``noise(n)``, ``sample(noise=...)``).
        rows: how many paths (one row of the picture each).
        steps: images per path, both ends included.
        method: ``"spherical"`` (default) or ``"linear"``.
        path: if given, save the strip there as a PNG (one path per row).
        ends: optional (2 * rows, d) codes to use instead of fresh random ones: row i goes
            from ``ends[2 i]`` to ``ends[2 i + 1]``.

    Returns:
        The generated images, float (rows * steps, C, H, W) in [-1, 1], row-major.
    """
    if ends is None:
        ends = model.noise(2 * rows)
    ends = _as_numpy(ends)
    if ends.ndim != 2 or len(ends) != 2 * rows:
        raise ValueError(f"interpolation_strip: ends must be (2 * rows, d) = ({2 * rows}, d), "
                         f"got {ends.shape}")
    codes = np.concatenate([interpolate_codes(ends[2 * i], ends[2 * i + 1], steps, method)
                            for i in range(rows)])
    images = _generate(model, codes)
    if path is not None:
        save_image_grid(images, path, nrow=steps)
    return images


def arithmetic_code(codes_a, codes_b, codes_c) -> np.ndarray:
    """mean(A) - mean(B) + mean(C) of three groups of codes (k_i, d): the code (d,)."""
    means = [_as_numpy(c).reshape(-1, _as_numpy(c).shape[-1]).mean(axis=0)
             for c in (codes_a, codes_b, codes_c)]
    return means[0] - means[1] + means[2]


def vector_arithmetic(model, a, b, c, per_group: int = 3, pool: int = 1000,
                      variants: int = 3, spread: float = 0.25, path=None, predict=None) -> dict:
    """Radford et al.'s vector arithmetic: generate from mean(A) - mean(B) + mean(C).

    Each group is given either as a digit (an int): the ``per_group`` samples, among ``pool``
    fresh ones, that the judge most confidently calls that digit; or as a sequence of indices
    into the pool (samples the user picked, e.g. from a grid drawn from the same pool).

    Args:
        model: a GAN model (``noise(n)``, ``sample(noise=...)``).
        a, b, c: the three groups.
        per_group: samples averaged per group (when chosen by digit).
        pool: how many random codes the groups are drawn from.
        variants: extra images from the result code plus N(0, spread^2) noise, as in the paper
            (the result is a region of latent space, not a single point).
        spread: the standard deviation of those perturbations.
        path: if given, save the figure as a PNG. Its rows: A's samples then their mean code's
            image; the same for B and C; last, the result's image then its variants.
        predict: ``predict(uint8 images (N, H, W)) -> (probabilities (N, 10))``, the judge
            that picks groups by digit (default :func:`minigan.metrics.predict_proba`).

    Returns:
        ``{"code": result code (d,), "groups": [indices into the pool] * 3, "pool": the pool's
        codes (pool, d), "result": images of the result and its variants, "figure": all the
        figure's images}``.
    """
    codes = _as_numpy(model.noise(pool))
    groups = [a, b, c]
    if any(isinstance(g, (int, np.integer)) for g in groups):
        if predict is None:
            from minigan.metrics import predict_proba as predict
        images = to_uint8(_generate(model, codes))
        proba = np.asarray(predict(images[:, 0] if images.shape[1] == 1 else images))
    chosen = []
    for name, group in zip("abc", groups):
        if isinstance(group, (int, np.integer)):
            # The samples the judge finds most likely to be that digit: the clearest examples
            # of the concept (an untrained generator still gets its least bad ones).
            idx = np.argsort(-proba[:, int(group)], kind="stable")[:per_group]
        else:
            idx = [int(i) for i in group]
            if not idx or min(idx) < 0 or max(idx) >= pool:
                raise ValueError(f"vector_arithmetic: group {name} must be a digit or indices "
                                 f"into the pool of {pool} codes, got {group!r}")
        chosen.append(np.asarray(idx, dtype=np.int64))
    result = arithmetic_code(*(codes[i] for i in chosen))
    rng = backend.get_rng()
    extra = result + spread * rng.standard_normal((variants, result.size))
    means = [codes[i].mean(axis=0) for i in chosen]
    width = max(max(len(i) for i in chosen), variants) + 1
    rows = []
    for idx, mean in zip(chosen, means):
        row = [codes[i] for i in idx] + [np.full_like(mean, np.nan)] * (width - 1 - len(idx))
        rows.append(row + [mean])
    rows.append([result, *extra] + [np.full_like(result, np.nan)] * (width - 1 - variants))
    layout = np.stack([z for row in rows for z in row])
    blank = np.isnan(layout[:, 0])
    figure = _generate(model, np.where(blank[:, None], 0.0, layout))
    figure[blank] = -1.0  # empty cells are black
    if path is not None:
        save_image_grid(figure, path, nrow=width)
    return {"code": result, "groups": chosen, "pool": codes,
            "result": figure[-width:][~blank[-width:]], "figure": figure}


def _as_numpy(codes) -> np.ndarray:
    data = codes.data if isinstance(codes, Tensor) else codes
    return np.asarray(backend.to_numpy(data), dtype=np.float64)


def _generate(model, codes: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """The model's images for NumPy codes, as a NumPy float array (N, C, H, W)."""
    dtype = backend.get_default_dtype()
    device = getattr(model, "device", "cpu")
    out = []
    for start in range(0, len(codes), batch_size):
        z = Tensor(backend.to_device(np.asarray(codes[start:start + batch_size], dtype), device))
        out.append(_as_numpy(model.sample(noise=z)))
    return np.concatenate(out)
