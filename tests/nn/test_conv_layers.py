"""minigan.nn.conv: Conv2d, ConvTranspose2d, ZeroPad2d, ReflectionPad2d, Upsample, AvgPool2d.

Shapes, PyTorch's default initialisation (U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in read
from dimension 1 of the weight, also for ConvTranspose2d's (in, out, kh, kw) layout), state_dict
keys, repr, and errors that name the layer and the shapes.
"""
import math

import numpy as np
import pytest

import minigan as mg
from minigan import autograd, nn
from minigan.nn import functional as F
from minigan.gradcheck import gradcheck


def test_dcgan_shapes():
    mg.manual_seed(0)
    up = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ConvTranspose2d(64, 1, 4, 2, 1))
    down = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.Conv2d(64, 128, 4, 2, 1))
    x = mg.randn(2, 128, 7, 7)
    assert up(x).shape == (2, 1, 28, 28)
    assert down(up(x)).shape == (2, 128, 7, 7)


def test_parameter_shapes_and_state_dict_keys():
    conv = nn.Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2))
    assert conv.weight.shape == (8, 3, 3, 5) and conv.bias.shape == (8,)
    assert list(conv.state_dict()) == ["weight", "bias"]
    up = nn.ConvTranspose2d(8, 3, 4, 2, 1, bias=False)
    assert up.weight.shape == (8, 3, 4, 4) and up.bias is None
    assert list(up.state_dict()) == ["weight"]
    assert all(p.dtype == np.float32 for p in conv.parameters())


@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Conv2d(6, 32, 5), 6 * 25),
    (lambda: nn.Conv2d(3, 4, (2, 3)), 3 * 6),
    (lambda: nn.ConvTranspose2d(64, 16, 4, 2, 1), 16 * 16),  # PyTorch reads dim 1: out channels
])
def test_default_initialisation_bounds(make, fan_in):
    mg.manual_seed(1)
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        values = p.numpy()
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.8 * bound  # fills the range, not a narrower one
    assert abs(layer.weight.numpy().std() - bound / math.sqrt(3)) < 0.15 * bound


def test_initialisation_is_seeded():
    mg.manual_seed(5)
    a = nn.Conv2d(2, 3, 3).weight.numpy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(nn.Conv2d(2, 3, 3).weight.numpy(), a)


def test_repr_like_pytorch():
    assert repr(nn.Conv2d(1, 64, 4, 2, 1)) == \
        "Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))"
    assert repr(nn.ConvTranspose2d(64, 1, 4, 2, 1, 1, bias=False)) == (
        "ConvTranspose2d(64, 1, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), "
        "output_padding=(1, 1), bias=False)")
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.ReflectionPad2d(3)) == "ReflectionPad2d((3, 3, 3, 3))"


def test_layers_call_the_functional_ops(float64):
    """A layer is a holder of weights: its output is F.conv2d / F.conv_transpose2d of them."""
    mg.manual_seed(2)
    conv, up = nn.Conv2d(2, 3, 3, 2, 1), nn.ConvTranspose2d(3, 2, 3, 2, 1, output_padding=1)
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 2, 5, 4)))
    h = conv(x)
    np.testing.assert_array_equal(h.numpy(), F.conv2d(x, conv.weight, conv.bias, 2, 1).numpy())
    np.testing.assert_array_equal(
        up(h).numpy(), F.conv_transpose2d(h, up.weight, up.bias, 2, 1, 1).numpy())
    assert up(h).shape == (2, 2, 6, 4)


def test_layer_gradients_by_finite_differences(float64):
    mg.manual_seed(2)
    conv, up = nn.Conv2d(2, 3, 3, 2, 1), nn.ConvTranspose2d(3, 2, 3, 2, 1, output_padding=1)
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 4))

    def net(x, w1, b1, w2, b2):
        return F.conv_transpose2d(mg.tanh(F.conv2d(x, w1, b1, 2, 1)), w2, b2, 2, 1, 1)

    assert gradcheck(net, (x, *(p.numpy() for p in (conv.weight, conv.bias, up.weight,
                                                    up.bias))))


def test_reflect_padding_mode():
    mg.manual_seed(3)
    conv = nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect")
    x = mg.randn(1, 1, 5, 5)
    plain = nn.Conv2d(1, 2, 3)
    plain.load_state_dict(conv.state_dict())
    expected = plain(nn.ReflectionPad2d(1)(x))
    np.testing.assert_allclose(conv(x).numpy(), expected.numpy(), rtol=1e-6)


def test_conv_transpose_output_size_argument():
    up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
    x = mg.zeros(1, 1, 4, 4)
    assert up(x).shape == (1, 1, 7, 7)
    assert up(x, output_size=(8, 8)).shape == (1, 1, 8, 8)
    with pytest.raises(ValueError, match=r"output_size \(9, 9\) is not reachable"):
        up(x, output_size=(9, 9))


def test_padding_upsample_and_pool_layers():
    x = mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    assert nn.ZeroPad2d((1, 0, 2, 0))(x).shape == (1, 1, 6, 5)
    assert nn.ZeroPad2d(1)(x).numpy()[0, 0, 0].tolist() == [0.0] * 6
    assert nn.ReflectionPad2d(1)(x).numpy()[0, 0, 0].tolist() == [5.0, 4.0, 5.0, 6.0, 7.0, 6.0]
    assert nn.Upsample(scale_factor=2)(x).shape == (1, 1, 8, 8)
    np.testing.assert_allclose(nn.AvgPool2d(2)(x).numpy()[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    assert nn.AvgPool2d(3, stride=1, padding=1)(x).shape == (1, 1, 4, 4)


# ---------------------------------------------------------------- errors that name the layer


def test_error_names_the_layer_and_shapes_for_channel_mismatch():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8, kernel_size=\(3, 3\).*expects 3 input "
                                         r"channels, but the input of shape \(2, 1, 5, 5\) has 1"):
        conv(mg.zeros(2, 1, 5, 5))
    up = nn.ConvTranspose2d(4, 2, 4, 2, 1)
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(4, 2.*expects 4 input channels.*"
                                         r"\(1, 3, 5, 5\) has 3"):
        up(mg.zeros(1, 3, 5, 5))


def test_error_for_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"Conv2d\(1, 1, kernel_size=\(5, 5\).*kernel size "
                                         r"\(5, 5\) is larger than the padded input \(3, 3\)"):
        nn.Conv2d(1, 1, 5)(mg.zeros(1, 1, 3, 3))


def test_error_for_wrong_number_of_dimensions():
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8.*expected a 4-D input \(N, 3, H, W\), "
                                         r"got shape \(3, 5, 5\) \(add a batch dimension"):
        nn.Conv2d(3, 8, 3)(mg.zeros(3, 5, 5))
    with pytest.raises(ValueError, match=r"ConvTranspose2d.*expected a 4-D input"):
        nn.ConvTranspose2d(3, 8, 3)(mg.zeros(2, 3, 5))


def test_error_for_output_padding_not_smaller_than_stride():
    with pytest.raises(ValueError, match=r"output_padding \(2, 2\) must be smaller than the "
                                         r"stride \(2, 2\)"):
        nn.ConvTranspose2d(1, 1, 4, stride=2, output_padding=2)


def test_unsupported_options_are_refused():
    with pytest.raises(ValueError, match="groups=1 and dilation=1"):
        nn.Conv2d(4, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(4, 4, 3, padding_mode="circular")
    with pytest.raises(ValueError, match="only mode='nearest'"):
        nn.Upsample(scale_factor=2, mode="bilinear")


def test_dtype_mismatch_is_an_error():
    conv = nn.Conv2d(1, 1, 3).double()
    with pytest.raises(TypeError, match="dtype"):
        conv(mg.zeros(1, 1, 4, 4))
    assert conv(mg.zeros(1, 1, 4, 4, dtype=np.float64)).dtype == np.float64


def test_critic_input_gradient_is_differentiable_through_layers():
    """WGAN-GP: the penalty's gradient reaches the critic's weights through Conv2d layers."""
    mg.manual_seed(4)
    critic = nn.Sequential(nn.Conv2d(1, 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(4, 1, 3))
    x = mg.randn(3, 1, 6, 6, requires_grad=True)
    (g,) = autograd.grad(critic(x).sum(), [x], create_graph=True)
    penalty = ((g * g).reshape(3, -1).sum(axis=1) ** 0.5 - 1.0) ** 2
    penalty.mean().backward()
    for layer in (critic[0], critic[2]):  # biases do not move a piecewise-linear gradient
        assert layer.weight.grad is not None and layer.weight.grad.shape == layer.weight.shape
    assert np.abs(critic[0].weight.grad.numpy()).sum() > 0
