"""minigan.backend: the array-module switch, devices, default dtype, and the seeded generator."""
import json

import numpy as np
import pytest

import minigan as mg
from minigan import backend


def test_manual_seed_repeats_randn_and_rand():
    mg.manual_seed(0)
    a, u = mg.randn(3, 4), mg.rand(5)
    mg.manual_seed(0)
    np.testing.assert_array_equal(mg.randn(3, 4).numpy(), a.numpy())
    np.testing.assert_array_equal(mg.rand(5).numpy(), u.numpy())
    mg.manual_seed(1)
    assert not np.array_equal(mg.randn(3, 4).numpy(), a.numpy())
    assert a.dtype == np.float32 and a.shape == (3, 4)
    assert ((u.numpy() >= 0) & (u.numpy() < 1)).all()


def test_the_sequence_continues_between_draws():
    mg.manual_seed(5)
    first, second = mg.randn(4).numpy(), mg.randn(4).numpy()
    assert not np.array_equal(first, second)
    mg.manual_seed(5)
    np.testing.assert_array_equal(mg.randn(8).numpy(), np.concatenate([first, second]))


def test_rng_state_round_trip_is_a_json_string():
    mg.manual_seed(3)
    mg.randn(10)
    state = backend.rng_state()
    assert isinstance(state, str) and isinstance(json.loads(state), dict)
    expected = mg.randn(6).numpy()
    mg.randn(100)  # move on
    backend.set_rng_state(state)
    np.testing.assert_array_equal(mg.randn(6).numpy(), expected)
    assert backend.get_rng() is backend.get_rng("cpu")


def test_float64_fixture_sets_the_default(float64):
    assert backend.get_default_dtype() == np.float64
    for t in (mg.tensor([1.0]), mg.zeros(2), mg.ones(2), mg.randn(2), mg.rand(2)):
        assert t.dtype == np.float64
    assert mg.tensor([1, 2]).dtype.kind == "i"


def test_set_default_dtype_and_back():
    assert backend.get_default_dtype() == np.float32  # the autouse fixture restored it
    try:
        mg.set_default_dtype(np.float64)
        assert mg.get_default_dtype() == np.float64
        assert mg.tensor(np.zeros(2, dtype=np.float32)).dtype == np.float64
    finally:
        mg.set_default_dtype(np.float32)
    assert mg.zeros(2).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int64, np.float16, "bool"])
def test_default_dtype_must_be_float32_or_float64(dtype):
    with pytest.raises(TypeError, match="float32 or float64"):
        mg.set_default_dtype(dtype)
    assert mg.get_default_dtype() == np.float32


@pytest.mark.parametrize("make", [
    lambda: mg.zeros(2, device="tpu"),
    lambda: mg.tensor([1.0], device="tpu"),
    lambda: mg.randn(2, device="tpu"),
    lambda: mg.tensor([1.0]).to("tpu"),
    lambda: mg.set_default_device("tpu"),
    lambda: backend.get_rng("tpu"),
], ids=["zeros", "tensor", "randn", "to", "set_default_device", "get_rng"])
def test_unknown_device_raises_value_error(make):
    with pytest.raises(ValueError, match="tpu"):
        make()


def test_cpu_device_names_and_array_modules():
    assert backend.check_device("cpu") == "cpu"
    assert backend.check_device("cpu:0") == "cpu"
    assert mg.get_default_device() == "cpu"
    a = np.zeros(3)
    assert backend.get_array_module(a) is np
    assert backend.device_of(a) == "cpu"
    assert backend.to_device(a, "cpu") is a
    assert backend.is_array(a) and not backend.is_array([0.0])
    assert isinstance(backend.to_numpy([1, 2]), np.ndarray)
    t = mg.zeros(2)
    assert t.device == "cpu" and isinstance(t.numpy(), np.ndarray)


@pytest.mark.skipif(mg.cuda_is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("make", [
    lambda: mg.tensor([1.0]).to("cuda"),
    lambda: mg.tensor([1.0]).cuda(),
    lambda: mg.zeros(2, device="cuda"),
    lambda: mg.tensor([1.0], device="cuda:0"),
    lambda: mg.set_default_device("cuda"),
], ids=["to", "cuda", "zeros", "tensor", "set_default_device"])
def test_cuda_without_a_gpu_raises_a_clear_runtime_error(make):
    with pytest.raises(RuntimeError, match=r"'cuda'.*(CuPy|GPU)"):
        make()


def test_scatter_add_adds_repeated_indices():
    target = np.zeros(4)
    backend.scatter_add(target, np.array([0, 0, 3, 0]), np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(target, [7.0, 0.0, 0.0, 3.0])
    grid = np.zeros((2, 2))
    backend.scatter_add(grid, (np.array([1, 1]), np.array([0, 0])), np.array([1.0, 1.0]))
    np.testing.assert_array_equal(grid, [[0, 0], [2, 0]])


def test_factories_accept_a_shape_tuple_or_sizes():
    assert mg.zeros((2, 3)).shape == mg.zeros(2, 3).shape == (2, 3)
    assert mg.ones([4]).shape == (4,)
    np.testing.assert_array_equal(mg.ones(2, 2).numpy(), np.ones((2, 2)))
    assert mg.zeros(3, requires_grad=True).requires_grad
