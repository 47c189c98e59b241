"""A game: what each player of a GAN minimises, computed from the discriminator's outputs.

Every unconditional and conditional GAN in minigan is trained by one update
(:meth:`minigan.gan.base.GANModel.adversarial_update`): D scores a real batch and a batch of
fakes and steps on its loss, then G steps on its loss from the updated D's scores of the same
fakes. What differs between the original GAN, LSGAN and WGAN is only the game, so a game is a
small object the update asks four questions:

    d_loss(real_out, fake_out)       what D (the critic) minimises
    g_loss(fake_out)                 what G minimises
    d_logs(real_out, fake_out)       what the logs show of D's outputs
    critic_penalty(D, real, fake)    an extra term of D's loss (WGAN-GP), or None
    after_d_step(D)                  what happens to D after its step (WGAN's weight clipping)

A new variant of the GAN is a new game of a few dozen lines.
"""
from __future__ import annotations

from minigan.gan import losses
from minigan.ops.activation import sigmoid


class Game:
    """The base game: no penalty and nothing after D's step."""

    def d_loss(self, real_out, fake_out):
        raise NotImplementedError

    def g_loss(self, fake_out):
        raise NotImplementedError

    def d_logs(self, real_out, fake_out) -> dict:
        return {}

    def critic_penalty(self, critic, real, fake):
        return None

    def after_d_step(self, discriminator) -> None:
        pass


class BCEGame(Game):
    """The original game (Goodfellow et al. 2014): D outputs a logit, both players' losses are
    binary cross-entropies (see :mod:`minigan.gan.losses`). ``loss`` is G's: ``"nonsaturating"``
    or ``"minimax"``. ``label_smoothing`` s > 0 trains D towards 1 - s on real images, not 1
    (one-sided label smoothing, Salimans et al. 2016): an overconfident D, whose logits grow
    without bound, gives G vanishing or exploding gradients; fakes keep their target 0, so D is
    never taught to accept them."""

    def __init__(self, loss: str = "nonsaturating", label_smoothing: float = 0.0):
        if loss not in losses.GENERATOR_LOSSES:
            raise ValueError(f"BCEGame: loss must be one of {losses.GENERATOR_LOSSES}, "
                             f"got {loss!r}")
        if not 0.0 <= label_smoothing < 0.5:
            raise ValueError(f"BCEGame: label_smoothing must be in [0, 0.5), got "
                             f"{label_smoothing}")
        self.loss, self.label_smoothing = loss, label_smoothing

    def d_loss(self, real_out, fake_out):
        return losses.discriminator_loss_bce(real_out, fake_out,
                                             real_target=1.0 - self.label_smoothing)

    def g_loss(self, fake_out):
        return losses.generator_loss(fake_out, self.loss)

    def d_logs(self, real_out, fake_out) -> dict:
        """D(x) and D(G(z)) as probabilities."""
        return {"d_real": sigmoid(real_out.detach()).mean().item(),
                "d_fake": sigmoid(fake_out.detach()).mean().item()}


class LeastSquaresGame(Game):
    """LSGAN (Mao et al. 2017): D regresses real images to b and fakes to a, G pushes D's score
    of its samples to c; ``coding`` names (a, b, c) (:data:`minigan.gan.losses.LSGAN_CODINGS`).
    The logs show D's raw scores, to be read against a and b."""

    def __init__(self, coding: str = "01"):
        if coding not in losses.LSGAN_CODINGS:
            raise ValueError(f"LeastSquaresGame: coding must be one of "
                             f"{tuple(losses.LSGAN_CODINGS)}, got {coding!r}")
        self.coding = coding
        self.a, self.b, self.c = losses.LSGAN_CODINGS[coding]

    def d_loss(self, real_out, fake_out):
        return losses.discriminator_loss_lsgan(real_out, fake_out, a=self.a, b=self.b)

    def g_loss(self, fake_out):
        return losses.generator_loss_lsgan(fake_out, c=self.c)

    def d_logs(self, real_out, fake_out) -> dict:
        return {"d_real": real_out.detach().mean().item(),
                "d_fake": fake_out.detach().mean().item()}


class WassersteinGame(Game):
    """WGAN (Arjovsky et al. 2017): the critic maximises mean f(x) - mean f(G(z)), an estimate
    of the Wasserstein-1 distance when f is 1-Lipschitz. ``penalty="clip"`` keeps it so by
    clamping every weight to [-clip_value, clip_value] after each step; ``"gp"`` (Gulrajani et
    al. 2017) adds gp_weight * mean (||grad f(x_hat)|| - 1)^2 on points between real and fake
    samples instead."""

    PENALTIES = ("clip", "gp")

    def __init__(self, penalty: str = "gp", clip_value: float = 0.01, gp_weight: float = 10.0):
        if penalty not in self.PENALTIES:
            raise ValueError(f"WassersteinGame: penalty must be one of {self.PENALTIES}, "
                             f"got {penalty!r}")
        if clip_value <= 0 or gp_weight < 0:
            raise ValueError(f"WassersteinGame: clip_value must be positive and gp_weight "
                             f"non-negative, got {clip_value} and {gp_weight}")
        self.penalty, self.clip_value, self.gp_weight = penalty, clip_value, gp_weight

    def d_loss(self, real_out, fake_out):
        return losses.critic_loss_wasserstein(real_out, fake_out)

    def g_loss(self, fake_out):
        return losses.generator_loss_wasserstein(fake_out)

    def d_logs(self, real_out, fake_out) -> dict:
        real_out, fake_out = real_out.detach(), fake_out.detach()
        return {"wasserstein": -self.d_loss(real_out, fake_out).item(),
                "critic_real": real_out.mean().item(), "critic_fake": fake_out.mean().item()}

    def critic_penalty(self, critic, real, fake):
        if self.penalty != "gp":
            return None
        return losses.gradient_penalty(critic, real, fake, self.gp_weight)

    def after_d_step(self, discriminator) -> None:
        if self.penalty == "clip":
            losses.clip_weights(discriminator, self.clip_value)
