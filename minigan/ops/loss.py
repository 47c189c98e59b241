"""Losses, each computed from the most stable input available.

``bce_with_logits`` works on logits: softplus(x) - x*y never takes the log of a rounded
probability, so it stays exact for logits in the thousands. GAN losses use it.
"""
from __future__ import annotations

from minigan import backend
from minigan.autograd import Function, Tensor, as_operand
from minigan.backend import xp_of
from minigan.ops import indices, math
from minigan.ops.activation import sigmoid

REDUCTIONS = ("mean", "sum", "none")


def _check(name: str, input: Tensor, target, reduction: str) -> Tensor:
    target = as_operand(target, input)
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
    return _reduce(BCEWithLogits.apply(logits, target), reduction)


class BCEWithLogits(Function):
    """softplus(x) - x*y elementwise, one Function instead of three: its gradients are
    sigmoid(x) - y for x and -x for y, written with Tensor operations so that they can be
    differentiated again."""

    @staticmethod
    def forward(ctx, x, y):
        return (xp_of(x).logaddexp(0, x) - x * y).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.inputs
        gx = g * (sigmoid(x) - y) if ctx.needs_input_grad[0] else None
        gy = -(g * x) if ctx.needs_input_grad[1] else None
        return gx, gy


# PyTorch's floor for p (1 - p) is the float32 number nearest 1e-12; using the same one makes
# saturated gradients agree with it to the last digit.
_BCE_EPS = 9.9999999600419720025e-13


def _clamped_log(a):
    """max(log a, -100) without evaluating log(0) (which would warn)."""
    xp = xp_of(a)
    positive = a > 0
    return xp.where(positive, xp.maximum(xp.log(xp.where(positive, a, 1)), -100), -100).astype(
        a.dtype, copy=False)


class BinaryCrossEntropy(Function):
    """-[y log p + (1-y) log(1-p)] elementwise, each log clamped at -100 as PyTorch does.

    Its own backward, (p - y) / max(p (1 - p), 1e-12), stays finite where p rounds to exactly
    0 or 1 (a float32 sigmoid does from |x| ~ 17); composing log and clip would give 0/0 there.
    """

    @staticmethod
    def forward(ctx, p, y):
        log_p, log_1mp = _clamped_log(p), _clamped_log(1 - p)
        loss = -(y * log_p + (1 - y) * log_1mp)
        # A probability outside [0, 1] gives NaN, not a clamped number (bce() refuses them
        # outright on the CPU, where checking costs no wait).
        return xp_of(p).where((p >= 0) & (p <= 1), loss, xp_of(p).nan)

    @staticmethod
    def backward(ctx, g):
        p, y = ctx.inputs
        gp = gy = None
        if ctx.needs_input_grad[0]:
            gp = g * (p - y) / math.clip(p * (1.0 - p), min=_BCE_EPS)
        if ctx.needs_input_grad[1]:
            gy = g * (math.clip(math.log(1.0 - p), min=-100.0) - math.clip(math.log(p), min=-100.0))
        return gp, gy


def bce(probs: Tensor, target, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities; each log is clamped at -100, as PyTorch does.

    Probabilities outside [0, 1] (or NaN) are refused, as PyTorch refuses them: the formula
    would return a number for them, and a wrong one."""
    target = _check("bce", probs, target, reduction)
    if probs.device == "cpu":  # on a GPU the forward makes such elements NaN instead of
        inside = (probs.data >= 0) & (probs.data <= 1)  # waiting to read a flag back
        if not bool(inside.all()):
            value = float(probs.data[~inside].reshape(-1)[0])
            raise ValueError(f"bce: probabilities must lie in [0, 1], got {value} in an input "
                             f"of shape {probs.shape}; for raw scores use bce_with_logits "
                             "(nn.BCEWithLogitsLoss)")
    return _reduce(BinaryCrossEntropy.apply(probs, target), reduction)


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
    log_probs = math.log_softmax(logits, dim=1)
    target_data = target.data if isinstance(target, Tensor) else target
    xp = xp_of(logits.data)
    if not backend.is_array(target_data):
        target_data = backend.to_numpy(target_data)  # a list: checked on the host, then moved
    if target_data.dtype.kind in "iu":
        n, classes = logits.shape
        if target_data.shape != (n,):
            raise ValueError(f"cross_entropy: logits of shape {logits.shape} need class indices "
                             f"of shape ({n},), got {target_data.shape}")
        # Off-range labels already on a GPU give NaN losses instead (see minigan.ops.indices).
        target_data, out_of_range = indices.to_device_checked(
            target_data, classes, logits.device, lambda low, high: ValueError(
                f"cross_entropy: class indices must lie in [0, {classes}), got {low} to {high}"))
        loss = indices.nan_where(-log_probs[xp.arange(n), target_data], out_of_range)
    else:
        probs = _check("cross_entropy", logits, target, reduction)
        loss = -math.sum(probs * log_probs, dim=1)
    return _reduce(loss, reduction)
