"""Lesson 15, write it yourself: CycleGAN's cycle-consistency and identity losses, and
inpainting with a trained generator.

Lesson 15 trained a CycleGAN between handwritten (A) and printed (B) digits. Besides the
adversarial terms, its generators learn from two L1 losses that you write here in NumPy.
Images are arrays (N, C, H, W); the two domains may have different numbers of channels. The
last exercise uses minigan's autograd: it fills a hole in an image by searching a generator's
codes (lesson 15's closing section). Then run

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


def inpaint(generator, image, mask, z0, steps=500, lr=0.05):
    """Fill the unknown pixels of ``image`` with a trained generator's best guess.

    generator: a minigan module from codes (N, k) to images; it stays fixed (do not change its
    weights). image, mask: NumPy arrays with the shape of one of its images; mask is 1 where a
    pixel is known and 0 where it is missing (the image holds anything there). z0: the
    starting code, shape (k,).

    Look for the code z whose image agrees with the known pixels: minimise
    sum(mask * (G(z) - image) ** 2) over z alone, by ``steps`` steps of ``optim.Adam([z],
    lr=lr)``, z a tensor of shape (1, k) that requires a gradient. Return (filled, z): filled
    keeps the known pixels of ``image`` and takes the missing ones from G(z), with image's
    shape; z is the code found as a NumPy array of shape (k,).
    """
    raise NotImplementedError
