"""Training recipes: what the shared update adds to a game, beyond the lectures' plain training.

A recipe is a small dict in a model's config (so a checkpoint remembers it and a resumed run
trains the same way). Each technique is off by default, which is the lectures' plain training;
every one is explained where it is implemented:

    ema              decay of the moving average of G's weights that draws the samples
                     (Yazici et al. 2019): :mod:`minigan.gan.ema`; 0 = sample from G itself
    augment          DiffAugment's transformations of every image D sees, real and fake
                     (Zhao et al. 2020): :mod:`minigan.gan.augment`; [] = none
    r1               gamma of the R1 penalty on D's gradient at real images (Mescheder et al.
                     2018): :func:`minigan.gan.losses.r1_penalty`; 0 = none
    label_smoothing  one-sided label smoothing of D's real target (Salimans et al. 2016), the
                     BCE game only: :class:`minigan.gan.games.BCEGame`; 0 = none
    lr_d             D's learning rate, when it differs from G's: the two time-scale update rule
                     (Heusel et al. 2017); None = G's
    lr_decay         the share of the run at whose end both learning rates fall linearly to 0
                     (pix2pix's and CycleGAN's schedule): :func:`lr_factor`; 0 = constant rates
"""
from __future__ import annotations

import numbers

from minigan.gan.augment import POLICIES

DEFAULTS = {"ema": 0.0, "augment": [], "r1": 0.0, "label_smoothing": 0.0, "lr_d": None,
            "lr_decay": 0.0}


def lr_factor(step: int, total: int, decay: float) -> float:
    """What the learning rates are multiplied by in iteration ``step`` (counted from 0) of a run
    of ``total`` iterations whose last ``decay`` share decays linearly to 0::

        factor = min(1, (total - step) / (decay * total))

    1 until the decay begins, then falling by the same amount each iteration; the last
    iteration runs at ``1 / (decay * total)`` of the rate, and the rate reaches 0 when the run
    ends. Why: with a constant rate the networks keep chasing each other, so the samples keep
    changing (and keep some noise) to the last step; a rate falling to 0 lets G settle, which
    is what sharpened the toy example's samples, and is the ``linear`` policy of pix2pix and
    CycleGAN (:class:`minigan.optim.lr_scheduler.LinearDecay`, counted here in iterations,
    not epochs). A function of the two counts alone, so a resumed run gets the same rates.
    """
    if decay <= 0:
        return 1.0
    return max(0.0, min(1.0, (total - step) / (decay * total)))


def check_recipe(model: str, recipe: dict | None) -> dict:
    """``recipe`` with every key filled in from :data:`DEFAULTS`, validated; JSON-able."""
    recipe = dict(recipe or {})
    unknown = sorted(set(recipe) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"{model}: unknown recipe setting(s) {unknown}; the recipe knows "
                         f"{sorted(DEFAULTS)}")
    full = {**DEFAULTS, **recipe}
    full["augment"] = list(full["augment"])
    if not 0.0 <= full["ema"] < 1.0:
        raise ValueError(f"{model}: recipe ema (the average's decay) must be in [0, 1), "
                         f"got {full['ema']}")
    bad = [p for p in full["augment"] if p not in POLICIES]
    if bad:
        raise ValueError(f"{model}: recipe augment knows {list(POLICIES)}, got {bad}")
    if full["r1"] < 0:
        raise ValueError(f"{model}: recipe r1 (gamma) must be non-negative, got {full['r1']}")
    if full["lr_d"] is not None and not full["lr_d"] > 0:
        raise ValueError(f"{model}: recipe lr_d must be positive, got {full['lr_d']}")
    decay = full["lr_decay"]
    if isinstance(decay, bool) or not isinstance(decay, numbers.Real) or not 0 <= decay <= 1:
        raise ValueError(f"{model}: recipe lr_decay (the share of the run whose learning rates "
                         f"decay to 0) must be a number in [0, 1], got {decay!r}")
    return full
