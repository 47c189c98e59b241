"""minigan.threads: the pool on which the fast kernels split convolutions' copies and products.

Splitting work must never change what is computed. The copies and adds of im2col and col2im
give bit-identical results however they are split; a matrix product cut into slabs of columns
may round its last bits differently (OpenBLAS's kernels for the edge columns add in another
order), so products are compared within float64 rounding. The thresholds are lowered here so
that the small shapes hypothesis draws are split too.
"""
import multiprocessing

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan import optim
from minigan.kernels import threads
from minigan.kernels import fast
from minigan.nn import functional as F
from minigan.ops.activation import leaky_relu
from minigan.kernels.batch_last import col2im as _col2im
from minigan.kernels.batch_last import host_size
from minigan.kernels.batch_last import im2col as _im2col
from minigan.ops.conv import conv2d, conv_transpose2d

# The fixture below only sets the pool up; nothing in it changes between drawn examples.
SPLIT = settings(max_examples=20, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])
needs_pool = pytest.mark.skipif(threads._blas is None,
                                reason="no OpenBLAS thread control here: the pool stays off")


@pytest.fixture
def split_everything(monkeypatch):
    """Split every loop and product, however small, over two threads."""
    monkeypatch.setattr(threads, "MIN_PARALLEL_WORK", 0)
    monkeypatch.setattr(fast, "MIN_PARALLEL_MACS", 0)
    monkeypatch.setattr(fast, "MIN_PARALLEL_SUM_MACS", 0)
    monkeypatch.setattr(threads, "FULLY_CONNECTED_AFTER", 1 << 62)  # the pool keeps the cores
    previous = threads.get_num_threads()
    threads.set_num_threads(2)
    yield
    threads.set_num_threads(previous)


def serially(fn):
    previous = threads.get_num_threads()
    threads.set_num_threads(1)
    try:
        return fn()
    finally:
        threads.set_num_threads(previous)


def test_parallel_for_covers_the_range_once_in_contiguous_parts(split_everything):
    seen = []
    threads.parallel_for(lambda lo, hi: seen.append((lo, hi)), 11, size=11)
    assert sorted(seen) == [(0, 5), (5, 11)] or not threads.pool_enabled()
    covered = np.zeros(11, int)
    for lo, hi in seen:
        covered[lo:hi] += 1
    assert (covered == 1).all()


def test_parallel_for_raises_a_failing_part(split_everything):
    def body(lo, hi):
        if lo > 0:
            raise RuntimeError(f"part {lo}..{hi} failed")
    with pytest.raises(RuntimeError, match="failed"):
        threads.parallel_for(body, 10, size=10)


def test_a_part_that_splits_again_runs_its_work_itself(split_everything):
    # A part may run on the pool's only worker: were it to hand work to the pool and wait, it
    # would wait for itself. So every part runs the work it splits again on its own thread.
    inner = []

    def outer(lo, hi):
        threads.parallel_for(lambda a, b: inner.append((lo, a, b)), 4, size=4)
    threads.parallel_for(outer, 2, size=2)
    assert sorted(inner) == ([(0, 0, 4), (1, 0, 4)] if threads.pool_enabled() else [(0, 0, 4)])


@needs_pool
def test_run_together_runs_the_other_on_a_pool_thread_and_keeps_the_order(split_everything):
    import threading

    def name(tag):
        return lambda: (tag, threading.current_thread().name)
    (first, here), (second, there) = threads.run_together(name("a"), name("b"), size=2)
    assert (first, second) == ("a", "b")
    assert here == threading.current_thread().name and there.startswith("minigan")
    serial = serially(lambda: threads.run_together(name("a"), name("b"), size=2))
    assert [thread for _, thread in serial] == [here, here]


def test_run_together_raises_a_failure_of_either(split_everything):
    def fail():
        raise RuntimeError("the second failed")
    with pytest.raises(RuntimeError, match="second failed"):
        threads.run_together(lambda: 1, fail, size=2)


@pytest.mark.parametrize("one_thread", [False, True])
def test_run_together_follow_up_covers_its_range_once_after_the_lead(split_everything, one_thread):
    import time
    covered = np.zeros(10, int)

    def first():
        time.sleep(0.01)  # the other thread is done first: it must wait for this result
        return 5

    def then(result, lo, hi):
        assert result == 5
        covered[lo:hi] += 1
    run = lambda: threads.run_together(first, lambda: "b", size=2, follow_up=then,  # noqa
                                       length=10)
    assert (serially(run) if one_thread else run()) == (5, "b")
    assert (covered == 1).all()


def test_run_together_skips_the_follow_up_when_the_lead_fails(split_everything):
    ran = []

    def first():
        raise RuntimeError("the first failed")
    with pytest.raises(RuntimeError, match="first failed"):
        threads.run_together(first, lambda: None, size=2,
                             follow_up=lambda r, lo, hi: ran.append(lo), length=4)
    assert ran == []


def test_work_of_size_zero_runs_on_the_calling_thread(split_everything):
    # The kernels pass size 0 for what is not a NumPy array: a device's arrays, parallel already.
    seen = []
    threads.parallel_for(lambda lo, hi: seen.append((lo, hi)), 8, size=host_size([0.0] * 8))
    assert seen == [(0, 8)]


def test_without_openblas_thread_control_everything_runs_on_the_calling_thread(monkeypatch):
    # Another BLAS (or another platform): its own threads would spin on the cores a pool of ours
    # wants, so minigan keeps out of their way.
    monkeypatch.setattr(threads, "_blas", None)
    monkeypatch.setattr(threads, "MIN_PARALLEL_WORK", 0)
    assert not threads.pool_enabled()
    seen = []
    threads.parallel_for(lambda lo, hi: seen.append((lo, hi)), 8, size=8)
    assert seen == [(0, 8)]
    a, b = np.arange(12.0).reshape(3, 4), np.arange(8.0).reshape(4, 2)
    np.testing.assert_array_equal(fast.matmul(a, b), a @ b)


def test_bad_thread_counts_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        threads.set_num_threads(0)


def test_top_level_names_follow_pytorch():
    previous = mg.get_num_threads()
    mg.set_num_threads(1)
    assert mg.get_num_threads() == threads.get_num_threads() == 1
    mg.set_num_threads(previous)


@needs_pool
def test_openblas_runs_single_threaded_inside_and_is_restored_after():
    before = threads._blas._get()
    with threads.blas_single_threaded():
        assert threads._blas._get() == 1
        with threads.blas_single_threaded():  # nesting keeps it at one
            assert threads._blas._get() == 1
        assert threads._blas._get() == 1
    assert threads._blas._get() == before


@pytest.fixture
def two_threads():
    previous = threads.get_num_threads()
    threads.set_num_threads(2)
    threads.note_convolution()
    yield
    threads.set_num_threads(previous)
    threads.note_convolution()


@needs_pool
def test_fully_connected_work_hands_products_to_openblas_and_the_rest_to_this_thread(
        two_threads, monkeypatch):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((64, 300)), rng.standard_normal((300, 200))
    for _ in range(threads.FULLY_CONNECTED_AFTER - 1):
        fast.matmul(a, b)
    assert not threads.blas_owns_the_cores()
    fast.matmul(a, b)
    assert threads.blas_owns_the_cores()
    seen = []
    threads.parallel_for(lambda lo, hi: seen.append((lo, hi)), 10, size=1 << 30)
    assert seen == [(0, 10)]  # not split: OpenBLAS's workers hold the other cores
    threads_inside = []
    real_matmul = np.matmul

    class Spy(np.ndarray):
        def __matmul__(self, other):
            threads_inside.append(threads._blas._get())
            return real_matmul(np.asarray(self), other)
    out = fast.matmul(a.view(Spy), b)
    assert threads_inside == [2]  # the product on OpenBLAS's threads, as many as minigan's
    np.testing.assert_allclose(np.asarray(out), a @ b, rtol=1e-12)


@needs_pool
def test_a_convolution_gives_the_cores_back_to_the_pool(two_threads):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((8, 8)), rng.standard_normal((8, 8))
    for _ in range(threads.FULLY_CONNECTED_AFTER):
        fast.matmul(a, b)
    assert threads.blas_owns_the_cores()
    conv2d(mg.tensor(rng.standard_normal((1, 1, 5, 5))), mg.tensor(rng.standard_normal((1, 1, 3, 3))))
    assert not threads.blas_owns_the_cores()
    threads.set_num_threads(1)
    for _ in range(threads.FULLY_CONNECTED_AFTER):
        fast.matmul(a, b)
    assert not threads.blas_owns_the_cores()  # one thread: there is no other core to give


@SPLIT
@given(m=st.integers(1, 40), k=st.integers(1, 40), n=st.integers(1, 40),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**32 - 1))
def test_split_matmul_equals_the_product(split_everything, m, k, n, dtype, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    # a bias of each kind: per row (a convolution's channels), per column (a linear layer's)
    add = rng.standard_normal([(m, 1), (1, n), (m, n)][seed % 3]).astype(dtype)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    out, biased = fast.matmul(a, b), fast.matmul(a, b, add=add)
    assert out.shape == biased.shape == (m, n) and out.dtype == biased.dtype == dtype
    eps = np.finfo(dtype).eps
    bound = k * eps * (np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64))
    assert (np.abs(out - exact) <= 2 * bound + eps).all()
    assert (np.abs(biased - (exact + add)) <= 2 * bound + 2 * eps * (1 + np.abs(add))).all()


def test_matmul_leaves_other_shapes_and_arrays_to_numpy():
    a = np.arange(24.0).reshape(2, 3, 4)
    b = np.arange(8.0).reshape(4, 2)
    np.testing.assert_array_equal(fast.matmul(a, b), a @ b)


@SPLIT
@given(n=st.integers(1, 3), c=st.integers(1, 5), h=st.integers(3, 8), k=st.integers(1, 3),
       s=st.integers(1, 2), p=st.integers(0, 2), seed=st.integers(0, 2**32 - 1))
def test_split_im2col_and_col2im_are_bit_identical(split_everything, n, c, h, k, s, p, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, h))
    split = _im2col(x, (k, k), (s, s), (p, p))
    serial = serially(lambda: _im2col(x, (k, k), (s, s), (p, p)))
    np.testing.assert_array_equal(split, serial)
    oh = (h + 2 * p - k) // s + 1
    cols = rng.standard_normal((c, k, k, oh, oh, n))
    args = ((k, k), (s, s), (p, p), (h, h))
    np.testing.assert_array_equal(_col2im(cols, *args), serially(lambda: _col2im(cols, *args)))
    bias = rng.standard_normal(c)
    with_bias = _col2im(cols, *args, bias)
    np.testing.assert_array_equal(with_bias, serially(lambda: _col2im(cols, *args, bias)))
    np.testing.assert_array_equal(with_bias, _col2im(cols, *args) + bias.reshape(-1, 1, 1, 1))


def test_parallel_map_splits_along_the_outermost_axis_in_memory(split_everything):
    batch_last = np.arange(2 * 3 * 4.0).reshape(3, 4, 2).transpose(2, 0, 1)  # (2, 3, 4) view
    out = np.empty_like(batch_last)
    shapes = []

    def double(x, out):
        shapes.append(x.shape)
        np.multiply(x, 2, out=out)
    threads.parallel_map(double, batch_last, out, size=out.size)
    np.testing.assert_array_equal(out, 2 * batch_last)
    assert sorted(shapes) == ([(2, 1, 4), (2, 2, 4)] if threads.pool_enabled() else [(2, 3, 4)])


@pytest.mark.parametrize("activation", [lambda x: leaky_relu(x, 0.2),
                                        lambda x: leaky_relu(x, 1.5), mg.relu],
                         ids=["leaky_relu", "leaky_relu_steep", "relu"])
def test_split_activations_are_bit_identical(split_everything, activation):
    rng = np.random.default_rng(0)
    x_np, g_np = rng.standard_normal((4, 6, 5, 5)), rng.standard_normal((4, 6, 5, 5))

    def run():
        x = mg.tensor(x_np, dtype=np.float64, requires_grad=True)
        y = activation(x)
        y.backward(mg.tensor(g_np, dtype=np.float64))
        return y.numpy(), x.grad.numpy()
    for split, serial in zip(run(), serially(run)):
        np.testing.assert_array_equal(split, serial)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_split_adam_steps_are_bit_identical(split_everything, amsgrad):
    def run():
        rng = np.random.default_rng(0)
        p = mg.nn.Parameter(mg.tensor(rng.standard_normal((30, 7)).astype(np.float32)))
        opt = optim.Adam([p], lr=1e-2, betas=(0.5, 0.999), amsgrad=amsgrad)
        for _ in range(3):
            p.grad = mg.tensor(rng.standard_normal((30, 7)).astype(np.float32))
            opt.step()
        return p.numpy()
    np.testing.assert_array_equal(run(), serially(run))


@pytest.mark.parametrize("norm", ["batch", "instance", "layer"])
@pytest.mark.parametrize("batch_last", [False, True])
def test_split_normalisation_equals_serial(split_everything, norm, batch_last):
    # Each slab of channels (or of images) is standardised on its own thread; its sums run over
    # the same numbers as unsplit, possibly in another order, so: equal within float64 rounding.
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((6, 5, 4, 3)) * 3 + 1
    if batch_last:  # a convolution's output: (N, C, H, W) over (C, H, W, N) memory
        x_np = np.ascontiguousarray(x_np.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    g_np = rng.standard_normal(x_np.shape)
    w_np, b_np = rng.standard_normal(5), rng.standard_normal(5)

    def run():
        x = mg.tensor(x_np, dtype=np.float64, requires_grad=True)
        w = mg.tensor(w_np, dtype=np.float64, requires_grad=True)
        b = mg.tensor(b_np, dtype=np.float64, requires_grad=True)
        running = [mg.zeros(5, dtype=np.float64), mg.ones(5, dtype=np.float64)]
        if norm == "batch":
            y = F.batch_norm(x, *running, w, b, training=True)
        elif norm == "instance":
            y = F.instance_norm(x, *running, w, b)
        else:
            y = F.layer_norm(x, (4, 3))
        y.backward(mg.tensor(g_np, dtype=np.float64))
        grads = [t.grad.numpy() for t in (x, w, b) if t.grad is not None]
        return [y.numpy()] + grads + [r.numpy() for r in running]
    for split, serial in zip(run(), serially(run)):
        np.testing.assert_allclose(split, serial, rtol=1e-12, atol=1e-12)


def _conv_pair(x, w):
    x = mg.tensor(x, dtype=np.float64, requires_grad=True)
    w = mg.tensor(w, dtype=np.float64, requires_grad=True)
    y = conv2d(x, w, stride=2, padding=1)
    z = conv_transpose2d(y, w, stride=2, padding=1, output_padding=1)
    (z * z).sum().backward()
    return y.numpy(), z.numpy(), x.grad.numpy(), w.grad.numpy()


def test_split_convolutions_and_gradients_equal_serial_ones(split_everything):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 6, 9, 9)), rng.standard_normal((5, 6, 4, 4))
    for split, serial in zip(_conv_pair(x, w), serially(lambda: _conv_pair(x, w))):
        np.testing.assert_allclose(split, serial, rtol=1e-12, atol=1e-12)


def _convolve_in_child(queue):
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.standard_normal((2, 3, 8, 8)))
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)))
    queue.put(float(conv2d(x, w, padding=1).sum().item()))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="fork is not available here")
def test_a_forked_child_can_still_split_work(split_everything):
    # The parent starts its pool first: a child forked after that inherits the pool object but
    # none of its threads, and must not wait on them.
    conv2d(mg.tensor(np.ones((2, 3, 8, 8))), mg.tensor(np.ones((4, 3, 3, 3))), padding=1)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_convolve_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0, "the forked child hung or failed"
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((4, 3, 3, 3))
    expected = float(conv2d(mg.tensor(x), mg.tensor(w), padding=1).sum().item())
    assert queue.get(timeout=5) == pytest.approx(expected, rel=1e-12)
