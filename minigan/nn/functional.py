"""The operations under PyTorch's functional names: ``import minigan.nn.functional as F``.

Layers (``nn.Linear``, ``nn.LeakyReLU``, ...) hold parameters and settings and call these.
Each name here is either one of ``minigan.ops`` re-exported or a thin wrapper that adapts
PyTorch's signature (``dim=``, ``inplace=``) to it. Add new names as imports or small wrappers.
"""
from __future__ import annotations

from minigan import backend
from minigan.autograd import Tensor
from minigan.ops import activation as _act
from minigan.ops import indices as _indices
from minigan.ops import linear as _linear
from minigan.ops import loss as _loss
from minigan.ops import math as _math
from minigan.ops.activation import log_sigmoid as logsigmoid  # noqa: F401
from minigan.ops.activation import sigmoid, tanh  # noqa: F401
from minigan.ops.dropout import dropout as _dropout


def _check_floating_input(op: str, input, weight: Tensor) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op} expects a Tensor input, got {type(input).__name__}; "
                        "wrap arrays with minigan.tensor(...)")
    if input.dtype != weight.dtype:
        raise TypeError(f"{op}: input dtype {input.dtype} does not match the weight's dtype "
                        f"{weight.dtype}; convert the input with .to(dtype=...) or the model "
                        "with .double()/.float()")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` with weight of shape (out_features, in_features)."""
    _check_floating_input("linear", input, weight)
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: weight of shape {weight.shape} expects input of shape "
                         f"(*, {weight.shape[1]}), got {input.shape}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    if input.ndim == 2:  # one Function: the bias is added inside the product's slabs
        return _linear.linear(input, weight, bias)
    out = _math.matmul(input, _math.transpose(weight, 0, 1))
    return out if bias is None else out + bias


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x). ``inplace`` is accepted for PyTorch code and ignored: minigan never writes
    into a tensor that the graph may still need."""
    return _act.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _act.leaky_relu(input, negative_slope)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta. Computed exactly everywhere, so PyTorch's ``threshold``
    (its switch to the identity for large inputs) is accepted but not needed."""
    if beta == 1:
        return _act.softplus(input)
    return _act.softplus(input * beta) / beta


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    return _dropout(input, p, training)


def softmax(input: Tensor, dim: int = -1) -> Tensor:
    return _math.softmax(input, dim=dim)


def log_softmax(input: Tensor, dim: int = -1) -> Tensor:
    return _math.log_softmax(input, dim=dim)


def embedding(input, weight: Tensor) -> Tensor:
    """Rows of ``weight`` picked by the integer indices ``input``: shape ``input.shape + (dim,)``.

    The gradient flows to the picked rows; a row picked twice gets both gradients. Indices from
    the host out of range are an IndexError; on a GPU they pick rows of NaN instead (see
    :mod:`minigan.ops.indices`: checking there would stop the GPU at every call).
    """
    index = input.data if isinstance(input, Tensor) else input
    if not backend.is_array(index):
        index = backend.to_numpy(index)  # a list: checked on the host, then moved
    if index.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {index.dtype}")
    num = weight.shape[0]
    index, out_of_range = _indices.to_device_checked(
        index, num, weight.device, lambda low, high: IndexError(
            f"embedding: indices must lie in [0, {num}), got values from {low} to {high}"))
    return _indices.nan_where(_math.getitem(weight, index), out_of_range)


def binary_cross_entropy_with_logits(input: Tensor, target, reduction: str = "mean") -> Tensor:
    return _loss.bce_with_logits(input, target, reduction=reduction)


def binary_cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    return _loss.bce(input, target, reduction=reduction)


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    return _loss.mse(input, target, reduction=reduction)


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    return _loss.l1(input, target, reduction=reduction)


def cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    return _loss.cross_entropy(input, target, reduction=reduction)


# ---------------------------------------------------------------- convolution, normalisation,
# padding, pooling and upsampling (minigan.ops.conv, norm, pad, pool)

from minigan.ops.conv import conv2d, conv_transpose2d  # noqa: E402,F401
from minigan.ops.norm import batch_norm, instance_norm, layer_norm  # noqa: E402,F401
from minigan.ops.pad import pad  # noqa: E402,F401
from minigan.ops.pool import avg_pool2d  # noqa: E402,F401


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners=None, recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resize an (N, C, H, W) input; minigan supports nearest-neighbour by integer factors."""
    from minigan.ops.pool import upsample as _upsample

    if antialias:
        raise ValueError("interpolate: antialias=True is not supported")
    return _upsample(input, size, scale_factor, mode)


upsample = interpolate
