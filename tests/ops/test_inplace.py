"""In-place changes and version counters: every in-place change is counted, and a backward
through values that changed since its forward raises (as PyTorch's) instead of computing a
silently wrong gradient."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn, optim
from minigan.gan import losses


def leaf(values):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype=np.float64, requires_grad=True)


def const(values):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype=np.float64)


# Each entry changes a tensor that does not require grad in place, as a user would.
INPLACE = {
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(2.0),
    "add_": lambda t: t.add_(1.0),
    "add_ alpha": lambda t: t.add_(const([1.0, 1.0]), alpha=3),
    "sub_": lambda t: t.sub_(const([1.0, 2.0])),
    "mul_": lambda t: t.mul_(3.0),
    "div_": lambda t: t.div_(2.0),
    "copy_": lambda t: t.copy_(const([7.0, 8.0])),
    "clamp_": lambda t: t.clamp_(min=-0.5, max=0.5),
    "clip_": lambda t: t.clip_(max=0.0),
    "data =": lambda t: setattr(t, "data", np.array([5.0, 6.0])),
}


def _iadd(t):
    t += 1.0


def _isub(t):
    t -= const([1.0, 1.0])


def _imul(t):
    t *= 2.0


def _idiv(t):
    t /= 4.0


INPLACE.update({"+=": _iadd, "-=": _isub, "*=": _imul, "/=": _idiv})


@pytest.mark.parametrize("name", list(INPLACE))
def test_every_in_place_change_bumps_the_version(name):
    t = const([1.0, -2.0])
    array = t.data
    INPLACE[name](t)
    assert t._version == 1
    if name != "data =":
        assert t.data is array, "an in-place change keeps the same array"


def test_in_place_values_match_numpy():
    t = const([1.0, -2.0])
    t.add_(const([1.0, 1.0]), alpha=3).mul_(2.0).clamp_(max=5.0)
    np.testing.assert_array_equal(t.numpy(), [5.0, 2.0])
    t += 1.0
    t /= 2.0
    np.testing.assert_array_equal(t.numpy(), [3.0, 1.5])
    assert t._version == 5


@pytest.mark.parametrize("name", list(INPLACE))
def test_a_changed_input_is_detected_at_backward(name):
    x = leaf([0.5, 1.5])
    t = const([1.0, -2.0])
    y = (x * t).sum()  # Mul's gradient for x reads t
    INPLACE[name](t)
    with pytest.raises(RuntimeError, match=r"Mul's gradient.*input 1, of shape \(2,\), is at "
                                           r"version 1 but was at version 0"):
        y.backward()


def test_a_changed_output_is_detected_at_backward():
    # tanh's backward reads its output: after zero_, the gradient would read 1 - 0^2 = 1.
    x = leaf([0.5])
    y = x.tanh()
    y.zero_()
    with pytest.raises(RuntimeError, match=r"Tanh's gradient.*output, of shape \(1,\).*clone"):
        y.sum().backward()


def test_detach_shares_the_version_counter():
    x = leaf([0.5, -0.5])
    y = x.tanh()
    y.detach().mul_(2.0)
    with pytest.raises(RuntimeError, match="Tanh"):
        y.sum().backward()


def test_clone_gives_a_copy_to_change_and_keeps_the_gradient():
    x = leaf([0.5, -1.0])
    y = x.tanh()
    z = y.clone()
    z.zero_()  # its own memory: y and y's graph are untouched
    assert z._version == 1 and y._version == 0
    (y * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * (1 - np.tanh([0.5, -1.0]) ** 2))
    w = leaf([2.0])
    (w.clone() * 5.0).sum().backward()
    assert w.grad.item() == 5.0


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1), lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.Adam(ps, lr=0.1), lambda ps: optim.RMSprop(ps, lr=0.1)],
    ids=["sgd", "sgd-momentum", "adam", "rmsprop"])
def test_an_optimizer_step_between_forward_and_backward_is_detected(make):
    # The GAN bug: a loss computed, then another loss's step changes the weights it read.
    mg.manual_seed(0)
    lin = nn.Linear(3, 2).double()
    opt = make(lin.parameters())
    x = leaf(np.ones((4, 3)))
    stale = lin(x).sum()
    fresh = (lin(x) ** 2).sum()
    fresh.backward()
    versions = [p._version for p in lin.parameters()]
    opt.step()
    assert [p._version for p in lin.parameters()] == [v + 1 for v in versions]
    with pytest.raises(RuntimeError, match=r"Linear's gradient.*modified in place.*"
                                           r"optimizer\.step\(\)"):
        stale.backward()


def test_weight_clipping_state_loading_and_init_bump_versions():
    lin = nn.Linear(2, 2)
    before = lin.weight._version
    losses.clip_weights(lin, 0.01)
    assert lin.weight._version == before + 1
    lin.load_state_dict(lin.state_dict())
    assert lin.weight._version == before + 2
    nn.init.zeros_(lin.bias)
    assert lin.bias._version >= 1


def test_a_leaf_that_requires_grad_changes_in_place_only_under_no_grad():
    w = leaf([1.0, 2.0])
    for change in (lambda: w.add_(1.0), lambda: w.zero_(), _iadd.__get__(w)):
        with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad.*no_grad"):
            change()
    with mg.no_grad():
        w.add_(1.0)
        w += 1.0
    np.testing.assert_array_equal(w.numpy(), [3.0, 4.0])
    assert w.requires_grad and w.is_leaf


def test_an_in_place_change_cannot_drop_a_gradient_path():
    t = const([1.0, 2.0])
    x = leaf([3.0, 4.0])
    with pytest.raises(RuntimeError, match="y = y \\+ x"):
        t.add_(x)
    with pytest.raises(RuntimeError, match="out-of-place"):
        t.copy_(x)


def test_augmented_assignment_with_gradients_is_recorded_out_of_place():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    alias = y
    y += x  # y = y + x: the gradient includes both paths
    y *= 3.0
    assert alias is not y
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [9.0, 9.0])
    acc = const([0.0, 0.0])
    acc += x  # acc does not require grad, x does: recorded as acc = acc + x
    assert acc.requires_grad


def test_in_place_shape_and_device_errors_are_clear():
    t = const([1.0, 2.0])
    with pytest.raises(ValueError, match=r"add_: .*shape \(2,\).*shape \(3,\)"):
        t.add_(const([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"copy_: source of shape \(3,\).*\(2,\)"):
        t.copy_(np.ones(3))
    with pytest.raises(ValueError, match="clamp_ needs"):
        t.clamp_()
    assert t._version == 0, "a refused change is not counted"


def test_no_check_fires_without_a_change():
    mg.manual_seed(1)
    lin = nn.Linear(3, 2).double()
    opt = optim.Adam(lin.parameters(), lr=0.1)
    x = leaf(np.ones((4, 3)))
    for _ in range(3):
        opt.zero_grad()
        (lin(x) ** 2).sum().backward()
        opt.step()
    assert x.grad is not None
