"""Differentiable operations, one module per family. Importing this package also gives
:class:`~minigan.autograd.Tensor` its operators (see ``tensor_methods``)."""
from minigan.ops import activation, dropout, loss, math, tensor_methods  # noqa: F401
from minigan.ops import conv, norm, pad, pool  # noqa: F401,E402
