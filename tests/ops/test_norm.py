"""minigan.ops.norm: batch_norm, instance_norm, layer_norm.

Properties first: in training, batch norm's output has zero mean and unit (biased) variance per
channel, and its running statistics move by momentum 0.1 towards the batch mean and the
*unbiased* batch variance; in evaluation it uses the running statistics. Then finite differences
(float64) over drawn shapes, once and (for layer norm and batch norm) twice differentiated.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan import autograd
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops.norm import batch_norm, instance_norm, layer_norm

from op_checks import SEEDS

GRAD = settings(max_examples=15, deadline=None)
GRADGRAD = settings(max_examples=6, deadline=None)

# Batch-norm inputs: (N, C), (N, C, L), (N, C, H, W), with more than one value per channel.
BN_SHAPES = st.one_of(
    st.tuples(st.integers(2, 4), st.integers(1, 3)),
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(2, 4)),
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(2, 3)))


def draw(seed, shape, scale=2.0, shift=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale + shift


def per_channel_inputs(seed, shape):
    """An input of the shape, with a weight and a bias for each of its channels (axis 1)."""
    c = shape[1]
    return draw(seed, shape), draw(seed + 1, c), draw(seed + 2, c)


def channel_axes(ndim):
    return (0,) + tuple(range(2, ndim))


def t64(a, grad=False):
    return mg.tensor(a, dtype=np.float64, requires_grad=grad)


# ---------------------------------------------------------------- batch norm: statistics


@settings(max_examples=25, deadline=None)
@given(BN_SHAPES, SEEDS)
def test_training_output_has_zero_mean_unit_variance_per_channel(shape, seed):
    x = draw(seed, shape)
    y = batch_norm(t64(x), None, None, training=True).numpy()
    axes = channel_axes(len(shape))
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-10)
    variance = x.var(axis=axes)
    np.testing.assert_allclose(y.var(axis=axes), variance / (variance + 1e-5), rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(BN_SHAPES, SEEDS, st.sampled_from([0.1, 0.5, 1.0]))
def test_running_statistics_follow_momentum_with_unbiased_variance(shape, seed, momentum):
    x = draw(seed, shape)
    c = shape[1]
    rng = np.random.default_rng(seed)
    mean0, var0 = rng.standard_normal(c), rng.uniform(0.5, 2, c)
    running_mean, running_var = t64(mean0), t64(var0)
    batch_norm(t64(x), running_mean, running_var, training=True, momentum=momentum)
    axes = channel_axes(len(shape))
    np.testing.assert_allclose(running_mean.numpy(),
                               (1 - momentum) * mean0 + momentum * x.mean(axis=axes), rtol=1e-12)
    np.testing.assert_allclose(running_var.numpy(),
                               (1 - momentum) * var0 + momentum * x.var(axis=axes, ddof=1),
                               rtol=1e-12)


def test_default_momentum_is_a_tenth():
    x = draw(0, (8, 3))
    running_mean, running_var = t64(np.zeros(3)), t64(np.ones(3))
    batch_norm(t64(x), running_mean, running_var, training=True)
    np.testing.assert_allclose(running_mean.numpy(), 0.1 * x.mean(axis=0), rtol=1e-12)


@given(BN_SHAPES, SEEDS)
@settings(max_examples=15, deadline=None)
def test_evaluation_uses_running_statistics(shape, seed):
    x = draw(seed, shape)
    c = shape[1]
    rng = np.random.default_rng(seed + 1)
    mean, var = rng.standard_normal(c), rng.uniform(0.5, 2, c)
    weight, bias = rng.standard_normal(c), rng.standard_normal(c)
    view = (1, c) + (1,) * (len(shape) - 2)
    expected = ((x - mean.reshape(view)) / np.sqrt(var.reshape(view) + 1e-5)
                * weight.reshape(view) + bias.reshape(view))
    running_mean, running_var = t64(mean), t64(var)
    y = batch_norm(t64(x), running_mean, running_var, t64(weight), t64(bias), training=False)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(running_mean.numpy(), mean)  # evaluation changes nothing
    np.testing.assert_array_equal(running_var.numpy(), var)


def test_affine_parameters_scale_and_shift():
    x = draw(1, (5, 2, 3))
    weight, bias = np.array([2.0, -1.0]), np.array([0.5, 3.0])
    y = batch_norm(t64(x), None, None, t64(weight), t64(bias), training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2)), bias, atol=1e-10)
    np.testing.assert_allclose(y.std(axis=(0, 2)), np.abs(weight), rtol=1e-4)


def test_one_value_per_channel_in_training_is_an_error():
    with pytest.raises(ValueError, match=r"more than 1 value per channel when training.*"
                                         r"\(1, 3\)"):
        batch_norm(mg.zeros(1, 3), mg.zeros(3), mg.ones(3), training=True)
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3, 1, 1\)"):
        batch_norm(mg.zeros(1, 3, 1, 1), None, None, training=True)
    batch_norm(mg.zeros(1, 3), mg.zeros(3), mg.ones(3), training=False)  # evaluation is fine


def test_channel_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r"running_mean of shape \(4,\) does not match the "
                                         r"input's 3 channels \(input shape \(2, 3, 5\)\)"):
        batch_norm(mg.zeros(2, 3, 5), mg.zeros(4), mg.ones(4), training=True)
    with pytest.raises(ValueError, match=r"weight of shape \(2,\)"):
        batch_norm(mg.zeros(2, 3), None, None, mg.ones(2), training=True)


def test_float32_stays_float32():
    x = mg.tensor(draw(0, (4, 3, 5, 5)), requires_grad=True)
    weight, bias = mg.ones(3, requires_grad=True), mg.zeros(3, requires_grad=True)
    running_mean, running_var = mg.zeros(3), mg.ones(3)
    y = batch_norm(x, running_mean, running_var, weight, bias, training=True)
    assert y.dtype == np.float32
    assert running_mean.dtype == running_var.dtype == np.float32
    (g,) = autograd.grad((y * y * y).sum(), [x], create_graph=True)
    assert g.dtype == np.float32
    (g * g).sum().backward()
    assert x.grad.dtype == weight.grad.dtype == bias.grad.dtype == np.float32
    y = batch_norm(x, running_mean, running_var, weight, bias, training=False)
    assert y.dtype == np.float32


# ---------------------------------------------------------------- instance and layer norm


@settings(max_examples=20, deadline=None)
@given(st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(2, 4)),
       SEEDS)
def test_instance_norm_normalises_each_image_and_channel(shape, seed):
    x = draw(seed, shape)
    y = instance_norm(t64(x)).numpy()
    np.testing.assert_allclose(y.mean(axis=(2, 3)), 0, atol=1e-10)
    variance = x.var(axis=(2, 3))
    np.testing.assert_allclose(y.var(axis=(2, 3)), variance / (variance + 1e-5), rtol=1e-10)


def test_instance_norm_running_statistics_average_over_the_batch():
    x = draw(2, (4, 3, 5, 5))
    running_mean, running_var = t64(np.zeros(3)), t64(np.ones(3))
    instance_norm(t64(x), running_mean, running_var, use_input_stats=True, momentum=0.1)
    np.testing.assert_allclose(running_mean.numpy(), 0.1 * x.mean(axis=(2, 3)).mean(axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(running_var.numpy(),
                               0.9 + 0.1 * x.var(axis=(2, 3), ddof=1).mean(axis=0), rtol=1e-12)
    y = instance_norm(t64(x), running_mean, running_var, use_input_stats=False)
    expected = (x - running_mean.numpy().reshape(1, 3, 1, 1)) / np.sqrt(
        running_var.numpy().reshape(1, 3, 1, 1) + 1e-5)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(2, 4), st.integers(1, 2), SEEDS)
def test_layer_norm_normalises_each_sample(n, a, b, k, seed):
    x = draw(seed, (n, a, b))
    shape = (a, b)[2 - k:]
    axes = tuple(range(3 - k, 3))
    y = layer_norm(t64(x), shape).numpy()
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-10)
    rng = np.random.default_rng(seed)
    weight, bias = rng.standard_normal(shape), rng.standard_normal(shape)
    y = layer_norm(t64(x), shape, t64(weight), t64(bias)).numpy()
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5) * weight + bias, rtol=1e-10,
                               atol=1e-12)


def test_layer_norm_shape_errors():
    with pytest.raises(ValueError, match=r"normalized_shape \(4,\) does not match the trailing "
                                         r"dimensions of the input's shape \(2, 3\)"):
        layer_norm(mg.zeros(2, 3), 4)
    with pytest.raises(ValueError, match=r"weight of shape \(2,\) must have the normalized_shape"):
        layer_norm(mg.zeros(2, 3), 3, mg.ones(2))


# ---------------------------------------------------------------- gradients


@GRAD
@given(BN_SHAPES, SEEDS)
def test_batch_norm_training_gradcheck(shape, seed):
    x, weight, bias = per_channel_inputs(seed, shape)
    assert gradcheck(lambda x, w, b: batch_norm(x, None, None, w, b, training=True),
                     (x, weight, bias), seed=seed)


@GRAD
@given(BN_SHAPES, SEEDS)
def test_batch_norm_evaluation_gradcheck(shape, seed):
    x, weight, bias = per_channel_inputs(seed, shape)
    c = shape[1]
    running_mean, running_var = t64(draw(seed + 3, c)), t64(np.abs(draw(seed + 4, c)) + 0.5)
    assert gradcheck(lambda x, w, b: batch_norm(x, running_mean, running_var, w, b),
                     (x, weight, bias), seed=seed)


@GRAD
@given(st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(2, 3)),
       SEEDS)
def test_instance_norm_gradcheck(shape, seed):
    x, weight, bias = per_channel_inputs(seed, shape)
    assert gradcheck(lambda x, w, b: instance_norm(x, weight=w, bias=b), (x, weight, bias),
                     seed=seed)


@GRAD
@given(st.integers(1, 3), st.integers(2, 4), st.integers(1, 3), SEEDS)
def test_layer_norm_gradcheck(n, a, b, seed):
    x, weight, bias = draw(seed, (n, b, a)), draw(seed + 1, (b, a)), draw(seed + 2, (b, a))
    assert gradcheck(lambda x, w, b_: layer_norm(x, (b, a), w, b_), (x, weight, bias), seed=seed)


@GRADGRAD
@given(st.integers(1, 3), st.integers(2, 4), SEEDS)
def test_layer_norm_gradgradcheck(n, d, seed):
    x, weight, bias = draw(seed, (n, d)), draw(seed + 1, d), draw(seed + 2, d)
    assert gradgradcheck(lambda x, w, b: layer_norm(x, d, w, b), (x, weight, bias), seed=seed)


@GRADGRAD
@given(BN_SHAPES, SEEDS)
def test_batch_norm_training_gradgradcheck(shape, seed):
    x, weight, bias = per_channel_inputs(seed, shape)
    assert gradgradcheck(lambda x, w, b: batch_norm(x, None, None, w, b, training=True),
                         (x, weight, bias), seed=seed)


@GRADGRAD
@given(st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3), st.integers(2, 3)),
       SEEDS)
def test_instance_norm_gradgradcheck(shape, seed):
    x, weight, bias = per_channel_inputs(seed, shape)
    assert gradgradcheck(lambda x, w, b: instance_norm(x, weight=w, bias=b), (x, weight, bias),
                         seed=seed)


def test_layer_norm_critic_gradient_penalty_is_differentiable():
    """A critic with layer norm (WGAN-GP's choice instead of batch norm): the gradient of its
    gradient penalty with respect to the weights matches finite differences."""
    rng = np.random.default_rng(3)
    x = t64(rng.standard_normal((3, 4)), grad=True)

    def penalty(w1, gamma, beta, w2):
        with autograd.enable_grad():
            h = layer_norm(x @ w1, 5, gamma, beta).tanh()
            (g,) = autograd.grad((h @ w2).sum(), [x], create_graph=True)
        return ((((g * g).sum(axis=1)) ** 0.5 - 1.0) ** 2).mean()

    assert gradcheck(penalty, (rng.standard_normal((4, 5)), rng.standard_normal(5),
                               rng.standard_normal(5), rng.standard_normal((5, 1))))
