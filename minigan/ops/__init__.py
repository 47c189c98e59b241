"""Differentiable operations, one module per family. Importing this package also gives
:class:`~minigan.autograd.Tensor` its operators (see ``tensor_methods``)."""
from minigan.ops import activation, dropout, loss, math, tensor_methods  # noqa: F401
