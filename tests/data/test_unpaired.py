"""UnpairedLoader: epoch length, coverage of both domains, no fixed pairing, reproducibility."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from minigan import backend
from minigan.data.loader import scale_to_unit_range
from minigan.data.unpaired import UnpairedLoader


def ids(n, offset=0):
    return np.arange(offset, offset + n)


def epoch(loader):
    batches = list(loader)
    a = np.concatenate([x.data for x, _ in batches]) if batches else np.array([], int)
    b = np.concatenate([y.data for _, y in batches]) if batches else np.array([], int)
    return batches, a, b


@settings(max_examples=40, deadline=None)
@given(len_a=st.integers(1, 40), len_b=st.integers(1, 40), batch_size=st.integers(1, 12),
       drop_last=st.booleans(), shuffle=st.booleans(), seed=st.integers(0, 1000))
def test_lengths_and_coverage(len_a, len_b, batch_size, drop_last, shuffle, seed):
    longest = max(len_a, len_b)
    if drop_last and longest < batch_size:
        with pytest.raises(ValueError, match="batch_size"):
            UnpairedLoader(ids(len_a), ids(len_b), batch_size, drop_last=drop_last)
        return
    minigan.manual_seed(seed)
    loader = UnpairedLoader(ids(len_a), ids(len_b, 1000), batch_size, shuffle=shuffle,
                            drop_last=drop_last)
    batches, a, b = epoch(loader)
    expected = longest // batch_size if drop_last else -(-longest // batch_size)
    assert len(batches) == len(loader) == expected
    for x, y in batches:
        assert x.shape == y.shape and x.shape[0] <= batch_size
    if drop_last:
        assert all(x.shape[0] == batch_size for x, _ in batches)
    seen = len(a)
    assert seen == (expected * batch_size if drop_last else longest)
    assert ((0 <= a) & (a < len_a)).all() and ((1000 <= b) & (b < 1000 + len_b)).all()
    longer, shorter, n_short = (a, b - 1000, len_b) if len_a >= len_b else (b - 1000, a, len_a)
    assert len(set(longer)) == seen  # the longer domain: once each, at most
    counts = np.bincount(shorter, minlength=n_short)  # the shorter: evenly cycled
    assert counts.max() - counts.min() <= 1
    if not shuffle:
        np.testing.assert_array_equal(longer, np.arange(seen))
        np.testing.assert_array_equal(shorter, np.arange(seen) % n_short)


def test_no_fixed_pairing_across_epochs():
    minigan.manual_seed(0)
    loader = UnpairedLoader(ids(32), ids(32, 100), batch_size=8)
    pairs = []
    for _ in range(3):
        _, a, b = epoch(loader)
        np.testing.assert_array_equal(np.sort(a), ids(32))  # equal lengths: each seen once
        np.testing.assert_array_equal(np.sort(b), ids(32, 100))
        pairs.append(dict(zip(a.tolist(), b.tolist())))
    for first, second in [(0, 1), (1, 2), (0, 2)]:
        same = sum(pairs[first][i] == pairs[second][i] for i in range(32))
        assert same < 8, same  # independent shuffles: about one coincidence expected
    # and the two domains are not shuffled alike within an epoch either
    assert sum(pairs[0][i] - 100 == i for i in range(32)) < 8


def test_manual_seed_repeats_and_rng_state_resumes():
    a_data, b_data = ids(20), ids(7, 50)
    minigan.manual_seed(5)
    loader = UnpairedLoader(a_data, b_data, batch_size=4)
    first = [epoch(loader)[1:] for _ in range(2)]
    minigan.manual_seed(5)
    again = [epoch(loader)[1:] for _ in range(2)]
    for (a1, b1), (a2, b2) in zip(first, again):
        np.testing.assert_array_equal(a1, a2)
        np.testing.assert_array_equal(b1, b2)
    assert (first[0][0] != first[1][0]).any()  # a new order each epoch
    # resume: restoring the generator's state between epochs continues the same sequence
    minigan.manual_seed(5)
    epoch(loader)
    state = backend.rng_state()
    minigan.manual_seed(999)
    backend.set_rng_state(state)
    a3, b3 = epoch(loader)[1:]
    np.testing.assert_array_equal(a3, first[1][0])
    np.testing.assert_array_equal(b3, first[1][1])


def test_longer_domain_shuffled_like_the_data_loader():
    # The longer domain's order is the same permutation DataLoader would draw first.
    minigan.manual_seed(3)
    expected = backend.get_rng().permutation(12)
    minigan.manual_seed(3)
    _, a, _ = epoch(UnpairedLoader(ids(12), ids(5), batch_size=3))
    np.testing.assert_array_equal(a, expected)


def test_transform_device_and_images():
    minigan.manual_seed(0)
    a = np.zeros((6, 4, 4), np.uint8)
    b = np.full((3, 4, 4), 255, np.uint8)
    loader = UnpairedLoader(a, b, batch_size=2, transform=scale_to_unit_range, device="cpu")
    batches = list(loader)
    assert len(batches) == 3
    for x, y in batches:
        assert x.shape == y.shape == (2, 1, 4, 4) and x.dtype == y.dtype == np.float32
        assert (x.data == -1).all() and (y.data == 1).all() and x.device == "cpu"
    rgb = np.zeros((4, 8, 8, 3), np.uint8)
    to_nchw = lambda x: x.transpose(0, 3, 1, 2).astype(np.float32) / 127.5 - 1  # noqa: E731
    x, y = next(iter(UnpairedLoader(rgb, rgb, batch_size=4, transform=to_nchw)))
    assert x.shape == y.shape == (4, 3, 8, 8)


def test_bad_arguments():
    with pytest.raises(ValueError, match="at least one item"):
        UnpairedLoader(np.zeros((0, 2)), ids(3), 1)
    with pytest.raises(ValueError, match="batch_size"):
        UnpairedLoader(ids(3), ids(3), 0)
    with pytest.raises(ValueError, match="device"):
        UnpairedLoader(ids(3), ids(3), 1, device="tpu")


@pytest.mark.skipif(not minigan.cuda_is_available(), reason="CuPy/CUDA not available")
def test_batches_on_cuda():
    x, y = next(iter(UnpairedLoader(ids(4), ids(2), 2, device="cuda")))
    assert x.device == y.device == "cuda"
