"""Dropout: zero each element with probability p in training, scale the rest by 1 / (1 - p).

The mask is drawn from minigan's seeded generator, so a run repeats exactly; it is a constant
of the graph, so dropout is a multiplication and differentiates as one.
"""
from __future__ import annotations

import numpy

from minigan import backend
from minigan.autograd import Tensor


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    # Uniform draws in float32 (half the bits and memory of float64's, as fine-grained a
    # probability as anyone needs), and the scaled mask made in x's dtype in one pass.
    keep = backend.get_rng().random(x.shape, dtype=numpy.float32) >= p
    scale = keep * x.dtype.type(1 / (1 - p))  # (a bool array times a scalar of x's dtype)
    return x * Tensor(backend.to_device(scale, x.device))
