"""minigan against PyTorch (CPU, float64): same inputs and weights, same values and gradients.

Skipped where torch is not installed; it is a reference only, never a dependency.
"""
import warnings

import numpy as np
import pytest

import minigan as mg
from minigan import autograd
from minigan.ops import activation as A
from minigan.ops import loss as L
from minigan.ops import math as M

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOL = dict(rtol=1e-10, atol=1e-12)


def pair(array, requires_grad=True):
    """The same float64 data as a minigan tensor and a torch tensor."""
    array = np.asarray(array, dtype=np.float64)
    return (mg.tensor(array, dtype=np.float64, requires_grad=requires_grad),
            torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad))


def close(ours, theirs):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(ours.numpy(), theirs, **TOL)


# ---------------------------------------------------------------- a three-layer MLP

def test_mlp_of_raw_ops_matches_torch_forward_and_gradients():
    rng = np.random.default_rng(0)
    shapes = [(6, 4), (6,), (5, 6), (5,), (1, 5), (1,)]  # Linear layout: weight (out, in)
    ours, theirs = zip(*(pair(rng.normal(size=s)) for s in shapes))
    x_ours, x_theirs = pair(rng.normal(size=(8, 4)))

    def forward(x, params, linear, leaky, tanh, sigmoid):
        w1, b1, w2, b2, w3, b3 = params
        h = leaky(linear(x, w1, b1))
        h = tanh(linear(h, w2, b2))
        return sigmoid(linear(h, w3, b3))

    y_ours = forward(x_ours, ours, lambda x, w, b: x @ w.T + b, lambda t: A.leaky_relu(t, 0.2),
                     A.tanh, A.sigmoid)
    y_theirs = forward(x_theirs, theirs, F.linear, lambda t: F.leaky_relu(t, 0.2), torch.tanh,
                       torch.sigmoid)
    close(y_ours, y_theirs)
    weights = rng.normal(size=(8, 1))
    (y_ours * mg.tensor(weights, dtype=np.float64)).sum().backward()
    (y_theirs * torch.tensor(weights)).sum().backward()
    for p_ours, p_theirs in zip(ours + (x_ours,), theirs + (x_theirs,)):
        close(p_ours.grad, p_theirs.grad)


# ---------------------------------------------------------------- losses

REDUCTIONS = ["mean", "sum", "none"]


def loss_data(name, rng, shape=(3, 4)):
    if name == "bce_with_logits":
        return rng.normal(size=shape) * 3, rng.uniform(size=shape)
    if name == "bce":
        return rng.uniform(0.01, 0.99, size=shape), rng.uniform(size=shape)
    return rng.normal(size=shape), rng.normal(size=shape)


TORCH_LOSSES = {"bce_with_logits": F.binary_cross_entropy_with_logits,
                "bce": F.binary_cross_entropy, "mse": F.mse_loss, "l1": F.l1_loss}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(TORCH_LOSSES))
@pytest.mark.parametrize("shape", [(3, 4), (5,)])
def test_loss_matches_torch_value_and_gradients(name, reduction, shape):
    x, y = loss_data(name, np.random.default_rng(1), shape)
    x_ours, x_theirs = pair(x)
    y_ours, y_theirs = pair(y, requires_grad=name != "bce")  # torch has no bce target grad
    out_ours = getattr(L, name)(x_ours, y_ours, reduction=reduction)
    out_theirs = TORCH_LOSSES[name](x_theirs, y_theirs, reduction=reduction)
    close(out_ours, out_theirs)
    g = np.random.default_rng(2).normal(size=out_theirs.shape)
    out_ours.backward(mg.tensor(g, dtype=np.float64))
    out_theirs.backward(torch.tensor(g))
    close(x_ours.grad, x_theirs.grad)
    if name != "bce":
        close(y_ours.grad, y_theirs.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("target_kind", ["indices", "probabilities"])
def test_cross_entropy_matches_torch(reduction, target_kind):
    rng = np.random.default_rng(3)
    logits_ours, logits_theirs = pair(rng.normal(size=(6, 5)) * 2)
    if target_kind == "indices":
        labels = rng.integers(0, 5, 6)
        target_ours, target_theirs = mg.tensor(labels), torch.tensor(labels)
    else:
        p = rng.random((6, 5))
        target_ours, target_theirs = pair(p / p.sum(axis=1, keepdims=True), requires_grad=False)
    out_ours = L.cross_entropy(logits_ours, target_ours, reduction=reduction)
    out_theirs = F.cross_entropy(logits_theirs, target_theirs, reduction=reduction)
    close(out_ours, out_theirs)
    g = rng.normal(size=out_theirs.shape)
    out_ours.backward(mg.tensor(g, dtype=np.float64))
    out_theirs.backward(torch.tensor(g))
    close(logits_ours.grad, logits_theirs.grad)


def test_bce_with_logits_matches_torch_at_huge_logits():
    x_ours, x_theirs = pair([1e4, -1e4, 1e4, -1e4, 30.0, -30.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.0, 1.0])
    out_ours = L.bce_with_logits(x_ours, y, reduction="sum")
    out_theirs = F.binary_cross_entropy_with_logits(x_theirs, torch.tensor(y), reduction="sum")
    close(out_ours, out_theirs)
    out_ours.backward()
    out_theirs.backward()
    close(x_ours.grad, x_theirs.grad)


def test_bce_clamped_value_matches_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-50])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0) before the clamp
        ours = L.bce(mg.tensor(p, dtype=np.float64), y, reduction="none")
    theirs = F.binary_cross_entropy(torch.tensor(p), torch.tensor(y), reduction="none")
    close(ours, theirs)


def test_bce_gradient_at_saturated_probabilities_matches_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    p_ours, p_theirs = pair(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        L.bce(p_ours, y, reduction="sum").backward()
    F.binary_cross_entropy(p_theirs, torch.tensor(y), reduction="sum").backward()
    close(p_ours.grad, p_theirs.grad)


# ---------------------------------------------------------------- reductions and softmax

@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2), -1])
@pytest.mark.parametrize("correction", [0, 1])
def test_var_and_std_with_correction_match_torch(axis, correction):
    x_ours, x_theirs = pair(np.random.default_rng(4).normal(size=(3, 4, 2)))
    dim = axis if axis is not None else None
    for ours_fn, theirs_fn in ((M.var, torch.var), (M.std, torch.std)):
        x_ours.grad = x_theirs.grad = None
        ours = ours_fn(x_ours, axis, keepdims=True, correction=correction)
        theirs = theirs_fn(x_theirs, dim=dim, keepdim=True, correction=correction)
        close(ours, theirs)
        ours.sum().backward()
        theirs.sum().backward()
        close(x_ours.grad, x_theirs.grad)


def test_max_and_min_with_ties_split_the_gradient_like_amax():
    data = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [5.0, -1.0, 5.0, 4.0]])
    for axis in (None, 0, 1):
        for ours_fn, theirs_fn in ((M.amax, torch.amax), (M.amin, torch.amin)):
            x_ours, x_theirs = pair(data)
            dim = () if axis is None else axis
            ours, theirs = ours_fn(x_ours, axis), theirs_fn(x_theirs, dim=dim)
            close(ours, theirs)
            g = np.arange(1.0, 1.0 + theirs.numel()).reshape(theirs.shape)
            ours.backward(mg.tensor(g, dtype=np.float64))
            theirs.backward(torch.tensor(g))
            close(x_ours.grad, x_theirs.grad)


def test_elementwise_ties_and_kinks_follow_torch():
    """maximum/minimum split ties, clamp passes the gradient at its bounds, abs'(0) = 0."""
    a = np.array([1.0, 2.0, 3.0, 0.0, -1.0])
    b = np.array([2.0, 2.0, 2.0, 0.0, 1.0])
    cases = [
        (lambda x, y: M.maximum(x, y), torch.maximum),
        (lambda x, y: M.minimum(x, y), torch.minimum),
        (lambda x, y: M.clip(x, -1.0, 2.0) * y, lambda x, y: torch.clamp(x, -1.0, 2.0) * y),
        (lambda x, y: M.abs(x) * y, lambda x, y: torch.abs(x) * y),
        (lambda x, y: A.relu(x) * y, lambda x, y: torch.relu(x) * y),
        (lambda x, y: A.leaky_relu(x, 0.1) * y, lambda x, y: F.leaky_relu(x, 0.1) * y),
    ]
    for ours_fn, theirs_fn in cases:
        (a_ours, a_theirs), (b_ours, b_theirs) = pair(a), pair(b)
        ours, theirs = ours_fn(a_ours, b_ours), theirs_fn(a_theirs, b_theirs)
        close(ours, theirs)
        ours.sum().backward()
        theirs.sum().backward()
        close(a_ours.grad, a_theirs.grad)
        close(b_ours.grad, b_theirs.grad)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_log_softmax_logsumexp_match_torch(axis):
    data = np.random.default_rng(5).normal(size=(4, 6)) * 5
    data[0, :] += 500.0  # a row that overflows a naive exp
    for ours_fn, theirs_fn in (
            (lambda x: M.log_softmax(x, axis), lambda x: F.log_softmax(x, dim=axis)),
            (lambda x: M.softmax(x, axis), lambda x: F.softmax(x, dim=axis)),
            (lambda x: M.logsumexp(x, axis), lambda x: torch.logsumexp(x, dim=axis))):
        x_ours, x_theirs = pair(data)
        ours, theirs = ours_fn(x_ours), theirs_fn(x_theirs)
        close(ours, theirs)
        g = np.random.default_rng(6).normal(size=theirs.shape)
        ours.backward(mg.tensor(g, dtype=np.float64))
        theirs.backward(torch.tensor(g))
        close(x_ours.grad, x_theirs.grad)


def test_softplus_and_log_sigmoid_match_torch():
    data = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
    for ours_fn, theirs_fn in ((A.softplus, F.softplus), (A.log_sigmoid, F.logsigmoid),
                               (A.sigmoid, torch.sigmoid), (A.tanh, torch.tanh)):
        x_ours, x_theirs = pair(data)
        ours, theirs = ours_fn(x_ours), theirs_fn(x_theirs)
        close(ours, theirs)
        ours.sum().backward()
        theirs.sum().backward()
        close(x_ours.grad, x_theirs.grad)


# ---------------------------------------------------------------- the gradient penalty

def test_gradient_penalty_double_backward_matches_torch():
    """WGAN-GP: mean((||d D(x_hat) / d x_hat|| - 1)^2) and its gradient for D's parameters."""
    rng = np.random.default_rng(7)
    real, fake = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    alpha = rng.uniform(size=(6, 1))
    x_hat = alpha * real + (1 - alpha) * fake
    params = [rng.normal(size=s) * 0.7 for s in [(8, 3), (8,), (8, 8), (8,), (1, 8), (1,)]]
    ours, theirs = zip(*(pair(p) for p in params))

    def critic(x, p, linear, leaky):
        h = leaky(linear(x, p[0], p[1]))
        h = leaky(linear(h, p[2], p[3]))
        return linear(h, p[4], p[5])

    xo = mg.tensor(x_hat, dtype=np.float64, requires_grad=True)
    score_o = critic(xo, ours, lambda x, w, b: x @ w.T + b, lambda t: A.leaky_relu(t, 0.2))
    go, = autograd.grad(score_o.sum(), xo, create_graph=True)
    penalty_o = ((M.sqrt((go * go).sum(axis=1)) - 1.0) ** 2).mean()
    penalty_o.backward()

    xt = torch.tensor(x_hat, requires_grad=True)
    score_t = critic(xt, theirs, F.linear, lambda t: F.leaky_relu(t, 0.2))
    gt, = torch.autograd.grad(score_t.sum(), xt, create_graph=True)
    penalty_t = ((gt.norm(2, dim=1) - 1) ** 2).mean()
    penalty_t.backward()

    close(go, gt)
    close(penalty_o, penalty_t)
    # A piecewise-linear critic's input gradient has no path to the biases (leaky_relu'' = 0):
    # torch reports zeros or None there, minigan None. Both mean zero.
    for p_ours, p_theirs in zip(ours + (xo,), theirs + (xt,)):
        close(grad_or_zeros(p_ours), grad_or_zeros(p_theirs))
    assert all(p.grad is not None for p in (ours[0], ours[2], ours[4]))


def grad_or_zeros(t):
    if isinstance(t, torch.Tensor):
        return t.grad if t.grad is not None else torch.zeros_like(t)
    return t.grad if t.grad is not None else mg.zeros(t.shape, dtype=t.dtype)


def test_gradient_penalty_with_a_smooth_critic_matches_torch():
    """The same with tanh and sigmoid, whose second derivatives are not zero."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(5, 4))
    params = [rng.normal(size=s) for s in [(6, 4), (6,), (1, 6)]]
    ours, theirs = zip(*(pair(p) for p in params))

    xo = mg.tensor(x, dtype=np.float64, requires_grad=True)
    so = A.sigmoid(A.tanh(xo @ ours[0].T + ours[1]) @ ours[2].T)
    go, = autograd.grad(so.sum(), xo, create_graph=True)
    ((M.sqrt((go * go).sum(axis=1)) - 1.0) ** 2).mean().backward()

    xt = torch.tensor(x, requires_grad=True)
    st = torch.sigmoid(torch.tanh(F.linear(xt, theirs[0], theirs[1])) @ theirs[2].T)
    gt, = torch.autograd.grad(st.sum(), xt, create_graph=True)
    ((gt.norm(2, dim=1) - 1) ** 2).mean().backward()

    for p_ours, p_theirs in zip(ours + (xo,), theirs + (xt,)):
        close(p_ours.grad, p_theirs.grad)
