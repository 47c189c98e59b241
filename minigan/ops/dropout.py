"""Dropout: zero each element with probability p in training, scale the rest by 1 / (1 - p).

The mask is drawn from minigan's seeded generator, so a run repeats exactly; it is a constant
of the graph, so dropout is a multiplication and differentiates as one.
"""
from __future__ import annotations

from minigan import backend
from minigan.autograd import Tensor


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    keep = backend.get_rng().random(x.shape) >= p
    scale = (keep / (1 - p)).astype(x.dtype)
    return x * Tensor(backend.to_device(scale, x.device))
