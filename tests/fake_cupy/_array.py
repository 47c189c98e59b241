"""The stand-in's array: a NumPy array in a wrapper that refuses to be one.

CuPy's rules, as its ``ndarray`` (``cupy/_core/core.pyx``) applies them, kept here:

* ``__array__`` raises TypeError, so ``numpy.asarray(x)``, ``numpy.array([x])`` and indexing a
  NumPy array with ``x`` fail; only ``.get()``/``cupy.asnumpy`` (and the scalar conversions
  ``float``, ``int``, ``bool``, ``.item()``, ``.tolist()``, ``repr``) copy to the host.
* An operator or ufunc whose other operand is a NumPy array raises TypeError (CuPy copies no
  host array implicitly); Python and NumPy scalars are fine. An operand that is neither (a
  minigan Tensor) makes ``x + t`` raise unless the other type defines ``__array_ufunc__ = None``
  or a higher ``__array_priority__`` than CuPy's 100 (CuPy's ``_should_use_rop``).
* Reductions and integer indexing give 0-d arrays, never NumPy scalars.
* ``x[basic index] = numpy_array`` raises ValueError (CuPy's ``fill``); an index that is an
  integer or boolean array may be a host array, and the values it scatters too (CuPy copies
  them over).

Stricter than CuPy on purpose: NumPy functions (``numpy.sum(x)``, ``numpy.concatenate``) refuse
stand-in arrays, where CuPy's ``__array_function__`` forwards those it has. minigan's design
says an operation calls its ``xp``, never NumPy, on device arrays.

Every host copy is counted in :data:`TRANSFERS`, with the line of code that asked for it.
"""
from __future__ import annotations

import operator

import numpy

from ._cuda import Device, MemoryPointer
from ._names import NAMES
from ._transfers import TRANSFERS

SCALARS = (bool, int, float, complex, numpy.generic)


def _to_host(x: "ndarray") -> numpy.ndarray:
    TRANSFERS.record(TRANSFERS.to_host, x._a.nbytes)
    return x._a.copy()


def from_host(array: numpy.ndarray) -> numpy.ndarray:
    TRANSFERS.record(TRANSFERS.to_device, array.nbytes)
    return array


# ---------------------------------------------------------------- crossing the wrapper

def wrap(value):
    """NumPy results as device arrays (a NumPy scalar becomes a 0-d array, as CuPy's are)."""
    if isinstance(value, numpy.ndarray):
        return _new(value)
    if isinstance(value, numpy.generic):
        return _new(numpy.asarray(value))
    if type(value) in (tuple, list):
        return type(value)(wrap(v) for v in value)
    return value


def _unpickle(host: numpy.ndarray) -> "ndarray":
    return _new(from_host(host))


def _new(array: numpy.ndarray) -> "ndarray":
    x = object.__new__(ndarray)
    x._a = array
    return x


def unwrap(value, what: str, host_ok: bool = False):
    """The NumPy array inside each stand-in array of ``value`` (lists and tuples looked into).
    A host array is refused unless ``host_ok`` (it is then counted as copied to the device)."""
    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, _Unwrapped):
        return value.value
    if isinstance(value, numpy.ndarray):
        if not host_ok:
            raise TypeError(f"{what}: a numpy.ndarray (shape {value.shape}) met device arrays; "
                            "CuPy copies no host array implicitly (the CuPy stand-in, tests/)")
        return from_host(value)
    if type(value) in (tuple, list):
        return type(value)(unwrap(v, what, host_ok) for v in value)
    return value


def unwrap_data(value, what: str):
    """The first argument of ``cupy.array``/``asarray``: host data with at least one dimension
    (a NumPy array, a list) is copied to the device, and counted. A single number is not: CuPy
    fills a 0-d array with it by a kernel, with no copy."""
    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, numpy.ndarray) or type(value) in (tuple, list):
        # A copy: device memory is not the host's, so writing one must not change the other.
        host = numpy.array(_device_parts_unwrapped(value), copy=True)
        return from_host(host) if host.ndim else host
    return value


def _device_parts_unwrapped(value):
    if isinstance(value, ndarray):
        return value._a
    if type(value) in (tuple, list):
        return type(value)(_device_parts_unwrapped(v) for v in value)
    return value


def call(fn, what: str, args, kwargs, host_ok: bool = False):
    """``fn`` on the unwrapped arguments, its result wrapped; an argument returned as the
    result (``out=``) comes back as the same stand-in array. ``host_ok``: the first argument
    is data to copy to the device (``cupy.asarray``)."""
    given = (*args, *kwargs.values())
    if host_ok and args:
        args = (_Unwrapped(unwrap_data(args[0], what)), *args[1:])
    raw_args = unwrap(args, what)
    raw_kwargs = {k: unwrap(v, what, host_ok) for k, v in kwargs.items()}
    result = fn(*raw_args, **raw_kwargs)
    for argument in given:
        if isinstance(argument, ndarray) and result is argument._a:
            return argument
    return wrap(result)


class _Unwrapped:  # an argument already unwrapped (and counted): passed on as it is
    def __init__(self, value):
        self.value = value


def _operand(value, what: str):
    """An operand of an operator or ufunc: device arrays and scalars only, as in CuPy."""
    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, SCALARS):
        return value
    if isinstance(value, numpy.ndarray):
        unwrap(value, what)  # raises
    raise TypeError(f"{what}: unsupported operand type {type(value).__name__} for a device "
                    "array (the CuPy stand-in, tests/)")


def _should_use_rop(x, y) -> bool:
    # CuPy's rule for an operand it does not know: defer to it only if it opts out of ufuncs
    # or outranks CuPy's __array_priority__ (100) without defining __array_ufunc__.
    try:
        y_ufunc = y.__array_ufunc__
    except AttributeError:
        return getattr(x, "__array_priority__", 0) < getattr(y, "__array_priority__", 0)
    return y_ufunc is None


def _binary(ufunc, reflected: bool = False):
    def op(self, other):
        if isinstance(other, ndarray):
            pair = (other._a, self._a) if reflected else (self._a, other._a)
            return wrap(ufunc(*pair))
        if not reflected and _should_use_rop(self, other):
            return NotImplemented
        other = _operand(other, ufunc.__name__)
        return wrap(ufunc(other, self._a) if reflected else ufunc(self._a, other))
    return op


def _inplace(ufunc):
    def op(self, other):
        ufunc(self._a, _operand(other, ufunc.__name__), out=self._a)
        return self
    return op


def _index(key):
    """An index for the wrapped array: device index arrays unwrapped, host ones allowed (CuPy
    copies integer and boolean index arrays over). Also: is it an advanced index?"""
    parts = key if isinstance(key, tuple) else (key,)
    advanced = any(isinstance(p, (ndarray, numpy.ndarray, list, bool)) for p in parts)
    return unwrap(key, "indexing", host_ok=True), advanced


class Flags:
    """CuPy's ``ndarray.flags``: only these three, read-only."""

    def __init__(self, array: numpy.ndarray):
        self.c_contiguous = bool(array.flags.c_contiguous)
        self.f_contiguous = bool(array.flags.f_contiguous)
        self.owndata = array.base is None

    def __getitem__(self, name):
        return {"C_CONTIGUOUS": self.c_contiguous, "F_CONTIGUOUS": self.f_contiguous,
                "OWNDATA": self.owndata}[name]


class ndarray:  # noqa: N801  (CuPy's name)
    """A device array of the stand-in; the NumPy array it wraps is private (``_a``)."""

    __slots__ = ("_a",)
    __array_priority__ = 100
    __hash__ = None  # unhashable, as cupy.ndarray

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        if memptr is not None or strides is not None:
            raise NotImplementedError("the CuPy stand-in makes no array from a memory pointer")
        self._a = numpy.empty(shape, dtype, order=order)

    # ---- what it is
    shape = property(lambda self: self._a.shape, lambda self, s: setattr(self._a, "shape", s))
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    T = property(lambda self: _new(self._a.T))
    mT = property(lambda self: _new(self._a.mT))
    flags = property(lambda self: Flags(self._a))
    base = property(lambda self: None if self._a.base is None else _new(self._a.base))

    device = property(lambda self: Device(0))
    data = property(lambda self: MemoryPointer(self._a))

    # ---- leaving the device: the only ways, each one counted
    def get(self, stream=None, order="C", out=None, blocking=True):
        host = _to_host(self)
        if out is None:
            return host
        out[...] = host
        return out

    def set(self, arr, stream=None):
        if not isinstance(arr, numpy.ndarray) or arr.shape != self._a.shape:
            raise ValueError("set() takes a numpy.ndarray of the array's shape")
        self._a[...] = from_host(arr)

    def item(self):
        return _to_host(self).item()

    def tolist(self):
        return _to_host(self).tolist()

    def tobytes(self, order="C"):
        return _to_host(self).tobytes(order)

    def __float__(self):
        return float(_to_host(self))

    def __int__(self):
        return int(_to_host(self))

    def __complex__(self):
        return complex(_to_host(self))

    def __bool__(self):
        return bool(_to_host(self))

    def __repr__(self):
        return repr(_to_host(self))

    def __str__(self):
        return str(_to_host(self))

    def __format__(self, spec):
        return format(_to_host(self), spec)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed: use .get() or "
                        "cupy.asnumpy() (the CuPy stand-in, tests/)")

    # ---- NumPy's protocols: ufuncs on device arrays and scalars run, functions do not
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":  # numpy.add.at(x, ...) and the like: CuPy declines them
            return NotImplemented
        NAMES.require("cupy", ufunc.__name__)
        if not all(isinstance(x, (ndarray, numpy.ndarray) + SCALARS) for x in inputs):
            return NotImplemented  # NumPy then raises TypeError, as it does with CuPy
        raw = [_operand(x, ufunc.__name__) for x in inputs]
        out = kwargs.get("out")
        if out is not None:
            out = out if isinstance(out, tuple) else (out,)
            kwargs["out"] = tuple(_operand(o, ufunc.__name__) for o in out)
            for o in kwargs["out"]:
                if not isinstance(o, numpy.ndarray):
                    raise TypeError(f"{ufunc.__name__}: out= must be a device array")
        result = ufunc(*raw, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        return NotImplemented  # NumPy then raises TypeError (see the module's docstring)

    # ---- containers and copies
    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    def __getitem__(self, key):
        key, _ = _index(key)
        return wrap(self._a[key])

    def __setitem__(self, key, value):
        key, advanced = _index(key)
        if isinstance(value, numpy.ndarray) and not advanced:
            if value.shape != ():  # CuPy's fill: a host array is not copied implicitly
                raise ValueError("the CuPy stand-in (as CuPy) does not fill a device array "
                                 f"from a host array of shape {value.shape}")
            value = value.item()
        elif isinstance(value, ndarray):
            value = value._a
        elif not isinstance(value, SCALARS):  # (a host array for an advanced index: copied)
            value = unwrap(value, "setitem", host_ok=advanced)
            if not advanced:
                raise TypeError(f"cannot fill a device array with a {type(value).__name__}")
        self._a[key] = value

    def fill(self, value):
        self[...] = value

    def __copy__(self):
        return _new(self._a.copy())

    def __deepcopy__(self, memo):
        return _new(self._a.copy())

    def __reduce__(self):  # pickling copies to the host, as CuPy's does
        return _unpickle, (self.get(),)

    def scatter_add(self, slices, value):
        key, _ = _index(slices)
        numpy.add.at(self._a, key, value._a if isinstance(value, ndarray) else
                     unwrap(value, "scatter_add", host_ok=True))

    # ---- every other method CuPy's ndarray has, borrowed from NumPy's (name-checked)
    def __getattr__(self, name):
        if name.startswith("__") or name.startswith("_"):
            # __array_interface__, __array_struct__, __buffer__...: CuPy has none of them, and
            # NumPy would read the memory through them.
            raise AttributeError(name)
        NAMES.require("cupy.ndarray", name)
        value = getattr(self._a, name)
        if not callable(value):
            return wrap(value)

        def method(*args, **kwargs):
            return call(value, f"ndarray.{name}", args, kwargs)
        return method

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | NAMES.known("cupy.ndarray", dir(self._a)))


for _name in ("add", "subtract", "multiply", "true_divide", "floor_divide", "remainder",
              "power", "left_shift", "right_shift", "bitwise_and", "bitwise_or",
              "bitwise_xor", "matmul", "divmod"):
    _dunder = {"subtract": "sub", "multiply": "mul", "true_divide": "truediv",
               "floor_divide": "floordiv", "remainder": "mod", "power": "pow",
               "left_shift": "lshift", "right_shift": "rshift", "bitwise_and": "and",
               "bitwise_or": "or", "bitwise_xor": "xor"}.get(_name, _name)
    _ufunc = getattr(numpy, _name)
    setattr(ndarray, f"__{_dunder}__", _binary(_ufunc))
    setattr(ndarray, f"__r{_dunder}__", _binary(_ufunc, reflected=True))
    if _name not in ("divmod", "matmul"):  # CuPy has neither in place (x @= y is an error)
        setattr(ndarray, f"__i{_dunder}__", _inplace(_ufunc))
for _dunder, _ufunc in (("eq", numpy.equal), ("ne", numpy.not_equal), ("lt", numpy.less),
                        ("le", numpy.less_equal), ("gt", numpy.greater),
                        ("ge", numpy.greater_equal)):
    setattr(ndarray, f"__{_dunder}__", _binary(_ufunc))
for _dunder, _fn in (("neg", operator.neg), ("pos", operator.pos), ("abs", operator.abs),
                     ("invert", operator.invert)):
    setattr(ndarray, f"__{_dunder}__", lambda self, _fn=_fn: _new(_fn(self._a)))
ndarray.__pow__ = (lambda pow_: lambda self, other, modulo=None: pow_(self, other))(
    ndarray.__pow__)
