"""The samples file ``python -m minigan sample`` writes and ``evaluate`` reads: an ``.npz``
(compressed, no pickle) holding ``images``, uint8 (N, 28, 28) with 0 = background as in MNIST,
and, for conditional models, ``labels`` (N,) int64, the digit each image was asked to show.

:func:`write_samples` streams: each batch of images is compressed into the archive as it comes,
so a million samples never sit in memory at once, and the file appears (atomically) only when
the last one is written.
"""
from __future__ import annotations

import os
import zipfile

import numpy as np

from minigan.files import atomic_write

# Beyond this a request is a typo (a billion 28x28 samples are 784 GB): refused at once.
MAX_SAMPLES = 10_000_000


def write_samples(path, n: int, batches) -> dict:
    """Write ``n`` samples arriving as ``batches`` (dicts with ``images`` uint8 (b, ...) and,
    optionally, ``labels`` (b,)) to the ``.npz`` at ``path``; returns the shapes written.

    The archive is what ``np.savez_compressed`` writes (deflated ``images.npy`` and
    ``labels.npy``), built one batch at a time: only ``labels`` (8 bytes a sample) is held
    until the end.
    """
    batches = iter(batches)
    first = next(batches)
    shape = (n, *first["images"].shape[1:])
    labels, written = [], 0
    with atomic_write(path) as f, \
            zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("images.npy", "w", force_zip64=True) as entry:
            np.lib.format.write_array_header_1_0(entry, {
                "descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)),
                "fortran_order": False, "shape": shape})
            for batch in _chain(first, batches):
                images = np.ascontiguousarray(batch["images"], dtype=np.uint8)
                if images.shape[1:] != shape[1:]:
                    raise ValueError(f"write_samples: a batch of shape {images.shape} among "
                                     f"images of shape {shape[1:]}")
                entry.write(images.tobytes())
                written += len(images)
                if "labels" in batch:
                    labels.append(np.asarray(batch["labels"]))
            if written != n:
                raise ValueError(f"write_samples: {written} samples arrived, {n} were announced")
        if labels:
            with archive.open("labels.npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.concatenate(labels), allow_pickle=False)
    return {"images": shape, **({"labels": (n,)} if labels else {})}


def _chain(first, rest):
    yield first
    yield from rest


def read_samples(path) -> dict:
    """The arrays of a samples file, checked: ``images`` uint8 (N, 28, 28) [, ``labels`` (N,),
    integers 0-9]. Raises ``FileNotFoundError`` or ``ValueError`` naming the file."""
    from minigan.checkpoint import read_npz

    path = os.fspath(path)
    arrays = read_npz(path, "samples file")
    images = arrays.get("images")
    if images is None:
        raise ValueError(f"samples file {path!r} has no 'images' entry "
                         f"(it has {sorted(arrays)})")
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28) or \
            len(images) == 0:
        raise ValueError(f"samples file {path!r}: 'images' must be uint8 of shape "
                         f"(N, 28, 28) with N > 0 (the judge reads MNIST-sized digits), got "
                         f"{images.dtype} {images.shape}")
    labels = arrays.get("labels")
    if labels is not None:
        if labels.shape != (len(images),):
            raise ValueError(f"samples file {path!r}: 'labels' has shape {labels.shape}, "
                             f"expected ({len(images)},)")
        if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() > 9:
            raise ValueError(f"samples file {path!r}: 'labels' must be the digits 0-9, got "
                             f"{labels.dtype} values from {labels.min()} to {labels.max()}")
    return arrays
