"""The Tensor: an array that remembers how it was computed; :func:`tensor` makes one from data.

A Tensor holds its array (NumPy on ``"cpu"``, CuPy on ``"cuda"``), its gradient, whether it
requires one, the Function that made it (``grad_fn``, its node in the graph) and a version
counter that every in-place change bumps. Its arithmetic (``+``, ``@``, ``.sum()``, ``.to()``,
...) is bound by ``minigan/ops/tensor_methods.py``; ``backward`` walks the graph in ``graph.py``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy

from minigan import backend

if TYPE_CHECKING:  # for the annotation only: function.py builds Tensors, so it imports this file
    from minigan.autograd.function import Function


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    Attributes:
        data: the NumPy (``"cpu"``) or CuPy (``"cuda"``) array.
        grad: a Tensor of the same shape, filled by :meth:`backward` on leaves, else ``None``.
        requires_grad: whether gradients flow to (or through) this tensor.
    """

    __array_priority__ = 100  # so that ``ndarray * Tensor`` calls Tensor.__rmul__
    __slots__ = ("_data", "_version_counter", "grad", "requires_grad", "_node", "name",
                 "__weakref__")

    def __init__(self, data, requires_grad: bool = False, name: str | None = None):
        if isinstance(data, numpy.generic):  # NumPy ops on 0-d arrays return scalars
            data = numpy.asarray(data)
        if not backend.is_array(data):
            raise TypeError(f"Tensor wraps a NumPy or CuPy array, got {type(data).__name__}; "
                            "use minigan.tensor(...) to convert other data")
        if requires_grad and not _is_floating(data.dtype):
            raise TypeError(f"only floating-point tensors can require gradients, got {data.dtype}")
        self._data = data
        # One counter per array, shared by tensors that share it (``detach``): every in-place
        # change bumps it, and a node's backward compares it with what it saw at forward time.
        self._version_counter = [0]
        self.grad: Tensor | None = None
        self.requires_grad = requires_grad
        self._node: Function | None = None  # the Function that made this tensor, if recorded
        self.name = name

    # ---- the values, and how often they were changed in place
    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, array):
        if not backend.is_array(array):
            raise TypeError(f"Tensor.data must be a NumPy or CuPy array, got {type(array).__name__}")
        self._data = array
        self._bump_version()

    @property
    def _version(self) -> int:
        """How many times this tensor's values were changed in place (as PyTorch's)."""
        return self._version_counter[0]

    def _bump_version(self) -> None:
        self._version_counter[0] += 1

    # ---- what the tensor is
    shape = property(lambda self: tuple(self.data.shape))
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    device = property(lambda self: backend.device_of(self.data))
    is_leaf = property(lambda self: self._node is None)
    grad_fn = property(lambda self: self._node)

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        body = numpy.array2string(backend.to_numpy(self.data), separator=", ", precision=4,
                                  threshold=20, prefix="tensor(")
        extras = []
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.dtype != backend.get_default_dtype() and _is_floating(self.dtype):
            extras.append(f"dtype={self.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn={type(self._node).__name__}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # ---- leaving the graph, changing device or dtype
    def numpy(self) -> numpy.ndarray:
        """The values as a NumPy array (copied from the GPU when needed); never differentiable."""
        return backend.to_numpy(self.data)

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.reshape(-1)[0].item()

    def tolist(self):
        return self.numpy().tolist()

    def detach(self) -> "Tensor":
        """The same values, cut from the graph (shares the array and its version counter, so
        an in-place change through either is seen by the graph of the other)."""
        detached = Tensor(self._data)
        detached._version_counter = self._version_counter
        return detached

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if flag and not _is_floating(self.dtype):
            raise TypeError(f"only floating-point tensors can require gradients, got {self.dtype}")
        self.requires_grad = flag
        return self

    # ``to`` (a device or dtype move that gradients flow back through) is an operation, so it
    # is bound with the others by minigan/ops/tensor_methods.py; these are its short forms.
    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    def double(self) -> "Tensor":
        return self.to(dtype=numpy.float64)

    def float(self) -> "Tensor":
        return self.to(dtype=numpy.float32)

    # ---- gradients
    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        ``gradient`` is d(loss)/d(self) and may be omitted only for a one-element tensor.
        With ``create_graph=True`` the gradients are themselves recorded, so they can be
        differentiated again. As in PyTorch, the graph's saved arrays are freed as the backward
        passes through it, unless ``retain_graph=True`` (the default is ``create_graph``): a
        second backward through the same graph then raises instead of using stale memory.
        """
        # The walk lives in graph.py, which builds Tensors and so imports this module: it is
        # imported here, when first needed, rather than at the top, where it would be a cycle.
        from minigan.autograd.graph import backward

        backward(self, gradient, retain_graph, create_graph)

    # Hash by identity so tensors can key dicts and sets (``==`` is elementwise, as in PyTorch).
    __hash__ = object.__hash__


def _is_floating(dtype) -> bool:
    return numpy.issubdtype(numpy.dtype(dtype), numpy.floating)


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Make a Tensor from a list, scalar, NumPy/CuPy array or Tensor (copying the data).

    Floating data becomes the default dtype (float32 unless :func:`set_default_dtype` says
    otherwise), also float64 NumPy arrays: a learner's ``np.random.randn`` data then meets a
    float32 model without silently promoting it. Pass ``dtype`` to choose. Integer and boolean
    data keep their type (labels, masks).
    """
    if isinstance(data, Tensor):
        data = data.data
    device = backend.check_device(device or (backend.device_of(data) if backend.is_array(data)
                                             else backend.get_default_device()))
    xp = backend.array_module(device)
    array = xp.array(backend.to_device(data, device) if backend.is_array(data) else data)
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    elif _is_floating(array.dtype) and array.dtype != backend.get_default_dtype():
        array = array.astype(backend.get_default_dtype())
    return Tensor(array, requires_grad=requires_grad)


def as_operand(value, other: Tensor) -> Tensor:
    """``value`` (a Python number, an array or a Tensor) as a Tensor that can meet the Tensor
    ``other`` in an operation, on ``other``'s device. As in PyTorch, a number takes ``other``'s
    dtype unless it is of a higher kind (bool < int < float): a float meeting an integer tensor
    takes the default floating dtype, an int meeting a boolean one int64. Arrays are constants
    here: they take a floating ``other``'s dtype, so float64 data never promotes a model."""
    if isinstance(value, Tensor):
        return value
    xp = backend.get_array_module(other.data)
    if backend.is_array(value) and backend.device_of(value) != other.device:
        raise RuntimeError(f"an array on {backend.device_of(value)} met a tensor on {other.device}")
    array = xp.asarray(value)
    if _is_floating(other.dtype):
        array = array.astype(other.dtype, copy=False)
    elif _is_floating(array.dtype):
        array = array.astype(backend.get_default_dtype(), copy=False)
    elif isinstance(value, bool) or (isinstance(value, int) and other.dtype.kind != "b"):
        array = array.astype(other.dtype, copy=False)
    return Tensor(array)
