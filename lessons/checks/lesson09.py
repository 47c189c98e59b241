"""Checks for lessons/exercises/09_gan_step.py: two rounds of a tiny VanillaGAN (6 pixels,
8 hidden units, no dropout, seeded noise) against the learner's steps on copies of its networks:
the losses, D's and G's weights after each step, that D's step leaves G without gradients (the
forgotten detach) and that G's step leaves D unchanged."""
from __future__ import annotations

import numpy as np

import minigan as mg
import minigan.nn.functional as F
from minigan import optim
from minigan.gan.models.mlp import VanillaGAN, mlp_discriminator, mlp_generator
from checks import Exercise, Wrong, expect_close

LATENT, PIXELS, N = 4, 6, 5


def _setup():
    """The library's model and the learner's copies of its networks and optimizers."""
    mg.manual_seed(0)
    library = VanillaGAN(latent_dim=LATENT, g_hidden=(8,), d_hidden=(8,),
                         image_shape=(1, 2, 3), dropout=0.0)
    G, D = mlp_generator(LATENT, (8,), PIXELS), mlp_discriminator(PIXELS, (8,), dropout=0.0)
    G.load_state_dict(library.G.state_dict())
    D.load_state_dict(library.D.state_dict())
    opt_G = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    reals = [mg.tensor(np.random.default_rng(r).uniform(-1, 1, (N, PIXELS)), dtype=np.float32)
             for r in range(2)]
    return library, G, D, opt_G, opt_D, reals


def _loss(value, what):
    if isinstance(value, mg.Tensor):
        value = value.item()
    if value is None:
        raise Wrong(f"{what} is None: did the function forget to return the loss?")
    return float(value)


def _same_weights(mine, theirs, what):
    for (name, p), q in zip(mine.named_parameters(), theirs.parameters()):
        expect_close(p.numpy(), q.numpy(), f"{what}'s {name}", tol=1e-5)


def check_discriminator_step(m):
    library, G, D, opt_G, opt_D, reals = _setup()
    for round_, real in enumerate(reals, 1):
        mg.manual_seed(10 + round_)
        theirs = library.update((real,), update_generator=False)
        mg.manual_seed(10 + round_)
        fake = G(mg.randn(N, LATENT))
        got = _loss(m.discriminator_step(D, opt_D, real, fake), "the loss")
        if any(p.grad is not None and np.any(p.grad.numpy()) for p in G.parameters()):
            raise Wrong("after D's step G's weights have gradients: score fake.detach(), so "
                        "that D's step cannot reach G")
        expect_close(got, theirs["loss_d"], f"L_D in round {round_}, compared with "
                     f"VanillaGAN's", tol=1e-5)
        _same_weights(D, library.D, f"after D's step in round {round_} (did D's gradients get "
                      f"zeroed?), compared with VanillaGAN's, D")


def check_generator_step(m):
    library, G, D, opt_G, opt_D, reals = _setup()
    for round_, real in enumerate(reals, 1):
        mg.manual_seed(10 + round_)
        theirs = library.update((real,), update_generator=True)
        mg.manual_seed(10 + round_)
        fake = G(mg.randn(N, LATENT))
        loss_d = F.softplus(-D(real)).mean() + F.softplus(D(fake.detach())).mean()
        opt_D.zero_grad()
        loss_d.backward()
        opt_D.step()
        with mg.no_grad():
            logits = D(fake).numpy().ravel().astype(np.float64)
        got = _loss(m.generator_step(D, opt_G, fake), "the loss")
        _same_weights(D, library.D, f"after G's step in round {round_} (opt_G only must step),"
                      f" D")
        minimax = float(np.mean(-np.logaddexp(0, logits)))
        if abs(got - minimax) < 1e-6 and abs(got - theirs["loss_g"]) > 1e-6:
            raise Wrong(f"L_G in round {round_} is {got:.6g}, the minimax loss "
                        f"mean log(1 - D(G(z))), which saturates when D rejects the fakes; "
                        f"expected the non-saturating {theirs['loss_g']:.6g}")
        expect_close(got, theirs["loss_g"], f"L_G in round {round_}, compared with "
                     f"VanillaGAN's", tol=1e-5)
        _same_weights(G, library.G, f"after G's step in round {round_} (did G's gradients get "
                      f"zeroed?), compared with VanillaGAN's, G")


EXERCISES = [
    Exercise("discriminator_step", "logits_real, logits_fake = D(real), D(fake.detach()); loss = "
             "F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean(); then "
             "opt_D.zero_grad(), loss.backward(), opt_D.step(), return loss.item()",
             check_discriminator_step,
             idea="lesson 09's step by hand: D's BCE on real (label 1) and on fakes (label 0) "
             "that send no gradient to G; then a step of D's optimiser only"),
    Exercise("generator_step", "loss = F.softplus(-D(fake)).mean() (G wants D to say 'real'); "
             "opt_G.zero_grad(), loss.backward(), opt_G.step(); never opt_D.step() here",
             check_generator_step,
             idea="lesson 09's step by hand: the non-saturating loss on D's verdict on the "
             "fakes; then a step of G's optimiser only"),
]
