"""Give :class:`Tensor` its operators and methods (``a + b``, ``x.sum()``, ``x.tanh()``).

They are bound here rather than written in ``minigan.autograd`` so that the engine's core depends
on nothing above it; every method is the operation of the same name in ``minigan.ops``, in the
module of its family (``elementwise``, ``reductions``, ``shapes``, ``indexing``, ``linear``,
``activation``, ``inplace``).
"""
from __future__ import annotations

from minigan import backend
from minigan.autograd import Tensor
from minigan.ops import activation, elementwise, inplace, indexing, reductions, shapes
from minigan.ops.linear import matmul


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


add, sub, mul, div = (_broadcast_error(f) for f in (elementwise.add, elementwise.sub,
                                                    elementwise.mul, elementwise.div))

METHODS = {
    # elementwise (and comparisons, which record nothing)
    "__add__": add, "__radd__": _reversed(add),
    "__sub__": sub, "__rsub__": _reversed(sub),
    "__mul__": mul, "__rmul__": _reversed(mul),
    "__truediv__": div, "__rtruediv__": _reversed(div),
    "__pow__": elementwise.pow, "__rpow__": _reversed(elementwise.pow),
    "__neg__": elementwise.neg, "__abs__": elementwise.abs,
    "__lt__": _compare(lambda a, b: a < b), "__le__": _compare(lambda a, b: a <= b),
    "__gt__": _compare(lambda a, b: a > b), "__ge__": _compare(lambda a, b: a >= b),
    "__eq__": _compare(lambda a, b: a == b), "__ne__": _compare(lambda a, b: a != b),
    "eq": _compare(lambda a, b: a == b), "ne": _compare(lambda a, b: a != b),
    "exp": elementwise.exp, "log": elementwise.log, "sqrt": elementwise.sqrt,
    "abs": elementwise.abs, "pow": elementwise.pow,
    "clip": elementwise.clip, "clamp": elementwise.clip,
    "maximum": elementwise.maximum, "minimum": elementwise.minimum,
    "expand": lambda self, *shape: elementwise.broadcast_to(self, _shape_args(shape)),
    "broadcast_to": elementwise.broadcast_to,
    "to": elementwise.to_device_dtype,
    # the matrix product
    "__matmul__": matmul, "__rmatmul__": _reversed(matmul), "matmul": matmul,
    # reductions
    "sum": reductions.sum, "mean": reductions.mean, "var": reductions.var, "std": reductions.std,
    "max": reductions.max, "min": reductions.min, "amax": reductions.amax,
    "amin": reductions.amin, "argmax": reductions.argmax, "argmin": reductions.argmin,
    "logsumexp": reductions.logsumexp,
    "softmax": reductions.softmax, "log_softmax": reductions.log_softmax,
    # shapes
    "reshape": lambda self, *shape: shapes.reshape(self, _shape_args(shape)),
    "view": lambda self, *shape: shapes.reshape(self, _shape_args(shape)),
    "permute": lambda self, *axes: shapes.permute(self, _shape_args(axes)),
    "transpose": shapes.transpose, "flatten": shapes.flatten,
    "unsqueeze": shapes.unsqueeze, "squeeze": shapes.squeeze,
    "T": property(lambda self: shapes.permute(self, tuple(reversed(range(self.ndim))))),
    # indexing
    "__getitem__": indexing.getitem,
    # activations
    "relu": activation.relu, "leaky_relu": activation.leaky_relu, "tanh": activation.tanh,
    "sigmoid": activation.sigmoid, "softplus": activation.softplus,
}

METHODS.update(inplace.methods(add, sub, mul, div))

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
