"""The two kernel sets compute the same thing: minigan.kernels.reference and minigan.kernels.fast.

Every function of the reference set exists in the fast set with the same parameters, and gives
the same arrays to float rounding on inputs drawn by hypothesis, in float64 and in float32, with
inputs laid out C-ordered or batch-last (as the fast convolutions return them). Then, for every
Function with a first-order ``backward_once``, the gradients it gives equal those of its
differentiable ``backward`` (what a backward with ``create_graph=True`` runs), with each set.
"""
import inspect
import pathlib
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan import kernels, nn
from minigan.kernels import fast, reference
from minigan.nn import functional as F

DRAWN = settings(max_examples=25, deadline=None)
DTYPES = st.sampled_from([np.float64, np.float32])
SEEDS = st.integers(0, 2**32 - 1)


def close(a, b, dtype):
    """Equal to the rounding of ``dtype`` (sums of up to a few hundred terms)."""
    rtol, atol = (1e-10, 1e-12) if dtype == np.float64 else (2e-4, 2e-5)
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol,
                               atol=atol * max(1.0, float(np.abs(b).max(initial=0))))


def normal(rng, shape, dtype, batch_last=False):
    """Random values, C-ordered or as an (N, C, ...) view of (C, ..., N) memory."""
    if not batch_last or len(shape) < 2:
        return rng.standard_normal(shape).astype(dtype)
    moved = rng.standard_normal(shape[1:] + shape[:1]).astype(dtype)
    return np.moveaxis(moved, -1, 0)


def test_every_set_defines_the_interface_with_the_reference_parameters():
    for name in kernels.INTERFACE:
        wanted = list(inspect.signature(getattr(reference, name)).parameters)
        given_ = list(inspect.signature(getattr(fast, name)).parameters)
        assert given_[:len(wanted)] == wanted, (name, wanted, given_)


def test_the_package_calls_only_kernels_of_the_interface():
    package = pathlib.Path(mg.__file__).parent
    called = {name for path in package.rglob("*.py") if "kernels" not in path.parts
              for name in re.findall(r"(?:ctx\.kernels|kernels\.active)\.(\w+)",
                                     path.read_text())}
    assert called and called <= set(kernels.INTERFACE), called - set(kernels.INTERFACE)


def test_kernel_sets_are_chosen_by_name_and_by_environment():
    assert mg.get_kernels() == "fast"
    with kernels.using("reference"):
        assert mg.get_kernels() == "reference" and kernels.active is reference
    mg.set_kernels("reference")
    try:
        assert mg.get_kernels() == "reference"
    finally:
        mg.set_kernels("fast")
    with pytest.raises(ValueError, match=r"set_kernels: unknown kernel set 'quick'; choose one "
                                         r"of \['fast', 'reference'\]"):
        mg.set_kernels("quick")
    assert mg.get_kernels() == "fast"


def test_the_environment_variable_picks_the_set_at_import(tmp_path):
    import os
    import subprocess
    import sys
    code = "import minigan as mg; print(mg.get_kernels())"
    env = dict(os.environ, MINIGAN_KERNELS="reference")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.stdout.strip() == "reference", run.stderr
    env["MINIGAN_KERNELS"] = "quick"
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.returncode != 0 and "MINIGAN_KERNELS: unknown kernel set 'quick'" in run.stderr


# ---------------------------------------------------------------- products and reshapes


@DRAWN
@given(m=st.integers(1, 12), k=st.integers(1, 12), n=st.integers(1, 12), dtype=DTYPES,
       seed=SEEDS, bias=st.booleans())
def test_products_agree(m, k, n, dtype, seed, bias):
    rng = np.random.default_rng(seed)
    a, b, g = normal(rng, (m, k), dtype), normal(rng, (k, n), dtype), normal(rng, (m, n), dtype)
    close(fast.matmul(a, b), reference.matmul(a, b), dtype)
    batched = normal(rng, (2, m, k), dtype)
    close(fast.matmul(batched, b), reference.matmul(batched, b), dtype)
    column_major = np.asfortranarray(a)  # a flattened convolution output is laid out so
    for needs in [(True, True), (True, False), (False, True)]:
        for fast_grad, reference_grad in zip(fast.matmul_grads(column_major, b, g, needs),
                                             reference.matmul_grads(column_major, b, g, needs)):
            assert (fast_grad is None) == (reference_grad is None)
            if fast_grad is not None:
                close(fast_grad, reference_grad, dtype)
    w, bvec = normal(rng, (n, k), dtype), normal(rng, (n,), dtype) if bias else None
    close(fast.linear(a, w, bvec), reference.linear(a, w, bvec), dtype)
    needs = (True, True, bias)
    for fast_grad, reference_grad in zip(fast.linear_grads(column_major, w, g, needs),
                                         reference.linear_grads(column_major, w, g, needs)):
        if reference_grad is not None:
            close(fast_grad, reference_grad, dtype)


@DRAWN
@given(n=st.integers(1, 3), c=st.integers(1, 4), h=st.integers(1, 5), seed=SEEDS)
def test_reshape_back_gives_the_same_values(n, c, h, seed):
    rng = np.random.default_rng(seed)
    x = normal(rng, (n, c, h, h), np.float64, batch_last=True)
    g = rng.standard_normal((n, c * h * h))
    np.testing.assert_array_equal(fast.reshape_back(g, x), reference.reshape_back(g, x))


# ---------------------------------------------------------------- convolutions


@st.composite
def convolutions(draw):
    """(x shape, w shape (O, C, kh, kw), stride, padding) for a valid conv2d."""
    n, c, o = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1)))
    h = draw(st.integers(max(1, kh - 2 * padding[0]), 8))
    w = draw(st.integers(max(1, kw - 2 * padding[1]), 8))
    return (n, c, h, w), (o, c, kh, kw), stride, padding


@DRAWN
@given(shapes=convolutions(), dtype=DTYPES, seed=SEEDS, batch_last=st.booleans())
def test_convolutions_agree(shapes, dtype, seed, batch_last):
    (n, c, h, w), wshape, stride, padding = shapes
    rng = np.random.default_rng(seed)
    x = normal(rng, (n, c, h, w), dtype, batch_last)
    weight, bias = normal(rng, wshape, dtype), normal(rng, wshape[:1], dtype)
    (y, fast_cols), (y_ref, ref_cols) = (k.conv2d(x, weight, bias, stride, padding)
                                         for k in (fast, reference))
    close(y, y_ref, dtype)
    # The same windows, each set in its own layout: fast's (C*kh*kw, OH*OW*N) is
    # (C, kh, kw, OH, OW, N) in memory, reference's is (N, C, kh, kw, OH, OW).
    oh, ow = y_ref.shape[2:]
    np.testing.assert_array_equal(
        fast_cols.reshape(c, *wshape[2:], oh, ow, n).transpose(5, 0, 1, 2, 3, 4), ref_cols)
    g = normal(rng, y_ref.shape, dtype, batch_last)
    edge = tuple((s + 2 * p - k) % st_ for s, k, st_, p in
                 zip((h, w), wshape[2:], stride, padding))
    for needs in [(True, True, True), (True, False, False), (False, True, True)]:
        got = fast.conv2d_grads(x, weight, g, fast_cols, stride, padding, edge, needs)
        want = reference.conv2d_grads(x, weight, g, ref_cols, stride, padding, edge, needs)
        for a, b in zip(got, want):
            assert (a is None) == (b is None)
            if b is not None:
                close(a, b, dtype)
    close(fast.conv2d_weight_grad(x, g, wshape[2:], stride, padding),
          reference.conv2d_weight_grad(x, g, wshape[2:], stride, padding), dtype)
    close(fast.bias_grad(g), reference.bias_grad(g), dtype)


@DRAWN
@given(shapes=convolutions(), dtype=DTYPES, seed=SEEDS, batch_last=st.booleans(),
       out_pad=st.integers(0, 2))
def test_transposed_convolutions_agree(shapes, dtype, seed, batch_last, out_pad):
    # A transposed convolution's input is the shape of a convolution's output.
    (n, c, h, w), (o, _, kh, kw), stride, padding = shapes
    output_padding = tuple(min(out_pad, s - 1) for s in stride)
    oh = (h + 2 * padding[0] - kh) // stride[0] + 1
    ow = (w + 2 * padding[1] - kw) // stride[1] + 1
    rng = np.random.default_rng(seed)
    x = normal(rng, (n, o, oh, ow), dtype, batch_last)
    weight, bias = normal(rng, (o, c, kh, kw), dtype), normal(rng, (c,), dtype)
    y = reference.conv_transpose2d(x, weight, bias, stride, padding, output_padding)
    close(fast.conv_transpose2d(x, weight, bias, stride, padding, output_padding), y, dtype)
    g = normal(rng, y.shape, dtype, batch_last)
    for needs in [(True, True, True), (True, False, False), (False, True, False)]:
        got = fast.conv_transpose2d_grads(x, weight, g, stride, padding, needs)
        want = reference.conv_transpose2d_grads(x, weight, g, stride, padding, needs)
        for a, b in zip(got, want):
            assert (a is None) == (b is None)
            if b is not None:
                close(a, b, dtype)


# ---------------------------------------------------------------- normalisation, activations


@DRAWN
@given(n=st.integers(2, 4), c=st.integers(1, 4), h=st.integers(1, 4), dtype=DTYPES, seed=SEEDS,
       axes=st.sampled_from([(0, 2, 3), (2, 3), (1, 2, 3)]), batch_last=st.booleans(),
       affine=st.booleans())
def test_normalisation_agrees(n, c, h, dtype, seed, axes, batch_last, affine):
    if axes == (2, 3) and h == 1:
        h = 2  # instance norm needs more than one value per statistic
    rng = np.random.default_rng(seed)
    x = normal(rng, (n, c, h, h), dtype, batch_last) * 3 + 1
    per_channel = (1, c, 1, 1) if axes != (1, 2, 3) else (1, 1, 1, 1)
    weight = normal(rng, per_channel, dtype) if affine else None
    bias = normal(rng, per_channel, dtype) if affine else None
    out, stats = fast.normalize(x, weight, bias, axes, 1e-5)
    out_ref, stats_ref = reference.normalize(x, weight, bias, axes, 1e-5)
    close(out, out_ref, dtype)
    for a, b in zip(stats, stats_ref):  # mean, var, xhat, invstd
        close(a, b, dtype)
    g = normal(rng, x.shape, dtype, not batch_last)  # a gradient in the other memory order
    for need_x in (True, False):
        got = fast.normalize_grads(g, stats[2], stats[3], weight, axes, need_x)
        want = reference.normalize_grads(g, stats_ref[2], stats_ref[3], weight, axes, need_x)
        assert (got[0] is None) == (not need_x)
        for a, b in zip(got, want):
            if b is not None:
                close(a, b, dtype)


@DRAWN
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=4), dtype=DTYPES, seed=SEEDS,
       negative_slope=st.sampled_from([0.0, 0.2, 1.0, 1.5, -0.3]))
def test_activations_agree(shape, dtype, seed, negative_slope):
    rng = np.random.default_rng(seed)
    x, g = normal(rng, tuple(shape), dtype), normal(rng, tuple(shape), dtype)
    x[..., 0] = 0  # the kink itself: slope 0 for relu, negative_slope for leaky_relu
    for kernel, args in [("relu", ()), ("leaky_relu", (negative_slope,))]:
        (out, slope), (out_ref, slope_ref) = (getattr(k, kernel)(x, *args)
                                              for k in (fast, reference))
        np.testing.assert_array_equal(out, out_ref)
        np.testing.assert_array_equal(slope.astype(dtype), slope_ref.astype(dtype))
        np.testing.assert_array_equal(fast.times_slope(g, slope),
                                      reference.times_slope(g, slope_ref))


# ---------------------------------------------------------------- optimiser updates


@DRAWN
@given(shape=st.lists(st.integers(1, 6), min_size=1, max_size=3), dtype=DTYPES, seed=SEEDS,
       amsgrad=st.booleans(), lr=st.sampled_from([2e-4, 1e-3, 0.1]),
       betas=st.sampled_from([(0.5, 0.999), (0.9, 0.999), (0.0, 0.9)]))
def test_adam_steps_agree(shape, dtype, seed, amsgrad, lr, betas):
    rng = np.random.default_rng(seed)
    params = [normal(rng, tuple(shape), dtype) for _ in range(2)]
    params[1][...] = params[0]
    states = [[np.zeros(shape, dtype) for _ in range(3)] for _ in range(2)]
    for step in range(1, 6):
        grad = normal(rng, tuple(shape), dtype)
        for k, param, (m, v, v_max) in zip((fast, reference), params, states):
            k.adam_step(param, grad, m, v, v_max if amsgrad else None, lr, *betas, 1e-8, step)
        close(params[0], params[1], dtype)
        for a, b in zip(states[0], states[1]):
            close(a, b, dtype)


# ---------------------------------------------------------------- backward_once = backward


def _layers(rng):
    """(a name, a function of x, x's shape): one per Function with a backward_once."""
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1)
    deconv = nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1, output_padding=1)
    dense = nn.Linear(12, 5)
    w = mg.tensor(rng.standard_normal((12, 4)), requires_grad=True)
    bn, inorm = nn.BatchNorm2d(2), nn.InstanceNorm2d(2, affine=True)
    ln = nn.LayerNorm((2, 3, 2))
    with mg.no_grad():  # an affine part that is not the identity
        for layer in (bn, inorm, ln):
            layer.weight.data[...] = rng.uniform(0.5, 2, layer.weight.shape)
            layer.bias.data[...] = rng.standard_normal(layer.bias.shape)
    return [("conv2d", conv, (4, 2, 5, 6)), ("conv_transpose2d", deconv, (4, 2, 3, 3)),
            ("linear", lambda x: dense(x.reshape(4, -1)), (4, 2, 3, 2)),
            ("matmul", lambda x: x.reshape(4, -1) @ w, (4, 2, 3, 2)),
            ("batched_matmul", lambda x: x.reshape(2, 2, -1) @ w, (4, 2, 3, 2)),
            ("reshape", lambda x: x.permute(1, 0, 2, 3).reshape(2, -1) * 3, (4, 2, 3, 2)),
            ("relu", lambda x: F.relu(x) * 2, (4, 2, 3, 2)),
            ("leaky_relu", lambda x: F.leaky_relu(x, 0.2) * 2, (4, 2, 3, 2)),
            ("batch_norm", bn, (4, 2, 3, 2)), ("instance_norm", inorm, (4, 2, 3, 2)),
            ("layer_norm", ln, (4, 2, 3, 2))], [w]


@pytest.mark.parametrize("kernel_name", ["fast", "reference"])
def test_backward_once_equals_the_differentiable_backward(kernel_name, float64):
    rng = np.random.default_rng(0)
    layers, extra = _layers(rng)
    with kernels.using(kernel_name):
        for name, layer, shape in layers:
            x = mg.tensor(rng.standard_normal(shape), requires_grad=True)
            leaves = [x] + extra + (list(layer.parameters()) if hasattr(layer, "parameters")
                                    else [])
            out = layer(x)
            weights = mg.tensor(rng.standard_normal(out.shape))
            loss = (out * weights).sum()
            once = mg.autograd.grad(loss, leaves, retain_graph=True, allow_unused=True)
            graph = mg.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
            for leaf, a, b in zip(leaves, once, graph):
                assert (a is None) == (b is None), name
                if a is not None:
                    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12,
                                               err_msg=f"{name}: gradient of shape {leaf.shape}")


@pytest.mark.parametrize("forward_set, backward_set", [("fast", "reference"),
                                                       ("reference", "fast")])
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_backward_after_the_kernels_changed_uses_what_its_forward_kept(
        forward_set, backward_set, create_graph, float64):
    # A convolution keeps its columns for the weight's gradient, in its own set's layout.
    rng = np.random.default_rng(1)
    conv, deconv = nn.Conv2d(2, 3, 3, stride=2, padding=1), nn.ConvTranspose2d(3, 2, 4, 2, 1)
    x = mg.tensor(rng.standard_normal((2, 2, 6, 5)), requires_grad=True)
    leaves = [x, conv.weight, deconv.weight]
    expected = None
    for switch in (False, True):
        with kernels.using(forward_set):
            loss = (deconv(F.leaky_relu(conv(x), 0.2)) ** 2).sum()
        with kernels.using(backward_set if switch else forward_set):
            grads = mg.autograd.grad(loss, leaves, create_graph=create_graph)
        grads = [g.numpy() for g in grads]
        if expected is None:
            expected = grads
        for a, b in zip(grads, expected):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
