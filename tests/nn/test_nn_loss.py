"""Loss modules: values against the written formulas and PyTorch, reductions, gradients."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan import nn
from minigan.autograd import Tensor
from minigan.gradcheck import gradcheck
from minigan.nn import functional as F


def data(seed=0, shape=(6, 3)):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal(shape) * 3
    probs = 1 / (1 + np.exp(-logits))
    target = rng.random(shape)
    return logits, probs, target


def elementwise(name, x, p, y):
    """The losses as written in the documentation, element by element."""
    return {
        "BCEWithLogitsLoss": -(y * np.log(p) + (1 - y) * np.log(1 - p)),
        "BCELoss": -(y * np.log(p) + (1 - y) * np.log(1 - p)),
        "MSELoss": (x - y) ** 2,
        "L1Loss": np.abs(x - y),
    }[name]


@pytest.mark.parametrize("name", ["BCEWithLogitsLoss", "BCELoss", "MSELoss", "L1Loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_values(name, reduction):
    x, p, y = data()
    module = getattr(nn, name)(reduction=reduction)
    inp = p if name == "BCELoss" else x
    out = module(mg.tensor(inp, dtype=np.float64), mg.tensor(y, dtype=np.float64))
    expected = elementwise(name, x, p, y)
    expected = {"mean": expected.mean(), "sum": expected.sum(), "none": expected}[reduction]
    np.testing.assert_allclose(out.data, expected, rtol=1e-10)


def test_cross_entropy_values():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((5, 4))
    labels = rng.integers(0, 4, size=5)
    log_probs = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    out = nn.CrossEntropyLoss()(mg.tensor(logits, dtype=np.float64), mg.tensor(labels))
    np.testing.assert_allclose(out.item(), -log_probs[np.arange(5), labels].mean(), rtol=1e-12)
    summed = nn.CrossEntropyLoss(reduction="sum")(mg.tensor(logits, dtype=np.float64), labels)
    np.testing.assert_allclose(summed.item(), -log_probs[np.arange(5), labels].sum(), rtol=1e-12)


@pytest.mark.parametrize("name", ["BCEWithLogitsLoss", "BCELoss", "MSELoss", "L1Loss",
                                  "CrossEntropyLoss"])
def test_losses_equal_torch(name):
    torch = pytest.importorskip("torch")
    x, p, y = data(2, (7, 3))
    if name == "CrossEntropyLoss":
        inp, target = x, np.random.default_rng(2).integers(0, 3, size=7)
    else:
        inp, target = (p if name == "BCELoss" else x), y
    for reduction in ("mean", "sum", "none"):
        ours = getattr(nn, name)(reduction=reduction)(mg.tensor(inp, dtype=np.float64),
                                                       mg.tensor(target, dtype=target.dtype))
        theirs = getattr(torch.nn, name)(reduction=reduction)(torch.from_numpy(inp),
                                                              torch.from_numpy(target))
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-15)


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 4), m=st.integers(1, 4), seed=st.integers(0, 2**16),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_loss_gradcheck(n, m, seed, reduction):
    x, p, y = data(seed, (n, m))
    y_t = Tensor(y)
    for module in (nn.BCEWithLogitsLoss(reduction), nn.MSELoss(reduction)):
        assert gradcheck(lambda a: module(a, y_t), (x,))
    assert gradcheck(lambda a: nn.BCELoss(reduction)(a, y_t), (p * 0.9 + 0.05,))
    assert gradcheck(lambda a: nn.L1Loss(reduction)(a, y_t), (x + (np.abs(x - y) < 1e-3),))
    labels = np.random.default_rng(seed).integers(0, m, size=n)
    assert gradcheck(lambda a: nn.CrossEntropyLoss(reduction)(a, labels), (x,))


def test_functional_names_match_modules():
    x, p, y = data(3)
    xt, pt, yt = (mg.tensor(a, dtype=np.float64) for a in (x, p, y))
    bce = F.binary_cross_entropy_with_logits(xt, yt)
    assert bce.item() == nn.BCEWithLogitsLoss()(xt, yt).item()
    assert F.binary_cross_entropy(pt, yt).item() == nn.BCELoss()(pt, yt).item()
    assert F.mse_loss(xt, yt, reduction="sum").item() == nn.MSELoss("sum")(xt, yt).item()
    assert F.l1_loss(xt, yt).item() == nn.L1Loss()(xt, yt).item()


def test_bce_with_logits_is_stable_for_huge_logits():
    out = nn.BCEWithLogitsLoss(reduction="none")(mg.tensor([1000.0, -1000.0]),
                                                  mg.tensor([0.0, 1.0]))
    np.testing.assert_allclose(out.data, [1000.0, 1000.0])


def test_bad_reduction_and_shapes():
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="average")
    with pytest.raises(ValueError, match=r"input shape \(4, 1\) and target shape \(4,\)"):
        nn.BCEWithLogitsLoss()(mg.zeros(4, 1), mg.zeros(4))
    assert repr(nn.BCEWithLogitsLoss()) == "BCEWithLogitsLoss()"
