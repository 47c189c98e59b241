"""CPU threads for minigan's array work: matrix products, convolutions' copies and adds, and the
multi-pass elementwise steps (activations, normalisation, Adam).

NumPy hands a matrix product to its BLAS, which spreads it over the cores, but it runs everything
else on one core: the strided copies of im2col, the overlapping adds of col2im. Those loops
release the GIL, so a small pool of threads can run parts of them at once, as PyTorch's
intra-op threads do.

Two thread pools on one machine fight, though. After each product OpenBLAS's workers spin for a
while, waiting for the next one, and they hold the other cores while our threads want them: a
split col2im right after a product measured no faster than a serial one. So minigan runs every
matrix product of its own with OpenBLAS set to one thread, and splits the large ones over its own
pool instead (each part an independent product, see :func:`matmul`). One pool then owns the
cores, and OpenBLAS's workers sleep.

That needs OpenBLAS's thread control, found among the libraries NumPy loaded. Where there is none
(another BLAS, another platform) the pool stays off, everything runs on the calling thread and
the BLAS keeps its own threads: slower than it could be, never wrong.

    from minigan import threads
    threads.set_num_threads(1)     # everything on the calling thread (like torch.set_num_threads)
    threads.get_num_threads()      # the default: the cores this process may use, or the
                                   # MINIGAN_NUM_THREADS environment variable
    threads.matmul(a, b)           # a @ b for 2-D NumPy arrays
    threads.parallel_for(body, n, like)   # body(lo, hi) over parts of range(n), at once
    threads.parallel_map(fn, x, out)      # fn on matching slabs of same-shaped arrays
    threads.run_together(f, g, like)      # (f(), g()), the two at once

Only NumPy arrays are split: CuPy's kernels are parallel on the GPU already.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy

# Handing a part to another thread and collecting it back costs about 0.1 ms here, so work is
# split only when its half saves more than that: an array of 2^16 elements or more (256 KiB of
# float32; below 2^18 that is mostly Adam's updates of 128x64x4x4 kernels, whose dozen passes
# pay for it: 0.3-0.5 ms faster per DCGAN step than from 2^18), or a matrix product of
# 2^23 multiply-adds (the DCGAN's first convolution, 12.8M with a 3 MiB result: 0.2-0.7 ms
# faster per step split, once its bias was added inside the slabs).
MIN_PARALLEL_WORK = 1 << 16
MIN_PARALLEL_MACS = 1 << 23
# A product split along its sum reads half of each operand per thread, not all of one: it pays
# from 2^22 multiply-adds (D's first-layer weight gradient, 12.8M: 0.56 -> 0.43 ms).
MIN_PARALLEL_SUM_MACS = 1 << 22


class _OpenBLASThreads:
    """OpenBLAS's get/set_num_threads, from the copy of OpenBLAS this process has loaded."""

    _PREFIXES_AND_SUFFIXES = (("scipy_openblas", "64_"), ("scipy_openblas", ""),
                              ("openblas", "64_"), ("openblas", ""))
    _PTHREADS = 1  # openblas_get_parallel(): 0 sequential, 1 its own threads, 2 OpenMP

    def __init__(self, get, set_):
        self._get, self._set = get, set_
        self._lock = threading.Lock()
        self._depth = 0    # nested or concurrent users of single_threaded()
        self._saved = 1

    @classmethod
    def find(cls):
        """The controls of NumPy's OpenBLAS, or None. Linux lists loaded libraries in
        /proc/self/maps; elsewhere minigan does not look (and its pool stays off)."""
        try:
            with open("/proc/self/maps") as maps:
                paths = {line.split()[-1] for line in maps
                         if "openblas" in line.rsplit("/", 1)[-1].lower()}
        except OSError:
            return None
        for path in sorted(paths, key=lambda p: "numpy" not in p):  # NumPy's own copy first
            try:
                library = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix, suffix in cls._PREFIXES_AND_SUFFIXES:
                get, set_, parallel = (getattr(library, f"{prefix}_{name}{suffix}", None)
                                       for name in ("get_num_threads", "set_num_threads",
                                                    "get_parallel"))
                if get is None or set_ is None or parallel is None:
                    continue
                get.restype, get.argtypes = ctypes.c_int, []
                set_.restype, set_.argtypes = None, [ctypes.c_int]
                parallel.restype, parallel.argtypes = ctypes.c_int, []
                # Only OpenBLAS's own (pthreads) threading is safe to turn down and up while
                # other threads may be multiplying: the OpenMP build frees buffers on the way.
                return cls(get, set_) if parallel() == cls._PTHREADS else None
        return None

    @contextlib.contextmanager
    def single_threaded(self):
        """OpenBLAS on one thread inside the block (then back to its setting before)."""
        with self._lock:
            if self._depth == 0:
                self._saved = self._get()
                if self._saved != 1:
                    self._set(1)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._saved != 1:
                    self._set(self._saved)


def _default_num_threads() -> int:
    configured = os.environ.get("MINIGAN_NUM_THREADS")
    if configured:
        return _checked(int(configured))
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _checked(n: int) -> int:
    if n < 1:
        raise ValueError(f"minigan.threads: the number of threads must be at least 1, got {n}")
    return n


_blas = _OpenBLASThreads.find() if sys.platform.startswith("linux") else None
_num_threads = _default_num_threads()
_pool: ThreadPoolExecutor | None = None


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (the calling one included) for the work this module splits."""
    global _num_threads, _pool
    _num_threads = _checked(int(n))
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None


def get_num_threads() -> int:
    return _num_threads


def pool_enabled() -> bool:
    """Does minigan split work over its own threads here? It needs more than one thread and
    OpenBLAS's thread control (to keep OpenBLAS's workers off our cores); without them
    everything runs on the calling thread."""
    return _num_threads > 1 and _blas is not None


def _workers() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_num_threads - 1, thread_name_prefix="minigan")
    return _pool


def _forget_pool_after_fork() -> None:
    # A forked child has the pool object but none of its threads: work sent to it would wait
    # forever. The child starts its own pool when it first needs one.
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def parallel_for(body, length: int, like) -> None:
    """Run ``body(lo, hi)`` over contiguous parts that cover ``range(length)``.

    ``body`` must write disjoint outputs for disjoint ranges, and release the GIL (NumPy's
    copies and ufuncs on large arrays do). ``like`` is the largest array the loop writes: when
    it is a NumPy array big enough to pay for the hand-off, the parts run at once on up to
    :func:`get_num_threads` threads; otherwise (CuPy arrays included: the GPU is parallel
    already) ``body(0, length)`` runs on the calling thread. An exception in any part is raised
    here.
    """
    if not isinstance(like, numpy.ndarray) or like.size < MIN_PARALLEL_WORK:
        body(0, length)
    else:
        _split(body, length)


_in_part = threading.local()


def _split(body, length: int) -> None:
    """``body`` over parts of ``range(length)``, one per thread, the first on this one."""
    parts = min(_num_threads, length)
    if parts < 2 or not pool_enabled() or getattr(_in_part, "active", False):
        body(0, length)  # (a part that splits its own work again runs it itself: no deadlock)
        return
    bounds = [length * k // parts for k in range(parts + 1)]
    pending = [_workers().submit(_run_part, body, lo, hi)
               for lo, hi in zip(bounds[1:-1], bounds[2:])]
    try:
        _run_part(body, bounds[0], bounds[1])
    finally:
        for future in pending:  # never leave a part running on arrays the caller may free;
            future.exception()  # (lighter than concurrent.futures.wait: 0.6-1.1 ms per step)
    for future in pending:
        future.result()


def _run_part(body, lo, hi):
    _in_part.active = True
    try:
        body(lo, hi)
    finally:
        _in_part.active = False


def run_together(first, second, like, then=None, length=0):
    """``(first(), second())``, run at once: ``second`` on a pool thread while ``first`` runs
    here, each whole on its own core (work inside them is not split again).

    For two independent pieces of work of about the same size, a convolution's input and weight
    gradients: one hand-off instead of one per piece, and a product on one thread wastes nothing
    at slab edges (measured 0.8-1.0 ms faster per DCGAN step than splitting each product in
    turn). ``like`` decides as in :func:`parallel_for`; otherwise they run one after the other.

    ``then(first_result, lo, hi)``, if given, is work over ``range(length)`` that needs first's
    result (the col2im after a product): this thread starts on it as soon as ``first`` returns,
    and the other joins when ``second`` is done, each taking a quarter at a time until none is
    left. So whichever piece is longer, neither thread waits long for the other.
    """
    results, failed = [None, None], []
    first_done = threading.Event()
    taken, lock = [0], threading.Lock()
    step = -(-length // 4)  # quarters: eighths measured slower (smaller copies, more GIL hand-offs)

    def share_then():
        while not failed:
            with lock:
                lo = taken[0]
                if lo >= length:
                    return
                taken[0] = hi = min(length, lo + step)
            then(results[0], lo, hi)

    def body(lo, hi):
        for i in range(lo, hi):
            if i == 0:
                try:
                    results[0] = first()
                except BaseException:
                    failed.append(True)
                    raise
                finally:
                    first_done.set()  # the other thread must not wait for a result that failed
            else:
                results[1] = second()
            if then is not None:
                first_done.wait()
                share_then()
    parallel_for(body, 2, like)
    return tuple(results)


def parallel_map(fn, *arrays) -> None:
    """``fn(*parts)`` on matching parts of same-shaped arrays, at once on the threads. The parts
    are slabs along the axis outermost in the first array's memory, so each is one block of it;
    ``fn`` writes its results into the parts of arrays passed here."""
    first = arrays[0]
    if not isinstance(first, numpy.ndarray) or first.ndim == 0:
        fn(*arrays)
        return
    axis = max(range(first.ndim), key=lambda i: first.strides[i] if first.shape[i] > 1 else -1)

    def slabs(lo, hi):
        where = (slice(None),) * axis + (slice(lo, hi),)
        fn(*(a[where] for a in arrays))
    parallel_for(slabs, first.shape[axis], like=first)


def matmul(a, b, add=None):
    """``a @ b (+ add)`` for 2-D arrays; ``add`` (a bias) broadcasts against the result, and is
    added to each part of it while that part is still in the cache. NumPy arrays run with
    OpenBLAS on one thread, and a large product is shared between the threads in one of two
    ways:

    * a result at least 16 times smaller than its operands (a weight gradient: a (out,
      in*kh*kw) matrix summed over every position of every image) is split along the sum: each
      thread multiplies a slab of a's columns by the matching slab of b's rows, and the partial
      products are added (measured 12-20% faster here for such shapes than splitting the
      result; a convolution's forward, 8 times smaller, is a little faster split the other way);
      its longer side is the result's rows (OpenBLAS sums a first convolution's weight
      gradient in 0.39 ms that way, 0.49 the other);
    * otherwise each thread computes a slab of the result's columns, or of its rows when it is
      tall and narrow (a linear layer's weight gradient: columns would be too thin).
    """
    if (_blas is None or not isinstance(a, numpy.ndarray) or not isinstance(b, numpy.ndarray)
            or a.ndim != 2 or b.ndim != 2):
        return _plus(a @ b, add)
    m, k = a.shape
    n = b.shape[1]
    if k == 1:  # an outer product: one multiplication per entry, no sums, and no BLAS call
        return _plus(a * b, add)
    with _blas.single_threaded():
        split_sum = 16 * m * n <= k * (m + n) and k >= _num_threads
        if _num_threads < 2 or m * k * n < (MIN_PARALLEL_SUM_MACS if split_sum
                                            else MIN_PARALLEL_MACS):
            return _plus(a @ b, add)
        if split_sum and n > m:
            return matmul(b.T, a.T, None if add is None else add.T).T
        if split_sum:
            partial = {}

            def sum_slab(lo, hi):
                partial[lo] = a[:, lo:hi] @ b[lo:hi]
            _split(sum_slab, k)
            first, *rest = (partial[lo] for lo in sorted(partial))  # a fixed order of adding
            for part in rest:
                first += part
            return _plus(first, add)
        out = numpy.empty((m, n), dtype=numpy.result_type(a, b))
        by_rows = m > 4 * n
        axis = 0 if by_rows else 1
        add_varies = add is not None and numpy.ndim(add) == 2 and numpy.shape(add)[axis] > 1

        def slab(lo, hi):
            rows, columns = (slice(lo, hi), slice(None)) if by_rows else (slice(None),
                                                                          slice(lo, hi))
            part = out[rows, columns]
            numpy.matmul(a[rows], b[:, columns], out=part)
            if add is not None:
                part += add[rows, columns] if add_varies else add
        _split(slab, out.shape[axis])
        return out


def _plus(product, add):
    if add is not None:
        product += add
    return product
