"""Reverse-mode automatic differentiation: the Tensor, the Function, and the graph walk.

A :class:`Tensor` wraps an array (NumPy or CuPy). Every differentiable operation is a
:class:`Function` with a ``forward`` on raw arrays and a ``backward`` written with Tensor
operations. When gradients are being recorded, applying a Function stores one node in the graph:
the Function instance itself, holding its input Tensors and whatever ``forward`` saved on it.

Because ``backward`` uses Tensor operations, running it while recording (``create_graph=True``)
builds a graph of the gradient itself, and that graph can be differentiated again: this is how
WGAN-GP's gradient penalty gets its gradient. Without ``create_graph`` the backward runs under
:func:`no_grad`, records nothing, and costs no more than hand-written array code.

``Tensor.__add__`` and the other operators and methods (``@``, ``.sum()``, ``.to()``, ...) are
the operations of ``minigan.ops``, bound by ``minigan/ops/tensor_methods.py``: this file imports
nothing above the backend.
"""
from __future__ import annotations

import contextlib
import functools
import weakref

import numpy

from minigan import anomaly, backend

_grad_enabled = True


# ---------------------------------------------------------------- recording on and off

def is_grad_enabled() -> bool:
    return _grad_enabled


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def _recreate_cm(self):
        # A decorated function gets a fresh manager per call, so a recursive call keeps its own
        # saved state instead of overwriting the outer call's.
        return _GradMode(self.enabled)

    def __enter__(self):
        global _grad_enabled
        self._previous, _grad_enabled = _grad_enabled, self.enabled

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._previous
        return False


def no_grad():
    """Context manager (and decorator) that records no graph: for sampling and evaluation."""
    return _GradMode(False)


def enable_grad():
    """Context manager (and decorator) that turns recording back on inside :func:`no_grad`."""
    return _GradMode(True)


# ---------------------------------------------------------------- the tensor

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
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad: nothing in its "
                               "history has requires_grad=True (or it was computed under no_grad)")
        seed = _seed_gradient(self, gradient, "backward()")
        retain = create_graph if retain_graph is None else retain_graph
        grads, _ = _run_backward(_topological_order([self]), [self], [seed],
                                 create_graph=create_graph, retain_graph=retain, wanted=None)
        for leaf, g in grads.items():
            if not create_graph:  # a private, writable array: ops may share or broadcast theirs
                g = Tensor(_own_copy(g.data))
            leaf.grad = g if leaf.grad is None else _accumulate(leaf.grad, g, create_graph)

    # Hash by identity so tensors can key dicts and sets (``==`` is elementwise, as in PyTorch).
    __hash__ = object.__hash__


def _is_floating(dtype) -> bool:
    return numpy.issubdtype(numpy.dtype(dtype), numpy.floating)


def _own_copy(array):
    return backend.get_array_module(array).array(array, copy=True)


def _accumulate(total: Tensor, g: Tensor, create_graph: bool) -> Tensor:
    # A fresh sum, never an in-place one: an op may hand the same gradient array to two inputs.
    if create_graph:
        return total + g
    return Tensor(total.data + g.data)


# ---------------------------------------------------------------- functions (graph nodes)

class Function:
    """A differentiable operation and, once applied while recording, a node of the graph.

    Subclasses define two static methods::

        forward(ctx, *arrays, **params) -> array    # raw arrays in, raw array out
        backward(ctx, grad) -> Tensor | tuple        # one gradient per Tensor input

    ``forward`` may keep what ``backward`` needs on ``ctx`` (it is the node itself). In
    ``backward``, ``ctx.inputs`` are the input Tensors and ``ctx.output`` the output Tensor;
    build the gradients from them with Tensor operations so that they can be differentiated
    again. ``ctx.needs_input_grad[i]`` says whether input ``i`` wants a gradient; return ``None``
    for those that do not (or that are not differentiable, such as integer indices).
    Inputs may be ``None`` (an absent bias, say); they get no gradient.
    """

    inputs: tuple
    needs_input_grad: tuple
    _released = False  # set when a backward without retain_graph freed what it saved

    @staticmethod
    def forward(ctx, *arrays, **params):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params) -> Tensor:
        _check_inputs(cls.__name__, inputs)
        ctx = cls()
        arrays = [None if t is None else t._data for t in inputs]
        out = Tensor(cls.forward(ctx, *arrays, **params))
        if anomaly.enabled:
            anomaly.check_forward(cls.__name__, out._data)
        if _grad_enabled:
            needs = tuple(t is not None and t.requires_grad for t in inputs)
            if any(needs):
                ctx.inputs = inputs
                ctx.needs_input_grad = needs
                # What the backward will read: the inputs' values and the output's, as they
                # are now. An in-place change before the backward would silently change them.
                ctx._input_versions = tuple(None if t is None else t._version_counter[0]
                                            for t in inputs)
                ctx._output = weakref.ref(out)  # weak: the output owns the node, not vice versa
                if anomaly.enabled:
                    ctx._created_at = anomaly.creation_site()
                out.requires_grad = True
                out._node = ctx
        return out

    @property
    def output(self) -> Tensor:
        return self._output()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def _check_inputs(op: str, inputs) -> None:
    device = None
    for t in inputs:
        if t is None:
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"{op} takes Tensors, got {type(t).__name__}")
        if device is None:
            device = t.device
        elif t.device != device:
            shapes = [None if u is None else (u.shape, u.device) for u in inputs]
            raise RuntimeError(f"{op}: tensors on two devices, {device} and {t.device} "
                               f"(inputs (shape, device): {shapes}); move them with .to(device)")


# ---------------------------------------------------------------- the graph walk

def _seed_gradient(output: Tensor, gradient, caller: str) -> Tensor:
    if gradient is None:
        if output.data.size != 1:
            raise ValueError(f"{caller} needs `gradient` for a non-scalar output of shape "
                             f"{output.shape}; pass a tensor of that shape (or reduce with .sum())")
        return Tensor(backend.get_array_module(output.data).ones_like(output.data))
    if not isinstance(gradient, Tensor):
        xp = backend.get_array_module(output.data)
        gradient = Tensor(xp.asarray(gradient, dtype=output.dtype))
    if gradient.shape != output.shape:
        raise ValueError(f"{caller}: gradient of shape {gradient.shape} does not match the output's "
                         f"shape {output.shape}")
    return gradient


def _topological_order(outputs) -> list:
    """Tensors that require grad, each after every tensor computed from it (outputs last)."""
    order, visited = [], set()
    for root in outputs:
        if id(root) in visited:
            continue
        stack = [(root, False)]
        while stack:  # iterative post-order DFS: deep graphs (unrolled GANs) exceed recursion
            tensor, expanded = stack.pop()
            if expanded:
                order.append(tensor)
                continue
            if id(tensor) in visited:
                continue
            visited.add(id(tensor))
            stack.append((tensor, True))
            if tensor._node is not None:
                for parent in tensor._node.inputs:
                    if parent is not None and parent.requires_grad and id(parent) not in visited:
                        stack.append((parent, False))
    return order


def _check_versions(node: Function, output: Tensor) -> None:
    """Refuse to differentiate through values that were changed in place since the forward."""
    changed = [("output", output, 0)] if output._version_counter[0] else []
    changed += [(f"input {i}", t, seen) for i, (t, seen)
                in enumerate(zip(node.inputs, node._input_versions))
                if t is not None and t._version_counter[0] != seen]
    if changed:
        what, t, seen = changed[0]
        raise RuntimeError(
            f"one of the tensors needed for {type(node).__name__}'s gradient has been modified "
            f"in place: its {what}, of shape {t.shape}, is at version {t._version} but was at "
            f"version {seen} when {type(node).__name__} ran. Fix: compute the loss again after "
            "the change (reorder the step: backward before optimizer.step()), or change a "
            "copy (x.clone(), x.detach(), or y = y + 1 instead of y.add_(1)).")


def _release(node: Function) -> None:
    """Free what a node saved for its backward, as PyTorch does after a backward without
    ``retain_graph``; the node stays in the graph, marked, so a second backward can say why."""
    vars(node).clear()
    node.inputs, node._released = (), True


_RELEASED = ("{} was already run by a backward and its saved values freed: a second backward "
             "through the same graph needs retain_graph=True in the first one (or compute the "
             "loss again)")


def _run_backward(order, outputs, seeds, create_graph: bool, retain_graph: bool, wanted):
    """Propagate ``seeds`` from ``outputs`` back through the graph.

    Returns ``{tensor: gradient}`` for the leaves (``wanted is None``) or for the tensors in
    ``wanted``, and the names of released nodes that a gradient reached (they may hide a
    wanted tensor; backward() raises at the first). Only nodes that lie on a path to a wanted tensor run their backward; each one
    that ran is released afterwards unless ``retain_graph``. ``order`` is
    ``_topological_order(outputs)``.
    """
    if wanted is None:
        targets = {id(t) for t in order if t._node is None}
    else:
        targets = {id(t) for t in wanted}
    # A tensor is useful if it is a target or feeds, through the graph, a useful tensor's input.
    # A released node has forgotten its inputs, so it may lead to one: the gradient goes there
    # and the walk says why it stops (backward() raises; grad() raises if an input is missing).
    useful = set(targets)
    for tensor in order:  # parents come before children in ``order``
        node = tensor._node
        if node is not None and (node._released or any(
                p is not None and id(p) in useful for p in node.inputs)):
            useful.add(id(tensor))

    grads: dict[int, Tensor] = {}
    for out, seed in zip(outputs, seeds):
        grads[id(out)] = _accumulate(grads[id(out)], seed, create_graph) if id(out) in grads else seed
    results, released_on_the_way = {}, []
    with _GradMode(create_graph):
        for tensor in reversed(order):
            g = grads.pop(id(tensor), None)
            if g is None:
                continue
            if id(tensor) in targets:
                results[tensor] = g
            node = tensor._node
            if node is not None and node._released and id(tensor) not in targets:
                if wanted is None:
                    raise RuntimeError(_RELEASED.format(type(node).__name__))
                released_on_the_way.append(type(node).__name__)
                continue
            if node is None or id(tensor) not in useful:
                continue
            _check_versions(node, tensor)
            node.needs_input_grad = tuple(
                p is not None and p.requires_grad and id(p) in useful for p in node.inputs)
            if anomaly.enabled:
                with anomaly.running_backward_of(node):
                    input_grads = node.backward(node, g)
            else:
                input_grads = node.backward(node, g)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            if anomaly.enabled:
                anomaly.check_backward(node, input_grads)
            for parent, pg, needed in zip(node.inputs, input_grads, node.needs_input_grad):
                if not needed or pg is None:
                    continue
                if pg.shape != parent.shape:  # a broken backward must fail here, not later
                    raise RuntimeError(f"{type(node).__name__}.backward returned a gradient of "
                                       f"shape {pg.shape} for an input of shape {parent.shape}")
                key = id(parent)
                grads[key] = _accumulate(grads[key], pg, create_graph) if key in grads else pg
            if not retain_graph:
                _release(node)
    return results, released_on_the_way


_UNUSED = ("autograd.grad: input {} (shape {}) was not used to compute the outputs; pass "
           "allow_unused=True to get None for it")


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not stored in ``.grad``).

    Mirrors ``torch.autograd.grad``. With ``create_graph=True`` the returned gradients are part
    of the graph, so a loss built from them (a gradient penalty) can be differentiated again.
    The nodes it passes through are freed unless ``retain_graph`` (default: ``create_graph``,
    so a gradient penalty's graph stays whole for the loss's own backward).
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise ValueError(f"autograd.grad: input {i} (shape {t.shape}) does not require grad")
    for o in outputs:
        if not o.requires_grad:
            raise ValueError(f"autograd.grad: output of shape {o.shape} does not require grad; "
                             "it does not depend on any input that requires grad")
    seeds = [_seed_gradient(o, g, "autograd.grad") for o, g in zip(outputs, grad_outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    order = _topological_order(outputs)
    # An input the graph cannot reach is refused before the walk, which may free the graph
    # (unless a freed node hides what lies behind it: then the walk says so).
    in_graph = {id(t) for t in order}
    if not any(t._node is not None and t._node._released for t in order):
        for i, t in enumerate(inputs):
            if id(t) not in in_graph and not allow_unused:
                raise ValueError(_UNUSED.format(i, t.shape))
    found, released = _run_backward(order, outputs, seeds, create_graph=create_graph,
                                     retain_graph=retain, wanted=inputs)
    result = []
    for i, t in enumerate(inputs):
        g = found.get(t)
        if g is None and released:
            raise RuntimeError(_RELEASED.format(released[0]))
        if g is None and not allow_unused:
            raise ValueError(_UNUSED.format(i, t.shape))
        if g is not None and not create_graph:
            g = Tensor(_own_copy(g.data))
        result.append(g)
    return tuple(result)


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


def as_tensor_like(value, like: Tensor) -> Tensor:
    """``value`` as a Tensor on ``like``'s device; Python numbers take ``like``'s dtype."""
    if isinstance(value, Tensor):
        return value
    xp = backend.get_array_module(like.data)
    if backend.is_array(value) and backend.device_of(value) != like.device:
        raise RuntimeError(f"an array on {backend.device_of(value)} met a tensor on {like.device}")
    array = xp.asarray(value)
    if _is_floating(like.dtype):
        array = array.astype(like.dtype, copy=False)
    elif _is_floating(array.dtype):
        array = array.astype(backend.get_default_dtype(), copy=False)
    return Tensor(array)


detect_anomaly = anomaly.detect_anomaly
set_detect_anomaly = anomaly.set_detect_anomaly
