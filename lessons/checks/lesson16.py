"""Checks for lessons/exercises/16_array_module.py: the value on NumPy arrays (float64 and
float32, any shape), then the same call on a stand-in device array. For the check, minigan's
backend is told that the stand-in's class is CuPy's ndarray, so get_array_module returns the
stand-in's module; like a CuPy array, the stand-in refuses np.asarray (the classic mistake,
np.f(x) on device data, is named), and the check records that its module did the work."""
from __future__ import annotations

import types

import numpy as np

from minigan import backend
from checks import Exercise, Wrong, expect_close

REFUSAL = "Implicit conversion to a NumPy array is not allowed (stand-in device array)"


class DeviceArray:
    """A stand-in for a CuPy array: its data stays "on the device" (a hidden NumPy array)."""

    def __init__(self, data):
        self._data = np.asarray(data)

    def __array__(self, *args, **kwargs):  # what CuPy does too
        raise TypeError(REFUSAL)

    shape = property(lambda self: self._data.shape)
    dtype = property(lambda self: self._data.dtype)
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)

    def _op(name):
        def op(self, *args, **kwargs):
            return _wrap(getattr(self._data, name)(*(_unwrap(a) for a in args),
                                                   **{k: _unwrap(v) for k, v in kwargs.items()}))
        return op

    __mul__, __rmul__, __pow__, __add__, __radd__ = (
        _op("__mul__"), _op("__rmul__"), _op("__pow__"), _op("__add__"), _op("__radd__"))
    sum, ravel, reshape, dot = _op("sum"), _op("ravel"), _op("reshape"), _op("dot")
    __float__ = _op("__float__")


def _unwrap(a):
    return a._data if isinstance(a, DeviceArray) else a


def _wrap(a):
    return DeviceArray(a) if isinstance(a, (np.ndarray, np.generic)) else a


class StandInModule(types.ModuleType):
    """The stand-in's array module: NumPy's functions on the hidden data, each call recorded."""

    def __init__(self):
        super().__init__("standin_cupy")
        self.ndarray, self.calls = DeviceArray, []

    def __getattr__(self, name):
        function = getattr(np, name)
        if not callable(function):
            return function

        def call(*args, **kwargs):
            self.calls.append(name)
            return _wrap(function(*(_unwrap(a) for a in args),
                                 **{k: _unwrap(v) for k, v in kwargs.items()}))
        return call


def check_sum_of_squares(m):
    rng = np.random.default_rng(0)
    for x, tol in ((rng.standard_normal((3, 4)), 1e-12), (rng.standard_normal(7), 1e-12),
                   (rng.standard_normal((2, 3, 2)).astype(np.float32), 1e-6)):
        expect_close(m.xp_sum_of_squares(x.copy()), np.sum(x.astype(np.float64) ** 2),
                     f"xp_sum_of_squares on a NumPy array {x.shape} {x.dtype}", tol=tol)

    x = rng.standard_normal((3, 4))
    module, keep = StandInModule(), backend.cupy
    backend.cupy = module  # get_array_module now names the stand-in's module for its arrays
    try:
        if backend.get_array_module(DeviceArray(x)) is not module:
            raise RuntimeError("minigan.backend.get_array_module did not see the stand-in")
        try:
            got = m.xp_sum_of_squares(DeviceArray(x))
        except TypeError as error:
            if REFUSAL not in str(error):
                raise
            raise Wrong("on a device array it called NumPy directly (np.something(x)), which "
                        "a CuPy array refuses: use xp = get_array_module(x) and xp.something")
    finally:
        backend.cupy = keep
    if not module.calls:
        raise Wrong("on a device array its module (get_array_module(x)) did none of the work "
                    "(x.sum(), or np.sum(x) which calls it, goes around it): write "
                    "xp = get_array_module(x) and use xp's functions")
    if not isinstance(got, DeviceArray) and isinstance(got, (np.ndarray, np.generic)):
        raise Wrong(f"on a device array it returned a NumPy {type(got).__name__}: the sum "
                    f"should come from xp, not from np")
    expect_close(_unwrap(got), np.sum(x ** 2), "xp_sum_of_squares on a device array",
                 tol=1e-12)


EXERCISES = [
    Exercise("xp_sum_of_squares", "xp = get_array_module(x); return xp.sum(xp.square(x)) "
             "(or xp.sum(x * x))", check_sum_of_squares,
             idea="lesson 16's array-module trick: ask the array which module (NumPy or CuPy) it "
             "needs, then use only that module"),
]
