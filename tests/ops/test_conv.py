"""minigan.ops.conv: conv2d and conv_transpose2d.

* A naive convolution written with explicit loops (here, in the test file, never in the library)
  agrees with the fast strided-view one: learners can read the loops to see what is computed.
* The adjoint property <conv2d(x, w), y> = <x, conv_transpose2d(y, w)> holds for drawn shapes.
* Gradients pass finite-difference checks (float64) over drawn batch, channels, sizes, kernels,
  strides, paddings and output paddings; conv2d, conv_transpose2d and a small convolutional
  critic's gradient penalty pass them twice differentiated.
* Output sizes follow PyTorch's formulas; bad input raises errors naming the op and the shapes.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan import autograd
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops.activation import leaky_relu
from minigan.ops.conv import (conv2d, conv_output_size, conv_transpose2d,
                              conv_transpose_output_size)

from op_checks import SEEDS

GRAD = settings(max_examples=15, deadline=None)
GRADGRAD = settings(max_examples=6, deadline=None)


# ---------------------------------------------------------------- naive references (loops)


def naive_conv2d(x, w, b, stride, padding):
    """Cross-correlation exactly as the lecture draws it: slide the kernel, multiply, add."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    (sh, sw), (ph, pw) = stride, padding
    padded = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    padded[:, :, ph:ph + h, pw:pw + wd] = x
    oh, ow = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(n):
        for f in range(o):
            for r in range(oh):
                for q in range(ow):
                    patch = padded[i, :, r * sh:r * sh + kh, q * sw:q * sw + kw]
                    out[i, f, r, q] = (patch * w[f]).sum() + (0 if b is None else b[f])
    return out


def naive_conv_transpose2d(x, w, b, stride, padding, output_padding):
    """Transposed convolution as a scatter: every input pixel adds its kernel-weighted patch."""
    n, cin, h, wd = x.shape
    _, cout, kh, kw = w.shape
    (sh, sw), (ph, pw), (qh, qw) = stride, padding, output_padding
    full = np.zeros((n, cout, (h - 1) * sh + kh + qh, (wd - 1) * sw + kw + qw))
    for i in range(n):
        for r in range(h):
            for q in range(wd):
                for c in range(cin):
                    full[i, :, r * sh:r * sh + kh, q * sw:q * sw + kw] += x[i, c, r, q] * w[c]
    oh = (h - 1) * sh - 2 * ph + kh + qh
    ow = (wd - 1) * sw - 2 * pw + kw + qw
    out = full[:, :, ph:ph + oh, pw:pw + ow]
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


# ---------------------------------------------------------------- drawn settings


@st.composite
def conv_settings(draw, max_batch=2, max_channels=3, max_side=6):
    """(x shape, w shape, stride, padding) for a valid conv2d; kernels and strides may be
    rectangular."""
    n = draw(st.integers(1, max_batch))
    c, o = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    assume(h + 2 * ph >= kh and w + 2 * pw >= kw)
    return (n, c, h, w), (o, c, kh, kw), (sh, sw), (ph, pw)


@st.composite
def conv_transpose_settings(draw, max_batch=2, max_channels=3, max_side=4):
    """(x shape, w shape, stride, padding, output_padding) for a valid conv_transpose2d."""
    n = draw(st.integers(1, max_batch))
    cin, cout = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    qh, qw = draw(st.integers(0, sh - 1)), draw(st.integers(0, sw - 1))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    assume(conv_transpose_output_size(h, kh, sh, ph, qh) >= 1)
    assume(conv_transpose_output_size(w, kw, sw, pw, qw) >= 1)
    return (n, cin, h, w), (cin, cout, kh, kw), (sh, sw), (ph, pw), (qh, qw)


def data(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def t64(a, grad=False):
    return mg.tensor(a, dtype=np.float64, requires_grad=grad)


# ---------------------------------------------------------------- values


@settings(max_examples=25, deadline=None)
@given(conv_settings(), st.booleans(), SEEDS)
def test_conv2d_matches_the_naive_loops(setting, with_bias, seed):
    xs, ws, stride, padding = setting
    x, w, b = data(seed, xs, ws, (ws[0],))
    b = b if with_bias else None
    out = conv2d(t64(x), t64(w), None if b is None else t64(b), stride, padding)
    np.testing.assert_allclose(out.numpy(), naive_conv2d(x, w, b, stride, padding),
                               rtol=1e-12, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(conv_transpose_settings(), st.booleans(), SEEDS)
def test_conv_transpose2d_matches_the_naive_scatter(setting, with_bias, seed):
    xs, ws, stride, padding, output_padding = setting
    x, w, b = data(seed, xs, ws, (ws[1],))
    b = b if with_bias else None
    out = conv_transpose2d(t64(x), t64(w), None if b is None else t64(b), stride, padding,
                           output_padding)
    expected = naive_conv_transpose2d(x, w, b, stride, padding, output_padding)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(conv_settings(max_batch=3, max_channels=4, max_side=9), SEEDS)
def test_adjoint_property(setting, seed):
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>, with the output_padding that restores
    x's size: the transposed convolution is the convolution's adjoint, hence its gradient."""
    xs, ws, stride, padding = setting
    x, w = data(seed, xs, ws)
    y_shape = tuple(conv2d(t64(x), t64(w), None, stride, padding).shape)
    (y,) = data(seed + 1, y_shape)
    lost = tuple((n + 2 * p - k) % s for n, k, s, p in zip(xs[2:], ws[2:], stride, padding))
    back = conv_transpose2d(t64(y), t64(w), None, stride, padding, lost)
    assert back.shape == xs
    left = float((conv2d(t64(x), t64(w), None, stride, padding).numpy() * y).sum())
    right = float((x * back.numpy()).sum())
    assert left == pytest.approx(right, rel=1e-10, abs=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3))
def test_output_size_formulas(size, kernel, stride, padding):
    assume(size + 2 * padding >= kernel)
    x = mg.zeros(1, 1, size, size + 1)
    w = mg.zeros(1, 1, kernel, kernel)
    out = conv2d(x, w, stride=stride, padding=padding)
    assert out.shape[2] == (size + 2 * padding - kernel) // stride + 1
    assert out.shape[2:] == (conv_output_size(size, kernel, stride, padding),
                             conv_output_size(size + 1, kernel, stride, padding))
    for output_padding in range(stride):
        expected = (size - 1) * stride - 2 * padding + kernel + output_padding
        if expected < 1:
            continue
        up = conv_transpose2d(x, w, stride=stride, padding=padding,
                              output_padding=output_padding)
        assert up.shape[2] == expected == conv_transpose_output_size(size, kernel, stride,
                                                                    padding, output_padding)


def test_dcgan_sizes_double_and_halve():
    x = mg.zeros(2, 128, 7, 7)
    assert conv_transpose2d(x, mg.zeros(128, 64, 4, 4), stride=2, padding=1).shape == \
        (2, 64, 14, 14)
    assert conv2d(mg.zeros(2, 64, 14, 14), mg.zeros(128, 64, 4, 4), stride=2, padding=1).shape \
        == (2, 128, 7, 7)


def test_float32_stays_float32():
    """No silent promotion to float64 (from Python scalars or float64 constants)."""
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    b = mg.tensor(rng.standard_normal(4), requires_grad=True)
    wt = mg.tensor(rng.standard_normal((4, 2, 4, 4)), requires_grad=True)
    bt = mg.tensor(rng.standard_normal(2), requires_grad=True)
    y = conv_transpose2d(mg.tanh(conv2d(x, w, b, 2, 1)), wt, bt, 2, 1, 1)
    assert y.dtype == np.float32
    (g,) = autograd.grad(y.sum(), [x], create_graph=True)
    assert g.dtype == np.float32
    # bt does not change the input gradient: no grad for it. y's graph is used again below.
    (g * g).sum().backward(retain_graph=True)
    for t in (x, w, b, wt):
        assert t.grad.dtype == np.float32
    x.grad = w.grad = wt.grad = None
    (y * y).sum().backward()
    for t in (x, w, b, wt, bt):
        assert t.grad.dtype == np.float32


def test_inputs_in_any_memory_layout():
    """A transposed or sliced input (a view) gives the same result as a contiguous copy."""
    rng = np.random.default_rng(1)
    base = rng.standard_normal((5, 5, 3, 2))
    x = base.transpose(3, 2, 0, 1)[:, :, ::1, 1:]  # (2, 3, 5, 4), not contiguous
    w = rng.standard_normal((2, 3, 3, 2))
    ours = conv2d(t64(x), t64(w), None, (2, 1), 1).numpy()
    np.testing.assert_allclose(ours, naive_conv2d(np.ascontiguousarray(x), w, None, (2, 1),
                                                  (1, 1)), atol=1e-12)


# ---------------------------------------------------------------- gradients


@GRAD
@given(conv_settings(max_side=5), SEEDS)
def test_conv2d_gradcheck(setting, seed):
    xs, ws, stride, padding = setting
    x, w, b = data(seed, xs, ws, (ws[0],))
    assert gradcheck(lambda x, w, b: conv2d(x, w, b, stride, padding), (x, w, b), seed=seed)


@GRAD
@given(conv_transpose_settings(), SEEDS)
def test_conv_transpose2d_gradcheck(setting, seed):
    xs, ws, stride, padding, output_padding = setting
    x, w, b = data(seed, xs, ws, (ws[1],))
    assert gradcheck(lambda x, w, b: conv_transpose2d(x, w, b, stride, padding, output_padding),
                     (x, w, b), seed=seed)


@GRADGRAD
@given(conv_settings(max_batch=2, max_channels=2, max_side=4), SEEDS)
def test_conv2d_gradgradcheck(setting, seed):
    """Second derivatives, through Conv2dWeightGrad's own backward."""
    xs, ws, stride, padding = setting
    x, w, b = data(seed, xs, ws, (ws[0],))
    assert gradgradcheck(lambda x, w, b: conv2d(x, w, b, stride, padding), (x, w, b), seed=seed)


@GRADGRAD
@given(conv_transpose_settings(max_channels=2, max_side=3), SEEDS)
def test_conv_transpose2d_gradgradcheck(setting, seed):
    xs, ws, stride, padding, output_padding = setting
    x, w, b = data(seed, xs, ws, (ws[1],))
    assert gradgradcheck(
        lambda x, w, b: conv_transpose2d(x, w, b, stride, padding, output_padding), (x, w, b),
        seed=seed)


def test_conv2d_gradgradcheck_dcgan_settings():
    """Kernel 4, stride 2, padding 1: the DCGAN layer, where every rows-lost case arises."""
    x, w = data(3, (2, 2, 5, 6), (2, 2, 4, 4))
    assert gradgradcheck(lambda x, w: conv2d(x, w, None, 2, 1), (x, w))
    assert gradgradcheck(lambda x, w: conv_transpose2d(x, w, None, 2, 1, 1), (x, w))


def small_critic(x, w1, b1, w2, b2):
    """A two-layer convolutional critic: conv(4, 2, 1) + LeakyReLU(0.2), conv(3, 1, 0) -> score."""
    h = leaky_relu(conv2d(x, w1, b1, stride=2, padding=1), 0.2)
    return conv2d(h, w2, b2).reshape(x.shape[0], -1).sum(axis=1)


def gradient_penalty(x, w1, b1, w2, b2):
    """WGAN-GP's penalty, mean over samples of (||d critic / d x|| - 1)^2."""
    with autograd.enable_grad():
        scores = small_critic(x, w1, b1, w2, b2)
        (g,) = autograd.grad(scores.sum(), [x], create_graph=True)
    norms = ((g * g).reshape(x.shape[0], -1).sum(axis=1) + 1e-12) ** 0.5
    return ((norms - 1.0) ** 2).mean()


def test_gradient_penalty_of_a_conv_critic_is_differentiable():
    """The gradient of the penalty with respect to the critic's weights (what WGAN-GP trains
    with) matches finite differences: convolutions differentiated twice, through the critic."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 1, 6, 6))
    w1, b1 = rng.standard_normal((3, 1, 4, 4)) * 0.5, rng.standard_normal(3) * 0.1
    w2, b2 = rng.standard_normal((1, 3, 3, 3)) * 0.5, rng.standard_normal(1) * 0.1
    x_leaf = t64(x, grad=True)
    assert gradcheck(lambda w1, b1, w2, b2: gradient_penalty(x_leaf, w1, b1, w2, b2),
                     (w1, b1, w2, b2))
    assert gradcheck(lambda x: gradient_penalty(x, *(t64(a) for a in (w1, b1, w2, b2))), (x,))


# ---------------------------------------------------------------- bad input


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"conv2d: kernel size \(5, 5\) is larger than the "
                                         r"padded input \(4, 4\).*\(1, 1, 2, 2\)"):
        conv2d(mg.zeros(1, 1, 2, 2), mg.zeros(1, 1, 5, 5), padding=1)


def test_channels_must_match_the_weight():
    with pytest.raises(ValueError, match=r"conv2d: weight of shape \(8, 3, 3, 3\) expects 3 "
                                         r"input channels.*\(2, 4, 5, 5\) has 4"):
        conv2d(mg.zeros(2, 4, 5, 5), mg.zeros(8, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv_transpose2d: weight of shape \(3, 8, 3, 3\).*"
                                         r"\(2, 4, 5, 5\) has 4"):
        conv_transpose2d(mg.zeros(2, 4, 5, 5), mg.zeros(3, 8, 3, 3))


def test_output_padding_must_be_smaller_than_stride():
    with pytest.raises(ValueError, match=r"output_padding \(2, 2\) must be .*smaller than the "
                                         r"stride \(2, 2\)"):
        conv_transpose2d(mg.zeros(1, 1, 3, 3), mg.zeros(1, 1, 4, 4), stride=2, output_padding=2)


@pytest.mark.parametrize("shape", [(3, 5, 5), (1, 1, 3, 5, 5), (5, 5)])
def test_inputs_must_be_4d(shape):
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input \(N, C, H, W\), got "
                                         r"shape " + re_shape(shape)):
        conv2d(mg.zeros(*shape), mg.zeros(1, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv_transpose2d: expected a 4-D input"):
        conv_transpose2d(mg.zeros(*shape), mg.zeros(3, 1, 3, 3))


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


def test_other_bad_arguments():
    x, w = mg.zeros(1, 2, 5, 5), mg.zeros(3, 2, 3, 3)
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\), got \(2,\)"):
        conv2d(x, w, mg.zeros(2))
    with pytest.raises(TypeError, match="dtype"):
        conv2d(x, w.to(dtype=np.float64))
    with pytest.raises(ValueError, match="stride must be positive"):
        conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match="padding must be non-negative"):
        conv2d(x, w, padding=-1)
    with pytest.raises(ValueError, match="dilation=1 and groups=1"):
        conv2d(x, w, dilation=2)
    with pytest.raises(ValueError, match="pair of ints"):
        conv2d(x, w, stride=(1, 2, 3))
    with pytest.raises(TypeError, match="must be a Tensor"):
        conv2d(np.zeros((1, 2, 5, 5)), w)


# ---------------------------------------------------------------- GPU


@pytest.mark.skipif(not mg.cuda_is_available(), reason="needs CuPy and a GPU")
def test_cuda_matches_cpu():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((2, 3, 8, 8), (4, 3, 4, 4), (4,), (4, 2, 3, 3))]
    results = {}
    for device in ("cpu", "cuda"):
        x, w, b, wt = (mg.tensor(a, dtype=np.float64, device=device, requires_grad=True)
                       for a in arrays)
        y = conv_transpose2d(conv2d(x, w, b, 2, 1), wt, None, 2, 1, 1)
        (y * y).sum().backward()
        results[device] = [y.numpy(), x.grad.numpy(), w.grad.numpy(), wt.grad.numpy()]
    for cpu, gpu in zip(results["cpu"], results["cuda"]):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-10, atol=1e-10)
