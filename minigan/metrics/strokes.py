"""Two attributes every writer varies, measured on a batch of digit images: how thick the pen
stroke is and how much the digit slants (used by :mod:`minigan.gan.attributes` to find and test
directions in a generator's latent space).

Images are (N, 1, H, W) or (N, H, W): floats in [-1, 1] (a generator's tanh output; -1 is the
background, +1 full ink) or uint8 0..255 (as MNIST stores them). Either way, the measurements
work on the *ink* in [0, 1].
"""
from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.autograd import Tensor

ATTRIBUTES = ("thickness", "slant")


def _as_numpy(images) -> np.ndarray:
    data = images.data if isinstance(images, Tensor) else images
    return np.asarray(backend.to_numpy(data), dtype=np.float64)


def ink(images, name: str = "ink") -> np.ndarray:
    """The ink of images as float64 (N, H, W) in [0, 1]; ``name`` is the caller, for errors."""
    array = _as_numpy(images) if not (isinstance(images, np.ndarray)
                                      and images.dtype == np.uint8) else images
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3 or min(array.shape) == 0:
        raise ValueError(f"{name}: expected N > 0 grey images of shape (N, 1, H, W) or "
                         f"(N, H, W), got {tuple(np.shape(images))}")
    if isinstance(images, np.ndarray) and images.dtype == np.uint8:
        return array.astype(np.float64) / 255.0
    lo, hi = float(array.min()), float(array.max())
    if not np.isfinite(lo + hi) or lo < -1.001 or hi > 1.001:
        raise ValueError(f"{name}: floating images must lie in [-1, 1] (tanh output), got "
                         f"values in [{lo:.3g}, {hi:.3g}]; pass uint8 0..255 images instead")
    return (np.clip(array, -1.0, 1.0) + 1.0) / 2.0


def outline_length(images) -> np.ndarray:
    """The length of each image's ink outline in pixels, (N,): its total variation.

    By the coarea formula, the sum over the image of |grad ink| is the length of the outline of
    the ink, averaged over all threshold levels: no threshold to choose, and anti-aliased edges
    count as the fraction of an edge they are. The gradient is taken at the centre of every 2x2
    block of pixels (the image padded with background), from the block's two column and two row
    differences; its length sqrt(gx^2 + gy^2) makes a diagonal edge count as long as it is, where
    counting pixel edges would add the staircase's extra 41%.
    """
    x = np.pad(ink(images, "outline_length"), ((0, 0), (1, 1), (1, 1)))
    a, b, c, d = x[:, :-1, :-1], x[:, :-1, 1:], x[:, 1:, :-1], x[:, 1:, 1:]
    gx = ((b - a) + (d - c)) / 2.0
    gy = ((c - a) + (d - b)) / 2.0
    return np.sqrt(gx * gx + gy * gy).sum(axis=(1, 2))


def stroke_thickness(images) -> np.ndarray:
    """The pen's width in pixels, (N,): the ink divided by half the length of its outline.

    A stroke of width w and length L holds about w L of ink and is outlined by about 2 L (its two
    sides; a closed loop such as a 0 has an outer and an inner side, also 2 L), so
    ink / (outline / 2) is w, whatever the digit and however long its stroke. (The stroke's two
    ends add 2 w to the outline: a short stroke reads slightly thinner, w L / (L + w).) Cheaper
    and steadier than thinning the digit to a skeleton and measuring its length, and no threshold
    is needed (see :func:`outline_length`). A blank image has thickness 0.
    """
    amount = ink(images, "stroke_thickness").sum(axis=(1, 2))
    outline = outline_length(images)
    return np.where(outline > 0, 2.0 * amount / np.maximum(outline, 1e-12), 0.0)


def slant(images) -> np.ndarray:
    """How far each digit leans right, (N,): pixels to the right per pixel upwards.

    From the ink's second moments about its centre of mass, with x to the right and y upwards:
    mu11 = sum ink (x - x0)(y - y0) and mu02 = sum ink (y - y0)^2. The shear x -> x - s y with
    s = mu11 / mu02 makes mu11 zero, that is makes the digit upright (the classic deskewing of
    MNIST), so s is the slant: 0 upright, +0.3 leaning right (the top 0.3 pixels to the right per
    pixel of height, about 17 degrees), negative leaning left. A blank image has slant 0.
    """
    x = ink(images, "slant")
    n, h, w = x.shape
    total = x.sum(axis=(1, 2))
    safe = np.maximum(total, 1e-12)
    cols = np.arange(w, dtype=np.float64)
    ups = (h - 1 - np.arange(h, dtype=np.float64))  # y grows upwards
    x0 = (x.sum(axis=1) @ cols) / safe
    y0 = (x.sum(axis=2) @ ups) / safe
    dx = cols[None, :] - x0[:, None]  # (N, W)
    dy = ups[None, :] - y0[:, None]  # (N, H)
    mu11 = np.einsum("nhw,nh,nw->n", x, dy, dx)
    mu02 = np.einsum("nh,nh->n", x.sum(axis=2), dy * dy)
    return np.where((total > 0) & (mu02 > 0), mu11 / np.maximum(mu02, 1e-12), 0.0)


MEASURES = {"thickness": stroke_thickness, "slant": slant}


def measure(images, attribute: str) -> np.ndarray:
    """``attribute``'s value for each image, (N,): ``"thickness"`` or ``"slant"``."""
    return MEASURES[check_attribute(attribute, "measure")](images)


def data_spread(attribute: str, images=None) -> float:
    """The attribute's standard deviation over real digits: ``images`` (uint8 (N, 28, 28) or
    floats in [-1, 1]), by default the 5,000 training digits bundled with minigan (never the
    test set: the spread is the unit of the effect that is tuned on)."""
    if images is None:
        from minigan.data import load_bundled_mnist

        images = load_bundled_mnist()[0]
    return float(np.std(measure(images, attribute)))



def check_attribute(attribute, name: str) -> str:
    if attribute not in ATTRIBUTES:
        raise ValueError(f"{name}: attribute must be one of {ATTRIBUTES}, got {attribute!r}")
    return attribute
