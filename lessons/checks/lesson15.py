"""Checks for lessons/exercises/15_cycle_losses.py: both losses against the functions that
minigan's CycleGAN trains on (minigan.gan.models.cyclegan), on domains with 1 and 3 channels,
0 for a perfect round trip, and the classic mistakes named: a squared error instead of L1, one
mean over both domains pooled, the generators fed the wrong domain for the identity loss. The
inpainting exercise recovers the hidden pixels of an image a small fixed generator drew, which
works only if the loss looks at the known pixels alone and only the code moves."""
from __future__ import annotations

import numpy as np

import minigan as mg
from minigan import nn
from minigan.gan.models import cyclegan
from checks import Exercise, Wrong, as_array, expect_close


def _t(a):
    return mg.tensor(a, dtype=np.float64)


def _float(value, what):
    got = as_array(value, what)
    if got.shape not in ((), (1,)):
        raise Wrong(f"{what} has shape {got.shape}, expected a single number (the means added)")
    return float(got.reshape(()))


def _images(seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (3, 1, 4, 4)), rng.uniform(-1, 1, (3, 3, 2, 2))


def check_cycle(m):
    real_a, real_b = _images(0)
    rng = np.random.default_rng(1)
    rec_a, rec_b = real_a + 0.3 * rng.standard_normal(real_a.shape), 0.9 * real_b
    what = "cycle_consistency_loss(a (3, 1, 4, 4), b (3, 3, 2, 2))"
    got = _float(m.cycle_consistency_loss(real_a.copy(), rec_a.copy(), real_b.copy(),
                                          rec_b.copy()), what)
    expected = (cyclegan.cycle_consistency_loss(_t(rec_a), _t(real_a))
                + cyclegan.cycle_consistency_loss(_t(rec_b), _t(real_b))).item()
    squared = np.mean((rec_a - real_a) ** 2) + np.mean((rec_b - real_b) ** 2)
    pooled = np.mean(np.abs(np.concatenate([(rec_a - real_a).ravel(),
                                            (rec_b - real_b).ravel()])))
    for wrong, mistake in ((squared, "the squared error: CycleGAN's cycle loss is L1, |.|"),
                           (pooled, "one mean over both domains' elements pooled: take each "
                            "domain's mean, then add them")):
        if abs(got - wrong) < 1e-9 * max(1.0, abs(wrong)):
            raise Wrong(f"{what} is {got:.6g}, {mistake} (expected {expected:.6g})")
    expect_close(got, expected, what + ", compared with minigan's cyclegan."
                 "cycle_consistency_loss on each domain, added", tol=1e-10)
    perfect = _float(m.cycle_consistency_loss(real_a, real_a.copy(), real_b, real_b.copy()),
                     "the loss of a perfect round trip")
    expect_close(perfect, 0.0, "the loss of a perfect round trip (rec = real)", tol=1e-12)


def check_identity(m):
    # G_AB(b) and G_BA(a): the identity loss needs the same channels in both domains.
    real_a, real_b = np.random.default_rng(2).uniform(-1, 1, (2, 3, 1, 4, 4))

    def G_AB(x):   # A -> B: thickens and shifts
        return np.tanh(1.5 * np.asarray(x)) + 0.1

    def G_BA(x):   # B -> A: thins
        return 0.5 * np.asarray(x) ** 3

    what = "identity_loss(G_AB, G_BA, a, b)"
    got = _float(m.identity_loss(G_AB, G_BA, real_a.copy(), real_b.copy()), what)
    expected = (cyclegan.identity_loss(_t(G_AB(real_b)), _t(real_b))
                + cyclegan.identity_loss(_t(G_BA(real_a)), _t(real_a))).item()
    swapped = np.mean(np.abs(G_AB(real_a) - real_a)) + np.mean(np.abs(G_BA(real_b) - real_b))
    squared = np.mean((G_AB(real_b) - real_b) ** 2) + np.mean((G_BA(real_a) - real_a) ** 2)
    for wrong, mistake in ((swapped, "the generators fed their own source domain (G_AB(a), "
                            "G_BA(b)): feed each one its target domain, G_AB(b) and G_BA(a)"),
                           (squared, "the squared error: the identity loss is L1, |.|")):
        if abs(got - wrong) < 1e-9 * max(1.0, abs(wrong)):
            raise Wrong(f"{what} is {got:.6g}, {mistake} (expected {expected:.6g})")
    expect_close(got, expected, what + ", compared with minigan's cyclegan.identity_loss "
                 "on each generator, added", tol=1e-10)
    ident = _float(m.identity_loss(lambda x: x, lambda x: x, real_a, real_b),
                   "the identity loss of two identity maps")
    expect_close(ident, 0.0, "the identity loss of two generators that change nothing",
                 tol=1e-12)


def _toy_generator():
    """A fixed generator from 3 numbers to a 36-pixel image (6x6, flattened), the image it
    draws from a known code, and a mask hiding its last 12 pixels (the bottom two rows)."""
    mg.manual_seed(15)
    generator = nn.Sequential(nn.Linear(3, 24), nn.Tanh(), nn.Linear(24, 36), nn.Tanh())
    z_true = np.array([0.8, -0.6, 0.5], dtype=np.float32)
    with mg.no_grad():
        truth = generator(mg.tensor(z_true[None])).numpy()[0].astype(np.float64)
    mask = np.ones(36)
    mask[24:] = 0
    return generator, z_true, truth, mask


def check_inpaint(m):
    generator, z_true, truth, mask = _toy_generator()
    before = [p.numpy().copy() for p in generator.parameters()]
    image = truth * mask                         # the hidden pixels arrive as zeros
    with mg.no_grad():
        start = generator(mg.tensor(np.zeros((1, 3), dtype=np.float32))).numpy()[0]
    start_gap = float(np.abs(start - truth)[24:].max())
    assert start_gap > 0.2, "the check's toy generator draws the same image from any code"
    what = "inpaint(G, image, mask, z0=0)"
    result = m.inpaint(generator, image.copy(), mask.copy(), np.zeros(3), steps=500, lr=0.05)
    if not isinstance(result, tuple) or len(result) != 2:
        raise Wrong(f"{what} should return (filled, z), got {type(result).__name__}")
    filled, z = as_array(result[0], "filled"), as_array(result[1], "z")
    if filled.shape != truth.shape or z.shape != (3,):
        raise Wrong(f"{what} returned filled {filled.shape} and z {z.shape}, expected "
                    f"{truth.shape} and (3,)")
    for p, old in zip(generator.parameters(), before):
        if not np.array_equal(p.numpy(), old):
            raise Wrong(f"{what} changed the generator's weights: optimise the code z alone")
    if np.abs(filled[:24] - image[:24]).max() > 1e-6:
        raise Wrong(f"{what}: the known pixels changed (largest change "
                    f"{np.abs(filled[:24] - image[:24]).max():.3g}): keep the image's own there")
    gap = float(np.abs(filled[24:] - truth[24:]).max())
    if gap > 0.05:
        raise Wrong(f"{what}: the hidden pixels are off by up to {gap:.3f} (from {start_gap:.3f} "
                    f"at z0; expect below 0.05)")


EXERCISES = [
    Exercise("cycle_consistency_loss", "np.mean(np.abs(rec_a - real_a)) + "
             "np.mean(np.abs(rec_b - real_b)), as a float", check_cycle,
             idea="lesson 15's CycleGAN section: the L1 distance between each image and its "
             "round trip, in both domains"),
    Exercise("identity_loss", "np.mean(np.abs(G_AB(real_b) - real_b)) + "
             "np.mean(np.abs(G_BA(real_a) - real_a)): each generator on its target domain",
             check_identity,
             idea="lesson 15: give each generator an image already in its target domain and "
             "measure (L1) how much it changes it"),
    Exercise("inpaint", "z = mg.tensor(z0[None], requires_grad=True); opt = optim.Adam([z], "
             "lr=lr); each step loss = (mask * (generator(z) - image) ** 2).sum(), backward, "
             "step: a loss on all pixels pulls the hole towards whatever the image holds "
             "there; then filled = mask * image + (1 - mask) * G(z)", check_inpaint,
             idea="lesson 15's closing section: minimise the squared error on the known pixels "
             "over the code z alone, then take the missing pixels from G(z)"),
]
