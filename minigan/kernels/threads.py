"""CPU threads for the fast kernels' array work: the copies and adds of a convolution, the large
matrix products, and the multi-pass elementwise steps (activations, normalisation, Adam).

NumPy hands a matrix product to its BLAS, which spreads it over the cores, but it runs everything
else on one core: the strided copies of im2col, the overlapping adds of col2im. Those loops
release the GIL, so a small pool of threads can run parts of them at once, as PyTorch's
intra-op threads do.

Two thread pools on one machine fight, though. After each product OpenBLAS's workers spin for a
while, waiting for the next one, and they hold the other cores while our threads want them: a
split col2im right after a product measured no faster than a serial one. So one pool owns the
cores at a time. In convolutional work it is this one: the fast kernels run every matrix product
with OpenBLAS set to one thread (:func:`blas_single_threaded`), split the large ones over this
pool, and OpenBLAS's workers sleep. In fully connected work, whose short products this pool's
hand-offs would slow, OpenBLAS's threads own the cores (:func:`blas_owns_the_cores`).

That needs OpenBLAS's thread control, found among the libraries NumPy loaded. Where there is none
(another BLAS, another platform) the pool stays off, everything runs on the calling thread and
the BLAS keeps its own threads: slower than it could be, never wrong.

    from minigan import threads
    threads.set_num_threads(1)     # everything on the calling thread (like torch.set_num_threads)
    threads.get_num_threads()      # the default: the cores this process may use, or the
                                   # MINIGAN_NUM_THREADS environment variable
    threads.parallel_for(body, n, size)   # body(lo, hi) over parts of range(n), at once
    threads.parallel_map(fn, x, out, size=...)  # fn on matching slabs of same-shaped arrays
    threads.run_together(f, g, size)      # (f(), g()), the two at once

``size`` is the number of elements the work writes: work is split only when that pays for the
hand-off. This module never looks at what the arrays are: the kernels pass ``size=0`` for
device arrays (the GPU is parallel already; see :mod:`minigan.kernels.fast`).
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

# Handing a part to another thread and collecting it back costs about 0.1 ms, so work is split
# only when its half saves more than that: from 2^16 elements (how the threshold was chosen is
# in benchmarks/README.md, "Thresholds").
MIN_PARALLEL_WORK = 1 << 16


class _OpenBLASThreads:
    """OpenBLAS's get/set_num_threads, from the copy of OpenBLAS this process has loaded."""

    _PREFIXES_AND_SUFFIXES = (("scipy_openblas", "64_"), ("scipy_openblas", ""),
                              ("openblas", "64_"), ("openblas", ""))
    _PTHREADS = 1  # openblas_get_parallel(): 0 sequential, 1 its own threads, 2 OpenMP

    def __init__(self, get, set_):
        self._get, self._set = get, set_
        self._lock = threading.Lock()
        self._depth = 0    # nested or concurrent users of limited_to()
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
    def limited_to(self, n: int):
        """OpenBLAS on ``n`` threads inside the block (then back to its setting before). Blocks
        may run at once on several threads, as long as they all ask for the same ``n``."""
        with self._lock:
            if self._depth == 0:
                self._saved = self._get()
                if self._saved != n:
                    self._set(n)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._saved != n:
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


# ---------------------------------------------------------------- who owns the other cores
#
# A fully connected GAN at batch 64 multiplies (64, 1024) by (1024, 784) matrices: products of
# half a millisecond, where this pool's hand-off (about 0.1 ms) costs a fifth of the product.
# OpenBLAS's own threads split such a product for almost nothing, because they wait for the next
# one spinning. That spinning is also why the two pools fight: an OpenBLAS worker holds its core
# for about 0.1 s after each product it shared, and work handed to this pool meanwhile runs at a
# fraction of its speed (benchmarks/README.md, "Who owns the cores", has the measurements).
#
# So the work decides who owns the cores. Convolutions (im2col's copies, col2im's adds, two
# gradient products at once) need this pool. A run of FULLY_CONNECTED_AFTER products with no
# convolution among them is fully connected work: its products then run on OpenBLAS's threads,
# and everything else on the calling thread, until the next convolution gives the cores back.
# The switch depends only on the order of the operations, never on a clock, so a run repeats.
FULLY_CONNECTED_AFTER = 16
_products_without_convolution = 0


def note_product() -> None:
    """Count a matrix product of the fast kernels (see "who owns the other cores"); one inside
    a split is part of a convolution, and not counted."""
    global _products_without_convolution
    if not getattr(_in_part, "active", False):
        _products_without_convolution += 1


def note_convolution() -> None:
    """A convolution ran: the cores are this pool's again."""
    global _products_without_convolution
    _products_without_convolution = 0


def blas_owns_the_cores() -> bool:
    """Is the work fully connected, so that OpenBLAS's threads share out the products and
    nothing is split over this pool?"""
    return pool_enabled() and _products_without_convolution >= FULLY_CONNECTED_AFTER


def parallel_for(body, length: int, size: int) -> None:
    """Run ``body(lo, hi)`` over contiguous parts that cover ``range(length)``.

    ``body`` must write disjoint outputs for disjoint ranges, and release the GIL (NumPy's
    copies and ufuncs on large arrays do). ``size`` is the number of elements the loop writes:
    when it is big enough to pay for the hand-off (and not 0: work that must not be split), the
    parts run at once on up to :func:`get_num_threads` threads; otherwise ``body(0, length)``
    runs on the calling thread.
    An exception in any part is raised here.
    """
    if size == 0 or size < MIN_PARALLEL_WORK or blas_owns_the_cores():
        body(0, length)
    else:
        run_in_parts(body, length)


_in_part = threading.local()


def run_in_parts(body, length: int) -> None:
    """``body`` over parts of ``range(length)``, one per thread, the first on this one, whatever
    the size of the work (:func:`parallel_for` decides by size first)."""
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
            future.exception()  # (lighter than concurrent.futures.wait)
    for future in pending:
        future.result()


def _run_part(body, lo, hi):
    _in_part.active = True
    try:
        body(lo, hi)
    finally:
        _in_part.active = False


def run_together(lead, other, size, follow_up=None, length=0):
    """``(lead(), other())``, run at once: ``other`` on a pool thread while ``lead`` runs here,
    each whole on its own core (work inside them is not split again).

    For two independent pieces of work of about the same size, a convolution's input and weight
    gradients: one hand-off instead of one per piece, and a product on one thread wastes nothing
    at slab edges. ``size`` decides as in :func:`parallel_for`; otherwise they run one after
    the other.

    ``follow_up(lead_result, lo, hi)``, if given, is work over ``range(length)`` that needs
    lead's result (the col2im after a product): this thread starts on it as soon as ``lead``
    returns, and the other joins when ``other`` is done, each taking a quarter at a time until
    none is left. So whichever piece is longer, neither thread waits long for the other.
    """
    results, failed = [None, None], []
    lead_done = threading.Event()
    taken, lock = [0], threading.Lock()

    def share_follow_up(alone):
        # Shared, in quarters (eighths measured slower: smaller copies, more GIL hand-offs);
        # alone, in one piece: each piece costs a NumPy call per kernel offset.
        step = length if alone else -(-length // 4)
        while not failed:
            with lock:
                lo = taken[0]
                if lo >= length:
                    return
                taken[0] = hi = min(length, lo + step)
            follow_up(results[0], lo, hi)

    def body(lo, hi):
        for i in range(lo, hi):
            if i == 0:
                try:
                    results[0] = lead()
                except BaseException:
                    failed.append(True)
                    raise
                finally:
                    lead_done.set()  # the other thread must not wait for a result that failed
            else:
                results[1] = other()
            if follow_up is not None:
                lead_done.wait()
                share_follow_up(alone=hi - lo == 2)
    parallel_for(body, 2, size)
    return tuple(results)


def parallel_map(fn, *arrays, size: int) -> None:
    """``fn(*parts)`` on matching parts of same-shaped arrays, at once on the threads when
    ``size`` pays for it (as in :func:`parallel_for`). The parts are slabs along the axis
    outermost in the first array's memory, so each is one block of it; ``fn`` writes its results
    into the parts of arrays passed here."""
    first = arrays[0]
    if first.ndim == 0 or size == 0 or size < MIN_PARALLEL_WORK:
        fn(*arrays)
        return
    axis = max(range(first.ndim), key=lambda i: first.strides[i] if first.shape[i] > 1 else -1)

    def slabs(lo, hi):
        where = (slice(None),) * axis + (slice(lo, hi),)
        fn(*(a[where] for a in arrays))
    parallel_for(slabs, first.shape[axis], size)


def blas_single_threaded():
    """A context in which OpenBLAS runs on one thread (nothing, where minigan cannot set it):
    the fast kernels' products run in one, split over this pool where they are large, unless
    :func:`blas_owns_the_cores`."""
    return _blas.limited_to(1) if _blas is not None else contextlib.nullcontext()


def blas_on_our_threads():
    """A context in which OpenBLAS splits products over :func:`get_num_threads` threads (for
    fully connected work, see :func:`blas_owns_the_cores`)."""
    return _blas.limited_to(_num_threads) if _blas is not None else contextlib.nullcontext()


def blas_controlled() -> bool:
    """Can minigan set OpenBLAS's threads here (and so run products on its own pool)?"""
    return _blas is not None
