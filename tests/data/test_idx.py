"""IDX reader/writer: round trips, and malformed files fail loudly with the file's name."""
import gzip
import io
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigan.data.idx import read_idx, write_idx

shapes = st.lists(st.integers(0, 6), min_size=1, max_size=4).map(tuple)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, gz=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_round_trip(tmp_path_factory, shape, gz, seed):
    array = np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)
    path = tmp_path_factory.mktemp("idx") / ("a.idx.gz" if gz else "a.idx")
    write_idx(path, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == gz
    back = read_idx(path)
    assert back.dtype == np.uint8 and back.shape == shape
    np.testing.assert_array_equal(back, array)
    back[...] = 0  # the result is an ordinary writable array


def test_reads_file_objects_and_is_deterministic(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", array)
    write_idx(tmp_path / "b.gz", array)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()
    with open(tmp_path / "a.gz", "rb") as f:
        np.testing.assert_array_equal(read_idx(f), array)


def test_write_rejects_non_uint8(tmp_path):
    with pytest.raises(TypeError, match="uint8"):
        write_idx(tmp_path / "a.idx", np.zeros(3, np.int32))


def _raw(type_code=0x08, dims=(2, 3), data=None, magic=b"\x00\x00"):
    data = bytes(int(np.prod(dims))) if data is None else data
    return magic + bytes([type_code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + data


@pytest.mark.parametrize("payload, message", [
    (_raw(magic=b"\x08\x03"), "bad IDX magic"),
    (_raw(type_code=0x0D), "type code 0x0d"),
    (b"\x00\x00", "truncated IDX header"),
    (_raw(dims=(2, 3))[:9], "truncated IDX header"),     # second dimension cut short
    (_raw(dims=(2, 3), data=bytes(5)), "need 6 data bytes"),
    (_raw(dims=(2, 3), data=bytes(7)), "need 6 data bytes"),
])
@pytest.mark.parametrize("gz", [False, True])
def test_malformed_files_raise_value_error_naming_the_file(tmp_path, payload, message, gz):
    path = tmp_path / ("bad.gz" if gz else "bad")
    path.write_bytes(gzip.compress(payload) if gz else payload)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_gzip_stream(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(_raw(dims=(100, 28, 28)))[:-20])
    with pytest.raises(ValueError, match="cut.gz: not a readable gzip"):
        read_idx(path)


def test_file_object_without_name():
    with pytest.raises(ValueError, match="<file object>: bad IDX magic"):
        read_idx(io.BytesIO(b"PK\x03\x04 not idx"))
