"""minigan.ops.pad and minigan.ops.pool: pad (constant, reflect), avg_pool2d, upsample.

Values against NumPy (``np.pad``, ``np.repeat``) and a naive pooling loop; gradients by finite
differences (float64) over drawn shapes and widths, and twice for the linear pairs whose
backward is each other (reflect padding and its fold, window sums and their scatter).
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops.pad import pad
from minigan.ops.pool import avg_pool2d, upsample

from op_checks import SEEDS

GRAD = settings(max_examples=15, deadline=None)
SIDES = st.integers(1, 5)
WIDTHS = st.integers(0, 3)


def draw(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


def t64(a, grad=False):
    return mg.tensor(a, dtype=np.float64, requires_grad=grad)


# ---------------------------------------------------------------- pad


@settings(max_examples=25, deadline=None)
@given(SIDES, SIDES, st.tuples(WIDTHS, WIDTHS, WIDTHS, WIDTHS), st.floats(-2, 2), SEEDS)
def test_constant_pad_matches_numpy(h, w, widths, value, seed):
    x = draw(seed, (2, 3, h, w))
    left, right, top, bottom = widths
    expected = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)
    np.testing.assert_array_equal(pad(t64(x), widths, value=value).numpy(), expected)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.tuples(WIDTHS, WIDTHS, WIDTHS, WIDTHS), SEEDS)
def test_reflect_pad_matches_numpy(h, w, widths, seed):
    left, right, top, bottom = widths
    assume(max(left, right) < w and max(top, bottom) < h)
    x = draw(seed, (1, 2, h, w))
    expected = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode="reflect")
    np.testing.assert_array_equal(pad(t64(x), widths, mode="reflect").numpy(), expected)


def test_reflect_pad_of_a_row():
    x = mg.tensor([[[1.0, 2.0, 3.0]]])
    assert pad(x, (2, 1), mode="reflect").tolist() == [[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]]


def test_negative_constant_padding_crops():
    x = draw(0, (1, 1, 4, 5))
    np.testing.assert_array_equal(pad(t64(x), (-1, 2, 0, -2)).numpy(),
                                  np.pad(x[:, :, :2, 1:], ((0, 0), (0, 0), (0, 0), (0, 2))))


@GRAD
@given(st.integers(2, 4), st.integers(2, 4), st.tuples(WIDTHS, WIDTHS, WIDTHS, WIDTHS), SEEDS)
def test_reflect_pad_gradients_fold_back(h, w, widths, seed):
    left, right, top, bottom = widths
    assume(max(left, right) < w and max(top, bottom) < h)
    x = draw(seed, (2, 1, h, w))
    assert gradcheck(lambda x: pad(x, widths, mode="reflect"), (x,), seed=seed)
    assert gradgradcheck(lambda x: pad(x, widths, mode="reflect") ** 2, (x,), seed=seed)


@GRAD
@given(SIDES, SIDES, st.tuples(WIDTHS, WIDTHS, WIDTHS, WIDTHS), SEEDS)
def test_constant_pad_gradcheck(h, w, widths, seed):
    x = draw(seed, (1, 2, h, w))
    assert gradcheck(lambda x: pad(x, widths, value=1.5), (x,), seed=seed)
    assert gradgradcheck(lambda x: pad(x, widths) ** 2, (x,), seed=seed)


def test_pad_errors():
    x = mg.zeros(1, 1, 3, 3)
    with pytest.raises(ValueError, match=r"reflect padding widths \(3, 0, 0, 0\) must be "
                                         r"non-negative and smaller.*\(1, 1, 3, 3\)"):
        pad(x, (3, 0, 0, 0), mode="reflect")
    with pytest.raises(ValueError, match="mode must be one of"):
        pad(x, (1, 1), mode="circular")
    with pytest.raises(ValueError, match="even length"):
        pad(x, (1, 1, 1))
    with pytest.raises(ValueError, match="3-D or 4-D"):
        pad(mg.zeros(3, 3), (1, 1), mode="reflect")


# ---------------------------------------------------------------- avg_pool2d


def naive_avg_pool(x, k, s, p, count_include_pad=True):
    n, c, h, w = x.shape
    padded = np.zeros((n, c, h + 2 * p, w + 2 * p))
    padded[:, :, p:p + h, p:p + w] = x
    real = np.zeros((h + 2 * p, w + 2 * p))
    real[p:p + h, p:p + w] = 1
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    out = np.zeros((n, c, oh, ow))
    for r in range(oh):
        for q in range(ow):
            window = padded[:, :, r * s:r * s + k, q * s:q * s + k]
            count = k * k if count_include_pad else real[r * s:r * s + k, q * s:q * s + k].sum()
            out[:, :, r, q] = window.sum(axis=(2, 3)) / count
    return out


@st.composite
def pool_settings(draw_):
    k = draw_(st.integers(1, 3))
    s = draw_(st.integers(1, 3))
    p = draw_(st.integers(0, k // 2))
    h, w = draw_(SIDES), draw_(SIDES)
    assume(h + 2 * p >= k and w + 2 * p >= k)
    return h, w, k, s, p


@settings(max_examples=25, deadline=None)
@given(pool_settings(), st.booleans(), SEEDS)
def test_avg_pool_matches_the_naive_loops(setting, include, seed):
    h, w, k, s, p = setting
    x = draw(seed, (2, 2, h, w))
    out = avg_pool2d(t64(x), k, s, p, count_include_pad=include).numpy()
    np.testing.assert_allclose(out, naive_avg_pool(x, k, s, p, include), rtol=1e-12)


def test_avg_pool_stride_defaults_to_the_kernel():
    x = draw(0, (1, 1, 4, 4))
    np.testing.assert_allclose(avg_pool2d(t64(x), 2).numpy(),
                               x.reshape(1, 1, 2, 2, 2, 2).mean(axis=(3, 5)))


@GRAD
@given(pool_settings(), st.booleans(), SEEDS)
def test_avg_pool_gradcheck(setting, include, seed):
    h, w, k, s, p = setting
    x = draw(seed, (1, 2, h, w))
    assert gradcheck(lambda x: avg_pool2d(x, k, s, p, count_include_pad=include), (x,),
                     seed=seed)
    assert gradgradcheck(lambda x: avg_pool2d(x, k, s, p) ** 2, (x,), seed=seed)


def test_avg_pool_errors():
    with pytest.raises(ValueError, match=r"kernel size \(5, 5\) is larger than the padded input"):
        avg_pool2d(mg.zeros(1, 1, 3, 3), 5)
    with pytest.raises(ValueError, match="at most half"):
        avg_pool2d(mg.zeros(1, 1, 3, 3), 2, padding=2)
    with pytest.raises(ValueError, match="3-D or 4-D"):
        avg_pool2d(mg.zeros(3, 3), 2)


# ---------------------------------------------------------------- upsample


@settings(max_examples=20, deadline=None)
@given(SIDES, SIDES, st.integers(1, 3), st.integers(1, 3), SEEDS)
def test_upsample_repeats_pixels(h, w, sh, sw, seed):
    x = draw(seed, (2, 1, h, w))
    expected = x.repeat(sh, axis=2).repeat(sw, axis=3)
    np.testing.assert_array_equal(upsample(t64(x), scale_factor=(sh, sw)).numpy(), expected)
    np.testing.assert_array_equal(upsample(t64(x), size=(h * sh, w * sw)).numpy(), expected)


@GRAD
@given(SIDES, SIDES, st.integers(1, 3), SEEDS)
def test_upsample_gradient_sums_each_block(h, w, s, seed):
    x = draw(seed, (1, 2, h, w))
    assert gradcheck(lambda x: upsample(x, scale_factor=s), (x,), seed=seed)
    assert gradgradcheck(lambda x: upsample(x, scale_factor=s) ** 2, (x,), seed=seed)
    g = np.random.default_rng(seed).standard_normal((1, 2, h * s, w * s))
    xt = t64(x, grad=True)
    (upsample(xt, scale_factor=s) * t64(g)).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), g.reshape(1, 2, h, s, w, s).sum(axis=(3, 5)))


def test_upsample_errors():
    x = mg.zeros(1, 1, 3, 3)
    with pytest.raises(ValueError, match="integer multiple"):
        upsample(x, size=(4, 4))
    with pytest.raises(ValueError, match="positive integer"):
        upsample(x, scale_factor=1.5)
    with pytest.raises(ValueError, match="only mode='nearest'"):
        upsample(x, scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="exactly one of"):
        upsample(x)


def test_float32_stays_float32():
    x = mg.tensor(draw(0, (1, 2, 4, 4)), requires_grad=True)
    for y in (pad(x, (1, 1, 1, 1), mode="reflect"), pad(x, (1, 2, 0, 1), value=0.5),
              avg_pool2d(x, 3, 1, 1, count_include_pad=False), upsample(x, scale_factor=2)):
        assert y.dtype == np.float32
        x.grad = None
        (y * y).sum().backward()
        assert x.grad.dtype == np.float32
