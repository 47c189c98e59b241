"""Loss modules: each holds a ``reduction`` ("mean", "sum" or "none") and calls
:mod:`minigan.ops.loss`. ``nn.BCEWithLogitsLoss()(logits, labels)`` is the GAN loss."""
from __future__ import annotations

from minigan.nn import functional as F
from minigan.nn.module import Module
from minigan.ops.loss import REDUCTIONS

__all__ = ["BCEWithLogitsLoss", "BCELoss", "MSELoss", "L1Loss", "CrossEntropyLoss"]


class _Loss(Module):
    _function = None

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, "
                             f"got {reduction!r}")
        self.reduction = reduction

    def forward(self, input, target):
        return type(self)._function(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (sigmoid folded in, stable for any logit)."""
    _function = staticmethod(F.binary_cross_entropy_with_logits)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities (logs clamped at -100, as PyTorch's)."""
    _function = staticmethod(F.binary_cross_entropy)


class MSELoss(_Loss):
    """Mean squared error (LSGAN's loss)."""
    _function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """Mean absolute error (pix2pix's and CycleGAN's reconstruction loss)."""
    _function = staticmethod(F.l1_loss)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits (N, C) against class indices (N,) or probabilities."""
    _function = staticmethod(F.cross_entropy)
