"""The same engine on a GPU: CuPy results equal NumPy's, devices move and never mix silently.

Runs where CuPy sees a GPU, or on the CuPy stand-in (``MINIGAN_TEST_FAKE_GPU=1``, see
``tests/fake_cupy``); skipped otherwise.
"""
import numpy as np
import pytest

import minigan as mg
from minigan import autograd
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops import loss as L
from minigan.ops import math as M
from minigan.ops.dropout import dropout

pytestmark = pytest.mark.skipif(
    not mg.cuda_is_available(),
    reason="needs CuPy and a GPU, or the CuPy stand-in (MINIGAN_TEST_FAKE_GPU=1)")

RNG = np.random.default_rng(0)
X, W = RNG.normal(size=(4, 3)), RNG.normal(size=(3, 5))
INDEX = np.array([0, 2, 2, 3, 0])  # repeated rows: the scatter-add path (cupyx.scatter_add)

CASES = {
    # Constants are made on the input's device: like PyTorch, minigan does not move them.
    "mlp": lambda x, w: mg.tanh(x @ w).sum() + mg.sigmoid(x @ w).mean(),
    "logsumexp": lambda x, w: M.logsumexp(x @ w, axis=1).sum(),
    "max_var": lambda x, w: M.amax(x @ w, axis=0).sum() + M.var(x @ w),
    "max_min_along_a_dim": lambda x, w: ((x @ w).max(dim=1).values.sum()
                                         + (x @ w).min(0, keepdim=True).values.sum()),
    "index_concat": lambda x, w: (M.concat([x[on(x, INDEX)], x], axis=0) ** 2).sum() + w.sum(),
    "bce_with_logits": lambda x, w: L.bce_with_logits(x @ w, on(x, np.full((4, 5), 0.3))),
    "cross_entropy": lambda x, w: L.cross_entropy(x @ w, on(x, np.array([0, 4, 2, 1]))),
    "leaky_where": lambda x, w: M.where((x @ w).data > 0, mg.relu(x @ w),
                                        (x @ w).leaky_relu(0.2)).sum(),
}


def on(like, array):
    return mg.tensor(array, dtype=like.dtype if array.dtype.kind == "f" else None,
                     device=like.device)


def run_on(device, case):
    x = mg.tensor(X, dtype=np.float64, device=device, requires_grad=True)
    w = mg.tensor(W, dtype=np.float64, device=device, requires_grad=True)
    out = CASES[case](x, w)
    out.backward()
    assert out.device == x.grad.device == w.grad.device == device
    return out.numpy(), x.grad.numpy(), w.grad.numpy()


@pytest.mark.parametrize("case", sorted(CASES))
def test_cuda_matches_cpu_forward_and_backward(case):
    for cpu, cuda in zip(run_on("cpu", case), run_on("cuda", case)):
        np.testing.assert_allclose(cuda, cpu, rtol=1e-10, atol=1e-12)


def test_gradient_penalty_double_backward_on_cuda_matches_cpu():
    def penalty(device):
        x = mg.tensor(X, dtype=np.float64, device=device, requires_grad=True)
        w = mg.tensor(W, dtype=np.float64, device=device, requires_grad=True)
        g, = autograd.grad(mg.tanh(x @ w).sum(), x, create_graph=True)
        value = ((M.sqrt((g * g).sum(axis=1)) - 1.0) ** 2).mean()
        value.backward()
        return value.numpy(), w.grad.numpy()

    for cpu, cuda in zip(penalty("cpu"), penalty("cuda")):
        np.testing.assert_allclose(cuda, cpu, rtol=1e-10)


def test_gradcheck_and_gradgradcheck_run_on_cuda():
    x = mg.tensor(X[:2, :2], dtype=np.float64, device="cuda")
    w = mg.tensor(W[:2, :3], dtype=np.float64, device="cuda")
    assert gradcheck(lambda a, b: mg.tanh(a @ b), [x, w])
    assert gradgradcheck(lambda a, b: mg.sigmoid(a @ b), [x, w])


def test_to_cuda_and_back_keeps_values_and_passes_gradients_back():
    x = mg.tensor(X, requires_grad=True)
    on_gpu = x.to("cuda")
    assert on_gpu.device == "cuda" and on_gpu.dtype == np.float32
    back = (on_gpu * 2.0).cpu()
    assert back.device == "cpu"
    np.testing.assert_array_equal(back.numpy(), 2 * x.numpy())
    back.sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), np.full(X.shape, 2.0, np.float32))
    assert x.cuda().to("cuda", dtype=np.float64).dtype == np.float64


def test_mixing_devices_raises():
    a, b = mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0], device="cuda")
    with pytest.raises(RuntimeError, match="two devices|cpu.*cuda|cuda.*cpu"):
        a + b
    with pytest.raises(RuntimeError):
        b @ mg.zeros(2)
    with pytest.raises(RuntimeError):
        b + np.ones(2)  # a host array met a GPU tensor


def test_random_numbers_are_the_same_on_both_devices():
    mg.manual_seed(11)
    cpu = mg.randn(3, 4).numpy()
    mg.manual_seed(11)
    cuda = mg.randn(3, 4, device="cuda")
    assert cuda.device == "cuda"
    np.testing.assert_array_equal(cuda.numpy(), cpu)
    mg.manual_seed(11)
    cpu_mask = dropout(mg.ones(50), 0.5).numpy()
    mg.manual_seed(11)
    np.testing.assert_array_equal(dropout(mg.ones(50, device="cuda"), 0.5).numpy(), cpu_mask)


def test_default_device_cuda_puts_new_tensors_on_the_gpu():
    mg.set_default_device("cuda")  # the autouse fixture in conftest.py puts "cpu" back
    assert mg.zeros(2).device == "cuda"
    assert mg.tensor([1.0]).device == "cuda"
    assert mg.randn(2).device == "cuda"
