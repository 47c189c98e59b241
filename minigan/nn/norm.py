"""Normalisation layers: BatchNorm1d, BatchNorm2d, InstanceNorm2d and LayerNorm.

As in PyTorch, batch norm's buffers are ``running_mean`` (zeros), ``running_var`` (ones) and
``num_batches_tracked``; in training mode it normalises with the batch's statistics and moves the
running ones towards them (``momentum`` 0.1; ``momentum=None`` keeps a cumulative average), in
evaluation mode (``model.eval()``) it normalises with the running statistics. The learnt affine
parameters are ``weight`` (ones) and ``bias`` (zeros).
"""
from __future__ import annotations

from minigan import backend
from minigan.autograd import Tensor
from minigan.nn import init
from minigan.nn.layers import empty_parameter
from minigan.nn.module import Module
from minigan.ops import norm as _norm

__all__ = ["BatchNorm1d", "BatchNorm2d", "InstanceNorm2d", "LayerNorm"]


class _NormBase(Module):
    _dims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        if num_features < 1:
            raise ValueError(f"{type(self).__name__} needs num_features >= 1, got {num_features}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = empty_parameter(num_features)
            self.bias = empty_parameter(num_features)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            xp = backend.array_module(backend.get_default_device())
            dtype = backend.get_default_dtype()
            self.register_buffer("running_mean", Tensor(xp.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(xp.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(xp.zeros((), dtype="int64")))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _check_input(self, x) -> None:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r} expects a Tensor, got {type(x).__name__}")
        if x.ndim not in self._dims:
            wanted = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"{self!r}: expected {wanted} input, got {x.ndim}D input of shape "
                             f"{x.shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{self!r}: expected {self.num_features} channels (dimension 1), "
                             f"got input of shape {x.shape}")

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        momentum = 0.0 if self.momentum is None else self.momentum
        batch_stats = self.training or not self.track_running_stats
        if batch_stats:
            count = x.shape[0] * (x.numel() // max(1, x.shape[0] * x.shape[1]))
            if count <= 1:
                raise ValueError(f"{self!r}: expected more than 1 value per channel when "
                                 f"training, got input of shape {x.shape}")
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # a cumulative average of every batch seen
                momentum = 1.0 / float(self.num_batches_tracked.data)
        # Running statistics are read in evaluation and written in training (when tracked).
        track = self.track_running_stats
        return _norm.batch_norm(x, self.running_mean if track else None,
                                self.running_var if track else None, self.weight, self.bias,
                                batch_stats, momentum, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs: one mean and variance per feature C."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs: one mean and variance per channel (DCGAN)."""

    _dims = (4,)


class InstanceNorm2d(_NormBase):
    """Normalise every image's channels over their own H x W (CycleGAN, pix2pix, style
    transfer). As in PyTorch, no affine parameters and no running statistics by default."""

    _dims = (3, 4)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False):
        super().__init__(num_features, eps, momentum, affine, track_running_stats)

    def _check_input(self, x) -> None:
        if isinstance(x, Tensor) and x.ndim == 3 and x.shape[0] == self.num_features:
            return  # an unbatched (C, H, W) image
        super()._check_input(x)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        if x.ndim == 3:
            return self.forward(x.unsqueeze(0)).squeeze(0)
        use_input_stats = self.training or not self.track_running_stats
        return _norm.instance_norm(x, self.running_mean, self.running_var, self.weight,
                                   self.bias, use_input_stats, self.momentum, self.eps)


class LayerNorm(Module):
    """Normalise each sample over its trailing ``normalized_shape`` axes, then scale and shift
    elementwise (``weight`` ones, ``bias`` zeros, both of shape ``normalized_shape``)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
            tuple(normalized_shape)
        if not shape or min(shape) < 1:
            raise ValueError(f"LayerNorm needs a non-empty positive normalized_shape, got "
                             f"{normalized_shape!r}")
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = empty_parameter(*shape)
            self.register_parameter("bias", empty_parameter(*shape) if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        try:
            return _norm.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
