"""Checks for lessons/exercises/06_optimisers.py: five steps of each against minigan.optim."""
from __future__ import annotations

import numpy as np

import minigan as mg
from minigan import optim
from checks import Exercise, Wrong, expect_close


def _grads(shape, steps=5):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 3) for _ in range(steps)]


def _minigan_path(make, start, grads):
    p = mg.tensor(start.copy(), dtype=np.float64, requires_grad=True)
    opt = make([p])
    path = []
    for g in grads:
        p.grad = mg.tensor(g, dtype=np.float64)
        opt.step()
        path.append(p.numpy().copy())
    return path


def _pair(got, what, n):
    if not isinstance(got, (tuple, list)) or len(got) != n:
        raise Wrong(f"{what} should return {n} arrays, got {type(got).__name__}")
    return got


def check_sgd(m):
    start, grads = np.linspace(-1, 1, 6).reshape(2, 3), _grads((2, 3))
    expected = _minigan_path(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), start, grads)
    param, buf = start.copy(), None
    for t, (g, e) in enumerate(zip(grads, expected), start=1):
        param, buf = _pair(m.sgd_momentum_step(param, g.copy(), buf, 0.1, 0.9),
                           "sgd_momentum_step", 2)
        expect_close(param, e, f"the parameter after step {t} (compared with optim.SGD)",
                     tol=1e-10)


def check_adam(m):
    start, grads = np.linspace(-1, 1, 6).reshape(2, 3), _grads((2, 3))
    kw = dict(lr=0.01, betas=(0.5, 0.999), eps=1e-8)
    expected = _minigan_path(lambda ps: optim.Adam(ps, **kw), start, grads)
    param, mm, vv = start.copy(), np.zeros_like(start), np.zeros_like(start)
    for t, (g, e) in enumerate(zip(grads, expected), start=1):
        param, mm, vv = _pair(m.adam_step(param, g.copy(), mm, vv, t, **kw), "adam_step", 3)
        expect_close(param, e, f"the parameter after step {t} (compared with optim.Adam)",
                     tol=1e-9)


EXERCISES = [
    Exercise("sgd_momentum_step", "PyTorch's momentum adds the raw gradient (no 1 - momentum "
             "factor) and starts the buffer at the first gradient", check_sgd,
             idea="lesson 06 and PyTorch's SGD documentation: how its momentum buffer is updated"),
    Exercise("adam_step", "bias-correct both moments with step t (from 1), and add eps after "
             "the square root", check_adam,
             idea="lesson 06: Adam's two moments, their bias correction, and the update as the "
             "paper writes it"),
]
