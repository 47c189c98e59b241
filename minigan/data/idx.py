"""Read and write IDX files, the simple binary format MNIST and Fashion-MNIST ship in.

An IDX file is a header and then the raw array, row-major:

    bytes 0-1   0x00 0x00         magic: always two zero bytes
    byte  2     type code         0x08 = unsigned byte (the only type MNIST uses)
    byte  3     ndim              number of dimensions
    then        ndim x uint32     the size of each dimension, big-endian
    then        prod(dims) items  the data

The files are usually gzip-compressed (``*.gz``); :func:`read_idx` recognises gzip by its own
magic bytes (0x1f 0x8b), so a decompressed copy reads just as well.
"""
from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np

from minigan.files import atomic_write

_UBYTE = 0x08
# The other type codes the format defines: named only to make the error message helpful.
_OTHER_TYPES = {0x09: "int8", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64"}


def read_idx(source) -> np.ndarray:
    """Read an IDX file (gzip'd or raw) from a path or a binary file object into a uint8 array.

    Raises ``ValueError`` naming the file and the problem when the header or the data length
    is wrong, so a truncated download never turns into a silently misshapen array.
    """
    if hasattr(source, "read"):
        name, raw = getattr(source, "name", "<file object>"), source.read()
    else:
        name = os.fspath(source)
        with open(name, "rb") as f:
            raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:  # truncated or corrupt gzip stream
            raise ValueError(f"{name}: not a readable gzip file ({e})") from None

    if len(raw) < 4:
        raise ValueError(f"{name}: truncated IDX header ({len(raw)} bytes, need at least 4)")
    if raw[:2] != b"\x00\x00":
        raise ValueError(f"{name}: bad IDX magic {raw[:2].hex()} (expected 0000); not an IDX file?")
    type_code, ndim = raw[2], raw[3]
    if type_code != _UBYTE:
        kind = _OTHER_TYPES.get(type_code, "unknown")
        raise ValueError(f"{name}: IDX type code 0x{type_code:02x} ({kind}) is not supported; "
                         "minigan reads unsigned-byte (0x08) files only")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name}: truncated IDX header: {ndim} dimensions need {header} bytes, "
                         f"the file has {len(raw)}")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != expected:
        raise ValueError(f"{name}: IDX dims {dims} need {expected} data bytes, the file has "
                         f"{len(raw) - header} (truncated or corrupt)")
    # frombuffer views the read-only bytes; copy so callers get an ordinary writable array.
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims).copy()


def write_idx(path, array) -> None:
    """Write a uint8 array as an IDX file; gzip-compress it when ``path`` ends with ``.gz``.

    The gzip timestamp is fixed (mtime=0) so the same array always gives the same bytes, and
    therefore the same SHA-256: the tests rely on that to build checksummed fake datasets.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise TypeError(f"write_idx writes uint8 arrays only, got {array.dtype}")
    if array.ndim > 255:
        raise ValueError(f"IDX stores at most 255 dimensions, got {array.ndim}")
    header = bytes([0, 0, _UBYTE, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + np.ascontiguousarray(array).tobytes()
    if os.fspath(path).endswith(".gz"):
        payload = gzip.compress(payload, mtime=0)
    with atomic_write(path) as f:
        f.write(payload)
