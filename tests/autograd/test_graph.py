"""minigan.autograd's graph walk: how gradients flow, accumulate, are freed, and fail loudly."""
import sys

import numpy as np
import pytest

import minigan as mg
from minigan import autograd
from minigan.autograd import Tensor
from minigan.gradcheck import gradcheck
from minigan.ops import math as M


def leaf(values, dtype=np.float64):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype=dtype, requires_grad=True)


# ---------------------------------------------------------------- accumulation

def test_a_tensor_used_twice_gets_both_contributions():
    x = leaf([1.0, -2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0, 6.0])
    y = leaf([1.0, 2.0])
    (y + y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 2.0])


def test_diamond_graph_adds_both_paths():
    x = leaf([0.5, -1.0])
    y = x * 2.0
    top, bottom = M.exp(y), y * 3.0  # two paths from y to the loss
    (top + bottom).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * x.numpy()) + 6, rtol=1e-14)


def test_grad_accumulates_across_backward_calls_until_reset():
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    loss.backward(retain_graph=True)  # keep the graph, so that it can run twice
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_leaf_gradients_are_separate_writable_arrays():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([4.0, 5.0, 6.0])
    (a + b).sum().backward()  # Add hands one gradient array to both inputs
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.zero_()  # PyTorch's optimizer.zero_grad(set_to_none=False) does this
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0, 1.0])
    c = leaf([1.0, 2.0])
    c.sum().backward()  # Sum's gradient is a broadcast view
    c.grad.zero_()
    np.testing.assert_array_equal(c.grad.numpy(), [0.0, 0.0])


def test_a_second_backward_adds_into_the_same_grad_array_as_pytorch_does():
    w = leaf(np.arange(6.0).reshape(2, 3))
    x = mg.tensor(np.ones((4, 3)))
    (x @ w.T).sum().backward()
    first = w.grad
    (x @ w.T).sum().backward()
    assert w.grad is first  # in place: no new array per contribution
    np.testing.assert_array_equal(w.grad.numpy(), np.full((2, 3), 8.0))


class _HandsBackItsInput(autograd.Function):
    """A careless backward: it returns its second input's own array as the first's gradient."""

    @staticmethod
    def forward(ctx, x, other):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return ctx.inputs[1], None


def test_an_array_a_backward_did_not_make_is_never_written_into():
    # The walk adds a second contribution into a gradient array only when a backward made that
    # array; an input's array handed back must come through unchanged, and not become .grad.
    x, other = leaf([1.0, 2.0]), mg.tensor([10.0, 20.0])
    (_HandsBackItsInput.apply(x, other) + _HandsBackItsInput.apply(x, other)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 40.0])
    np.testing.assert_array_equal(other.numpy(), [10.0, 20.0])
    assert not np.shares_memory(x.grad.data, other.data)
    y = leaf([1.0, 2.0])
    _HandsBackItsInput.apply(y, other).sum().backward()
    y.grad.zero_()
    np.testing.assert_array_equal(other.numpy(), [10.0, 20.0])


class _OneArrayForBoth(autograd.Function):
    """x * y's gradient, but one new array handed to both inputs (where x and y are equal)."""

    @staticmethod
    def forward(ctx, x, y):
        return x * y

    @staticmethod
    def backward(ctx, g):
        both = g * ctx.inputs[1]
        return both, both


def test_one_new_array_handed_to_two_inputs_is_not_written_into_for_either():
    a, b = leaf([2.0, 3.0]), leaf([2.0, 3.0])
    # a gets a second contribution, which must not be added into the array b holds too
    (_OneArrayForBoth.apply(a, b) + a * 10.0).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [12.0, 13.0])
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 3.0])


def test_grad_returns_arrays_of_its_own_even_through_views():
    x = leaf(np.ones((2, 3)))
    y = x * 2.0
    gx, gy = autograd.grad((y.reshape(6) * 3.0).sum() + y.sum(), [x, y])
    assert not np.shares_memory(gx.data, gy.data)
    np.testing.assert_array_equal(gy.numpy(), np.full((2, 3), 4.0))
    np.testing.assert_array_equal(gx.numpy(), np.full((2, 3), 8.0))


def test_scalar_tensors_used_twice_and_through_masking_ops():
    # NumPy ufuncs on 0-d arrays return NumPy scalars, not arrays: the engine must accept them.
    x = mg.tensor(3.0, dtype=np.float64, requires_grad=True)
    (x * x).backward()  # two contributions add up: _accumulate makes a 0-d sum
    assert x.grad.item() == 6.0
    x.grad = None
    (M.abs(x) + mg.relu(x) + M.maximum(x, 1.0) + M.clip(x, 0.0, 5.0)).backward()
    assert x.grad.item() == 4.0


def test_broadcast_gradients_reduce_to_each_input_shape():
    a = leaf(np.ones((3, 1)))
    b = leaf(np.ones(4))
    c = leaf(2.0)  # 0-d
    out = a * b + c
    assert out.shape == (3, 4)
    out.backward(mg.tensor(np.ones((3, 4)), dtype=np.float64))
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,) and c.grad.shape == ()
    np.testing.assert_array_equal(a.grad.numpy(), np.full((3, 1), 4.0))
    np.testing.assert_array_equal(b.grad.numpy(), np.full(4, 3.0))
    assert c.grad.item() == 12.0


def test_requires_grad_propagates_only_from_inputs_that_need_it():
    x, c = leaf([1.0]), mg.tensor([2.0])
    assert (x * c).requires_grad and not (c * c).requires_grad
    assert (x * c).grad_fn is not None and (c * c).grad_fn is None
    assert x.is_leaf and not (x * c).is_leaf
    (x * c).sum().backward()
    assert c.grad is None


def test_detach_cuts_the_graph_and_shares_the_values():
    x = leaf([1.0, 2.0])
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = x * d  # d is a constant here
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_deep_chain_does_not_hit_the_recursion_limit():
    x = leaf([1.0])
    y = x
    for _ in range(max(5000, sys.getrecursionlimit() + 1000)):
        y = y + 1.0
    y.sum().backward(retain_graph=True)
    assert x.grad.item() == 1.0
    g, = autograd.grad(y.sum(), x, create_graph=True)
    assert g.item() == 1.0
    del y, g  # freeing a deep graph must not recurse either


# ---------------------------------------------------------------- create_graph and autograd.grad

def test_backward_without_create_graph_leaves_a_plain_gradient():
    x = leaf([1.0, 2.0])
    (x ** 3).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 12.0])


def test_backward_with_create_graph_gives_a_differentiable_gradient():
    x = leaf([1.0, 2.0])
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    gg, = autograd.grad(x.grad.sum(), x)
    np.testing.assert_array_equal(gg.numpy(), [6.0, 12.0])  # d/dx 3x^2


def test_autograd_grad_returns_gradients_and_leaves_dot_grad_alone():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    x.grad = mg.tensor([7.0, 7.0], dtype=np.float64)
    y = (x * w).sum()
    gx, gw = autograd.grad(y, [x, w])
    np.testing.assert_array_equal(gx.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(gw.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 7.0])
    assert w.grad is None
    assert not gx.requires_grad


def test_autograd_grad_with_grad_outputs_and_an_intermediate_input():
    x = leaf([1.0, 2.0])
    h = x * x
    y = h * 3.0
    gh, = autograd.grad(y, h, grad_outputs=mg.tensor([1.0, 10.0], dtype=np.float64),
                        retain_graph=True)
    np.testing.assert_array_equal(gh.numpy(), [3.0, 30.0])
    gx, = autograd.grad(y, x, grad_outputs=mg.tensor([1.0, 10.0], dtype=np.float64))
    np.testing.assert_array_equal(gx.numpy(), [6.0, 120.0])


def test_autograd_grad_allow_unused():
    x, unused = leaf([1.0]), leaf([2.0])
    y = (x * 2.0).sum()
    with pytest.raises(ValueError, match="input 1.*allow_unused"):
        autograd.grad(y, [x, unused])
    gx, gu = autograd.grad(y, [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_autograd_grad_rejects_inputs_and_outputs_without_grad():
    x, c = leaf([1.0]), mg.tensor([1.0])
    with pytest.raises(ValueError, match="does not require grad"):
        autograd.grad((x * c).sum(), c)
    with pytest.raises(ValueError, match="does not require grad"):
        autograd.grad((c * c).sum(), x)


# ---------------------------------------------------------------- WGAN-GP's double backward

def mlp_penalty(x):
    """The gradient penalty of f(x) = tanh(x W1 + b1) W2 as a function of (W1, b1, W2)."""
    def penalty(w1, b1, w2):
        # gradcheck evaluates its function under no_grad; the penalty needs a graph of x -> f(x)
        # to get its own value, as gradgradcheck's inner function does.
        with mg.enable_grad():
            xs = Tensor(x.copy(), requires_grad=True)
            scores = mg.tanh(xs @ w1 + b1) @ w2
            g, = autograd.grad(scores.sum(), xs, create_graph=True)
            norms = M.sqrt(M.sum(g * g, axis=1))
            return M.mean((norms - 1.0) ** 2)
    return penalty


def test_gradient_penalty_parameter_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    w1, b1, w2 = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 1))
    penalty = mlp_penalty(x)
    assert gradcheck(penalty, [w1, b1, w2])
    # The same gradients through backward() into .grad, as a training step gets them.
    params = [mg.tensor(p, dtype=np.float64, requires_grad=True) for p in (w1, b1, w2)]
    value = penalty(*params)
    value.backward()
    expected = autograd.grad(penalty(*params), params)
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.grad.numpy(), e.numpy(), rtol=1e-12)
        assert np.abs(p.grad.numpy()).max() > 1e-3  # the penalty does depend on every parameter


# ---------------------------------------------------------------- errors

def test_backward_of_a_non_scalar_needs_a_gradient():
    x = leaf(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        (x * 2.0).backward()
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        (x * 2.0).backward(mg.tensor(np.ones((3, 2))))


def test_backward_of_a_tensor_without_history_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


# ---------------------------------------------------------------- freeing the graph

def _intermediate_ref(seed=0):
    """A loss whose intermediate activation only the graph holds, and a weak reference to it."""
    import weakref

    x = leaf(np.random.default_rng(seed).standard_normal((5, 4)))
    hidden = M.exp(x) * 2.0
    loss = (hidden * hidden).sum()
    return x, loss, weakref.ref(hidden)


def test_backward_frees_what_the_graph_saved():
    x, loss, hidden = _intermediate_ref()
    assert hidden() is not None, "the graph keeps the activation for the backward"
    loss.backward()
    assert hidden() is None, "after backward the activation is freed"
    assert x.grad is not None


def test_retain_graph_keeps_it_for_a_second_backward():
    x, loss, hidden = _intermediate_ref()
    loss.backward(retain_graph=True)
    assert hidden() is not None
    first = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_a_second_backward_through_a_freed_graph_raises():
    x, loss, _ = _intermediate_ref()
    loss.backward()
    with pytest.raises(RuntimeError, match="already run by a backward.*retain_graph=True"):
        loss.backward()
    x2, loss2, _ = _intermediate_ref()
    autograd.grad(loss2, x2)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        autograd.grad(loss2, x2)


def test_create_graph_retains_by_default_as_a_gradient_penalty_needs():
    x = leaf([0.5, -1.0])
    y = (M.exp(x) * x).sum()
    (g,) = autograd.grad(y, x, create_graph=True)  # retain_graph defaults to create_graph
    (g * g).sum().backward()
    expected = 2 * (np.exp(x.numpy()) * (1 + x.numpy())) * np.exp(x.numpy()) * (2 + x.numpy())
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_backward_takes_pytorch_s_positional_order():
    x = leaf([2.0])
    y = x * x
    y.backward(mg.tensor([1.0], dtype=np.float64), True)  # gradient, retain_graph
    y.backward()
    assert x.grad.item() == 8.0


def test_a_training_step_does_not_grow_memory():
    import tracemalloc

    from minigan import nn, optim

    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 1))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = mg.randn(256, 64)

    def step():
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()

    for _ in range(3):  # Adam's state and any caches are allocated here
        step()
    tracemalloc.start()
    try:
        step()
        after_one = tracemalloc.get_traced_memory()[0]
        for _ in range(10):
            step()
        after_eleven = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # One step's activations are 256 x 128 floats (128 KiB); ten leaked graphs would be > 1 MiB.
    assert after_eleven - after_one < 64 * 1024, (after_one, after_eleven)


def test_autograd_backward_of_several_tensors_adds_their_gradients():
    x = leaf([1.0, 2.0])
    autograd.backward([(x * x).sum(), (x * 3.0).sum()])
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 7.0])  # 2x + 3
    y = leaf([1.0, 2.0])
    autograd.backward(y * y, grad_tensors=mg.tensor([1.0, 10.0], dtype=np.float64))
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 40.0])


def test_backward_takes_its_gradient_as_an_array_or_a_list():
    for gradient in (np.array([1.0, 2.0, 3.0]), [1.0, 2.0, 3.0]):
        x = mg.tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
        (x * 2.0).backward(gradient)
        np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])
