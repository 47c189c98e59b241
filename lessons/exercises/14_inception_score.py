"""Lesson 14, write it yourself: the Inception Score from a classifier's probabilities.

Lesson 14 scored generators with the judge. The Inception Score asks two things of a
classifier's outputs p(y|x) on generated images: each image is classified confidently (low
entropy of p(y|x)), and the images together cover the classes (high entropy of the average
p(y)). Write it in NumPy, then run

    python lessons/check.py 14
"""
import numpy as np


def inception_score(probs):
    """exp(mean over images x of KL(p(y|x) || p(y))), with p(y) the mean of the rows.

    probs: (N, K), each row a probability vector p(y|x). KL(p || q) = sum_k p_k log(p_k / q_k),
    with 0 log 0 = 0 (a class an image gives probability 0 adds nothing; use np.where, not a
    small eps, so that exact one-hot rows give the exact score). Return a float between 1 (every
    image classified alike, or every image undecided) and K (confident and evenly spread).
    """
    raise NotImplementedError
