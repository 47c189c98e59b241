"""Dense and elementwise layers: Linear, Embedding, activations, Dropout, Flatten, Identity.

A layer holds its parameters and settings and calls the function of the same name in
:mod:`minigan.nn.functional`. Parameters are created in the default dtype on the default device
and initialised as PyTorch initialises them, from minigan's seeded generator.
"""
from __future__ import annotations

import math

from minigan import backend
from minigan.autograd import Tensor
from minigan.nn import functional as F
from minigan.nn import init
from minigan.nn.module import Module
from minigan.nn.parameter import empty_parameter
from minigan.ops import math as _math

__all__ = ["Linear", "Embedding", "Identity", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softplus",
           "LogSigmoid", "Softmax", "LogSoftmax", "Dropout", "Flatten", "Unflatten"]


class Identity(Module):
    """Returns its input; takes (and ignores) any arguments, as PyTorch's does."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features).

    Initialised as PyTorch's: W and b from U(-1/sqrt(in_features), 1/sqrt(in_features)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear needs non-negative sizes, got in_features={in_features}, "
                             f"out_features={out_features}")
        self.in_features, self.out_features = in_features, out_features
        self.weight = empty_parameter(out_features, in_features)
        self.register_parameter("bias", empty_parameter(out_features) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        name = f"Linear(in_features={self.in_features}, out_features={self.out_features})"
        if not isinstance(x, Tensor):
            raise TypeError(f"{name} expects a Tensor, got {type(x).__name__}; "
                            "wrap arrays with minigan.tensor(...)")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"{name}: expected input of shape (*, {self.in_features}), "
                             f"got {x.shape}")
        if x.dtype != self.weight.dtype:
            raise TypeError(f"{name}: input dtype {x.dtype} does not match the layer's dtype "
                            f"{self.weight.dtype}; convert the input with .to(dtype=...) or the "
                            "model with .double()/.float()")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Embedding(Module):
    """A table of ``num_embeddings`` learnt vectors of size ``embedding_dim``, looked up by index
    (the class label of a conditional GAN). Initialised from N(0, 1), as PyTorch's."""

    def __init__(self, num_embeddings: int, embedding_dim: int):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = empty_parameter(num_embeddings, embedding_dim)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)

    def forward(self, indices) -> Tensor:
        index = indices.data if isinstance(indices, Tensor) else indices
        if backend.is_array(index) and index.dtype.kind not in "iu":
            raise TypeError(f"{self!r}: indices must be integers, got dtype {index.dtype}")
        try:
            return F.embedding(indices, self.weight)
        except (TypeError, IndexError) as error:
            raise type(error)(f"{self!r}: {error}") from None

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


# ---------------------------------------------------------------- activations


def _inplace_repr(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


class ReLU(Module):
    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace  # accepted for PyTorch code; minigan never computes in place

    def forward(self, x):
        return F.relu(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise (GAN discriminators use 0.2)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Module):
    def forward(self, x):
        return F.sigmoid(x)


class LogSigmoid(Module):
    def forward(self, x):
        return F.logsigmoid(x)


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x):
        return F.log_softmax(x, self.dim)


# ---------------------------------------------------------------- regularisation and shapes


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode (scaling the rest by
    1 / (1 - p), so the expectation is unchanged); the identity in evaluation mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Flatten(Module):
    """Merge dimensions ``start_dim``..``end_dim`` into one: (N, C, H, W) -> (N, C*H*W)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return _math.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: (N, 784) -> (N, 1, 28, 28)."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        dim = self.dim % x.ndim
        size = 1
        for n in self.unflattened_size:
            size *= n if n != -1 else 1
        if -1 not in self.unflattened_size and size != x.shape[dim]:
            raise ValueError(f"{self!r}: dimension {self.dim} of the input {x.shape} has size "
                             f"{x.shape[dim]}, which cannot be split into {self.unflattened_size}")
        return _math.reshape(x, x.shape[:dim] + self.unflattened_size + x.shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
