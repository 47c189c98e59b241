"""Lesson 09, reference solutions: D's step and G's step of the vanilla GAN."""
import minigan as mg  # noqa: F401
import minigan.nn.functional as F


def discriminator_step(D, opt_D, real, fake):
    """real -> 1, fake (detached) -> 0, by BCE from logits."""
    logits_real, logits_fake = D(real), D(fake.detach())
    loss = F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss.item()


def generator_step(D, opt_G, fake):
    """-mean log D(G(z)), through the updated D; only G's optimizer steps."""
    loss = F.softplus(-D(fake)).mean()
    opt_G.zero_grad()
    loss.backward()
    opt_G.step()
    return loss.item()
