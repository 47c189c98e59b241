"""Lesson 07, reference solutions: the discriminator's and the generator's losses from logits."""
import numpy as np


def _softplus(s):
    s = np.asarray(s, dtype=np.float64)
    return np.maximum(s, 0) + np.log1p(np.exp(-np.abs(s)))


def discriminator_loss(logits_real, logits_fake):
    """BCE(real, 1) + BCE(fake, 0), from logits."""
    return float(np.mean(_softplus(-np.asarray(logits_real))) + np.mean(_softplus(logits_fake)))


def generator_loss_non_saturating(logits_fake):
    """BCE(fake, 1), from logits."""
    return float(np.mean(_softplus(-np.asarray(logits_fake))))
