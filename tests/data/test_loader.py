"""DataLoader: batching, epochs, reproducible shuffling, dtypes, and the [-1, 1] transforms."""
import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from minigan.data.loader import DataLoader, scale_to_unit_range, to_minus1_1


def _data(n):
    images = np.arange(n * 4, dtype=np.uint8).reshape(n, 2, 2)  # row i starts with 4*i % 256
    labels = (np.arange(n) % 10).astype(np.uint8)
    ids = np.arange(n)
    return images, labels, ids


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 50), batch_size=st.integers(1, 20), drop_last=st.booleans(),
       shuffle=st.booleans())
def test_batches_cover_every_item_once(n, batch_size, drop_last, shuffle):
    minigan.manual_seed(0)
    loader = DataLoader(_data(n), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    batches = list(loader)
    assert len(batches) == len(loader) == (n // batch_size if drop_last else -(-n // batch_size))
    for images, labels, ids in batches[:-1]:
        assert images.shape == (batch_size, 2, 2) and labels.shape == ids.shape == (batch_size,)
    seen = np.concatenate([ids.data for _, _, ids in batches]) if batches else np.array([])
    if drop_last:
        assert len(seen) == len(loader) * batch_size and len(set(seen)) == len(seen)
    else:
        np.testing.assert_array_equal(np.sort(seen), np.arange(n))
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(len(seen)))
    for images, labels, ids in batches:  # rows stay together
        np.testing.assert_array_equal(labels.data, ids.data % 10)
        np.testing.assert_array_equal(images.data[:, 0, 0], (4 * ids.data) % 256)


def _order(loader):
    return np.concatenate([ids.data for *_, ids in loader])


def test_same_seed_same_order_and_epochs_differ():
    loader = DataLoader(_data(100), batch_size=32)
    minigan.manual_seed(123)
    first, second = _order(loader), _order(loader)
    assert not np.array_equal(first, second)
    minigan.manual_seed(123)
    np.testing.assert_array_equal(_order(loader), first)
    np.testing.assert_array_equal(_order(loader), second)  # a resumed run continues the sequence


def test_dtypes_and_device():
    images, labels, ids = _data(10)
    x, y, i = next(iter(DataLoader((images, labels, ids), batch_size=4)))
    assert x.dtype == np.uint8 and y.dtype == np.int64 and i.dtype == np.int64
    assert x.device == y.device == "cpu"
    floats = np.zeros((10, 3), np.float64)
    (f,) = next(iter(DataLoader(floats, batch_size=4)))  # a single array gives 1-tuples
    assert f.dtype == np.float32


def test_transform_to_minus_one_one():
    images = np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    x, _ = next(iter(DataLoader((images, np.zeros(50, np.uint8)), batch_size=50,
                                shuffle=False, transform=scale_to_unit_range)))
    assert x.shape == (50, 1, 28, 28) and x.dtype == np.float32
    assert x.data.min() == -1.0 and x.data.max() == 1.0
    np.testing.assert_allclose((x.data[:, 0] + 1) * 127.5, images, atol=1e-4)
    flat = functools.partial(scale_to_unit_range, flatten=True)
    assert flat(images).shape == (50, 784)
    assert to_minus1_1(images).shape == (50, 28, 28)


@pytest.mark.parametrize("arrays", [
    (np.zeros((5, 2)), np.zeros(4)),
    (np.zeros(3), np.float64(1.0)),
    (),
])
def test_bad_arrays(arrays):
    with pytest.raises(ValueError, match="DataLoader"):
        DataLoader(arrays)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader((np.zeros(4),), batch_size=batch_size)
