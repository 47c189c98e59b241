"""Lesson 15, reference solutions: CycleGAN's cycle-consistency and identity losses."""
import numpy as np


def _l1(x, y):
    return float(np.mean(np.abs(np.asarray(x, dtype=np.float64) - y)))


def cycle_consistency_loss(real_a, rec_a, real_b, rec_b):
    """L1 of each round trip, per domain, summed."""
    return _l1(rec_a, real_a) + _l1(rec_b, real_b)


def identity_loss(G_AB, G_BA, real_a, real_b):
    """Each generator on its own target domain should change nothing."""
    return _l1(G_AB(real_b), real_b) + _l1(G_BA(real_a), real_a)
