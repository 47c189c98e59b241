"""Checks for lessons/exercises/07_gan_losses.py: both losses against minigan's BCE from logits,
at moderate and extreme logits, and the non-saturating loss's slope where D rejects the fakes."""
from __future__ import annotations

import numpy as np

import minigan as mg
import minigan.nn.functional as F
from checks import Exercise, Wrong, expect_close


def _bce(s, target):
    targets = mg.tensor(np.full(np.shape(s), float(target)), dtype=np.float64)
    return F.binary_cross_entropy_with_logits(mg.tensor(s, dtype=np.float64), targets).item()


def _finite(value, what):
    value = float(value)
    if not np.isfinite(value):
        raise Wrong(f"{what} is {value}: compute it from the logits with a stable softplus")
    return value


def check_d_loss(m):
    rng = np.random.default_rng(0)
    for real, fake in [(rng.standard_normal(16) * 3, rng.standard_normal(8) * 3),
                       (np.array([1000.0, -1000.0]), np.array([-1000.0, 1000.0, 0.0]))]:
        what = f"discriminator_loss(real logits {np.round(real[:3], 2)}..., fake ...)"
        got = _finite(m.discriminator_loss(real.copy(), fake.copy()), what)
        expect_close(got, _bce(real, 1) + _bce(fake, 0), what + " against BCE(real, 1) + "
                     "BCE(fake, 0)", tol=1e-10)


def check_g_loss(m):
    rng = np.random.default_rng(1)
    fake = rng.standard_normal(8) * 3
    expect_close(_finite(m.generator_loss_non_saturating(fake.copy()), "the loss"),
                 _bce(fake, 1), "generator_loss_non_saturating against BCE(fake, 1)", tol=1e-10)
    rejected = np.full(4, -30.0)  # D sure the fakes are fake
    got = _finite(m.generator_loss_non_saturating(rejected.copy()), "the loss at logits -30")
    slope = (m.generator_loss_non_saturating(rejected + 1e-3)
             - m.generator_loss_non_saturating(rejected - 1e-3)) / 2e-3 / 4
    if got < 29 or not slope < -0.2:
        raise Wrong(f"at logits -30 the loss is {got:.4g} and its slope per logit {slope:.3g}; "
                    f"expected about 30 and -0.25 (mean over 4): is it the minimax loss "
                    f"log(1 - D(G(z))), which saturates there?")


EXERCISES = [
    Exercise("discriminator_loss", "mean(softplus(-logits_real)) + mean(softplus(logits_fake)), "
             "softplus(s) = np.maximum(s, 0) + np.log1p(np.exp(-np.abs(s)))", check_d_loss,
             idea="lesson 07 section 2: -V is a binary cross-entropy, label 1 for real and 0 for "
             "fake; from logits, written stably (lesson 03)"),
    Exercise("generator_loss_non_saturating", "G wants D to say 'real': BCE with target 1 on the "
             "fakes, mean(softplus(-logits_fake))", check_g_loss,
             idea="lesson 07 section 5: the non-saturating loss -log D(G(z)), from logits, "
             "written stably"),
]
