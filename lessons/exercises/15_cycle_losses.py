"""Lesson 15, write it yourself: CycleGAN's cycle-consistency and identity losses.

Lesson 15 trained a CycleGAN between handwritten (A) and printed (B) digits. Besides the
adversarial terms, its generators learn from two L1 losses that you write here in NumPy.
Images are arrays (N, C, H, W); the two domains may have different numbers of channels. Then
run

    python lessons/check.py 15
"""
import numpy as np


def cycle_consistency_loss(real_a, rec_a, real_b, rec_b):
    """L_cyc = mean |rec_a - real_a| + mean |rec_b - real_b|, as a float.

    rec_a = G_BA(G_AB(real_a)) is the round trip A -> B -> A, rec_b = G_AB(G_BA(real_b)) the
    round trip B -> A -> B. Each domain's mean absolute error (L1, not squared) is taken over
    its own elements, then the two are added. (The model weights the sum by lambda_cycle = 10;
    leave that out here.)
    """
    raise NotImplementedError


def identity_loss(G_AB, G_BA, real_a, real_b):
    """L_idt = mean |G_AB(real_b) - real_b| + mean |G_BA(real_a) - real_a|, as a float.

    G_AB: A -> B and G_BA: B -> A are functions of an image array. Each generator is fed an
    image that is already in its *target* domain and should leave it as it is. (The model
    weights this by lambda_identity * lambda_cycle = 5; leave that out here.)
    """
    raise NotImplementedError
