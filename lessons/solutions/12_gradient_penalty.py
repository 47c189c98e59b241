"""Lesson 12, reference solution: WGAN-GP's gradient penalty."""
import minigan as mg  # noqa: F401
from minigan import autograd


def gradient_penalty(critic, real, fake, alpha, weight=10.0):
    """weight * mean (||grad critic(x_hat)|| - 1)^2 on x_hat between real and fake."""
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    (grad,) = autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = (grad ** 2).sum(dim=1).sqrt()
    return weight * ((norms - 1) ** 2).mean()
