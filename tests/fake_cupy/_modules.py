"""The stand-in's namespaces: ``cupy``, ``cupyx``, ``cupy.random``, ``cupy.cuda`` (with
``runtime``) and ``cupy.lib.stride_tricks``.

A name is looked up when first asked for. One that real CuPy lacks raises AttributeError, as
it would on a GPU. One that CuPy has is NumPy's namesake run on the wrapped arrays (host
arrays refused, except by ``array``/``asarray``/``asanyarray``, which copy them over), or
NumPy's very object where CuPy hands out NumPy's own (dtypes, constants, ``finfo``), or the
stand-in's own version (``asnumpy``, ``cuda``, the random generators, ``scatter_add``). A name
CuPy has but the stand-in does not imitate raises NotImplementedError: add it here.
"""
from __future__ import annotations

import functools
import types

import numpy
import numpy.lib.stride_tricks

from . import _cuda
from ._array import call, from_host, ndarray, unwrap
from ._names import NAMES

HOST_IN = {"array", "asarray", "asanyarray"}  # the functions that copy host data to the device


class Namespace(types.ModuleType):
    """A module of the stand-in: ``own`` names first, then the device version of ``source``'s."""

    def __init__(self, name: str, source=None, own: dict | None = None):
        super().__init__(name, f"{name} (the CuPy stand-in, tests/fake_cupy)")
        self._source, self._own = source, dict(own or {})

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        NAMES.require(self.__name__, name)
        if name in self._own:
            value = self._own[name]
        else:
            value = getattr(self._source, name, None) if self._source is not None else None
            if value is None:
                raise NotImplementedError(f"the CuPy stand-in does not imitate "
                                          f"{self.__name__}.{name} yet: add it in "
                                          "tests/fake_cupy/_modules.py")
            value = self._device_version(name, value)
        setattr(self, name, value)  # found once; later lookups are plain attribute reads
        return value

    def _device_version(self, name: str, value):
        if self.__name__ == "cupy" and NAMES.numpys_own(name, value):
            return value
        if isinstance(value, numpy.ufunc):
            return Ufunc(value)
        if not callable(value):
            return value
        where, host_ok = f"{self.__name__}.{name}", name in HOST_IN

        @functools.wraps(value)
        def on_device(*args, **kwargs):
            NAMES.check_call(where, args, kwargs)
            return call(value, where, args, kwargs, host_ok=host_ok)
        return on_device

    def __dir__(self):
        borrowed = dir(self._source) if self._source is not None else []
        return sorted(NAMES.known(self.__name__, set(borrowed) | set(self._own)))


class Ufunc:
    """A CuPy ufunc: NumPy's, on device arrays (``reduce``, ``outer``, ``at``... likewise)."""

    def __init__(self, ufunc: numpy.ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return call(self._ufunc, f"cupy.{self.__name__}", args, kwargs)

    def at(self, a, indices, b=None):
        if not isinstance(a, ndarray):
            raise TypeError(f"cupy.{self.__name__}.at needs a device array")
        indices = unwrap(indices, "ufunc.at", host_ok=True)
        self._ufunc.at(a._a, indices, *(() if b is None else (unwrap(b, "ufunc.at"),)))

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        NAMES.require("cupy.ufunc", name)
        value = getattr(self._ufunc, name)
        if not callable(value):
            return value
        return lambda *args, **kwargs: call(value, f"cupy.{self.__name__}.{name}", args, kwargs)


class RandomProxy:
    """A CuPy random generator (``cupy.random.Generator``, ``RandomState``): NumPy's, drawing
    straight into device arrays."""

    def __init__(self, place: str, generator):
        self._place, self._generator = place, generator

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        NAMES.require(self._place, name)
        method, where = getattr(self._generator, name), f"{self._place}.{name}"

        def draw(*args, **kwargs):
            NAMES.check_call(where, args, kwargs)
            return call(method, where, args, kwargs)
        return draw


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    if isinstance(a, ndarray):
        return a.get(stream=stream, order=order, out=out)
    return numpy.asarray(a, order=order)


def build() -> dict:
    """The stand-in's modules, keyed by the names ``import`` looks up in ``sys.modules``."""
    state = RandomProxy("cupy.random.RandomState", numpy.random.RandomState(0))
    # Module-level draws (cupy.random.normal...) use one RandomState, as CuPy's do.
    random = Namespace("cupy.random", state._generator, own={
        "default_rng": lambda seed=None: RandomProxy("cupy.random.Generator",
                                                     numpy.random.default_rng(seed)),
        "RandomState": lambda seed=None: RandomProxy("cupy.random.RandomState",
                                                     numpy.random.RandomState(seed)),
        "get_random_state": lambda: state,
    })
    runtime = Namespace("cupy.cuda.runtime", _cuda.Runtime)
    cuda = Namespace("cupy.cuda", own={
        "runtime": runtime, "Device": _cuda.Device, "Stream": _cuda.Stream,
        "Event": _cuda.Event, "MemoryPool": _cuda.MemoryPool,
        "PinnedMemoryPool": _cuda.PinnedMemoryPool, "MemoryPointer": _cuda.MemoryPointer,
        "get_current_stream": _cuda.get_current_stream,
        "get_elapsed_time": _cuda.get_elapsed_time, "is_available": lambda: True,
    })
    stride_tricks = Namespace("cupy.lib.stride_tricks", numpy.lib.stride_tricks)
    lib = Namespace("cupy.lib", own={"stride_tricks": stride_tricks})
    pools = (_cuda.MemoryPool(), _cuda.PinnedMemoryPool())
    cupy = Namespace("cupy", numpy, own={
        "ndarray": ndarray, "asnumpy": asnumpy, "cuda": cuda, "random": random, "lib": lib,
        "get_default_memory_pool": lambda: pools[0],
        "get_default_pinned_memory_pool": lambda: pools[1],
    })
    # The version of the CuPy whose names it imitates, marked as the stand-in's (PEP 440 local).
    cupy.__version__ = (NAMES.version if NAMES.checked else "0") + "+stand.in"
    cupy._own["get_array_module"] = lambda *arrays: (
        cupy if any(isinstance(a, ndarray) for a in arrays) else numpy)
    cupyx = Namespace("cupyx", own={
        "scatter_add": lambda a, slices, value: _scatter(numpy.add, a, slices, value),
        "scatter_max": lambda a, slices, value: _scatter(numpy.maximum, a, slices, value),
        "scatter_min": lambda a, slices, value: _scatter(numpy.minimum, a, slices, value),
    })
    return {"cupy": cupy, "cupyx": cupyx, "cupy.random": random, "cupy.cuda": cuda,
            "cupy.cuda.runtime": runtime, "cupy.lib": lib, "cupy.lib.stride_tricks": stride_tricks}


def _scatter(ufunc, a, slices, value) -> None:
    """``a[slices] (op)= value`` with repeated indices each applied (cupyx.scatter_add...)."""
    if not isinstance(a, ndarray):
        raise TypeError(f"cupyx.scatter_{ufunc.__name__}: the target must be a device array, "
                        f"got {type(a).__name__}")
    slices = unwrap(slices, "cupyx.scatter", host_ok=True)
    if isinstance(value, numpy.ndarray):
        value = from_host(value)  # CuPy copies a host array of values over
    ufunc.at(a._a, slices, unwrap(value, "cupyx.scatter"))
