"""Normalisation: batch norm, instance norm and layer norm, all built on one Function.

Each of them standardises its input over some axes, xhat = (x - mean) / sqrt(var + eps) with the
biased variance, and then scales and shifts it (the learnt affine part, gamma * xhat + beta).
They differ only in the axes:

=============  ===================  =============================================
batch norm     (N, C, ...) over N and the spatial axes: one mean per channel
instance norm  (N, C, H, W) over H and W: one mean per image and channel
layer norm     over the trailing ``normalized_shape`` axes: one mean per sample
=============  ===================  =============================================

:class:`Normalize` does the standardising, with the textbook backward::

    dx = (g - mean(g) - xhat * mean(g * xhat)) / sqrt(var + eps)

written with Tensor operations, so it can be differentiated again (a layer-norm critic under a
gradient penalty); the kernels compute both directions on arrays (``normalize`` and
``normalize_grads``). In evaluation mode batch norm uses its running statistics instead, a
fixed affine map composed of ordinary operations.
"""
from __future__ import annotations

from math import prod  # the standard library's: shape arithmetic stays in Python


from minigan.autograd import Function, Tensor
from minigan.backend import xp_of
from minigan.ops import math
from minigan.ops.elementwise import sum_array_to


class Normalize(Function):
    """weight * (x - mean) / sqrt(var + eps) + bias, the statistics over ``axes`` (biased
    variance); ``weight`` and ``bias`` (either may be None) have a shape that broadcasts
    against x, e.g. (1, C, 1, 1) for batch norm.

    ``running`` = (running_mean, running_var, momentum) updates those arrays in place from this
    batch's statistics, averaged over any axes that are neither reduced nor the channel axis 1
    (instance norm's batch axis); the running variance is the unbiased one, as in PyTorch.

    The backward, with xhat the standardised input and m the number of values in each
    statistic::

        gh = g * weight                               (the gradient with respect to xhat)
        dx = (gh - mean(gh) - xhat * mean(gh * xhat)) / sqrt(var + eps)

    ``backward`` recomputes xhat and 1/std from x through differentiable operations, so that
    the gradient can be differentiated again; ``backward_once`` reads them as the forward kept
    them.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, axes, eps, running=None):
        out, (mean, var, ctx.xhat, ctx.invstd) = ctx.kernels.normalize(x, weight, bias, axes, eps)
        if running is not None:
            running_mean, running_var, momentum = running
            count = prod(x.shape[a] for a in axes)
            per_channel = tuple(i for i in range(x.ndim) if i != 1)
            unbiased = var * (count / (count - 1))
            running_mean *= 1.0 - momentum
            running_mean += momentum * mean.mean(axis=per_channel).astype(running_mean.dtype)
            running_var *= 1.0 - momentum
            running_var += momentum * unbiased.mean(axis=per_channel).astype(running_var.dtype)
        ctx.axes, ctx.eps = axes, eps
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight, bias = ctx.inputs
        axes, count = ctx.axes, prod(x.shape[a] for a in ctx.axes)
        xhat = ctx.output if weight is None and bias is None else \
            Normalize.apply(x, None, None, axes=axes, eps=ctx.eps)
        invstd = (math.var(x, axes, keepdims=True, correction=0) + ctx.eps) ** -0.5
        gh = g if weight is None else g * weight
        sum_g = math.sum(gh, axes, keepdims=True)
        sum_gx = math.sum(gh * xhat, axes, keepdims=True)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = (gh - sum_g / count - xhat * (sum_gx / count)) * invstd
        if weight is not None and ctx.needs_input_grad[1]:
            gw = math.sum_to(g * xhat, weight.shape)
        if bias is not None and ctx.needs_input_grad[2]:
            gb = math.sum_to(g, bias.shape)
        return gx, gw, gb

    @staticmethod
    def backward_once(ctx, g):
        x, weight, bias = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        # A weight constant over the normalised axes (batch and instance norm: one per channel)
        # goes into the kernel's scale; any other (layer norm's) multiplies g first.
        per_channel = weight is None or all(
            weight.shape[a - (x.ndim - weight.ndim)] == 1 for a in ctx.axes
            if a >= x.ndim - weight.ndim)
        g_out, scale_by = g, None if weight is None else weight.data
        if not per_channel:
            g, scale_by = g * weight.data, None
        gx, sum_gx, sum_g = ctx.kernels.normalize_grads(g, ctx.xhat, ctx.invstd, scale_by,
                                                        ctx.axes, need_x)
        if not per_channel:  # weight and bias vary along the normalised axes: no sums over them
            sum_gx, sum_g = g_out * ctx.xhat, g_out
        gw = sum_array_to(sum_gx, weight.shape) if weight is not None and need_w else None
        gb = sum_array_to(sum_g, bias.shape) if bias is not None and need_b else None
        return gx, gw, gb


def _channel_view(t: Tensor, ndim: int) -> Tensor:
    """A (C,) tensor shaped (1, C, 1, ...) to broadcast against an (N, C, ...) input."""
    return math.reshape(t, (1, -1) + (1,) * (ndim - 2))


def _check_channels(op: str, input: Tensor, tensors) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{op}: expected an input of shape (N, C, ...), got {input.shape}")
    c = input.shape[1]
    for name, t in tensors:
        if t is not None and t.shape != (c,):
            raise ValueError(f"{op}: {name} of shape {t.shape} does not match the input's "
                             f"{c} channels (input shape {input.shape})")
        # Checked here, not left to Function.apply: the running statistics are updated in
        # place by the forward, not passed as inputs, so a mix would fail inside NumPy or CuPy.
        if t is not None and t.device != input.device:
            raise RuntimeError(f"{op}: tensors on two devices, {input.device} (input) and "
                               f"{t.device} ({name}); move them with .to(device)")
        if t is not None and name in ("weight", "bias") and t.dtype != input.dtype:
            raise TypeError(f"{op}: input dtype {input.dtype} does not match {name}'s dtype "
                            f"{t.dtype}")


def _normalize(x: Tensor, weight, bias, axes, eps, running=None) -> Tensor:
    """Normalize with per-channel weight and bias, viewed as (1, C, 1, ...)."""
    view = (lambda t: None if t is None else _channel_view(t, x.ndim))
    return Normalize.apply(x, view(weight), view(bias), axes=axes, eps=eps, running=running)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation of an (N, C), (N, C, L) or (N, C, H, W) input, per channel.

    Training (or no running statistics): normalise with this batch's mean and biased variance
    and, when running statistics are given, move them towards the batch's (running_var gets the
    unbiased variance): r = (1 - momentum) r + momentum * batch. Evaluation: normalise with
    the running statistics. Then y = weight * xhat + bias when they are given.
    """
    _check_channels("batch_norm", input, (("running_mean", running_mean),
                                          ("running_var", running_var),
                                          ("weight", weight), ("bias", bias)))
    axes = (0,) + tuple(range(2, input.ndim))
    if training or running_mean is None or running_var is None:
        count = prod(input.shape[a] for a in axes)
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {input.shape}")
        running = None
        if training and running_mean is not None and running_var is not None:
            running = (running_mean.data, running_var.data, momentum)
        return _normalize(input, weight, bias, axes, eps, running)
    # Evaluation: a fixed per-channel affine map, y = x * scale + shift.
    invstd = 1.0 / xp_of(running_var.data).sqrt(running_var.data + eps)
    scale = Tensor(invstd.astype(input.dtype, copy=False))
    shift = Tensor((-running_mean.data * invstd).astype(input.dtype, copy=False))
    if weight is not None:
        scale, shift = scale * weight, shift * weight
    if bias is not None:
        shift = shift + bias
    return input * _channel_view(scale, input.ndim) + _channel_view(shift, input.ndim)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each image's channels over their own spatial axes (CycleGAN, pix2pix).

    With running statistics, ``use_input_stats`` updates them by the batch average of the
    per-image statistics; ``use_input_stats=False`` normalises with them instead.
    """
    _check_channels("instance_norm", input, (("running_mean", running_mean),
                                             ("running_var", running_var),
                                             ("weight", weight), ("bias", bias)))
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected an input of shape (N, C, H, W) or (N, C, L), "
                         f"got {input.shape}")
    axes = tuple(range(2, input.ndim))
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running statistics")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    count = prod(input.shape[a] for a in axes)
    if count <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element per channel, got "
                         f"input of shape {input.shape}")
    running = None
    if running_mean is not None and running_var is not None:
        running = (running_mean.data, running_var.data, momentum)
    return _normalize(input, weight, bias, axes, eps, running)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its trailing ``normalized_shape`` axes, then apply the
    elementwise affine map (weight and bias of shape ``normalized_shape``).

    Unlike batch norm it mixes no samples, so a WGAN-GP critic may use it: the gradient penalty
    is a per-sample quantity.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm: input must be a Tensor, got {type(input).__name__}")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or input.shape[input.ndim - k:] != shape:
        raise ValueError(f"layer_norm: normalized_shape {shape} does not match the trailing "
                         f"dimensions of the input's shape {input.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise ValueError(f"layer_norm: {name} of shape {t.shape} must have the "
                             f"normalized_shape {shape}")
    return Normalize.apply(input, weight, bias, axes=tuple(range(input.ndim - k, input.ndim)),
                           eps=eps)
