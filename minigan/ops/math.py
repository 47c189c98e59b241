"""The arithmetic of tensors under one name, ``minigan.ops.math``, for the code and the lessons
that import it. Each family lives in a module of its own; read the one you need:

* ``elementwise.py``: ``add`` ... ``pow``, ``exp``, ``log``, ``sqrt``, ``abs``, ``maximum``,
  ``minimum``, ``clip``; broadcasting (``broadcast_to`` and its adjoint ``sum_to``); moving
  between devices and dtypes (``to_device_dtype``, behind ``Tensor.to``);
* ``reductions.py``: ``sum``, ``mean``, ``var``, ``std``, ``max``, ``min``, ``amax``, ``amin``,
  ``argmax``, ``argmin``, ``logsumexp``, ``softmax``, ``log_softmax``;
* ``shapes.py``: ``reshape``, ``permute``, ``transpose``, ``flatten``, ``squeeze``,
  ``unsqueeze``;
* ``indexing.py``: ``getitem`` (``x[index]``), ``concat``/``cat``, ``stack``, ``where``;
* ``linear.py``: ``matmul``, beside the linear layer's product.
"""
from minigan.ops.elementwise import (abs, add, broadcast_to, clamp, clip, div, exp, log,
                                     maximum, minimum, mul, neg, pow, sqrt, sub, sum_to,
                                     to_device_dtype)
from minigan.ops.indexing import cat, concat, getitem, stack, where
from minigan.ops.linear import matmul
from minigan.ops.reductions import (amax, amin, argmax, argmin, logsumexp, log_softmax, max,
                                    mean, min, softmax, std, sum, var)
from minigan.ops.shapes import flatten, permute, reshape, squeeze, transpose, unsqueeze

__all__ = ["abs", "add", "broadcast_to", "clamp", "clip", "div", "exp", "log", "maximum", "minimum",
           "mul", "neg", "pow", "sqrt", "sub", "sum_to", "to_device_dtype",
           "cat", "concat", "getitem", "stack", "where", "matmul",
           "amax", "amin", "argmax", "argmin", "logsumexp", "log_softmax", "max", "mean", "min",
           "softmax", "std", "sum", "var",
           "flatten", "permute", "reshape", "squeeze", "transpose", "unsqueeze"]
