"""Save and load checkpoints as plain ``.npz`` archives: atomic, and never pickled.

A checkpoint is a NumPy ``.npz`` archive of named arrays plus one JSON document:

    model/G/0.weight        float32 array      (hierarchical keys: owner / network / parameter)
    optim/D/state/0/exp_avg float32 array
    ...
    __meta__                uint8 array        the UTF-8 bytes of a JSON object: the model's
                                               registry name and constructor config, epoch,
                                               history, RNG state, counters

Nothing in it is a Python object, so :func:`load_checkpoint` reads it with
``allow_pickle=False``: opening a checkpoint from a stranger cannot run code. The file is written
through :func:`minigan.files.atomic_write` (a temporary file beside it, flushed, then renamed
over the old one), so a crash mid-write leaves the previous checkpoint intact.
"""
from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib

import numpy as np

from minigan import backend
from minigan.autograd import Tensor
from minigan.files import atomic_write

META_KEY = "__meta__"
FORMAT = "minigan-checkpoint"
VERSION = 1


def save_checkpoint(path, arrays: dict, meta: dict) -> str:
    """Write ``arrays`` (name -> NumPy/CuPy array or Tensor) and ``meta`` (JSON-able) to ``path``.

    Returns the path written. ``meta`` gets ``format`` and ``version`` entries added.
    Raises ``TypeError`` for a non-string key, an object array or meta that JSON cannot encode.
    """
    path = os.fspath(path)
    payload = {}
    for key, value in arrays.items():
        if not isinstance(key, str) or not key or key == META_KEY:
            raise TypeError(f"save_checkpoint: array keys must be non-empty strings other than "
                            f"{META_KEY!r}, got {key!r}")
        array = backend.to_numpy(value.data if isinstance(value, Tensor) else value)
        if array.dtype == object:
            raise TypeError(f"save_checkpoint: {key!r} is an object array; checkpoints hold "
                            "numbers only (they are loaded without pickle)")
        payload[key] = array
    try:
        text = json.dumps({"format": FORMAT, "version": VERSION, **meta}, allow_nan=True)
    except TypeError as err:
        raise TypeError(f"save_checkpoint: meta is not JSON-serialisable: {err}") from None
    payload[META_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)

    with atomic_write(path) as f:
        np.savez(f, **payload)
    return path


def nonfinite_entries(arrays: dict, prefix: str = "model/") -> list:
    """The keys under ``prefix`` whose float arrays (NumPy, CuPy or Tensors) hold a NaN or an
    infinity: a model whose weights are not all finite draws nothing worth keeping."""
    bad = []
    for key, value in arrays.items():
        array = value.data if isinstance(value, Tensor) else value
        if key.startswith(prefix) and array.dtype.kind in "fc" and \
                not bool(backend.get_array_module(array).isfinite(array).all()):
            bad.append(key)
    return bad


def read_verified(path, sha256: str | None, what: str, restore: str) -> bytes:
    """The bytes of a file minigan ships (the judge's weights, a trained generator), checked
    against its recorded SHA-256 when ``sha256`` is given: a corrupt or swapped file is a
    ``ValueError`` naming ``what``, the path and both digests, never a silently different
    model. A missing file is a ``FileNotFoundError`` that says how to ``restore`` it."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} {path} is missing; {restore}")
    with open(path, "rb") as f:
        raw = f.read()
    if sha256 is not None:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != sha256:
            raise ValueError(f"{what} {path} is corrupt or not the shipped one: SHA-256 "
                             f"{digest}, expected {sha256}")
    return raw


def read_npz(path, what: str = "file") -> dict:
    """Every array of the ``.npz`` archive at ``path``, read without pickle.

    Raises ``FileNotFoundError`` if it is missing and ``ValueError`` (starting with ``what``
    and the path) for a pickle, a single ``.npy``, an object array, or a truncated or corrupt
    archive: NumPy alone reports most of these as "pickled data", which misleads.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what} {path!r} does not exist")
    with open(path, "rb") as f:
        head = f.read(6)
    if head[:1] == b"\x80":
        raise ValueError(f"{what} {path!r} is a pickle file; minigan refuses to load pickles "
                         "(loading one can run arbitrary code)")
    if head == b"\x93NUMPY":
        raise ValueError(f"{what} {path!r} is a single .npy array, not an .npz archive")
    if head[:2] != b"PK":
        raise ValueError(f"{what} {path!r} is not an .npz archive (truncated, corrupt, or "
                         f"another kind of file; it starts with {head!r})")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise ValueError(f"{what} {path!r} is truncated or corrupt (not a readable .npz "
                         f"archive): {err}") from None
    arrays = {}
    with archive:
        for key in archive.files:
            try:
                arrays[key] = archive[key]
            except ValueError as err:
                raise ValueError(f"{what} {path!r}: entry {key!r} cannot be loaded: "
                                 f"{_why(err)}") from None
            except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
                raise ValueError(f"{what} {path!r} is truncated or corrupt: entry {key!r} "
                                 f"cannot be read ({err})") from None
    return arrays


def load_checkpoint(path) -> tuple[dict, dict]:
    """Read a checkpoint written by :func:`save_checkpoint`: ``(arrays, meta)``.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the path and the
    problem for anything that is not a sound minigan checkpoint: a pickled object inside, a
    truncated or corrupt archive, or a missing/unreadable ``__meta__`` entry.
    """
    path = os.fspath(path)
    arrays = read_npz(path, "checkpoint")
    if META_KEY not in arrays:
        raise ValueError(f"checkpoint {path!r} has no {META_KEY!r} entry: it is an .npz archive, "
                         "but not one written by minigan.checkpoint.save_checkpoint")
    raw = arrays.pop(META_KEY)
    try:
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ValueError(f"expected a 1-d uint8 array, got {raw.dtype} of shape {raw.shape}")
        meta = json.loads(raw.tobytes().decode("utf-8"))
        if not isinstance(meta, dict):
            raise ValueError(f"expected a JSON object, got {type(meta).__name__}")
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"checkpoint {path!r}: its {META_KEY!r} entry is not valid: {err}") \
            from None
    if meta.get("format") != FORMAT:
        raise ValueError(f"checkpoint {path!r}: {META_KEY!r} says format "
                         f"{meta.get('format')!r}, expected {FORMAT!r}")
    return arrays, meta


def _why(err: ValueError) -> str:
    text = str(err)
    if "pickle" in text.lower():
        return ("it contains pickled Python objects, which minigan refuses to load "
                "(loading a pickle can run arbitrary code)")
    return text


def subtree(arrays: dict, prefix: str) -> dict:
    """The entries of ``arrays`` under ``prefix/``, with the prefix removed."""
    prefix = prefix.rstrip("/") + "/"
    return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}


def prefixed(prefix: str, arrays: dict) -> dict:
    """``arrays`` with every key put under ``prefix/`` (the inverse of :func:`subtree`)."""
    prefix = prefix.rstrip("/") + "/"
    return {prefix + k: v for k, v in arrays.items()}
