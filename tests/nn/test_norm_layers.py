"""minigan.nn.norm: BatchNorm1d, BatchNorm2d, InstanceNorm2d, LayerNorm.

Training against evaluation mode, the running statistics and ``num_batches_tracked``, PyTorch's
defaults and state_dict keys, and errors that name the layer.
"""
import numpy as np
import pytest

import minigan as mg
from minigan import nn


def batch(shape, seed=0):
    return mg.tensor(np.random.default_rng(seed).standard_normal(shape) * 3 + 2)


def test_defaults_and_state_dict_keys():
    bn = nn.BatchNorm2d(4)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    assert bn.weight.numpy().tolist() == [1.0] * 4 and bn.bias.numpy().tolist() == [0.0] * 4
    assert bn.running_mean.numpy().tolist() == [0.0] * 4
    assert bn.running_var.numpy().tolist() == [1.0] * 4
    assert int(bn.num_batches_tracked.item()) == 0
    assert bn.num_batches_tracked.dtype == np.int64
    assert (bn.eps, bn.momentum) == (1e-5, 0.1)
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]
    inorm = nn.InstanceNorm2d(4)
    assert list(inorm.state_dict()) == [] and inorm.weight is None
    assert list(nn.InstanceNorm2d(4, affine=True, track_running_stats=True).state_dict()) == \
        ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert list(nn.LayerNorm((3, 4)).state_dict()) == ["weight", "bias"]
    assert nn.LayerNorm((3, 4)).weight.shape == (3, 4)


@pytest.mark.parametrize("make_layer, shape", [(nn.BatchNorm1d, (8, 3)),
                                               (nn.BatchNorm1d, (4, 3, 5)),
                                               (nn.BatchNorm2d, (4, 3, 2, 5))])
def test_training_then_evaluation(make_layer, shape):
    layer = make_layer(3)
    x = batch(shape)
    axes = (0,) + tuple(range(2, len(shape)))
    y = layer(x).numpy()
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=axes), 1, atol=1e-3)
    data = x.numpy().astype(np.float64)
    np.testing.assert_allclose(layer.running_mean.numpy(), 0.1 * data.mean(axis=axes), rtol=1e-5)
    np.testing.assert_allclose(layer.running_var.numpy(),
                               0.9 + 0.1 * data.var(axis=axes, ddof=1), rtol=1e-5)
    assert int(layer.num_batches_tracked.item()) == 1
    layer.eval()
    view = (1, 3) + (1,) * (len(shape) - 2)
    expected = (data - layer.running_mean.numpy().reshape(view)) / np.sqrt(
        layer.running_var.numpy().reshape(view) + 1e-5)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert int(layer.num_batches_tracked.item()) == 1  # evaluation tracks nothing


def test_one_sample_works_in_evaluation_only():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3.*expected more than 1 value per "
                                         r"channel when training, got input of shape \(1, 3\)"):
        bn(mg.zeros(1, 3))
    assert int(bn.num_batches_tracked.item()) == 0
    bn.eval()
    assert bn(mg.zeros(1, 3)).shape == (1, 3)


def test_momentum_none_keeps_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    means = []
    for seed in range(3):
        x = batch((6, 2), seed)
        means.append(x.numpy().astype(np.float64).mean(axis=0))
        bn(x)
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean(means, axis=0), rtol=1e-5)


def test_without_running_statistics_evaluation_uses_the_batch():
    bn = nn.BatchNorm2d(2, track_running_stats=False)
    assert bn.running_mean is None
    bn.eval()
    y = bn(batch((3, 2, 4, 4))).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)


def test_wrong_dimensions_and_channels_name_the_layer():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3.*expected 4D input, got 2D input of "
                                         r"shape \(4, 3\)"):
        nn.BatchNorm2d(3)(mg.zeros(4, 3))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3.*expected 2D or 3D input, got 4D"):
        nn.BatchNorm1d(3)(mg.zeros(4, 3, 2, 2))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3.*expected 3 channels \(dimension 1\), "
                                         r"got input of shape \(4, 5, 2, 2\)"):
        nn.BatchNorm2d(3)(mg.zeros(4, 5, 2, 2))
    with pytest.raises(ValueError, match=r"LayerNorm\(\(5,\).*normalized_shape \(5,\) does not "
                                         r"match.*\(2, 4\)"):
        nn.LayerNorm(5)(mg.zeros(2, 4))


def test_instance_norm_per_image():
    layer = nn.InstanceNorm2d(3)
    x = batch((2, 3, 4, 5))
    y = layer(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(2, 3)), 1, atol=1e-3)
    assert layer(x[0]).shape == (3, 4, 5)  # an unbatched image
    np.testing.assert_allclose(layer(x[0]).numpy(), y[0], rtol=1e-5, atol=1e-6)


def test_instance_norm_with_running_statistics():
    layer = nn.InstanceNorm2d(2, affine=True, track_running_stats=True)
    x = batch((3, 2, 4, 4))
    layer(x)
    data = x.numpy().astype(np.float64)
    np.testing.assert_allclose(layer.running_mean.numpy(),
                               0.1 * data.mean(axis=(2, 3)).mean(axis=0), rtol=1e-5)
    layer.eval()
    expected = (data - layer.running_mean.numpy().reshape(1, 2, 1, 1)) / np.sqrt(
        layer.running_var.numpy().reshape(1, 2, 1, 1) + 1e-5)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_layer_norm_over_trailing_axes():
    layer = nn.LayerNorm([4, 5])
    x = batch((3, 4, 5))
    y = layer(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1, atol=1e-3)
    assert nn.LayerNorm(5, elementwise_affine=False).weight is None


def test_parameters_learn():
    bn = nn.BatchNorm2d(2)
    x = batch((4, 2, 3, 3))
    (bn(x) * mg.tensor(np.arange(72.0).reshape(4, 2, 3, 3))).sum().backward()
    assert bn.weight.grad.shape == (2,) and bn.bias.grad.shape == (2,)
    np.testing.assert_allclose(bn.bias.grad.numpy(),
                               np.arange(72.0).reshape(4, 2, 3, 3).sum(axis=(0, 2, 3)))


def test_double_moves_buffers_but_keeps_the_counter_an_integer():
    bn = nn.BatchNorm2d(2).double()
    assert bn.running_mean.dtype == np.float64 and bn.num_batches_tracked.dtype == np.int64
    assert bn(batch((2, 2, 3, 3)).to(dtype=np.float64)).dtype == np.float64
