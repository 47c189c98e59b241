"""Attribute arithmetic on a digit generator: make its digits thicker or more slanted.

Radford et al. (2016) found directions in a DCGAN's latent space that add smiles or glasses to
faces: average the codes of samples that show the attribute, subtract the average of samples
that do not, and add the difference to the code of another face. MNIST has no smiles, but it has
two attributes every writer varies: how **thick** the pen stroke is and how much the digit
**slants**. Both can be measured on an image with a few lines of NumPy, so here the samples are
sorted by a measurement instead of by hand, and whether the arithmetic worked is a number:

* :func:`stroke_thickness` and :func:`slant` measure a batch of images
  (:mod:`minigan.metrics.strokes`);
* :func:`attribute_direction`: sample many codes, measure each image, and take the mean code of
  the top ``quantile`` minus the mean code of the bottom ``quantile``, **within each digit** the
  judge reads (so that the direction does not also turn 1s into 0s: in real MNIST 0s are
  thicker than 1s on average, and 1s and 5s slant more than 6s and 9s), then average those
  differences over the digits;
* :func:`attribute_arithmetic`: add multiples of the direction to the codes of samples of digits
  that did *not* build it, draw rows (samples) by columns (multiples), and report how far the
  attribute moved between the multiples 0 and +1, in units of its spread (standard deviation) in
  real MNIST, and how often the judge still reads the same digit at +1 as at 0.

Images are (N, 1, H, W) or (N, H, W): floats in [-1, 1] (a generator's tanh output) or uint8
0..255 (as MNIST stores them).
"""
from __future__ import annotations

import numpy as np

from minigan.gan.latent import _generate
from minigan.metrics.strokes import (ATTRIBUTES, MEASURES, check_attribute,  # noqa: F401
                                     data_spread, ink, measure, outline_length, slant,
                                     stroke_thickness)
from minigan.viz import image_grid, save_figure, to_uint8

STEPS = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5)
WORDS = {"thickness": "thicker", "slant": "slanted further right"}  # what +1 does


# ---------------------------------------------------------------- the direction

def survey(model, n: int = 4000, seed: int = 0, predict=None) -> dict:
    """``n`` codes drawn from N(0, I) with ``seed`` (not minigan's generator, so the survey is
    the same however much was drawn before), their images, and the judge's reading of each.

    ``predict``: ``predict(uint8 images (N, H, W)) -> probabilities (N, 10)``, by default the
    shipped judge (:func:`minigan.metrics.predict_proba`); ``False``: no judge (every sample is
    digit -1, read with confidence 1). Returns ``{"codes", "images", "digits", "confidence"}``;
    pass it to :func:`attribute_direction` and :func:`attribute_arithmetic` to measure several
    attributes on one set of samples.
    """
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"survey: n must be an integer >= 2, got {n!r}")
    codes = np.random.default_rng(seed).standard_normal((int(n), _latent_dim(model)))
    images = _generate(model, codes)
    digits, confidence = _read(images, predict)
    return {"codes": codes, "images": images, "digits": digits, "confidence": confidence}


def attribute_direction(model, attribute: str, digit: int | None = None, n: int = 4000,
                        quantile: float = 0.2, seed: int = 0, confidence: float = 0.9,
                        exclude=(), keep_digits: bool = True, predict=None,
                        survey_=None) -> np.ndarray:
    """The latent direction (d,) that makes ``model``'s digits gain ``attribute``.

    Among ``n`` samples (see :func:`survey`) that the judge reads as one digit with probability
    at least ``confidence``: for each digit, the mean code of the ``quantile`` of its samples
    with the most of the attribute minus the mean code of the ``quantile`` with the least;
    then the average of those differences, each weighted by how many samples it averaged.
    ``digit`` keeps a single digit's difference; ``exclude`` leaves digits out (to apply the
    direction to those digits without having learnt it on them). A digit needs at least two
    samples on each side to count.

    ``keep_digits``: remove from each difference its components along the digits' mean codes
    (each digit's mean code minus the mean of those means, among the confident samples): part
    of a within-digit difference still points along the directions that tell digits apart,
    and without it the direction changes the digit less often for the same change of the
    attribute (on the default DCGAN run, thickening by +0.34 of the data's
    spread, the judge kept the digit in 96% of 200 samples, against 90% without; see the
    README).

    Args:
        model: a GAN model with ``sample(noise=...)`` and a ``latent_dim`` (or
            ``config["latent_dim"]``).
        attribute: ``"thickness"`` or ``"slant"``.
        quantile: the share of each digit's samples on each side, in (0, 0.5].
        seed: the seed of the codes; the same seed gives the same direction.
        survey_: a :func:`survey` to reuse (``n``, ``seed`` and ``predict`` are then ignored).
    """
    attribute = check_attribute(attribute, "attribute_direction")
    _check_quantile(quantile, "attribute_direction")
    s = survey_ if survey_ is not None else survey(model, n, seed, predict)
    diffs = _differences(s, attribute, quantile, confidence, keep_digits)
    keep = {digit} if digit is not None else None
    return _combine(diffs, "attribute_direction", keep=keep, exclude=set(exclude),
                    confidence=confidence)


def attribute_arithmetic(model, attribute: str, digit: int | None = None, n: int = 4000,
                         quantile: float = 0.2, seed: int = 0, confidence: float = 0.9,
                         scale: float = 1.0, keep_digits: bool = True, steps=STEPS,
                         rows: int = 8, bases: int = 200,
                         reference=None, path=None, predict=None, survey_=None) -> dict:
    """Add multiples of :func:`attribute_direction` to codes of other digits; measure and draw.

    ``bases`` fresh samples (drawn after the survey's, with the same seed) that the judge reads
    confidently are the starting points. With ``digit=None`` each base of digit d moves along
    the direction learnt on the *other* nine digits (``exclude={d}``); with a ``digit``, only
    samples of other digits are bases and they all move along that digit's direction. The step
    is ``scale`` times the direction (``scale`` 1: the full gap between the quantiles' means).
    ``quantile``, ``confidence``, ``keep_digits``, ``seed``, ``predict``, ``survey_`` as for
    :func:`attribute_direction`.

    Returns a dict:
        ``change``: the attribute's mean change between the multiples 0 and +1, divided by its
        standard deviation over real digits (``reference``: real images, or the spread itself
        as a number; by default :func:`data_spread` on the bundled digits);
        ``kept``: the share of bases the judge reads as the same digit at +1 as at 0;
        ``change_by_step`` and ``kept_by_step``: the same at every step; ``steps``;
        ``images`` (rows, len(steps), C, H, W) for the figure; ``values`` (bases, len(steps))
        the attribute at every step; ``digits`` the bases' digits; ``spread``; ``attribute``;
        ``direction`` (the direction over all digits, scaled); ``bases``; ``learnt_on``, the
        digits that had enough samples to give a direction.
    With ``path``, the figure (rows: bases of different digits; columns: the multiples) is
    saved there (see :func:`save_attribute_figure`).
    """
    name = "attribute_arithmetic"
    attribute = check_attribute(attribute, name)
    _check_quantile(quantile, name)
    steps = [float(t) for t in steps]
    if not steps:
        raise ValueError(f"{name}: steps must name at least one multiple of the direction")
    if rows < 1 or bases < rows:
        raise ValueError(f"{name}: need 1 <= rows <= bases, got rows={rows}, bases={bases}")
    s = survey_ if survey_ is not None else survey(model, n, seed, predict)
    diffs = _differences(s, attribute, quantile, confidence, keep_digits)
    if reference is None or not np.isscalar(reference):
        spread = data_spread(attribute, reference)
    else:
        spread = float(reference)
    everywhere = _combine(diffs, name, keep={digit} if digit is not None else None,
                          confidence=confidence)

    # Fresh bases, each read confidently as a digit that has a direction learnt without it.
    rng = np.random.default_rng([seed, 1])
    pool = rng.standard_normal((4 * bases, s["codes"].shape[1]))
    pool_digits, pool_conf = _read(_generate(model, pool), predict)
    ok = pool_conf >= confidence
    if digit is not None:
        ok &= pool_digits != digit
    else:  # a digit needs a direction learnt on other digits
        ok &= np.isin(pool_digits, [d for d in np.unique(pool_digits) if set(diffs) - {int(d)}])
    idx = _round_robin(np.flatnonzero(ok), pool_digits)[:bases]
    if len(idx) < rows:
        raise ValueError(f"{name}: only {len(idx)} of {len(pool)} fresh samples are read with "
                         f"confidence >= {confidence} as a digit other than those the direction "
                         f"was learnt on ({sorted(diffs)}); need rows={rows}")
    base_codes, base_digits = pool[idx], pool_digits[idx]
    directions = {}
    for d in np.unique(base_digits):
        directions[d] = everywhere if digit is not None else _combine(
            diffs, name, exclude={int(d)}, confidence=confidence)
    move = scale * np.stack([directions[d] for d in base_digits])  # (bases, d)

    grid = sorted(set(steps) | {0.0, 1.0})
    codes = np.concatenate([base_codes + t * move for t in grid])  # step-major
    images = _generate(model, codes)
    values = measure(images, attribute).reshape(len(grid), -1).T  # (bases, steps)
    at0, at1 = grid.index(0.0), grid.index(1.0)
    per_image = len(base_codes)
    reads = _read(images, predict)[0].reshape(len(grid), per_image).T  # (bases, steps)
    kept = (reads == reads[:, [at0]]).mean(axis=0)
    moved = (values - values[:, [at0]]).mean(axis=0) / spread
    cols = [grid.index(t) for t in steps]
    by_step = images.reshape(len(grid), per_image, *images.shape[1:])
    result = {
        "attribute": attribute, "steps": steps, "scale": float(scale),
        "change": float(moved[at1]), "kept": float(kept[at1]),
        "change_by_step": moved[cols], "kept_by_step": kept[cols],
        "spread": spread, "digits": base_digits, "values": values[:, cols],
        "images": np.stack([by_step[c, :rows] for c in cols], axis=1),
        "direction": scale * everywhere, "bases": per_image,
        "learnt_on": sorted(int(d) for d in diffs),
    }
    if path is not None:
        result["path"] = save_attribute_figure([result], path)
    return result


def describe(result: dict) -> str:
    """One line for a result of :func:`attribute_arithmetic`, e.g. ``thicker: +0.45 of the
    data's spread, digit kept in 94% of rows``."""
    word = WORDS[result["attribute"]]
    return (f"{word}: {result['change']:+.2f} of the data's spread, digit kept in "
            f"{result['kept']:.0%} of {result['bases']} rows (step x{result['scale']:g})")


def save_attribute_figure(results, path) -> str:
    """:func:`attribute_figure` saved to ``path``; returns ``path``."""
    return save_figure(attribute_figure(results), path, dpi=100)


def attribute_figure(results, figure=None):
    """One panel per :func:`attribute_arithmetic` result, side by side: rows are base samples,
    columns the multiples of the direction (the column at 0 is the sample itself), titled with
    the change at +1 and the share of digits kept.

    ``figure(figsize=...)`` makes the figure: by default a bare ``matplotlib.figure.Figure``
    (nothing shown); pass ``matplotlib.pyplot.figure`` to show it in a notebook."""
    if figure is None:
        from matplotlib.figure import Figure as figure

    results = list(results)
    if not results:
        raise ValueError("attribute_figure: no results to draw")
    fig = figure(figsize=(3.6 * len(results), 0.5 * len(results[0]["images"]) + 1.4))
    axes = fig.subplots(1, len(results), squeeze=False)[0]
    for ax, r in zip(axes, results):
        images = r["images"]
        rows, cols = images.shape[:2]
        h, w = images.shape[-2:]
        ax.imshow(image_grid(images.reshape(rows * cols, *images.shape[2:]), nrow=cols),
                  cmap="gray", vmin=0, vmax=255)
        ax.set_xticks([2 + (w + 2) * j + w / 2 for j in range(cols)])
        ax.set_xticklabels([f"{t:+g}" if t else "0" for t in r["steps"]], fontsize=8)
        ax.set_yticks([2 + (h + 2) * i + h / 2 for i in range(rows)])
        ax.set_yticklabels([str(d) if d >= 0 else "" for d in r["digits"][:rows]], fontsize=8)
        ax.tick_params(length=0)
        ax.set_xlabel(f"multiples of the {WORDS[r['attribute']]!r} direction", fontsize=8)
        ax.set_title(f"{r['attribute']}: {r['change']:+.2f} sd at +1\n"
                     f"digit kept in {r['kept']:.0%} of {r['bases']}", fontsize=9)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- helpers

def _latent_dim(model) -> int:
    dim = getattr(model, "latent_dim", None)
    if dim is None:
        dim = getattr(model, "config", {}).get("latent_dim")
    if dim is None:
        raise ValueError(f"attributes: cannot tell the latent size of {type(model).__name__}: "
                         "it has no latent_dim nor config['latent_dim']")
    return int(dim)


def _read(images: np.ndarray, predict):
    """The judge's digit and its probability for each image; (-1, 1.0) each without a judge."""
    if predict is False:
        return np.full(len(images), -1), np.ones(len(images))
    if predict is None:
        from minigan.metrics import predict_proba as predict
    pixels = to_uint8(images)
    proba = np.asarray(predict(pixels[:, 0] if pixels.shape[1] == 1 else pixels))
    return proba.argmax(axis=1), proba.max(axis=1)


def _differences(s: dict, attribute: str, quantile: float, confidence: float,
                 keep_digits: bool = False) -> dict:
    """{digit: (top-quantile mean code - bottom-quantile mean code, samples per side)}, each
    difference orthogonal to the span of the digits' mean codes if ``keep_digits``."""
    values = measure(s["images"], attribute)
    sure = s["confidence"] >= confidence
    span = _digit_span(s, sure) if keep_digits else None
    out = {}
    for d in np.unique(s["digits"][sure]):
        idx = np.flatnonzero(sure & (s["digits"] == d))
        k = int(np.floor(quantile * len(idx)))
        if k < 2:
            continue
        order = idx[np.argsort(values[idx], kind="stable")]
        diff = s["codes"][order[-k:]].mean(axis=0) - s["codes"][order[:k]].mean(axis=0)
        if span is not None:
            diff = diff - span @ (span.T @ diff)
        out[int(d)] = (diff, k)
    return out


def _digit_span(s: dict, sure: np.ndarray):
    """An orthonormal basis (d, m) of the offsets of the digits' mean codes from their mean,
    or None with fewer than two digits."""
    digits = np.unique(s["digits"][sure])
    if len(digits) < 2:
        return None
    means = np.stack([s["codes"][sure & (s["digits"] == d)].mean(axis=0) for d in digits])
    basis, r, _ = np.linalg.svd((means - means.mean(axis=0)).T, full_matrices=False)
    return basis[:, r > 1e-10 * max(r.max(), 1e-300)]


def _combine(diffs: dict, name: str, keep=None, exclude=(), confidence=0.9) -> np.ndarray:
    chosen = [(v, k) for d, (v, k) in diffs.items()
              if (keep is None or d in keep) and d not in exclude]
    if not chosen:
        which = f"digit {sorted(keep)[0]}" if keep else "any digit" + (
            f" but {sorted(exclude)}" if exclude else "")
        raise ValueError(f"{name}: too few samples of {which} are read with confidence >= "
                         f"{confidence} to take two from each end (have {sorted(diffs)}); "
                         f"draw more (n) or lower confidence")
    weights = np.array([k for _, k in chosen], dtype=np.float64)
    return (weights[:, None] * np.stack([v for v, _ in chosen])).sum(axis=0) / weights.sum()


def _round_robin(idx: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """``idx`` reordered to take one of each digit in turn, so the first rows differ."""
    rank = np.zeros(len(idx), dtype=np.int64)
    seen: dict = {}
    for j, i in enumerate(idx):
        d = int(digits[i])
        rank[j] = seen.get(d, 0)
        seen[d] = rank[j] + 1
    return idx[np.lexsort((digits[idx], rank))]


def _check_quantile(quantile, name: str) -> None:
    if not 0 < quantile <= 0.5:
        raise ValueError(f"{name}: quantile must be in (0, 0.5], got {quantile!r}")
