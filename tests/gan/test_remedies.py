"""Minibatch discrimination, the minibatch standard deviation, and packing."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from minigan.gan.remedies import (MinibatchDiscrimination, MinibatchStdDev, minibatch_stddev,
                                  pack, packed_size)
from minigan.gradcheck import gradcheck


def t64(array, requires_grad=False):
    return minigan.tensor(np.asarray(array, np.float64), dtype=np.float64,
                          requires_grad=requires_grad)


def naive_minibatch_features(x, T, B, C):
    m = (x @ T).reshape(len(x), B, C)
    o = np.zeros((len(x), B))
    for i in range(len(x)):
        for j in range(len(x)):
            o[i] += np.exp(-np.abs(m[i] - m[j]).sum(axis=1))
    return o - 1.0  # without c(i, i) = 1


def test_minibatch_discrimination_matches_the_formula():
    minigan.manual_seed(0)
    layer = MinibatchDiscrimination(5, 4, 3).double()
    x = np.random.default_rng(0).standard_normal((6, 5))
    out = layer(t64(x)).numpy()
    assert out.shape == (6, 9)
    np.testing.assert_allclose(out[:, :5], x)
    np.testing.assert_allclose(out[:, 5:], naive_minibatch_features(x, layer.T.numpy(), 4, 3),
                               rtol=1e-12)
    with_self = MinibatchDiscrimination(5, 4, 3, include_self=True).double()
    with_self.T.data[...] = layer.T.data
    np.testing.assert_allclose(with_self(t64(x)).numpy()[:, 5:], out[:, 5:] + 1.0)


def test_identical_rows_look_more_alike_than_distinct_rows():
    minigan.manual_seed(1)
    layer = MinibatchDiscrimination(8, 6, 4).double()
    rng = np.random.default_rng(1)
    row = rng.standard_normal(8)
    same = layer.similarity(t64(np.tile(row, (10, 1)))).numpy()
    distinct = layer.similarity(t64(rng.standard_normal((10, 8)))).numpy()
    np.testing.assert_allclose(same, 9.0)  # exp(0) from each of the 9 other rows
    assert (distinct < same).all()
    assert distinct.max() < 9.0


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 5), a=st.integers(1, 4), b=st.integers(1, 3), c=st.integers(1, 3),
       seed=st.integers(0, 1000))
def test_minibatch_discrimination_gradcheck(n, a, b, c, seed):
    minigan.manual_seed(seed)
    layer = MinibatchDiscrimination(a, b, c).double()
    x = t64(np.random.default_rng(seed).standard_normal((n, a)), requires_grad=True)

    def fn(x, T):
        return MinibatchDiscrimination.forward(_with_T(layer, T), x)
    assert gradcheck(fn, [x, t64(layer.T.numpy(), requires_grad=True)], seed=seed)


def _with_T(layer, T):
    """A view of ``layer`` whose T is the Tensor ``T`` (so gradcheck can differentiate it)."""
    clone = MinibatchDiscrimination.__new__(MinibatchDiscrimination)
    clone.__dict__.update(layer.__dict__)
    object.__setattr__(clone, "T", T)
    return clone


def test_minibatch_discrimination_rejects_bad_shapes():
    layer = MinibatchDiscrimination(4, 2, 2)
    with pytest.raises(ValueError, match=r"expected input \(N, 4\)"):
        layer(minigan.zeros(3, 5))
    with pytest.raises(ValueError, match="positive"):
        MinibatchDiscrimination(0, 2, 2)


def test_mbstd_is_zero_for_identical_rows():
    x = t64(np.tile([1.0, -2.0, 3.0], (7, 1)))
    out = minibatch_stddev(x).numpy()
    assert out.shape == (7, 4)
    np.testing.assert_allclose(out[:, :3], x.numpy())
    np.testing.assert_allclose(out[:, 3], np.sqrt(1e-8))  # sqrt(0 + eps)
    assert MinibatchStdDev(eps=0.0)(x).numpy()[:, 3].tolist() == [0.0] * 7


def test_mbstd_value_and_groups():
    x = np.random.default_rng(2).standard_normal((8, 5))
    out = minibatch_stddev(t64(x)).numpy()
    np.testing.assert_allclose(out[:, 5], np.sqrt(x.var(axis=0) + 1e-8).mean())
    grouped = minibatch_stddev(t64(x), group_size=4).numpy()[:, 5]
    # Row i belongs to group i % 2 (ProGAN's layout): rows 0, 2, 4, 6 and 1, 3, 5, 7.
    for g in range(2):
        np.testing.assert_allclose(grouped[g::2],
                                   np.sqrt(x[g::2].var(axis=0) + 1e-8).mean())
    images = np.random.default_rng(3).standard_normal((4, 2, 3, 3))
    out = minibatch_stddev(t64(images)).numpy()
    assert out.shape == (4, 3, 3, 3)
    np.testing.assert_allclose(out[:, 2], np.sqrt(images.var(axis=0) + 1e-8).mean())
    with pytest.raises(ValueError, match="groups"):
        minibatch_stddev(t64(x), group_size=3)


@settings(max_examples=8, deadline=None)
@given(n=st.integers(2, 6), f=st.integers(1, 4), seed=st.integers(0, 1000))
def test_mbstd_gradcheck(n, f, seed):
    x = t64(np.random.default_rng(seed).standard_normal((n, f)), requires_grad=True)
    assert gradcheck(minibatch_stddev, [x], seed=seed)


def test_pack_shapes_and_order():
    x = np.arange(24.0).reshape(6, 4)
    packed = pack(t64(x), 3).numpy()
    assert packed.shape == (2, 12)
    np.testing.assert_array_equal(packed[1], np.concatenate([x[3], x[4], x[5]]))
    images = np.arange(8 * 2 * 3 * 3.0).reshape(8, 2, 3, 3)
    packed = pack(t64(images), 4).numpy()
    assert packed.shape == (2, 8, 3, 3)
    np.testing.assert_array_equal(packed[1, 2:4], images[5])  # channels of sample 5
    assert pack(t64(x), 1).shape == (6, 4)
    with pytest.raises(ValueError, match="packs of 4"):
        pack(t64(x), 4)
    assert packed_size(10, 4) == 8


def test_pack_passes_gradients_back_in_place():
    x = t64(np.random.default_rng(4).standard_normal((4, 2)), requires_grad=True)
    weights = t64(np.arange(8.0).reshape(2, 4))
    (pack(x, 2) * weights).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(8.0).reshape(4, 2))

