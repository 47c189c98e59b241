"""Lesson 07, write it yourself: the two players' losses, from logits.

The discriminator D outputs a logit s (D(x) = sigmoid(s)). Lesson 07 derived its loss and the
generator's non-saturating loss; write both in NumPy, stable at any logit (lesson 03's softplus
trick), then run

    python lessons/check.py 07
"""
import numpy as np


def discriminator_loss(logits_real, logits_fake):
    """D's loss: -mean log D(x) - mean log(1 - D(G(z))), i.e. BCE with target 1 on the real
    logits plus BCE with target 0 on the fake ones (each a mean over its own batch).

    With log sigmoid(s) = -softplus(-s) and log(1 - sigmoid(s)) = -softplus(s):
    mean softplus(-logits_real) + mean softplus(logits_fake). Return a float, finite even at
    logits of +-1000.
    """
    raise NotImplementedError


def generator_loss_non_saturating(logits_fake):
    """G's non-saturating loss: -mean log D(G(z)) = mean softplus(-logits_fake) (BCE with
    target 1 on the fakes). Unlike the minimax loss mean log(1 - D(G(z))), its gradient does not
    vanish when D confidently rejects the fakes (very negative logits). Return a float.
    """
    raise NotImplementedError
