"""Lesson 15, reference solutions: CycleGAN's cycle-consistency and identity losses, and
inpainting by optimising a generator's code."""
import numpy as np

import minigan as mg
from minigan import optim


def _l1(x, y):
    return float(np.mean(np.abs(np.asarray(x, dtype=np.float64) - y)))


def cycle_consistency_loss(real_a, rec_a, real_b, rec_b):
    """L1 of each round trip, per domain, summed."""
    return _l1(rec_a, real_a) + _l1(rec_b, real_b)


def identity_loss(G_AB, G_BA, real_a, real_b):
    """Each generator on its own target domain should change nothing."""
    return _l1(G_AB(real_b), real_b) + _l1(G_BA(real_a), real_a)


def inpaint(generator, image, mask, z0, steps=500, lr=0.05):
    """Gradient descent on the code alone, on the known pixels alone; then fill the hole."""
    z = mg.tensor(np.asarray(z0, dtype=np.float32)[None], requires_grad=True)
    target = mg.tensor(np.asarray(image, dtype=np.float32)[None])
    known = mg.tensor(np.asarray(mask, dtype=np.float32)[None])
    opt = optim.Adam([z], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = (known * (generator(z) - target) ** 2).sum()
        loss.backward()
        opt.step()
    with mg.no_grad():
        guess = generator(z).numpy()[0]
    return mask * image + (1 - mask) * guess, z.numpy()[0]
