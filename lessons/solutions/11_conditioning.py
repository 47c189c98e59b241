"""Lesson 11, reference solutions: one-hot labels and conditioning by concatenation."""
import numpy as np


def one_hot(labels, n_classes):
    """Row i of the identity matrix for label i."""
    return np.eye(n_classes)[np.asarray(labels)]


def condition(z, labels, n_classes=10):
    """[z, one_hot(labels)] along the features."""
    return np.concatenate([z, one_hot(labels, n_classes)], axis=1)
