"""Device hygiene: "cpu" and "cuda" never mix silently, everything a model owns moves with it,
and what leaves minigan (state dicts, checkpoints) is NumPy, loadable on either device.

Runs on a GPU, or on the CuPy stand-in with ``MINIGAN_TEST_FAKE_GPU=1``.
"""
import numpy as np
import pytest

import minigan as mg
from minigan import nn, optim
from minigan.gan.models import load_model
from minigan.gan.models.dcgan import DCGAN
from minigan.gan.trainer import new_history, save_training_checkpoint
from minigan.ops import conv as C
from minigan.ops import loss as L
from minigan.ops import math as M
from minigan.ops import norm as N
from minigan.optim import flatten_state

pytestmark = pytest.mark.skipif(
    not mg.cuda_is_available(),
    reason="needs CuPy and a GPU, or the CuPy stand-in (MINIGAN_TEST_FAKE_GPU=1)")

MIXES = {
    "add": lambda a, b: a + b,
    "matmul": lambda a, b: a.reshape(2, 2) @ b.reshape(2, 2),
    "conv2d": lambda a, b: C.conv2d(a.reshape(1, 1, 2, 2), b.reshape(1, 1, 2, 2)),
    "concat": lambda a, b: M.concat([a, b]),
    "where": lambda a, b: M.where(a.data > 0, a, b),
    "mse": lambda a, b: L.mse(a, b),
    "batch_norm_running_stats": lambda a, b: N.batch_norm(a.reshape(2, 2), b[:2], b[2:],
                                                          training=True),
    "comparison": lambda a, b: a > b,
    "where_condition": lambda a, b: M.where(b.data > 0, a, a),
}


@pytest.mark.parametrize("name", sorted(MIXES))
@pytest.mark.parametrize("first", ["cpu", "cuda"])
def test_mixing_cpu_and_cuda_in_one_operation_is_minigans_clear_error(name, first):
    second = "cuda" if first == "cpu" else "cpu"
    a = mg.tensor([1.0, -2.0, 3.0, 4.0], device=first)
    b = mg.tensor([0.5, 1.0, 2.0, 3.0], device=second)
    with pytest.raises(RuntimeError, match="two devices"):
        MIXES[name](a, b)


def test_a_host_array_next_to_a_cuda_tensor_is_refused():
    with pytest.raises(RuntimeError, match="met a tensor on cuda"):
        mg.ones(3, device="cuda") * np.ones(3)


def test_a_cuda_index_into_a_cpu_tensor_is_refused_a_host_index_into_a_cuda_one_is_not():
    with pytest.raises(RuntimeError, match="two devices"):
        mg.ones(3)[mg.tensor([0, 2], device="cuda")]
    x = mg.tensor([1.0, 2.0, 3.0], device="cuda", requires_grad=True)
    (x[np.array([0, 2, 2])] * 2.0).sum().backward()  # as PyTorch and CuPy allow
    assert x.grad.device == "cuda" and x.grad.tolist() == [2.0, 0.0, 4.0]


def _net():
    return nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.LeakyReLU(0.2), nn.Linear(5, 2))


OPTIMIZERS = {
    "adam": lambda p: optim.Adam(p, lr=0.05, betas=(0.5, 0.9)),
    "adam_amsgrad": lambda p: optim.Adam(p, lr=0.05, amsgrad=True),
    "sgd_nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True,
                                        weight_decay=0.01),
    "rmsprop_centered": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
}


def _train(optimizer, move_after=None, steps=4):
    """Parameters, buffers and optimizer after ``steps`` steps, moved to "cuda" after
    ``move_after`` of them (never, if None)."""
    mg.manual_seed(0)
    net = _net().double()
    opt = OPTIMIZERS[optimizer](net.parameters())
    x = np.random.default_rng(1).normal(size=(8, 3))
    device = "cpu"
    for step in range(steps):
        if step == move_after:
            device = "cuda"
            net.to(device)
        opt.zero_grad()
        (net(mg.tensor(x, dtype=np.float64, device=device)) ** 2).mean().backward()
        opt.step()
    return net, opt


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_module_to_cuda_mid_training_moves_parameters_buffers_and_optimizer_state(optimizer):
    reference, _ = _train(optimizer)
    moved, opt = _train(optimizer, move_after=2)
    assert {t.device for t in [*moved.parameters(), *moved.buffers()]} == {"cuda"}
    arrays = [v for state in opt.state.values() for v in state.values()
              if hasattr(v, "dtype")]
    assert arrays and {mg.backend.device_of(v) for v in arrays} == {"cuda"}
    for key, value in reference.state_dict().items():
        np.testing.assert_allclose(moved.state_dict()[key], value, rtol=1e-10, err_msg=key)


def test_module_double_mid_training_casts_the_optimizer_state():
    mg.manual_seed(0)
    net = nn.Linear(3, 2).to("cuda")
    opt = optim.Adam(net.parameters())
    for cast in (False, True):
        if cast:
            net.double()
        opt.zero_grad()
        net(mg.ones(4, 3, dtype=net.weight.dtype, device="cuda")).sum().backward()
        opt.step()
    assert {v.dtype for s in opt.state.values() for k, v in s.items() if k != "step"} == {
        np.dtype(np.float64)}


def test_state_dicts_of_cuda_modules_and_optimizers_are_numpy():
    net, opt = _train("adam", move_after=0, steps=1)
    assert all(type(v) is np.ndarray for v in net.state_dict().values())
    flat = flatten_state(opt.state_dict())
    assert flat and all(type(v) is np.ndarray for v in flat.values())


def _tiny_dcgan(device):
    mg.manual_seed(0)
    return DCGAN(latent_dim=6, g_width=4, d_width=4, n_fixed=3, device=device)


def _batch(device):
    images = np.random.default_rng(2).uniform(-1, 1, (4, 1, 28, 28))
    return (mg.tensor(images, device=device),)


@pytest.mark.parametrize("saved_on, loaded_on", [("cuda", "cpu"), ("cpu", "cuda")])
def test_a_checkpoint_saved_on_one_device_resumes_on_the_other(tmp_path, float64, saved_on,
                                                               loaded_on):
    # In float64, so that a GPU's rounding cannot flip the sign of Adam's near-zero steps.
    model = _tiny_dcgan(saved_on)
    model.train_step(_batch(saved_on))
    path = save_training_checkpoint(tmp_path / "ck.npz", model, epoch=1, history=new_history())
    resumed = load_model(path, device=loaded_on)
    assert {p.device for net in resumed.networks.values() for p in net.parameters()} == {
        loaded_on}
    reference = _tiny_dcgan("cpu")  # the same state, never saved
    reference.load_state(*model.state())
    for continued, device in ((resumed, loaded_on), (reference, "cpu")):
        mg.manual_seed(1)
        continued.train_step(_batch(device))
    for name, net in reference.networks.items():
        for key, value in net.state_dict().items():
            np.testing.assert_allclose(resumed.networks[name].state_dict()[key], value,
                                       rtol=1e-9, atol=1e-12, err_msg=f"{name} {key}")


def test_samples_from_a_checkpoint_are_the_same_on_both_devices(tmp_path):
    model = _tiny_dcgan("cpu")
    path = save_training_checkpoint(tmp_path / "ck.npz", model, epoch=0, history=new_history())
    images = {}
    for device in ("cpu", "cuda"):
        loaded = load_model(path, device=device)
        images[device] = loaded.sample_grid()
        assert type(images[device]) is np.ndarray
    np.testing.assert_allclose(images["cuda"], images["cpu"], rtol=1e-5, atol=1e-5)


def test_tensors_on_cuda_print_and_convert_to_numpy():
    t = mg.tensor([[1.5, -2.0]], device="cuda", requires_grad=True)
    assert "device='cuda'" in repr(t)
    assert type(t.numpy()) is np.ndarray and t.tolist() == [[1.5, -2.0]]
    assert (t * 2).sum().item() == -1.0


@pytest.mark.parametrize("make", [lambda: np.ones(3, np.float32), lambda: mg.ones(3)],
                         ids=["numpy-array", "cpu-tensor"])
def test_a_host_gradient_for_a_cuda_output_is_refused(make):
    x = mg.tensor(np.ones(3), device="cuda", requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"gradient is on cpu.*\(3,\) on cuda"):
        y.backward(make())
    y.backward(mg.ones(3, device="cuda"))
    assert x.grad.device == "cuda"
