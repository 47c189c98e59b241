"""Paired digit domains for pix2pix, made from MNIST with grey-scale morphology.

    from minigan.data.digit_domains import paired_digits
    inputs, targets, labels = paired_digits("edges")       # outline -> digit, (N, 32, 32) uint8
    inputs, targets, labels = paired_digits("thickness")   # thin strokes -> thick strokes
    inputs, targets, labels = paired_digits("superres")    # 8x8 blocks -> digit
    inputs, targets, labels = paired_digits("completion")  # upper half -> whole digit

The first two have one right answer: the outline (or the thin strokes) fixes every pixel of the
target. The last two have several: a block of 4x4 pixels says how much ink it holds, not where,
and the upper half of a digit does not say whether it ends as a 7 or a 9. That is the case
pix2pix was made for: a pixel loss alone is minimised by the average of the answers (a blur),
while the adversarial loss asks for one answer that looks real.

Images are 32x32 (MNIST padded by 2 pixels on each side) so a U-Net can halve them 5 times.

Grey-scale morphology. Dilation replaces each pixel by the maximum over a structuring element
(a (2r+1)x(2r+1) square, or the disk of radius r inside it) centred on it; erosion takes the
minimum. Both are written with the images' array module, so they run on NumPy or CuPy arrays:
the image is padded once, and the result is the running maximum (minimum) of shifted slices of
the padded array, one slice per offset of the structuring element. That loop over offsets is the
only Python loop; images and pixels are never looped over.

Held-out rule (so that train and test never overlap). The test split is the official MNIST test
set when ``load_mnist(split="test")`` delivers it. When it cannot (offline, no cached files), the
test split is a held-out part of the 5,000 digits bundled with minigan: the last 50 of each digit
(the bundled set is sorted by label, 500 per digit, so "the last 500" would be all nines), and the
train split then leaves out every image equal to a held-out one, whether it came from the full
training set or from the bundled subset.
"""
from __future__ import annotations

import numpy as np

from minigan.backend import get_array_module
from minigan.data.mnist import DownloadError, load_bundled_mnist, load_mnist

KINDS = ("edges", "thickness", "superres", "completion")
BLOCK = 4  # superres: each 4x4 block of the 32x32 image becomes its mean (the 28x28 digit at 7x7)
HELD_OUT_PER_DIGIT = 50  # bundled digits per class kept for the offline test split (500 in all)
_SUBSET_SEED = 0         # which n images paired_digits(n=...) keeps: fixed, so calls repeat


def pad_to_32(images):
    """(N, 28, 28) -> (N, 32, 32) with 2 background (zero) pixels on every side.

    Any leading axes are kept; the array module (NumPy/CuPy) and dtype are kept.
    """
    if images.ndim < 2 or images.shape[-2:] != (28, 28):
        raise ValueError(f"pad_to_32: expected images of shape (..., 28, 28), got {images.shape}")
    xp = get_array_module(images)
    width = [(0, 0)] * (images.ndim - 2) + [(2, 2), (2, 2)]
    return xp.pad(images, width)


def structuring_offsets(radius: int, shape: str = "square") -> list[tuple[int, int]]:
    """The (dy, dx) offsets of a square (all |dy|, |dx| <= r) or disk (dy^2 + dx^2 <= r^2)."""
    if not isinstance(radius, (int, np.integer)) or radius < 0:
        raise ValueError(f"morphology: radius must be a non-negative integer, got {radius!r}")
    if shape not in ("square", "disk"):
        raise ValueError(f"morphology: shape must be 'square' or 'disk', got {shape!r}")
    r = int(radius)
    return [(dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1)
            if shape == "square" or dy * dy + dx * dx <= r * r]


def _extreme_value(dtype, largest: bool):
    """The identity of max (``largest=False``) or min (``largest=True``) for ``dtype``."""
    if dtype == np.bool_:
        return largest
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return info.max if largest else info.min
    return np.inf if largest else -np.inf


def _morphology(images, offsets, dilation: bool, name: str):
    if images.ndim < 2:
        raise ValueError(f"{name}: expected images of shape (..., H, W), got {images.shape}")
    xp = get_array_module(images)
    r = max(max(abs(dy), abs(dx)) for dy, dx in offsets)
    if r == 0:
        return images.copy()
    h, w = images.shape[-2:]
    # Pad with the identity of the reduction, so pixels outside the image never win: the
    # border behaves as if the image went on with "nothing there" (dilation) or "everything
    # there" (erosion), and erosion stays the dual of dilation.
    width = [(0, 0)] * (images.ndim - 2) + [(r, r), (r, r)]
    padded = xp.pad(images, width, constant_values=_extreme_value(images.dtype, not dilation))
    reduce = xp.maximum if dilation else xp.minimum
    out = None
    for dy, dx in offsets:
        window = padded[..., r + dy:r + dy + h, r + dx:r + dx + w]
        out = window.copy() if out is None else reduce(out, window, out=out)
    return out


def dilate(images, radius: int = 1, shape: str = "square"):
    """Grey-scale dilation: each pixel becomes the maximum over the structuring element.

    ``images`` (..., H, W), NumPy or CuPy, any real or bool dtype; ``shape`` "square" or "disk".
    Bright strokes grow by ``radius`` pixels.
    """
    return _morphology(images, structuring_offsets(radius, shape), True, "dilate")


def erode(images, radius: int = 1, shape: str = "square"):
    """Grey-scale erosion: each pixel becomes the minimum over the structuring element.

    Bright strokes shrink by ``radius`` pixels (strokes thinner than the element vanish).
    """
    return _morphology(images, structuring_offsets(radius, shape), False, "erode")


def outline(images, radius: int = 1):
    """The digit's outline: ``dilate(images) - images`` (the external morphological gradient).

    A ring ``radius`` pixels wide just outside the strokes, with the strokes themselves dark:
    a hollow digit whose inside a network has to fill. (``dilate - erode`` would be thick
    strokes, not an outline: MNIST strokes are 2-3 pixels wide and erosion removes most of them.)
    Same dtype as the input; never negative, because dilation is at least the pixel itself.
    """
    return dilate(images, radius, "square") - images


def thin_strokes(images):
    """Thinner strokes: erosion with the 2x2 square (the gentlest erosion: one pixel off the
    bottom-right side of every stroke, so 2-pixel strokes survive where the 3x3 square or the
    plus sign would break them), then each image stretched so its brightest pixel is 255
    again (thin strokes lose brightness to anti-aliasing). uint8 images, NumPy or CuPy."""
    if images.dtype != np.uint8:
        raise TypeError(f"thin_strokes: expected uint8 images, got dtype {images.dtype}")
    xp = get_array_module(images)
    eroded = _morphology(images, [(0, 0), (0, 1), (1, 0), (1, 1)], False, "thin_strokes")
    peak = eroded.max(axis=(-2, -1), keepdims=True).astype(xp.float32)
    # Python floats, not NumPy scalars, next to the arrays: they leave CuPy arrays on the GPU.
    stretched = eroded * (255.0 / xp.maximum(peak, 1.0))
    return xp.clip(xp.rint(stretched), 0, 255).astype(images.dtype)


def thick_strokes(images):
    """Thicker strokes: dilation with the radius-1 square (each stroke grows one pixel on every
    side, diagonals included)."""
    return dilate(images, 1, "square")


def low_resolution(images, block: int = BLOCK):
    """Each ``block`` x ``block`` tile replaced by its mean, at the same size: (..., H, W) ->
    (..., H, W), H and W multiples of ``block``. The 32x32 digits become 8x8 mosaics (MNIST's
    28x28 digit at 7x7), what a super-resolution network starts from. Same dtype (uint8 means
    are rounded); NumPy or CuPy."""
    h, w = images.shape[-2:]
    if h % block or w % block:
        raise ValueError(f"low_resolution: image size {h}x{w} is not a multiple of the block "
                         f"{block}")
    xp = get_array_module(images)
    tiles = images.reshape(*images.shape[:-2], h // block, block, w // block, block)
    means = tiles.astype(xp.float32).mean(axis=(-3, -1), keepdims=True)
    if images.dtype == np.uint8:
        means = xp.rint(means)
    mosaic = xp.broadcast_to(means, tiles.shape).reshape(images.shape)
    return mosaic.astype(images.dtype)


def upper_half(images):
    """The images with their lower half set to background (0): what a completion network sees.
    (..., H, W) -> same shape and dtype; NumPy or CuPy."""
    kept = images.copy()
    kept[..., images.shape[-2] // 2:, :] = 0
    return kept


def _held_out_mask(labels) -> np.ndarray:
    """True for the bundled images of the offline test split: the last HELD_OUT_PER_DIGIT of
    each digit, in the bundled order."""
    mask = np.zeros(len(labels), dtype=bool)
    for digit in np.unique(labels):
        index = np.flatnonzero(labels == digit)
        mask[index[-HELD_OUT_PER_DIGIT:]] = True
    return mask


def mnist_split(split: str = "train", root=None, mirrors=None, offline: bool = False):
    """MNIST ``(images (N, 28, 28), labels (N,))`` for ``split`` under the held-out rule in
    this module's docstring (train and test never overlap, online or offline).

    ``root`` and ``mirrors`` are passed to :func:`load_mnist` (``mirrors=[]`` forbids
    downloading, which tests use to force the offline rule). ``offline``: the bundled digits
    under the offline rule whatever is cached or downloadable, so that a figure measured on
    them (a shipped model's) is the same on every machine.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    test = None
    if not offline:
        try:
            test = load_mnist(root=root, split="test", mirrors=mirrors)
        except DownloadError as e:
            if not e.offline:
                raise
    if test is not None:
        return test if split == "test" else load_mnist(root=root, split="train", mirrors=mirrors)
    bundled_images, bundled_labels = load_bundled_mnist()
    held_out = _held_out_mask(bundled_labels)
    if split == "test":
        return bundled_images[held_out], bundled_labels[held_out]
    if offline:
        return bundled_images[~held_out], bundled_labels[~held_out]
    images, labels = load_mnist(root=root, split="train", mirrors=mirrors)
    excluded = {image.tobytes() for image in bundled_images[held_out]}
    keep = np.fromiter((image.tobytes() not in excluded for image in images), bool, len(images))
    return images[keep], labels[keep]


def _subset(arrays, n):
    """The first ``n`` of a fixed random order (MNIST files may be sorted by label)."""
    total = len(arrays[0])
    if n is None:
        return arrays
    if not isinstance(n, (int, np.integer)) or not 0 < n <= total:
        raise ValueError(f"n must be an integer in 1..{total} (the split's size), got {n!r}")
    index = np.sort(np.random.default_rng(_SUBSET_SEED).permutation(total)[:int(n)])
    return tuple(a[index] for a in arrays)


def paired_digits(kind: str = "edges", split: str = "train", n=None, root=None, mirrors=None,
                  offline: bool = False):
    """Paired 32x32 digit images for pix2pix: ``(inputs, targets, labels)``, uint8.

    kind "edges":     inputs = ``outline(digit)``, targets = the digit.
    kind "thickness": inputs = ``thin_strokes(digit)``, targets = ``thick_strokes(digit)``.
    kind "superres":  inputs = ``low_resolution(digit)`` (8x8 blocks), targets = the digit.
    kind "completion": inputs = ``upper_half(digit)``, targets = the digit.

    Images (N, 32, 32) uint8 0..255 (white digit on black, as MNIST), labels (N,) uint8. ``n``
    keeps that many images (a fixed random subset, so labels stay balanced). Splits follow the
    held-out rule in this module's docstring; ``root``/``mirrors`` go to :func:`load_mnist`;
    ``offline``: the bundled digits whatever is cached or downloadable (see :func:`mnist_split`).
    """
    if kind not in KINDS:
        raise ValueError(f"paired_digits: kind must be one of {KINDS}, got {kind!r}")
    images, labels = _subset(mnist_split(split, root, mirrors, offline=offline), n)
    digits = pad_to_32(images)
    if kind == "thickness":
        return thin_strokes(digits), thick_strokes(digits), labels
    make_input = {"edges": outline, "superres": low_resolution, "completion": upper_half}[kind]
    return make_input(digits), digits, labels
