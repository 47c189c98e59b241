"""Lesson 09, write it yourself: one round of the GAN game, D's step then G's, with minigan.

Lesson 09 wrote `train_step` by hand and checked it against `VanillaGAN`. Write its two halves
here, with minigan's Tensors, modules and optimizers. Both losses are computed from D's logits
with softplus (`F.softplus`), as in the lesson. Then run

    python lessons/check.py 09
"""
import minigan as mg  # noqa: F401
import minigan.nn.functional as F  # noqa: F401


def discriminator_step(D, opt_D, real, fake):
    """One update of the discriminator D (a module that returns logits) with its optimizer.

    real: a batch of real images (N, features); fake: G(z), a Tensor that still carries G's
    graph. Score them separately, D(real) and D(fake detached), so that this step cannot
    reach G; minimise L_D = mean(softplus(-logits_real)) + mean(softplus(logits_fake)) (real
    -> 1, fake -> 0): zero D's gradients, backward, step. Return L_D as a float.
    """
    raise NotImplementedError


def generator_step(D, opt_G, fake):
    """One update of the generator with its optimizer opt_G, after D's step.

    fake: the same G(z) as D's step saw, with its graph. Score it with the (updated) D and
    minimise the non-saturating loss L_G = mean(softplus(-logits_fake)) = -mean log D(G(z)):
    zero G's gradients, backward (through D into G), step opt_G only; D must not change.
    Return L_G as a float.
    """
    raise NotImplementedError
