"""Module, Sequential, ModuleList: registration, traversal, modes, saving, moving."""
import copy

import numpy as np
import pytest

import minigan as mg
from minigan import nn
from minigan.autograd import Tensor


def mlp():
    return nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))


class WithBuffers(nn.Module):
    """A small tree with a parameter, buffers and nested children, for key-order tests."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(3, dtype=np.float32))
        self.register_buffer("running_mean", mg.zeros(3))
        self.register_buffer("count", Tensor(np.array(0, dtype=np.int64)))
        self.register_buffer("scratch", mg.zeros(3), persistent=False)
        self.net = mlp()
        self.heads = nn.ModuleList([nn.Linear(1, 2), nn.Linear(1, 3, bias=False)])

    def forward(self, x):
        return self.net(x) * 1.0


# ---------------------------------------------------------------- registration and counting

def test_parameters_are_registered_and_counted():
    model = mlp()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert sum(p.numel() for p in model.parameters()) == 2 * 64 + 64 + 64 + 1
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())
    assert all(p.dtype == np.float32 and p.device == "cpu" for p in model.parameters())


def test_custom_module_registers_parameters_buffers_and_children():
    m = WithBuffers()
    assert [n for n, _ in m.named_parameters()] == [
        "scale", "net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias",
        "heads.0.weight", "heads.0.bias", "heads.1.weight"]
    assert [n for n, _ in m.named_buffers()] == ["running_mean", "count", "scratch"]
    assert [n for n, _ in m.named_children()] == ["net", "heads"]
    assert [n for n, _ in m.named_modules()] == [
        "", "net", "net.0", "net.1", "net.2", "heads", "heads.0", "heads.1"]
    assert len(list(m.modules())) == 8
    # buffers are state, not parameters: an optimizer must not see them
    assert not any(b is p for b in m.buffers() for p in m.parameters())


def test_shared_parameter_counted_once():
    a, b = nn.Linear(4, 4), nn.Linear(4, 4)
    b.weight = a.weight
    model = nn.Sequential(a, nn.Tanh(), b)
    params = list(model.parameters())
    assert len(params) == 3  # a.weight (shared), a.bias, b.bias
    assert sum(p.numel() for p in params) == 16 + 4 + 4
    # the same module twice also counts once
    twice = nn.Sequential(a, a)
    assert len(list(twice.parameters())) == 2
    assert len(list(twice.modules())) == 2


def test_reassigning_changes_the_kind_of_attribute():
    m = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        m.weight = mg.zeros(3, 2)  # a plain Tensor cannot silently replace a parameter
    m.bias = None
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    assert "bias" not in m.state_dict()
    m.extra = nn.Parameter(np.zeros(2, dtype=np.float32))
    assert "extra" in dict(m.named_parameters())
    del m.extra
    assert "extra" not in dict(m.named_parameters())
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nothing'"):
        m.nothing


def test_assigning_before_init_is_a_clear_error():
    class Forgetful(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Forgetful()


# ---------------------------------------------------------------- modes and gradients

def test_train_eval_propagate_to_every_descendant():
    m = WithBuffers()
    assert all(mod.training for mod in m.modules())
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    m.net.train(False)
    assert m.training and not m.net[0].training and m.heads[0].training


def test_requires_grad_false_stops_gradients():
    mg.manual_seed(0)
    G, D = nn.Linear(2, 2), mlp()
    D.requires_grad_(False)
    assert not any(p.requires_grad for p in D.parameters())
    loss = D(G(mg.randn(8, 2))).mean()
    loss.backward()
    assert all(p.grad is None for p in D.parameters())
    assert all(p.grad is not None for p in G.parameters())
    D.requires_grad_(True)
    D(mg.randn(8, 2)).mean().backward()
    assert all(p.grad is not None for p in D.parameters())


def test_zero_grad():
    model = mlp()
    model(mg.randn(4, 2)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_apply_visits_children_then_self():
    model = mlp()
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "LeakyReLU", "Linear", "Sequential"]


# ---------------------------------------------------------------- state_dict

def test_state_dict_keys_order_and_copies():
    m = WithBuffers()
    sd = m.state_dict()
    assert list(sd) == ["scale", "running_mean", "count", "net.0.weight", "net.0.bias",
                        "net.2.weight", "net.2.bias", "heads.0.weight", "heads.0.bias",
                        "heads.1.weight"]
    assert all(type(v) is np.ndarray for v in sd.values())
    assert sd["count"].shape == () and sd["count"].dtype == np.int64
    sd["scale"][...] = 7  # a copy: changing it leaves the module alone
    assert np.all(m.scale.data == 1)


def test_state_dict_keys_and_shapes_equal_torch():
    torch = pytest.importorskip("torch")

    class TorchWithBuffers(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(3))
            self.register_buffer("running_mean", torch.zeros(3))
            self.register_buffer("count", torch.tensor(0, dtype=torch.long))
            self.register_buffer("scratch", torch.zeros(3), persistent=False)
            self.net = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.LeakyReLU(0.2),
                                           torch.nn.Linear(64, 1))
            self.heads = torch.nn.ModuleList([torch.nn.Linear(1, 2),
                                              torch.nn.Linear(1, 3, bias=False)])

    ours, theirs = WithBuffers().state_dict(), TorchWithBuffers().state_dict()
    assert list(ours) == list(theirs)
    assert [v.shape for v in ours.values()] == [tuple(v.shape) for v in theirs.values()]
    ours_mlp = mlp().state_dict()
    theirs_mlp = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.LeakyReLU(0.2),
                                     torch.nn.Linear(64, 1)).state_dict()
    assert list(ours_mlp) == list(theirs_mlp)
    assert [v.shape for v in ours_mlp.values()] == [tuple(v.shape) for v in theirs_mlp.values()]
    # and the arrays load into torch as they are
    torch_model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.LeakyReLU(0.2),
                                      torch.nn.Linear(64, 1))
    torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in ours_mlp.items()})


def test_shared_modules_and_weights_in_state_dict_as_torch():
    torch = pytest.importorskip("torch")
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight
    ta, tb = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    tb.weight = ta.weight
    ours, theirs = nn.Sequential(a, a, b).state_dict(), torch.nn.Sequential(ta, ta, tb).state_dict()
    assert list(ours) == list(theirs)
    np.testing.assert_array_equal(ours["2.weight"], ours["0.weight"])


def test_state_dict_round_trip_through_npz(tmp_path):
    mg.manual_seed(1)
    source = WithBuffers()
    source.running_mean.data[...] = [1, 2, 3]
    source.count.data[...] = 5
    x = mg.randn(6, 2)
    np.savez(tmp_path / "model.npz", **source.state_dict())

    mg.manual_seed(2)
    target = WithBuffers()
    assert not np.allclose(target(x).data, source(x).data)
    arrays_before = [p.data for p in target.parameters()]
    with np.load(tmp_path / "model.npz", allow_pickle=False) as f:
        result = target.load_state_dict(dict(f))
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(target(x).data, source(x).data)
    np.testing.assert_array_equal(target.running_mean.data, [1, 2, 3])
    assert target.count.data == 5 and target.count.dtype == np.int64
    # copied into the existing arrays, so an optimizer's references stay valid
    assert all(a is p.data for a, p in zip(arrays_before, target.parameters()))


def test_load_state_dict_keeps_dtype():
    model = mlp()
    sd = {k: v.astype(np.float64) for k, v in mlp().state_dict().items()}
    model.load_state_dict(sd)
    assert all(p.dtype == np.float32 for p in model.parameters())
    np.testing.assert_allclose(model[0].weight.data, sd["0.weight"], rtol=1e-6)


def test_load_state_dict_errors_name_keys_and_shapes():
    model = mlp()
    good = model.state_dict()

    missing = dict(good)
    del missing["2.bias"]
    with pytest.raises(ValueError, match=r"missing key\(s\) in state_dict: '2.bias'"):
        model.load_state_dict(missing)

    unexpected = dict(good, **{"3.weight": np.zeros(2)})
    with pytest.raises(ValueError, match=r"unexpected key\(s\) in state_dict: '3.weight'"):
        model.load_state_dict(unexpected)

    wrong = dict(good, **{"0.weight": np.zeros((64, 3), np.float32)})
    with pytest.raises(ValueError, match=r"size mismatch for '0.weight': copying an array of "
                                         r"shape \(64, 3\), the shape in this module is \(64, 2\)"):
        model.load_state_dict(wrong)
    # a failed load leaves the module untouched (no partial copies)
    np.testing.assert_array_equal(model.state_dict()["0.bias"], good["0.bias"])

    result = model.load_state_dict(dict(missing, **{"extra": np.zeros(1)}), strict=False)
    assert result.missing_keys == ["2.bias"] and result.unexpected_keys == ["extra"]
    with pytest.raises(ValueError, match="size mismatch"):  # shapes are checked even then
        model.load_state_dict(wrong, strict=False)


# ---------------------------------------------------------------- devices and dtypes

def test_to_double_and_float():
    m = WithBuffers()
    x = mg.randn(3, 2)
    before = m(x).data
    assert m.to(dtype=np.float64) is m
    assert all(p.dtype == np.float64 for p in m.parameters())
    assert m.running_mean.dtype == np.float64
    assert m.count.dtype == np.int64  # integer buffers are not cast
    out = m(x.to(dtype=np.float64))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, before, rtol=1e-5, atol=1e-6)
    assert m.float() is m and all(p.dtype == np.float32 for p in m.parameters())
    m.double()
    assert all(p.dtype == np.float64 for p in m.parameters())
    m.to(np.float32)
    assert all(p.dtype == np.float32 for p in m.parameters())
    with pytest.raises(TypeError):
        m.to(dtype=np.int32)


def test_parameters_follow_the_default_dtype():
    mg.set_default_dtype(np.float64)
    try:
        layer = nn.Linear(3, 2)
    finally:
        mg.set_default_dtype(np.float32)
    assert layer.weight.dtype == np.float64 and layer.bias.dtype == np.float64


@pytest.mark.skipif(not mg.cuda_is_available(), reason="needs CuPy and a GPU")
def test_to_cuda_and_back():
    model = mlp()
    x = mg.randn(4, 2)
    expected = model(x).data
    model.to("cuda")
    assert all(p.device == "cuda" for p in model.parameters())
    out = model(x.to("cuda"))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    model.cpu()
    assert all(p.device == "cpu" for p in model.parameters())


# ---------------------------------------------------------------- repr, copies, containers

def test_repr_like_pytorch():
    assert repr(mlp()) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=64, bias=True)\n"
        "  (1): LeakyReLU(negative_slope=0.2)\n"
        "  (2): Linear(in_features=64, out_features=1, bias=True)\n"
        ")")
    nested = nn.Sequential(nn.Sequential(nn.Tanh()), nn.Linear(1, 1, bias=False))
    assert repr(nested) == (
        "Sequential(\n"
        "  (0): Sequential(\n"
        "    (0): Tanh()\n"
        "  )\n"
        "  (1): Linear(in_features=1, out_features=1, bias=False)\n"
        ")")


def test_repr_equals_torch():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.LeakyReLU(0.2),
                                 torch.nn.Sequential(torch.nn.Linear(64, 1), torch.nn.Sigmoid()),
                                 torch.nn.Dropout(0.3), torch.nn.ReLU(), torch.nn.Flatten(),
                                 torch.nn.Embedding(10, 4), torch.nn.Identity())
    ours = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2),
                         nn.Sequential(nn.Linear(64, 1), nn.Sigmoid()),
                         nn.Dropout(0.3), nn.ReLU(), nn.Flatten(), nn.Embedding(10, 4),
                         nn.Identity())
    assert repr(ours) == repr(theirs)


def test_deepcopy_gives_independent_parameters():
    model = mlp()
    clone = copy.deepcopy(model)
    assert isinstance(clone[0].weight, nn.Parameter) and clone[0].weight.requires_grad
    np.testing.assert_array_equal(clone[0].weight.data, model[0].weight.data)
    clone[0].weight.data[...] = 0
    assert model[0].weight.data.any()


def test_sequential_container():
    seq = mlp()
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and seq[1] is list(seq)[1]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and "3" in dict(seq.named_children())
    out = seq(mg.randn(5, 2))
    assert out.shape == (5, 1) and np.all((out.data > 0) & (out.data < 1))
    with pytest.raises(IndexError):
        seq[4]


def test_module_list_container():
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 3))
    layers.extend([nn.Tanh(), nn.Linear(3, 1)])
    assert len(layers) == 4 and isinstance(layers[1], nn.Linear) and layers[-1] is layers[3]
    assert [n for n, _ in layers.named_parameters()] == [
        "0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]

    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = layers

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    assert Stack()(mg.randn(4, 2)).shape == (4, 1)
    assert len(list(Stack().parameters())) == 6
