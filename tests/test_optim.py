"""Optimizers and schedules: the written update rules, PyTorch, saving and resuming."""

import numpy as np
import pytest

import minigan as mg
from minigan import nn, optim
from minigan.autograd import Tensor

# The updates run through the kernels (Adam's is a kernel): every test once with each set.
pytestmark = pytest.mark.usefixtures("kernel_set")

SHAPES = [(3, 4), (5,), ()]


def make_params(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [nn.Parameter(np.asarray(rng.standard_normal(s), dtype=dtype)) for s in SHAPES]


def grad_sequence(steps, seed=1, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [[np.asarray(rng.standard_normal(s) * 10.0 ** rng.integers(-3, 3), dtype=dtype)
             for s in SHAPES] for _ in range(steps)]


def run(opt_cls, kwargs, steps=5, seed=0):
    params = make_params(seed)
    opt = opt_cls(params, **kwargs)
    history = []
    for grads in grad_sequence(steps):
        for p, g in zip(params, grads):
            p.grad = Tensor(g.copy())
        opt.step()
        history.append([p.data.copy() for p in params])
    return history


# ---------------------------------------------------------------- reference implementations
# Written from the formulas in the docstrings, one parameter at a time, not in place.

def ref_sgd(p, grads, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False):
    buf, out = None, []
    for g in grads:
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
        out.append(p)
    return out


def ref_adam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
    b1, b2 = betas
    m = v = v_max = np.zeros_like(p)
    out = []
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = np.maximum(v_max, v)
        v_hat = (v_max if amsgrad else v) / (1 - b2 ** t)
        p = p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def ref_rmsprop(p, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                centered=False):
    v = c = buf = np.zeros_like(p)
    out = []
    for g in grads:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        c = alpha * c + (1 - alpha) * g
        d = np.sqrt(v - c * c if centered else v) + eps
        if momentum:
            buf = momentum * buf + g / d
            p = p - lr * buf
        else:
            p = p - lr * g / d
        out.append(p)
    return out


CASES = [
    (optim.SGD, ref_sgd, dict(lr=0.1)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.9)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    (optim.Adam, ref_adam, dict()),
    (optim.Adam, ref_adam, dict(lr=2e-4, betas=(0.5, 0.999))),
    (optim.Adam, ref_adam, dict(lr=1e-2, weight_decay=0.1, amsgrad=True)),
    (optim.RMSprop, ref_rmsprop, dict()),
    (optim.RMSprop, ref_rmsprop, dict(lr=5e-5)),
    (optim.RMSprop, ref_rmsprop, dict(lr=1e-3, momentum=0.9, centered=True, weight_decay=0.01)),
]
IDS = [f"{cls.__name__}-{kw}" for cls, _, kw in CASES]


@pytest.mark.parametrize("opt_cls, reference, kwargs", CASES, ids=IDS)
def test_update_rule_step_by_step(opt_cls, reference, kwargs):
    history = run(opt_cls, kwargs, steps=6)
    start, grads = make_params(0), grad_sequence(6)
    for i, p0 in enumerate(start):
        expected = reference(p0.data, [g[i] for g in grads], **kwargs)
        for step in range(6):
            np.testing.assert_allclose(history[step][i], expected[step], rtol=1e-12, atol=1e-15,
                                       err_msg=f"parameter {i}, step {step + 1}")


@pytest.mark.parametrize("opt_cls, reference, kwargs", CASES, ids=IDS)
def test_against_torch_optim(opt_cls, reference, kwargs):
    torch = pytest.importorskip("torch")
    ours = run(opt_cls, kwargs, steps=5)
    params = [torch.nn.Parameter(torch.from_numpy(p.data.copy())) for p in make_params(0)]
    theirs = getattr(torch.optim, opt_cls.__name__)(params, **kwargs)
    for step, grads in enumerate(grad_sequence(5)):
        for p, g in zip(params, grads):
            p.grad = torch.from_numpy(g.copy())
        theirs.step()
        for i, p in enumerate(params):
            np.testing.assert_allclose(ours[step][i], p.detach().numpy(), rtol=1e-12, atol=1e-15)


def test_adam_first_step_is_lr_times_sign():
    rng = np.random.default_rng(0)
    g = rng.standard_normal(1000) * 10.0 ** rng.uniform(-4, 4, 1000)  # 8 decades of scale
    p = nn.Parameter(np.zeros(1000))
    p.grad = Tensor(g)
    lr, eps = 0.01, 1e-8
    optim.Adam([p], lr=lr, eps=eps).step()
    # m / sqrt(v) = g / |g| exactly; eps moves each step by at most lr * eps / |g|
    deviation = np.abs(p.data + lr * np.sign(g))
    assert np.all(deviation <= lr * eps / np.abs(g) * (1 + 1e-6) + 4 * np.spacing(lr))
    big = np.abs(g) > 1e-2
    assert big.sum() > 500 and deviation[big].max() < 1e-6 * lr


# ---------------------------------------------------------------- saving and resuming

@pytest.mark.parametrize("opt_cls, reference, kwargs", CASES, ids=IDS)
def test_state_dict_round_trip_continues_identically(opt_cls, reference, kwargs, tmp_path):
    grads = grad_sequence(6)

    def apply(params, opt, steps):
        for step_grads in steps:
            for p, g in zip(params, step_grads):
                p.grad = Tensor(g.copy())
            opt.step()

    straight = make_params(0)
    opt = opt_cls(straight, **kwargs)
    apply(straight, opt, grads)

    first = make_params(0)
    opt_a = opt_cls(first, **kwargs)
    apply(first, opt_a, grads[:3])
    np.savez(tmp_path / "opt.npz", **optim.flatten_state(opt_a.state_dict()))

    resumed = [nn.Parameter(p.data.copy()) for p in first]
    defaults = {k: v for k, v in kwargs.items() if k == "nesterov"}
    opt_b = opt_cls(resumed, lr=123.0, momentum=0.9, **defaults) if opt_cls is optim.SGD \
        else opt_cls(resumed, lr=123.0)  # different hyperparameters: loading must restore them
    with np.load(tmp_path / "opt.npz", allow_pickle=False) as f:
        opt_b.load_state_dict(dict(f))
    assert opt_b.param_groups[0]["lr"] == kwargs.get("lr", opt.defaults["lr"])
    apply(resumed, opt_b, grads[3:])
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.data, b.data)


def test_nested_state_dict_holds_numpy_and_numbers():
    params = make_params(0, np.float32)
    opt = optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))
    for p in params:
        p.grad = Tensor(np.ones(p.shape, np.float32))
    opt.step()
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1, 2]
    assert sd["state"][0]["step"] == 1 and type(sd["state"][0]["exp_avg"]) is np.ndarray
    assert sd["param_groups"] == [dict(lr=2e-4, betas=(0.5, 0.999), eps=1e-8, weight_decay=0,
                                       amsgrad=False, params=[0, 1, 2])]
    flat = optim.flatten_state(sd, prefix="optim_G.")
    assert all(isinstance(v, np.ndarray) for v in flat.values())
    assert flat["optim_G.state.1.exp_avg_sq"].shape == (5,)
    back = optim.unflatten_state(flat, prefix="optim_G.")
    assert back["param_groups"] == sd["param_groups"]
    assert back["state"][2]["exp_avg"].shape == () and back["state"][2]["step"] == 1
    assert optim.unflatten_state(flat, prefix="optim_D.") == {}
    with pytest.raises(TypeError, match="cannot store object at key 'x'"):
        optim.flatten_state({"x": object()})


def test_load_state_dict_errors():
    params = make_params(0)
    opt = optim.Adam(params)
    for p in params:
        p.grad = Tensor(np.ones(p.shape))
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="has 3 parameters, this optimizer has 2"):
        optim.Adam(params[:2]).load_state_dict(sd)
    with pytest.raises(ValueError, match="1 parameter groups, this optimizer has 2"):
        optim.Adam([{"params": params[:1]}, {"params": params[1:]}]).load_state_dict(sd)
    swapped = [params[1], params[0], params[2]]
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 0 has shape \(3, 4\), "
                                         r"the parameter has shape \(5,\)"):
        optim.Adam(swapped).load_state_dict(sd)


# ---------------------------------------------------------------- behaviour

def test_params_without_grad_are_skipped():
    a, b = make_params(0)[:2]
    before = b.data.copy()
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = Tensor(np.ones(a.shape))
    opt.step()
    np.testing.assert_array_equal(b.data, before)
    assert b not in opt.state and opt.state[a]["step"] == 1


def test_updates_in_place_and_keep_dtype():
    layer = nn.Linear(3, 2)
    weight = layer.weight.data
    opt = optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    layer(mg.randn(4, 3)).sum().backward()
    opt.step()
    assert layer.weight.data is weight and weight.dtype == np.float32
    assert opt.state[layer.weight]["momentum_buffer"].dtype == np.float32


def test_zero_grad():
    params = make_params(0)
    opt = optim.SGD(params, lr=0.1)
    for p in params:
        p.grad = Tensor(np.ones(p.shape))
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in params)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_param_groups_with_their_own_hyperparameters():
    a, b, c = make_params(0)
    opt = optim.SGD([{"params": [a]}, {"params": [b, c], "lr": 1.0}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    for p in (a, b, c):
        p.grad = Tensor(np.ones(p.shape))
    a0, b0 = a.data.copy(), b.data.copy()
    opt.step()
    np.testing.assert_allclose(a.data, a0 - 0.1)
    np.testing.assert_allclose(b.data, b0 - 1.0)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    assert "Parameter Group 1" in repr(opt)


def test_bad_arguments():
    params = make_params(0)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="invalid learning rate: -1"):
        optim.SGD(params, lr=-1)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.Adam(params, betas=(0.5, 1.0))
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(params, lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(params[0], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([params[0] * 2], lr=0.1)


@pytest.mark.skipif(not mg.cuda_is_available(), reason="needs CuPy and a GPU")
@pytest.mark.parametrize("opt_cls, reference, kwargs", CASES, ids=IDS)
def test_cupy_matches_numpy(opt_cls, reference, kwargs):
    expected = run(opt_cls, kwargs, steps=3)
    params = make_params(0)
    for p in params:
        p.data = mg.backend.to_device(p.data, "cuda")
    opt = opt_cls(params, **kwargs)
    for grads in grad_sequence(3):
        for p, g in zip(params, grads):
            p.grad = Tensor(mg.backend.to_device(g, "cuda"))
        opt.step()
    for p, e in zip(params, expected[-1]):
        np.testing.assert_allclose(p.numpy(), e, rtol=1e-10, atol=1e-14)


def measure_issue_example(seed=0):
    """The user example from the issue, as written, on a linearly separable toy set: its last
    loss as a share of its first, and its accuracy on the set."""
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((128, 2))
    y = (x[:, :1] + x[:, 1:] > 0).astype(np.float64)  # shape (N, 1)

    model = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
    opt = optim.Adam(model.parameters(), lr=2e-3, betas=(0.5, 0.999))
    losses = []
    for _ in range(60):
        loss = nn.BCEWithLogitsLoss()(model(mg.tensor(x)), mg.tensor(y))
        opt.zero_grad(); loss.backward(); opt.step()  # noqa: E702 - as in the issue
        losses.append(loss.item())
    accuracy = ((model(mg.tensor(x)).data > 0) == (y > 0.5)).mean()
    return {"last_over_first": losses[-1] / losses[0], "accuracy": float(accuracy)}


def test_issue_example_trains():
    example = measure_issue_example()
    assert example["last_over_first"] < 0.5
    assert example["accuracy"] > 0.95


# ---------------------------------------------------------------- schedules

def test_lambda_lr():
    from minigan.optim.lr_scheduler import LambdaLR

    opt = optim.SGD(make_params(0), lr=0.5)
    sched = LambdaLR(opt, lambda epoch: 0.9 ** epoch)
    lrs = []
    for _ in range(4):
        lrs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    np.testing.assert_allclose(lrs, [0.5, 0.45, 0.405, 0.3645], rtol=1e-12)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 * 0.9 ** 4)
    assert opt.param_groups[0]["initial_lr"] == 0.5


def test_lambda_lr_equals_torch():
    torch = pytest.importorskip("torch")
    opt = optim.Adam(make_params(0), lr=0.1)
    ours = optim.lr_scheduler.LambdaLR(opt, lambda e: 1 / (1 + e))
    t_opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    theirs = torch.optim.lr_scheduler.LambdaLR(t_opt, lambda e: 1 / (1 + e))
    for _ in range(5):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-15)
        opt.step()
        t_opt.step()
        ours.step()
        theirs.step()


def test_linear_decay_values():
    """CycleGAN's policy with 3 constant and 4 decay epochs."""
    opt = optim.Adam(make_params(0), lr=2e-4)
    sched = optim.lr_scheduler.LinearDecay(opt, constant_epochs=3, decay_epochs=4)
    lrs = []
    for _ in range(9):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    expected = [1, 1, 1, 0.8, 0.6, 0.4, 0.2, 0, 0]
    np.testing.assert_allclose(lrs, [2e-4 * f for f in expected], rtol=1e-12, atol=1e-20)
    # the formula of pytorch-CycleGAN-and-pix2pix (epoch_count=1, n_epochs=3, n_epochs_decay=4)
    cyclegan = [1.0 - max(0, e + 1 - 3) / float(4 + 1) for e in range(7)]
    np.testing.assert_allclose(lrs[:7], [2e-4 * f for f in cyclegan], rtol=1e-12)


def test_scheduler_state_dict_round_trip():
    opt = optim.Adam(make_params(0), lr=1e-3)
    sched = optim.LinearDecay(opt, 2, 5)
    for _ in range(4):
        sched.step()
    flat = optim.flatten_state(sched.state_dict())
    assert all(isinstance(v, np.ndarray) for v in flat.values())

    opt2 = optim.Adam(make_params(0), lr=1e-3)
    opt2.load_state_dict(optim.flatten_state(opt.state_dict()))
    sched2 = optim.LinearDecay(opt2, 2, 5)
    sched2.load_state_dict(flat)
    assert sched2.last_epoch == 4 and type(sched2.last_epoch) is int
    assert type(sched2.base_lrs) is list and sched2.get_last_lr() == sched.get_last_lr()
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
