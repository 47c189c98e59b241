"""Parameter, as in ``torch.nn.parameter``: the Tensor a Module registers as a trainable weight."""
from __future__ import annotations

from minigan import backend
from minigan.autograd import Tensor, tensor

__all__ = ["Parameter", "empty_parameter"]


class Parameter(Tensor):
    """A Tensor that a Module registers as a trainable weight; it requires grad by default.

    ``Parameter(data)`` takes an array or a Tensor (sharing its array) or anything
    :func:`minigan.tensor` accepts (copied, floating data in the default dtype).
    """

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = backend.array_module(backend.get_default_device()).zeros(
                (0,), dtype=backend.get_default_dtype())
        elif isinstance(data, Tensor):
            data = data.data
        elif not backend.is_array(data):
            data = tensor(data).data
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        # Tensor has __slots__, Parameter a __dict__: rebuild explicitly so copy/deepcopy work.
        return (_rebuild_parameter, (self.data, self.requires_grad, self.grad))


def _rebuild_parameter(data, requires_grad, grad):
    p = Parameter(data, requires_grad=requires_grad)
    p.grad = grad
    return p


def empty_parameter(*shape) -> Parameter:
    """A zero Parameter of ``shape`` in the default dtype on the default device, for a layer's
    constructor to fill with an initialiser from :mod:`minigan.nn.init`."""
    xp = backend.array_module(backend.get_default_device())
    return Parameter(xp.zeros(shape, dtype=backend.get_default_dtype()))
