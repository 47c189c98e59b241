"""Losses, each computed from the most stable input available.

``bce_with_logits`` works on logits: softplus(x) - x*y never takes the log of a rounded
probability, so it stays exact for logits in the thousands. GAN losses use it.
"""
from __future__ import annotations

from minigan.autograd import Tensor, as_tensor_like
from minigan.ops import math
from minigan.ops.activation import softplus

REDUCTIONS = ("mean", "sum", "none")


def _check(name: str, input: Tensor, target, reduction: str) -> Tensor:
    target = as_tensor_like(target, input)
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if input.shape != target.shape:
        raise ValueError(f"{name}: input shape {input.shape} and target shape {target.shape} "
                         "differ; minigan does not broadcast a loss's target (it hides bugs)")
    return target


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return math.mean(loss)
    if reduction == "sum":
        return math.sum(loss)
    return loss


def bce_with_logits(logits: Tensor, target, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of sigmoid(logits) against targets in [0, 1].

    -[y log s(x) + (1-y) log(1-s(x))] = softplus(x) - x*y, exactly.
    """
    target = _check("bce_with_logits", logits, target, reduction)
    return _reduce(softplus(logits) - logits * target, reduction)


def bce(probs: Tensor, target, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities; each log is clamped at -100, as PyTorch does."""
    target = _check("bce", probs, target, reduction)
    log_p = math.clip(math.log(probs), min=-100.0)
    log_1mp = math.clip(math.log(1.0 - probs), min=-100.0)
    return _reduce(-(target * log_p + (1.0 - target) * log_1mp), reduction)


def mse(input: Tensor, target, reduction: str = "mean") -> Tensor:
    target = _check("mse", input, target, reduction)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1(input: Tensor, target, reduction: str = "mean") -> Tensor:
    target = _check("l1", input, target, reduction)
    return _reduce(math.abs(input - target), reduction)


def cross_entropy(logits: Tensor, target, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy over axis 1; ``target`` holds class indices of shape (N,).

    Also accepts class probabilities of the logits' own shape.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy expects logits of shape (N, C), got {logits.shape}")
    log_probs = math.log_softmax(logits, axis=1)
    target_data = target.data if isinstance(target, Tensor) else target
    xp = math.xp_of(logits.data)
    target_data = xp.asarray(target_data)
    if target_data.dtype.kind in "iu":
        n, classes = logits.shape
        if target_data.shape != (n,):
            raise ValueError(f"cross_entropy: logits of shape {logits.shape} need class indices "
                             f"of shape ({n},), got {target_data.shape}")
        if target_data.size and (target_data.min() < 0 or target_data.max() >= classes):
            raise ValueError(f"cross_entropy: class indices must lie in [0, {classes})")
        loss = -log_probs[xp.arange(n), target_data]
    else:
        probs = _check("cross_entropy", logits, target, reduction)
        loss = -math.sum(probs * log_probs, axis=1)
    return _reduce(loss, reduction)
