"""Checks for lessons/exercises/14_inception_score.py: the known extremes (1 and K) and
minigan.metrics' inception_score on random probabilities."""
from __future__ import annotations

import numpy as np

from minigan.metrics.scores import inception_score as minigan_inception_score
from checks import Exercise, Wrong, as_array, expect_close


def check_inception_score(m):
    k = 10
    cases = [("every image undecided (uniform rows)", np.full((50, k), 1 / k), 1.0),
             ("every image confidently the same class", np.eye(k)[np.zeros(50, int)], 1.0),
             ("confident and evenly spread over 10 classes", np.eye(k)[np.arange(50) % k], 10.0),
             ("confident, spread over 4 of 10 classes", np.eye(k)[np.arange(40) % 4], 4.0)]
    for what, probs, expected in cases:
        got = as_array(m.inception_score(probs.copy()), f"the score for {what}")
        if not np.isfinite(got).all():
            raise Wrong(f"the score for {what} is {got}: 0 log 0 must count as 0")
        expect_close(got, expected, f"the score for {what}", tol=1e-9)
    rng = np.random.default_rng(0)
    logits = 3 * rng.standard_normal((200, k))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expect_close(m.inception_score(probs.copy()), minigan_inception_score(probs),
                 "the score of 200 random probability rows, compared with minigan.metrics'",
                 tol=1e-9)


EXERCISES = [
    Exercise("inception_score", "p_y = probs.mean(axis=0); kl = sum over k of "
             "p * log(p / p_y) where p > 0 (np.where); the score is exp(kl.mean())",
             check_inception_score,
             idea="lesson 14's classifier section: exp of the mean KL divergence between each "
             "sample's class probabilities and their average"),
]
