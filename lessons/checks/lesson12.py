"""Checks for lessons/exercises/12_gradient_penalty.py: a linear critic, whose penalty is known
on paper, then a small tanh critic against minigan.gan.losses.gradient_penalty, value and
gradient with respect to the critic's weights (the double backward)."""
from __future__ import annotations

import numpy as np

import minigan as mg
from minigan import backend, nn
from minigan.gan import losses
from checks import Exercise, Wrong, as_array, expect_close


def _penalty(m, critic, real, fake, alpha):
    got = m.gradient_penalty(critic, real, fake, alpha, weight=10.0)
    if not isinstance(got, mg.Tensor):
        raise Wrong(f"gradient_penalty returned a {type(got).__name__}; return a minigan Tensor "
                    f"so that the critic can be trained on it")
    if tuple(got.shape) not in ((), (1,)):
        raise Wrong(f"the penalty has shape {tuple(got.shape)}, expected a scalar (the mean)")
    return got


def check_gradient_penalty(m):
    mg.manual_seed(0)
    rng = np.random.default_rng(0)
    real = mg.tensor(rng.standard_normal((6, 4)), dtype=np.float64)
    fake = mg.tensor(rng.standard_normal((6, 4)), dtype=np.float64)

    # A linear critic f(x) = x . w + b has gradient w everywhere: penalty 10 (|w| - 1)^2.
    linear = nn.Linear(4, 1).double()
    w = linear.weight.numpy().ravel()
    alpha = mg.tensor(rng.uniform(size=(6, 1)), dtype=np.float64)
    got = _penalty(m, linear, real, fake, alpha)
    expect_close(got.item(), 10 * (np.linalg.norm(w) - 1) ** 2,
                 "the penalty of a linear critic (known: 10 (|w| - 1)^2)", tol=1e-10)

    # A small smooth critic: value and the gradient for its weights, against minigan's.
    critic = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    state = backend.rng_state()
    alpha = mg.tensor(backend.get_rng().random((6, 1)), dtype=np.float64)
    backend.set_rng_state(state)
    theirs = losses.gradient_penalty(critic, real, fake, 10.0)
    theirs.backward()
    # The last bias shifts the critic without changing its slope: no gradient (None) there.
    expected = [np.zeros(p.shape) if p.grad is None else p.grad.numpy().copy()
                for p in critic.parameters()]
    critic.zero_grad()
    got = _penalty(m, critic, real, fake, alpha)
    expect_close(got.item(), theirs.item(),
                 "the penalty of a tanh critic, compared with minigan's", tol=1e-9)
    if not got.requires_grad:
        raise Wrong("the penalty has no gradient for the critic's weights: take the gradient "
                    "with create_graph=True")
    got.backward()
    for (name, p), e in zip(critic.named_parameters(), expected):
        if p.grad is None and np.any(e):
            raise Wrong(f"the critic's {name} got no gradient from the penalty")
        mine = np.zeros(p.shape) if p.grad is None else as_array(p.grad, name)
        expect_close(mine, e, f"the penalty's gradient for the critic's {name} (a double "
                     f"backward), compared with minigan's", tol=1e-8)


EXERCISES = [
    Exercise("gradient_penalty", "x_hat = (alpha * real.detach() + (1 - alpha) * "
             "fake.detach()).requires_grad_(True); (g,) = autograd.grad(critic(x_hat).sum(), "
             "x_hat, create_graph=True); norms = (g ** 2).sum(dim=1).sqrt()",
             check_gradient_penalty,
             idea="lesson 12's WGAN-GP by hand: points between real and fake, the critic's "
             "gradient there (kept in the graph: a gradient of a gradient), its norm's squared "
             "distance from 1"),
]
