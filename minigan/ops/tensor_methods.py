"""Give :class:`Tensor` its operators and methods (``a + b``, ``x.sum()``, ``x.tanh()``).

They are bound here rather than written in ``autograd.py`` so that the engine's core depends on
nothing above it; every method is the operation of the same name in ``minigan.ops``.
"""
from __future__ import annotations

from minigan import backend
from minigan.autograd import Tensor
from minigan.ops import activation, inplace, math


def _compare(op):
    def method(self, other):
        other = other.data if isinstance(other, Tensor) else other
        backend.check_same_device("comparison", self.device, other, "the other operand")
        return Tensor(op(self.data, other))
    return method


def _reversed(fn):
    return lambda self, other: fn(other, self)


def _shape_args(args):
    """Accept ``x.reshape(2, 3)`` as well as ``x.reshape((2, 3))``, as PyTorch does."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


def _argmax(self, axis=None, keepdims=False):
    return Tensor(self.data.argmax(axis=axis, keepdims=keepdims))


def _broadcast_error(op):
    def checked(a, b):
        try:
            return op(a, b)
        except ValueError as error:
            if "broadcast" not in str(error):
                raise
            shapes = [x.shape if isinstance(x, Tensor) else backend.to_numpy(x).shape
                      for x in (a, b)]
            raise ValueError(f"{op.__name__}: shapes {shapes[0]} and {shapes[1]} do not "
                             "broadcast together") from None
    return checked


add, sub, mul, div = (_broadcast_error(f) for f in (math.add, math.sub, math.mul, math.div))

METHODS = {
    "__add__": add, "__radd__": _reversed(add),
    "__sub__": sub, "__rsub__": _reversed(sub),
    "__mul__": mul, "__rmul__": _reversed(mul),
    "__truediv__": div, "__rtruediv__": _reversed(div),
    "__pow__": math.pow, "__rpow__": _reversed(math.pow),
    "__matmul__": math.matmul, "__rmatmul__": _reversed(math.matmul),
    "__neg__": math.neg, "__abs__": math.abs,
    "__getitem__": math.getitem,
    "__lt__": _compare(lambda a, b: a < b), "__le__": _compare(lambda a, b: a <= b),
    "__gt__": _compare(lambda a, b: a > b), "__ge__": _compare(lambda a, b: a >= b),
    "__eq__": _compare(lambda a, b: a == b), "__ne__": _compare(lambda a, b: a != b),
    "eq": _compare(lambda a, b: a == b), "ne": _compare(lambda a, b: a != b),
    "sum": math.sum, "mean": math.mean, "var": math.var, "std": math.std,
    "max": math.max, "min": math.min, "logsumexp": math.logsumexp,
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": math.abs, "pow": math.pow,
    "clip": math.clip, "clamp": math.clip, "maximum": math.maximum, "minimum": math.minimum,
    "matmul": math.matmul,
    "reshape": lambda self, *shape: math.reshape(self, _shape_args(shape)),
    "view": lambda self, *shape: math.reshape(self, _shape_args(shape)),
    "permute": lambda self, *axes: math.permute(self, _shape_args(axes)),
    "transpose": math.transpose, "flatten": math.flatten,
    "unsqueeze": math.unsqueeze, "squeeze": math.squeeze,
    "expand": lambda self, *shape: math.broadcast_to(self, _shape_args(shape)),
    "broadcast_to": math.broadcast_to,
    "T": property(lambda self: math.permute(self, tuple(reversed(range(self.ndim))))),
    "relu": activation.relu, "leaky_relu": activation.leaky_relu, "tanh": activation.tanh,
    "sigmoid": activation.sigmoid, "softplus": activation.softplus,
    "softmax": math.softmax, "log_softmax": math.log_softmax,
    "argmax": _argmax,
}

METHODS.update(inplace.methods(add, sub, mul, div))

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
