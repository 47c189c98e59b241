"""The Function: a differentiable operation, and a node of the graph once applied."""
from __future__ import annotations

import weakref

from minigan import anomaly, kernels
from minigan.autograd import grad_mode
from minigan.autograd.tensor import Tensor


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
    Inputs may be ``None`` (an absent bias, say); they get no gradient. A gradient is a new
    array or a view of ``grad``, never an array kept elsewhere (an input's, a cached constant):
    the graph walk adds later contributions into new arrays in place.

    ``ctx.kernels`` is the kernel set the node computes its arrays with (:mod:`minigan.kernels`),
    fixed when it runs, so that its backward reads what its forward kept in that set's layout.

    A Function may also define ``backward_once(ctx, grad)``: the same gradients as ``backward``,
    computed from the gradient's array as arrays (or None) by ``ctx.kernels`` (a convolution's
    three gradients at once on two threads, say). The graph walk calls it instead of
    ``backward`` when no graph of the backward is recorded (``create_graph=False``: every
    training step but a gradient penalty's), so the differentiable ``backward`` stays the one
    definition, and this is only its fast first-order form, as
    ``torch.autograd.function.once_differentiable`` marks one.

    Where it differs from ``torch.autograd.Function``, and why:

    * ``forward`` gets the arrays, not Tensors, and returns an array: it is the plain NumPy
      (or CuPy) a reader already knows, and it cannot record a graph by accident, so it needs
      no ``no_grad`` inside. ``backward`` does get Tensors, so that it can be differentiated.
    * Options that are not tensors (a shape, a stride, an exponent) are keywords of ``apply``
      (``ReflectPad.apply(x, widths=...)``), passed on to ``forward``: ``backward`` returns one
      gradient per Tensor input, not a ``None`` for each option as in PyTorch.
    * ``ctx`` is the node itself, and it keeps every input as ``ctx.inputs`` (and the output as
      ``ctx.output``) without ``ctx.save_for_backward``: the graph holds them anyway, and each
      is checked against in-place changes before the backward reads it.
    * One output per Function, so ``backward`` gets one gradient: no operation here needs more.
    """

    inputs: tuple
    needs_input_grad: tuple
    _released = False  # set when a backward without retain_graph freed what it saved
    backward_once = None  # an optional first-order backward on arrays (see above)

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
        ctx.kernels = kernels.active
        arrays = [None if t is None else t._data for t in inputs]
        out = Tensor(cls.forward(ctx, *arrays, **params))
        if anomaly.enabled:
            anomaly.check_forward(cls.__name__, out._data)
        if grad_mode._grad_enabled:
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
