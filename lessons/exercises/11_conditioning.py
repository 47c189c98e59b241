"""Lesson 11, write it yourself: a label as a one-hot vector, and conditioning by concatenation.

Lesson 11 fed the digit's label to G by appending its one-hot vector to z, and showed that
G's first layer then adds column y of its weight, as an embedding table would. Write both
pieces in NumPy. Then run

    python lessons/check.py 11
"""
import numpy as np


def one_hot(labels, n_classes):
    """labels: an integer array (N,) of classes in 0 .. n_classes - 1. Return the float array
    (N, n_classes) whose row i is 1 in column labels[i] and 0 elsewhere.

    n_classes is given: a batch need not contain every class, so it cannot be read off the
    labels.
    """
    raise NotImplementedError


def condition(z, labels, n_classes=10):
    """G's conditioned input: z (N, latent) with the labels' one-hot vectors appended after it,
    an array (N, latent + n_classes) whose first `latent` columns are z (unchanged) and whose
    last n_classes columns are one_hot(labels, n_classes).
    """
    raise NotImplementedError
