"""Reverse-mode automatic differentiation: the Tensor, the Function, and the graph walk.

A :class:`Tensor` wraps an array (NumPy or CuPy). Every differentiable operation is a
:class:`Function` with a ``forward`` on raw arrays and a ``backward`` written with Tensor
operations. When gradients are being recorded, applying a Function stores one node in the graph:
the Function instance itself, holding its input Tensors and whatever ``forward`` saved on it.

Because ``backward`` uses Tensor operations, running it while recording (``create_graph=True``)
builds a graph of the gradient itself, and that graph can be differentiated again: this is how
WGAN-GP's gradient penalty gets its gradient. Without ``create_graph`` the backward runs under
:func:`no_grad`, records nothing, and costs no more than hand-written array code.

Where each part lives, as in ``torch.autograd``:

* ``tensor.py``: the :class:`Tensor`, and :func:`tensor` to make one from data;
* ``function.py``: the :class:`Function` (one node of the graph);
* ``graph.py``: the walk back through the graph, for :meth:`Tensor.backward` and :func:`grad`;
* ``grad_mode.py``: :func:`no_grad` and :func:`enable_grad`;
* ``gradcheck.py``: :func:`gradcheck` and :func:`gradgradcheck`, against finite differences.

``Tensor.__add__`` and the other operators and methods (``@``, ``.sum()``, ``.to()``, ...) are
the operations of ``minigan.ops``, bound by ``minigan/ops/tensor_methods.py``: this package
imports nothing above the backend.
"""
from minigan.anomaly import detect_anomaly, set_detect_anomaly
from minigan.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from minigan.autograd.tensor import Tensor, as_operand, tensor
from minigan.autograd.function import Function
from minigan.autograd.graph import backward, grad
# As in PyTorch, the names gradcheck and gradgradcheck are the functions (hiding the module of
# the same name as an attribute; ``from minigan.autograd.gradcheck import ...`` still works).
from minigan.autograd.gradcheck import gradcheck, gradgradcheck

__all__ = ["Tensor", "tensor", "Function", "backward", "grad", "no_grad", "enable_grad",
           "is_grad_enabled", "gradcheck", "gradgradcheck", "detect_anomaly", "set_detect_anomaly",
           "as_operand"]
