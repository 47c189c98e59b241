"""Initialisers: the statistics of seeded draws, fans and gains as in PyTorch."""
import math

import numpy as np
import pytest

import minigan as mg
from minigan import nn
from minigan.nn import init


def fresh(*shape, dtype=np.float32):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def test_normal_statistics():
    mg.manual_seed(0)
    w = fresh(200, 300)
    assert init.normal_(w, mean=0.5, std=0.02) is w
    # 60000 draws: the mean is known to 0.02/245 and the std to 0.02/346
    assert abs(w.data.mean() - 0.5) < 5 * 0.02 / 245
    assert abs(w.data.std() - 0.02) < 5 * 0.02 / 346


def test_uniform_bounds_and_statistics():
    mg.manual_seed(0)
    w = init.uniform_(fresh(200, 300), -2.0, 3.0)
    assert w.data.min() >= -2 and w.data.max() < 3
    assert w.data.min() < -1.99 and w.data.max() > 2.99
    assert abs(w.data.mean() - 0.5) < 0.03
    assert abs(w.data.std() - 5 / math.sqrt(12)) < 0.01


@pytest.mark.parametrize("shape, fans", [((30, 40), (40, 30)), ((8, 3, 5, 5), (75, 200)),
                                         ((3, 8, 4, 4), (128, 48)), ((7, 2, 3), (6, 21))])
def test_fans(shape, fans):
    assert init._calculate_fan_in_and_fan_out(fresh(*shape)) == fans


def test_fans_equal_torch():
    torch = pytest.importorskip("torch")
    for shape in [(30, 40), (8, 3, 5, 5), (3, 8, 4, 4), (7, 2, 3), (1, 1)]:
        assert init._calculate_fan_in_and_fan_out(fresh(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                        ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                        ("leaky_relu", math.sqrt(5)), ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param), rel=1e-12)


def test_fan_needs_two_dimensions_and_gain_names():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(fresh(5))
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(fresh(3, 3), mode="fan_avg")


@pytest.mark.parametrize("kind", ["xavier_uniform_", "kaiming_uniform_"])
def test_uniform_initialisers_bounds(kind):
    mg.manual_seed(1)
    w = fresh(64, 32, 3, 3)  # a conv weight: fan_in 288, fan_out 576
    if kind == "xavier_uniform_":
        init.xavier_uniform_(w, gain=2.0)
        bound = 2.0 * math.sqrt(6 / (288 + 576))
    else:
        init.kaiming_uniform_(w, a=0.2, mode="fan_out")
        bound = math.sqrt(2 / (1 + 0.04)) * math.sqrt(3 / 576)
    assert np.abs(w.data).max() <= bound
    assert np.abs(w.data).max() > 0.99 * bound
    assert abs(w.data.std() - bound / math.sqrt(3)) < 0.02 * bound


def test_kaiming_uniform_with_sqrt5_is_pytorchs_linear_bound():
    mg.manual_seed(2)
    w = init.kaiming_uniform_(fresh(50, 400), a=math.sqrt(5))
    assert np.abs(w.data).max() <= 1 / math.sqrt(400)
    assert np.abs(w.data).max() > 0.99 / math.sqrt(400)


@pytest.mark.parametrize("kind", ["xavier_normal_", "kaiming_normal_"])
def test_normal_initialisers_std(kind):
    mg.manual_seed(3)
    w = fresh(128, 64, 3, 3)  # fan_in 576, fan_out 1152; 73728 draws
    if kind == "xavier_normal_":
        init.xavier_normal_(w)
        std = math.sqrt(2 / (576 + 1152))
    else:
        init.kaiming_normal_(w, nonlinearity="relu")
        std = math.sqrt(2) / math.sqrt(576)
    assert abs(w.data.std() - std) < 0.01 * std
    assert abs(w.data.mean()) < 0.02 * std


def test_constant_zeros_ones():
    w = fresh(3, 4)
    assert np.all(init.constant_(w, 0.25).data == 0.25)
    assert np.all(init.ones_(w).data == 1)
    assert np.all(init.zeros_(w).data == 0)


def test_seeded_draws_repeat_and_agree_across_dtypes():
    mg.manual_seed(5)
    a = init.normal_(fresh(10, 10))
    mg.manual_seed(5)
    b = init.normal_(fresh(10, 10, dtype=np.float64))
    np.testing.assert_array_equal(a.data, b.data.astype(np.float32))
    assert a.dtype == np.float32 and b.dtype == np.float64
    c = init.normal_(fresh(10, 10))
    assert not np.array_equal(a.data, c.data)


def test_init_fills_in_place_and_empty_tensors():
    w = fresh(4, 4)
    array = w.data
    init.kaiming_normal_(w)
    assert w.data is array and array.any()
    empty = fresh(0, 3)
    assert init.kaiming_uniform_(empty) is empty and init.xavier_normal_(empty) is empty
    with pytest.raises(TypeError, match="Tensor or Parameter"):
        init.normal_(np.zeros(3))
