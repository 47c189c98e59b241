"""GAN losses, computed from the discriminator's logits.

The discriminator outputs a logit ``l``; D = sigmoid(l) is its belief that the input is real.
Every log-probability is written with ``softplus(t) = log(1 + e^t)``, which is exact for logits in
the thousands, instead of taking the log of a sigmoid that has already rounded to 0 or 1:

    log D      = log sigmoid(l)     = -softplus(-l)
    log(1 - D) = log sigmoid(-l)    = -softplus(l)

Goodfellow et al. (2014) write the game as

    min_G max_D  V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))].

The discriminator minimises -V (binary cross-entropy: real -> 1, fake -> 0). The generator either
minimises V's second term itself (the *minimax* loss), whose gradient vanishes exactly when D
confidently rejects the fakes, i.e. at the start of training, or maximises log D(G(z)) instead
(the *non-saturating* loss, the paper's practical advice and minigan's default).
"""
from __future__ import annotations

from minigan import autograd, backend
from minigan.autograd import Tensor
from minigan.ops import math
from minigan.ops.activation import softplus

GENERATOR_LOSSES = ("nonsaturating", "minimax")


def discriminator_loss_bce(real_logits: Tensor, fake_logits: Tensor,
                           real_target: float = 1.0) -> Tensor:
    """-V(D, G): binary cross-entropy of D on real (target 1) and generated (target 0) inputs.

        loss_D = -mean log D(x) - mean log(1 - D(G(z)))
               =  mean softplus(-l_real) + mean softplus(l_fake)

    The two halves are added, not averaged (as in PyTorch's DCGAN tutorial), so at the game's
    equilibrium, D = 1/2 everywhere, loss_D = 2 log 2 = 1.386. A ``real_target`` t below 1
    (one-sided label smoothing) makes the real half t softplus(-l) + (1 - t) softplus(l).
    """
    real_half = math.mean(softplus(-real_logits))
    if real_target != 1.0:
        real_half = real_target * real_half + (1.0 - real_target) * math.mean(softplus(real_logits))
    return real_half + math.mean(softplus(fake_logits))


discriminator_loss_minimax = discriminator_loss_bce  # the same loss under the game's name


def generator_loss_minimax(fake_logits: Tensor) -> Tensor:
    """The original game's generator loss, to be minimised (it is negative):

        loss_G = mean log(1 - D(G(z))) = -mean softplus(l_fake)

    Its gradient with respect to the logit is -sigmoid(l), which is ~0 where D rejects the
    fakes (l << 0): early in training the generator learns slowly, if at all.
    """
    return -math.mean(softplus(fake_logits))


def generator_loss_nonsaturating(fake_logits: Tensor) -> Tensor:
    """The non-saturating generator loss: BCE of D on the fakes against the target "real".

        loss_G = -mean log D(G(z)) = mean softplus(-l_fake)

    Same fixed point as the minimax loss, but its gradient, 1 - sigmoid(l), is largest exactly
    where D rejects the fakes, so the generator learns from the start.
    """
    return math.mean(softplus(-fake_logits))


def generator_loss(fake_logits: Tensor, kind: str = "nonsaturating") -> Tensor:
    """The generator loss named ``kind``: ``"nonsaturating"`` (default) or ``"minimax"``."""
    if kind == "nonsaturating":
        return generator_loss_nonsaturating(fake_logits)
    if kind == "minimax":
        return generator_loss_minimax(fake_logits)
    raise ValueError(f"generator_loss: kind must be one of {GENERATOR_LOSSES}, got {kind!r}")


# ---------------------------------------------------------------- least squares (LSGAN)

LSGAN_CODINGS = {"01": (0.0, 1.0, 1.0), "-11": (-1.0, 1.0, 0.0)}


def discriminator_loss_lsgan(real_out: Tensor, fake_out: Tensor, a: float = 0.0,
                             b: float = 1.0) -> Tensor:
    """Least-squares GAN (Mao et al., 2017): D regresses real outputs to b, fake ones to a.

        loss_D = 1/2 mean (D(x) - b)^2 + 1/2 mean (D(G(z)) - a)^2

    D's output is a raw score (no sigmoid). Unlike BCE, the loss keeps pulling on fakes that are
    already on the right side of the boundary but far from the data, which steadies training.
    With b - c = 1 and b - a = 2 (the "-11" coding) minimising it minimises a Pearson chi^2
    divergence; the "01" coding (a=0, b=1, c=1) is the common practical choice.
    """
    return 0.5 * math.mean((real_out - b) ** 2) + 0.5 * math.mean((fake_out - a) ** 2)


def generator_loss_lsgan(fake_out: Tensor, c: float = 1.0) -> Tensor:
    """loss_G = 1/2 mean (D(G(z)) - c)^2: G wants D to output c for its samples."""
    return 0.5 * math.mean((fake_out - c) ** 2)


# ---------------------------------------------------------------- Wasserstein (WGAN, WGAN-GP)


def critic_loss_wasserstein(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """WGAN's critic loss (Arjovsky et al., 2017), to be minimised:

        loss_C = mean f(G(z)) - mean f(x)

    The critic f is unbounded (no sigmoid). For a 1-Lipschitz f, -loss_C estimates the
    Earth-Mover (Wasserstein-1) distance between the data and the generator, by the
    Kantorovich-Rubinstein duality: W(P, Q) = sup_{||f||_L <= 1} E_P f - E_Q f.
    """
    return math.mean(fake_scores) - math.mean(real_scores)


def generator_loss_wasserstein(fake_scores: Tensor) -> Tensor:
    """WGAN's generator loss: loss_G = -mean f(G(z)) (raise the critic's score of the fakes)."""
    return -math.mean(fake_scores)


def clip_weights(module, clip_value: float = 0.01) -> None:
    """Clamp every parameter of ``module`` to [-c, c], in place: WGAN's crude way to keep the
    critic Lipschitz, applied after each critic update. It works, but (in the WGAN paper's own
    words) it is "a clearly terrible way to enforce a Lipschitz constraint": too small a c makes
    gradients vanish, too large a c makes the critic slow to train. WGAN-GP replaces it."""
    if clip_value <= 0:
        raise ValueError(f"clip_weights: clip_value must be positive, got {clip_value}")
    for p in module.parameters():
        xp = backend.get_array_module(p.data)
        xp.clip(p.data, -clip_value, clip_value, out=p.data)
        p._bump_version()


def gradient_penalty(critic, real: Tensor, fake: Tensor, weight: float = 10.0) -> Tensor:
    """WGAN-GP's penalty (Gulrajani et al., 2017): lambda * mean (||grad_x f(x_hat)||_2 - 1)^2.

    x_hat = eps x + (1 - eps) x_fake with one eps ~ U[0, 1] per sample: points on the lines
    between real and generated samples, where the optimal critic has gradient norm 1. The
    gradient is taken with ``create_graph=True``, so the penalty's own gradient with respect to
    the critic's weights (a double backward) flows into the critic's update.
    """
    if real.shape != fake.shape:
        raise ValueError(f"gradient_penalty: real {real.shape} and fake {fake.shape} shapes differ")
    n = real.shape[0]
    eps_shape = (n,) + (1,) * (real.ndim - 1)
    eps = backend.to_device(backend.get_rng().random(eps_shape).astype(real.dtype), real.device)
    eps = Tensor(eps)
    x_hat = (eps * real.detach() + (1.0 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = autograd.grad(math.sum(critic(x_hat)), x_hat, create_graph=True)
    # Clamping the squared norm (not adding to it) keeps the norm exact, and keeps sqrt's
    # derivative finite for a critic whose input gradient is exactly zero (dead ReLUs).
    norms = math.sqrt(math.clip(math.sum(grad.reshape(n, -1) ** 2, axis=1), min=1e-30))
    return weight * math.mean((norms - 1.0) ** 2)


def r1_penalty(discriminator, real: Tensor, gamma: float = 10.0) -> Tensor:
    """The R1 penalty (Mescheder et al. 2018): gamma / 2 * mean ||grad_x D(x)||^2 on real data.

    A discriminator that keeps a slope on the real data lets the generator circle around it
    forever (the Dirac GAN of lesson 08); penalising that slope, where the data are, makes the
    game converge. Unlike WGAN-GP's penalty it needs no interpolated points and pulls the
    gradient towards zero, not towards norm 1. ``D`` is the discriminator's logit. The input
    gradient is taken with ``create_graph=True`` so that the penalty's own gradient with respect
    to D's weights (a double backward) reaches D's update.
    """
    x = real.detach().requires_grad_(True)
    (grad,) = autograd.grad(math.sum(discriminator(x)), x, create_graph=True)
    n = real.shape[0]
    return (gamma / 2.0) * math.mean(math.sum(grad.reshape(n, -1) ** 2, axis=1))

