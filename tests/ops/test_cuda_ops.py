"""Every operation gives on "cuda" what it gives on "cpu": its forward, its backward and the
backward of its backward (the graph WGAN-GP differentiates), from the same inputs and seeds.

The cases below cover every Function in ``minigan/ops`` (a test checks that none is missing).
They run on a GPU, or on the CuPy stand-in with ``MINIGAN_TEST_FAKE_GPU=1``; there NumPy
computes underneath, so only a path that leaves the device (or refuses it) can differ.
"""
import inspect

import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan import autograd
from minigan.autograd import Function
from minigan.ops import activation as A
from minigan.ops import conv as C
from minigan.ops import dropout as D
from minigan.ops import linear as Lin
from minigan.ops import loss as L
from minigan.ops import math as M
from minigan.ops import norm as N
from minigan.ops import pad as P
from minigan.ops import pool as Pool

pytestmark = pytest.mark.skipif(
    not mg.cuda_is_available(),
    reason="needs CuPy and a GPU, or the CuPy stand-in (MINIGAN_TEST_FAKE_GPU=1)")

_rng = np.random.default_rng(0)


def normal(*shape):
    return _rng.normal(size=shape)


def positive(*shape):
    return _rng.uniform(0.5, 2.0, size=shape)


def distinct(*shape):  # no ties, so max/min and their gradients are the same on both devices
    return _rng.permutation(np.prod(shape)).reshape(shape) / 7.0 - 1.0


IMAGES, KERNELS = normal(2, 3, 6, 6), normal(4, 3, 3, 3)
LABELS = np.array([0, 3, 2, 1, 3])
INDEX = np.array([0, 2, 2, 1, 0])  # repeated rows: the backward's scatter-add

# name -> (function of Tensors, inputs). Float inputs become float64 leaves that require grad;
# integer and boolean ones pass as they are (labels, indices, masks).
CASES = {
    "add_broadcast": (lambda a, b: a + b, [normal(3, 4), normal(4)]),
    "sub_mul_div": (lambda a, b: (a - b) * a / b, [normal(3, 4), positive(3, 1)]),
    "neg_and_scalars": (lambda a: 2.0 - (-a) * 3.0 + 1.0 / (a * a + 1.0), [normal(5)]),
    "pow_scalar": (lambda a: a ** 3 + a ** 2, [normal(2, 3)]),
    "pow_tensor": (lambda a, b: a ** b, [positive(2, 3), normal(2, 3)]),
    "exp_log_sqrt": (lambda a: M.exp(a) + M.log(a) + M.sqrt(a), [positive(3, 3)]),
    "abs": (lambda a: M.abs(a) * a, [normal(4, 2)]),
    "maximum_minimum": (lambda a, b: M.maximum(a, b) + M.minimum(a, b) * a,
                        [distinct(3, 4), distinct(3, 4)[::-1].copy()]),
    "clip": (lambda a: M.clip(a, -0.5, 0.7) * a, [distinct(4, 4)]),
    "matmul": (lambda a, b: a @ b, [normal(3, 4), normal(4, 5)]),
    "matmul_batched": (lambda a, b: M.matmul(a, b), [normal(2, 3, 4), normal(2, 4, 2)]),
    "matmul_vector": (lambda a, b: a @ b, [normal(3, 4), normal(4)]),
    "sum_mean_axes": (lambda a: a.sum(axis=0) * a.mean(axis=(0, 2), keepdims=True).sum(),
                      [normal(2, 3, 4)]),
    "var_std": (lambda a: M.var(a, axis=1) + M.std(a, axis=0).sum(), [normal(4, 5)]),
    "max_min": (lambda a: M.amax(a, axis=1) * M.amin(a, axis=0).sum() + M.max(a)
                + M.max(a, dim=0).values.sum() + M.min(a, dim=1).values.sum(),
                [distinct(3, 4)]),
    "logsumexp_softmax": (lambda a: M.logsumexp(a, axis=1) + M.softmax(a, axis=1)[:, 0]
                          + M.log_softmax(a, axis=1)[:, 1], [normal(3, 4)]),
    "shapes": (lambda a: M.permute(M.reshape(a, (2, 3, 4)), (2, 0, 1)).flatten()[None]
               .transpose(0, 1).squeeze(1).unsqueeze(0) * 2.0, [normal(6, 4)]),
    "broadcast_to_sum_to": (lambda a: M.broadcast_to(a, (3, 2, 4)) * 2.0 + M.sum_to(
        M.broadcast_to(a, (3, 2, 4)), (1, 4)), [normal(2, 4)]),
    "getitem_basic": (lambda a: a[1:, ::2] * a[0, 1], [normal(3, 5)]),
    "getitem_repeated_rows": (lambda a, i: a[i] * 3.0, [normal(3, 2), INDEX]),
    "getitem_host_index": (lambda a: a[INDEX, ::-1] * 3.0, [normal(3, 2)]),
    "getitem_mask": (lambda a, m: a[m], [normal(6), np.array([1, 0, 1, 1, 0, 1], bool)]),
    "concat_stack": (lambda a, b: M.concat([a, b], axis=1)
                     * M.stack([b, a], axis=2).sum(2)[:, [0, 1, 2, 0, 1, 2]],
                     [normal(2, 3), normal(2, 3)]),
    "where": (lambda a, b, m: M.where(m, a, b), [normal(2, 3), normal(2, 3),
                                                 np.array([[1, 0, 1], [0, 1, 1]], bool)]),
    "dtype_change": (lambda a: a.to(dtype=np.float32).to(dtype=np.float64) * a, [normal(3)]),
    "relu_leaky": (lambda a: A.relu(a) + A.leaky_relu(a, 0.2) * a, [distinct(3, 4)]),
    "tanh_sigmoid": (lambda a: A.tanh(a) * A.sigmoid(a), [normal(3, 4)]),
    "softplus_log_sigmoid": (lambda a: A.softplus(a) + A.log_sigmoid(a), [normal(3, 4)]),
    "linear": (lambda x, w, b: Lin.linear(x, w, b), [normal(5, 4), normal(3, 4), normal(3)]),
    "linear_no_bias": (lambda x, w: Lin.linear(x, w), [normal(5, 4), normal(3, 4)]),
    "bce_with_logits": (lambda x, y: L.bce_with_logits(x, y), [normal(4, 2),
                                                              _rng.uniform(size=(4, 2))]),
    "bce": (lambda p, y: L.bce(p, y), [_rng.uniform(0.1, 0.9, (6,)), _rng.uniform(size=6)]),
    "mse_l1": (lambda x, y: L.mse(x, y) + L.l1(x, y, reduction="sum"),
               [normal(3, 4), normal(3, 4)]),
    "cross_entropy_labels": (lambda x, y: L.cross_entropy(x, y), [normal(5, 4), LABELS]),
    "embedding": (lambda w, i: F.embedding(i, w) * 2.0, [normal(4, 3), INDEX]),
    "cross_entropy_probabilities": (lambda x, y: L.cross_entropy(x, M.softmax(y, axis=1)),
                                    [normal(5, 4), normal(5, 4)]),
    "conv2d": (lambda x, w, b: C.conv2d(x, w, b, stride=2, padding=1),
               [IMAGES, KERNELS, normal(4)]),
    "conv2d_no_bias": (lambda x, w: C.conv2d(x, w, padding=(0, 1)), [IMAGES, KERNELS]),
    "conv_transpose2d": (lambda x, w, b: C.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                            output_padding=1),
                         [normal(2, 4, 3, 3), normal(4, 2, 3, 3), normal(2)]),
    "batch_norm_training": (lambda x, w, b: N.batch_norm(x, None, None, w, b, training=True),
                            [IMAGES, positive(3), normal(3)]),
    "batch_norm_eval": (lambda x, m, v, w, b: N.batch_norm(x, m, v, w, b, training=False),
                        [IMAGES, normal(3), positive(3), positive(3), normal(3)]),
    "instance_norm": (lambda x, w, b: N.instance_norm(x, weight=w, bias=b),
                      [IMAGES, positive(3), normal(3)]),
    "layer_norm": (lambda x, w, b: N.layer_norm(x, (6, 6), w, b),
                   [IMAGES, positive(6, 6), normal(6, 6)]),
    "pad_constant": (lambda x: P.pad(x, (1, 2, 0, 1), value=0.5) * 2.0, [IMAGES]),
    "pad_crop": (lambda x: P.pad(x, (-1, 1, 1, -2)) * 2.0, [IMAGES]),
    "pad_reflect": (lambda x: P.pad(x, (2, 1, 1, 2), mode="reflect") ** 2, [IMAGES]),
    "avg_pool2d": (lambda x: Pool.avg_pool2d(x, 3, stride=2, padding=1) ** 2, [IMAGES]),
    "upsample": (lambda x: Pool.upsample(x, scale_factor=2) ** 2, [IMAGES]),
    "dropout": (lambda x: D.dropout(x, 0.4) ** 2, [normal(6, 5)]),
}


def _tensors(inputs, device):
    return [mg.tensor(a, dtype=np.float64, device=device, requires_grad=True)
            if a.dtype.kind == "f" else mg.tensor(a, device=device) for a in inputs]


def run_case(name, device):
    """The output; its gradients by the fast first-order backward (no graph recorded) and by
    the recorded one; and the gradients of the sum of the squared gradients (a double
    backward): all as Tensors, with the Function types met on the way."""
    fn, inputs = CASES[name]
    seed = mg.tensor(np.random.default_rng(1).normal(size=fn(*_tensors(inputs, "cpu")).shape),
                     dtype=np.float64, device=device)

    def forward():
        mg.manual_seed(5)  # dropout draws its mask here: the same on both devices
        tensors = _tensors(inputs, device)
        return [t for t in tensors if t.requires_grad], fn(*tensors)

    leaves, out = forward()
    fast = autograd.grad(out, leaves, grad_outputs=seed, allow_unused=True)
    leaves, out = forward()
    grads = autograd.grad(out, leaves, grad_outputs=seed, create_graph=True, allow_unused=True)
    used = [(t, g) for t, g in zip(leaves, grads) if g is not None and g.requires_grad]
    second_order = sum((g * g).sum() for _, g in used) if used else None
    # retain_graph: the graph is walked below to see which Functions ran.
    seconds = (autograd.grad(second_order, [t for t, _ in used], allow_unused=True,
                             retain_graph=True)
               if second_order is not None else ())
    results = [t for t in (out, *fast, *grads, *seconds) if t is not None]
    for t in results:
        assert t.device == device, f"{name}: a result on {t.device}, not {device}"
    roots = [out] + [g for _, g in used] + ([second_order] if second_order is not None else [])
    return results, _function_types(roots)


def _function_types(roots) -> set:
    seen, types, stack = set(), set(), list(roots)
    while stack:
        t = stack.pop()
        if t is None or id(t) in seen or t.grad_fn is None:
            continue
        seen.add(id(t))
        types.add(type(t.grad_fn))
        stack.extend(t.grad_fn.inputs)
    return types


@pytest.mark.parametrize("name", sorted(CASES))
def test_cuda_matches_cpu_forward_backward_and_double_backward(name, fake_cupy):
    cpu = [t.numpy() for t in run_case(name, "cpu")[0]]
    fake_cupy.TRANSFERS.clear()
    cuda, _ = run_case(name, "cuda")
    if fake_cupy.installed():  # the CuPy stand-in counts copies: computing made none
        assert fake_cupy.TRANSFERS.to_host == []
    assert len(cpu) == len(cuda)
    for i, (a, b) in enumerate(zip(cpu, cuda)):
        np.testing.assert_allclose(b.numpy(), a, rtol=1e-10, atol=1e-12,
                                   err_msg=f"{name}, result {i}")


def test_the_cuda_cases_meet_every_function_in_minigan_ops():
    every = {cls for module in (A, C, D, Lin, L, M, N, P, Pool)
             for _, cls in inspect.getmembers(module, inspect.isclass)
             if issubclass(cls, Function) and cls is not Function
             and cls.__module__ == module.__name__
             and "forward" in vars(cls)}  # (not a shared base such as _PiecewiseLinear)
    met = set()
    for name in CASES:
        met |= run_case(name, "cuda")[1]
    missing = sorted(cls.__name__ for cls in every - met)
    assert not missing, f"no cuda case runs {missing}"


def test_dropout_masks_repeat_with_the_seed_on_cuda():
    masks = []
    for seed in (3, 3, 4):
        mg.manual_seed(seed)
        masks.append(D.dropout(mg.ones(200, device="cuda"), 0.5).numpy())
    assert np.array_equal(masks[0], masks[1]) and not np.array_equal(masks[0], masks[2])


def test_batch_norm_running_statistics_update_on_cuda_as_on_cpu():
    stats = {}
    for device in ("cpu", "cuda"):
        x = mg.tensor(IMAGES, dtype=np.float64, device=device)
        mean, var = mg.zeros(3, dtype=np.float64, device=device), mg.ones(3, dtype=np.float64,
                                                                          device=device)
        N.batch_norm(x, mean, var, training=True, momentum=0.3)
        assert mean.device == var.device == device
        stats[device] = (mean.numpy(), var.numpy())
    for a, b in zip(stats["cpu"], stats["cuda"]):
        np.testing.assert_allclose(b, a, rtol=1e-12)


def test_indices_on_cuda_are_not_read_back_and_those_out_of_range_give_nan(fake_cupy):
    weight, logits = mg.randn(4, 3, device="cuda"), mg.randn(3, 4, device="cuda")
    labels = mg.tensor([0, 3, 4], device="cuda")  # 4 is out of range
    fake_cupy.TRANSFERS.clear()
    rows = F.embedding(labels, weight)
    losses = L.cross_entropy(logits, labels, reduction="none")
    if fake_cupy.installed():  # reading the labels back would stop a GPU at every call
        assert fake_cupy.TRANSFERS.to_host == []
    rows, losses = rows.numpy(), losses.numpy()
    assert np.isnan(rows[2]).all() and np.isnan(losses[2])
    np.testing.assert_array_equal(rows[:2], weight.numpy()[[0, 3]])
    assert np.isfinite(losses[:2]).all()


def test_indices_from_the_host_are_checked_there_for_a_cuda_table():
    weight, logits = mg.randn(4, 3, device="cuda"), mg.randn(2, 4, device="cuda")
    with pytest.raises(IndexError, match=r"\[0, 4\), got values from 0 to 4"):
        F.embedding(np.array([0, 4]), weight)
    with pytest.raises(ValueError, match=r"\[0, 4\), got -1 to 2"):
        L.cross_entropy(logits, [2, -1])
    assert F.embedding([3, 1], weight).device == "cuda"
    with pytest.raises(RuntimeError, match="two devices"):  # GPU indices, a table on the host
        F.embedding(mg.tensor([0, 1], device="cuda"), mg.randn(4, 3))
    with pytest.raises(RuntimeError, match="two devices"):
        L.cross_entropy(mg.randn(2, 4), mg.tensor([0, 1], device="cuda"))
