"""The convolution and normalisation layers against PyTorch (skipped when torch is absent).

Each layer gets PyTorch's weights through ``load_state_dict`` (NumPy arrays), the same input and
the same upstream gradient; outputs, input gradients, parameter gradients and running statistics
must agree: to 1e-10 in float64, to float32 rounding (1e-5 of the values' scale) in float32.
Last, the issue's DCGAN generator and discriminator take one training step in both libraries.
"""
import numpy as np
import pytest

import minigan as mg
from minigan import autograd, nn, optim

torch = pytest.importorskip("torch")

DTYPES = [np.float64, np.float32]
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def close(ours, theirs, dtype, what):
    ours = ours.numpy() if hasattr(ours, "numpy") and not isinstance(ours, np.ndarray) else ours
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs {theirs.shape}"
    scale = max(1.0, float(np.abs(theirs).max()) if theirs.size else 1.0)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOLERANCE[dtype] * scale, err_msg=what)


def twins(make_ours, make_theirs, dtype):
    theirs = make_theirs().to(TORCH_DTYPE[dtype])
    ours = make_ours().to(dtype=dtype)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def compare(ours, theirs, x, dtype, seed=0, passes=1):
    """Forward and backward ``passes`` times with the same input and upstream gradient."""
    for i in range(passes):
        xo = mg.tensor(x, dtype=dtype, requires_grad=True)
        xt = torch.tensor(x, dtype=TORCH_DTYPE[dtype], requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        close(yo, yt, dtype, f"output (pass {i})")
        g = np.random.default_rng(seed + i).standard_normal(yt.shape)
        (yo * mg.tensor(g, dtype=dtype)).sum().backward()
        (yt * torch.tensor(g, dtype=TORCH_DTYPE[dtype])).sum().backward()
        close(xo.grad, xt.grad, dtype, f"input gradient (pass {i})")
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        close(p.grad, q.grad, dtype, f"gradient of {name}")
    for (name, b), (_, c) in zip(ours.named_buffers(), theirs.named_buffers()):
        close(b.numpy(), c.numpy(), dtype, f"buffer {name}")


def draw(shape, seed=1, scale=1.0, shift=0.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale + shift


# ---------------------------------------------------------------- convolutions

CONV_CASES = [  # (in, out, kernel, stride, padding), input shape
    ((3, 5, 3, 1, 0), (2, 3, 7, 6)),
    ((3, 4, (2, 3), (2, 1), (1, 2)), (3, 3, 6, 5)),
    ((1, 64, 4, 2, 1), (4, 1, 28, 28)),      # DCGAN discriminator, first layer
    ((64, 32, 4, 2, 1), (2, 64, 14, 14)),
    ((2, 3, 5, 3, 2), (2, 2, 9, 8)),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("args, shape", CONV_CASES)
def test_conv2d(dtype, args, shape):
    ours, theirs = twins(lambda: nn.Conv2d(*args), lambda: torch.nn.Conv2d(*args), dtype)
    compare(ours, theirs, draw(shape), dtype)


TRANSPOSE_CASES = [  # (in, out, kernel, stride, padding, output_padding), input shape
    ((128, 16, 4, 2, 1, 0), (2, 128, 7, 7)),  # DCGAN generator sizes (fewer output channels)
    ((16, 1, 4, 2, 1, 0), (3, 16, 14, 14)),
    ((3, 2, 3, 2, 1, 1), (2, 3, 4, 5)),
    ((2, 3, (3, 2), (3, 2), (0, 1), (2, 1)), (2, 2, 3, 4)),
    ((4, 4, 1, 1, 0, 0), (1, 4, 3, 3)),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("args, shape", TRANSPOSE_CASES)
def test_conv_transpose2d(dtype, args, shape):
    ours, theirs = twins(lambda: nn.ConvTranspose2d(*args),
                         lambda: torch.nn.ConvTranspose2d(*args), dtype)
    compare(ours, theirs, draw(shape), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_conv_reflect_padding_mode(dtype):
    ours, theirs = twins(lambda: nn.Conv2d(3, 2, 3, padding=1, padding_mode="reflect"),
                         lambda: torch.nn.Conv2d(3, 2, 3, padding=1, padding_mode="reflect"),
                         dtype)
    compare(ours, theirs, draw((2, 3, 5, 5)), dtype)


def test_second_derivatives_match():
    """A WGAN-GP penalty through a conv critic: the weight gradients agree with PyTorch's."""
    make = [lambda m: m.Conv2d(1, 4, 4, 2, 1), lambda m: m.LeakyReLU(0.2),
            lambda m: m.Conv2d(4, 8, 4, 2, 1), lambda m: m.LayerNorm([8, 2, 2]),
            lambda m: m.LeakyReLU(0.2), lambda m: m.Flatten(), lambda m: m.Linear(32, 1)]
    ours, theirs = twins(lambda: nn.Sequential(*(f(nn) for f in make)),
                         lambda: torch.nn.Sequential(*(f(torch.nn) for f in make)), np.float64)
    x = draw((3, 1, 8, 8))
    xo = mg.tensor(x, dtype=np.float64, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    (go,) = autograd.grad(ours(xo).sum(), [xo], create_graph=True)
    (gt,) = torch.autograd.grad(theirs(xt).sum(), [xt], create_graph=True)
    close(go, gt, np.float64, "input gradient")
    ((go.reshape(3, -1) ** 2).sum(axis=1) ** 0.5 - 1.0).pow(2).mean().backward()
    ((gt.reshape(3, -1).norm(dim=1) - 1) ** 2).mean().backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        if p.grad is None:  # no path from the penalty to this bias: none in PyTorch either
            assert q.grad is None or not q.grad.abs().max().item(), name
            continue
        close(p.grad, q.grad, np.float64, f"penalty gradient of {name}")


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("layer, shape", [("BatchNorm1d", (8, 5)), ("BatchNorm1d", (4, 5, 3)),
                                          ("BatchNorm2d", (4, 5, 3, 2))])
def test_batch_norm_training_and_evaluation(dtype, layer, shape):
    ours, theirs = twins(lambda: getattr(nn, layer)(5), lambda: getattr(torch.nn, layer)(5),
                         dtype)
    with torch.no_grad():  # a non-trivial affine part
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    compare(ours, theirs, draw(shape, scale=2.0, shift=1.0), dtype, passes=3)
    assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked) == 3
    ours.eval()
    theirs.eval()
    compare(ours, theirs, draw(shape, seed=9, scale=2.0, shift=1.0), dtype, seed=5)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("kwargs", [{}, {"affine": True},
                                    {"affine": True, "track_running_stats": True}])
def test_instance_norm(dtype, kwargs):
    ours, theirs = twins(lambda: nn.InstanceNorm2d(3, **kwargs),
                         lambda: torch.nn.InstanceNorm2d(3, **kwargs), dtype)
    compare(ours, theirs, draw((2, 3, 4, 5), scale=2.0, shift=-1.0), dtype, passes=2)
    if kwargs.get("track_running_stats"):
        ours.eval()
        theirs.eval()
        compare(ours, theirs, draw((2, 3, 4, 5), seed=4), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("normalized_shape, shape", [(6, (4, 6)), ((3, 4), (2, 5, 3, 4)),
                                                     ([8, 2, 2], (3, 8, 2, 2))])
def test_layer_norm(dtype, normalized_shape, shape):
    ours, theirs = twins(lambda: nn.LayerNorm(normalized_shape),
                         lambda: torch.nn.LayerNorm(normalized_shape), dtype)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    compare(ours, theirs, draw(shape, scale=3.0), dtype)


# ---------------------------------------------------------------- padding, pooling, upsampling


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("name, args", [
    ("ZeroPad2d", (2,)), ("ZeroPad2d", ((1, 0, 2, 3),)),
    ("ReflectionPad2d", (2,)), ("ReflectionPad2d", ((3, 1, 0, 2),)),
    ("Upsample", ()), ("AvgPool2d", (2,)), ("AvgPool2d", (3, 2, 1)),
])
def test_padding_pooling_upsampling(dtype, name, args):
    kwargs = {"scale_factor": 2} if name == "Upsample" else {}
    ours, theirs = twins(lambda: getattr(nn, name)(*args, **kwargs),
                         lambda: getattr(torch.nn, name)(*args, **kwargs), dtype)
    compare(ours, theirs, draw((2, 3, 5, 4)), dtype)


def test_avg_pool_without_counting_padding():
    ours, theirs = twins(lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
                         lambda: torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False), np.float64)
    compare(ours, theirs, draw((2, 3, 5, 4)), np.float64)


# ---------------------------------------------------------------- the DCGAN


def dcgan(m):
    G = m.Sequential(
        m.Linear(100, 128 * 7 * 7), m.BatchNorm1d(128 * 7 * 7), m.ReLU(),
        m.Unflatten(1, (128, 7, 7)),
        m.ConvTranspose2d(128, 64, 4, 2, 1), m.BatchNorm2d(64), m.ReLU(),
        m.ConvTranspose2d(64, 1, 4, 2, 1), m.Tanh())
    D = m.Sequential(
        m.Conv2d(1, 64, 4, 2, 1), m.LeakyReLU(0.2),
        m.Conv2d(64, 128, 4, 2, 1), m.BatchNorm2d(128), m.LeakyReLU(0.2),
        m.Flatten(), m.Linear(128 * 7 * 7, 1))
    return G, D


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_dcgan_training_step_matches_pytorch(dtype):
    """The benchmark's step: losses, the gradients of the D update and of the G update, and
    (in float64) every parameter and running statistic after the two Adam steps agree.

    In float32 parameters after the step are not compared: Adam moves a parameter by about
    lr * g / (|g| + eps), so where |g| is near eps (1e-8) float32 rounding of g changes the step
    by a good fraction of lr in any two implementations; the gradients are compared instead."""
    torch.manual_seed(0)
    tG, tD = (m.to(TORCH_DTYPE[dtype]) for m in dcgan(torch.nn))
    oG, oD = (m.to(dtype=dtype) for m in dcgan(nn))
    for ours, theirs in ((oG, tG), (oD, tD)):
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    real, z = rng.uniform(-1, 1, (4, 1, 28, 28)), rng.standard_normal((4, 100))
    seen = {}
    for lib, (G, D), Adam, t, bce in (
            ("torch", (tG, tD), torch.optim.Adam,
             lambda a: torch.tensor(a, dtype=TORCH_DTYPE[dtype]), torch.nn.BCEWithLogitsLoss()),
            ("minigan", (oG, oD), optim.Adam, lambda a: mg.tensor(a, dtype=dtype),
             nn.BCEWithLogitsLoss())):
        opt_g = Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        ones, zeros = t(np.ones((4, 1))), t(np.zeros((4, 1)))
        opt_d.zero_grad()
        fake = G(t(z))
        loss_d = bce(D(t(real)), ones) + bce(D(fake.detach()), zeros)
        loss_d.backward()
        # A copy: G's backward below adds into D's .grad in place, in both libraries.
        grads_d = {n: p.grad.numpy().copy() for n, p in D.named_parameters()}
        opt_d.step()
        opt_g.zero_grad()
        loss_g = bce(D(fake), ones)
        loss_g.backward()
        grads_g = {n: p.grad.numpy() for n, p in G.named_parameters()}
        opt_g.step()
        seen[lib] = (loss_d.item(), loss_g.item()), grads_d, grads_g
    np.testing.assert_allclose(seen["minigan"][0], seen["torch"][0], rtol=TOLERANCE[dtype])
    for which in (1, 2):
        for name, theirs in seen["torch"][which].items():
            close(seen["minigan"][which][name], theirs, dtype,
                  f"{'DG'[which - 1]} gradient of {name}")
    if dtype == np.float64:
        for ours, theirs in ((oG, tG), (oD, tD)):
            mine = ours.state_dict()
            for key, value in theirs.state_dict().items():
                close(np.asarray(mine[key]), value.numpy(), dtype, f"{key} after the step")
