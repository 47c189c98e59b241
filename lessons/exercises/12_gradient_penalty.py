"""Lesson 12, write it yourself: WGAN-GP's gradient penalty, with minigan.

Lesson 12 wrote the penalty by hand before training with it. Write it again here, with
minigan's Tensors and `autograd.grad`. The critic is trained on this penalty, so its gradient
with respect to the critic's weights must flow: that is a gradient of a gradient. Then run

    python lessons/check.py 12
"""
import minigan as mg  # noqa: F401
from minigan import autograd  # noqa: F401


def gradient_penalty(critic, real, fake, alpha, weight=10.0):
    """weight * mean over the batch of (||grad_x critic(x_hat)||_2 - 1) ** 2.

    real, fake: Tensors (N, D); alpha: a Tensor (N, 1) of mixing weights in [0, 1] (given, so
    that the check can repeat it). x_hat = alpha * real + (1 - alpha) * fake, detached from
    whatever made real and fake, then `.requires_grad_(True)`. Take the gradient of
    `critic(x_hat).sum()` with respect to x_hat with `autograd.grad(..., create_graph=True)`
    (without create_graph the penalty would have no gradient for the critic's weights), its
    norm per row, and return the penalty as a Tensor (a scalar).
    """
    raise NotImplementedError
