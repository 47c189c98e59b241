"""Quality figures for generated digits, computed from the judge's outputs.

A GAN's loss says little about its pictures, so we ask a classifier trained on real digits (the
"judge", :mod:`minigan.metrics.judge`) four questions:

- **confident share**: which fraction of the samples does the judge read with confidence above
  0.9? Blurry or broken digits get spread-out predictions.
- **digit histogram / digits covered**: which digits does the generator draw? A generator that
  *mode-collapses* draws one or two digits only, however crisp they are.
- **Inception-Score-like figure**: ``exp(E_x KL(p(y|x) || p(y)))``. It is large when each sample
  is confidently one digit (``p(y|x)`` peaked) *and* the samples together use all digits
  (``p(y)`` flat); it lies between 1 (every sample the same) and 10 (ten equally frequent,
  perfectly confident digits). Salimans et al. (2016) defined it with an ImageNet classifier;
  ours uses the MNIST judge, so its values are not comparable with published Inception Scores.
- **classifier Fréchet distance**: fit a Gaussian to the judge's penultimate-layer features of
  the samples and another to those of real test images, and measure the Fréchet (2-Wasserstein)
  distance between the two Gaussians (Heusel et al., 2017, with the judge in place of Inception):
  ``|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2))``. Zero for identical statistics; it grows
  both when samples look wrong and when they lack variety.

The figures work on NumPy arrays in float64; only :func:`evaluate_samples` runs the judge.
"""
from __future__ import annotations

import hashlib
import time

import numpy as np

from minigan.metrics.reference import mnist_test_statistics

CONFIDENCE_THRESHOLD = 0.9
COVERAGE_MIN_SHARE = 0.01
NUM_CLASSES = 10


# ---------------------------------------------------------------- from class probabilities

def _check_probs(probs) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise ValueError(f"expected class probabilities of shape (N, classes) with N > 0, "
                         f"got {probs.shape}")
    return probs


def confident_share(probs, threshold: float = CONFIDENCE_THRESHOLD) -> float:
    """Fraction of rows whose largest probability exceeds ``threshold``."""
    probs = _check_probs(probs)
    return float((probs.max(axis=1) > threshold).mean())


def digit_histogram(probs) -> np.ndarray:
    """How many rows the judge assigns to each class (its argmax), as int64 counts."""
    probs = _check_probs(probs)
    return np.bincount(probs.argmax(axis=1), minlength=probs.shape[1]).astype(np.int64)


def digits_covered(histogram, min_share: float = COVERAGE_MIN_SHARE) -> int:
    """Number of classes predicted for at least ``min_share`` of the samples (and at least once).

    The threshold keeps a collapsed generator from counting a class it hits by accident: among
    10,000 samples of a single digit, a handful read as something else is noise, not coverage.
    With 10 balanced classes each holds 10% of the samples, far above the default 1%.
    """
    histogram = np.asarray(histogram)
    needed = max(1.0, min_share * histogram.sum())
    return int((histogram >= needed).sum())


def inception_score(probs) -> float:
    """``exp(mean_x KL(p(y|x) || p(y)))`` over all rows, where ``p(y)`` is the rows' mean.

    Terms with ``p(y|x) = 0`` contribute 0 (the limit of p log p), so exact zeros are fine.
    One split over all samples (the original averaged 10 splits; with a 10-class judge one
    large split is the less noisy estimate).
    """
    probs = _check_probs(probs)
    marginal = probs.mean(axis=0, keepdims=True)
    positive = probs > 0
    # p log(p / p(y)) where p > 0; p(y) >= p / N > 0 there, so the log is finite.
    ratio = np.where(positive, probs, 1.0) / np.where(positive, marginal, 1.0)
    kl = np.where(positive, probs * np.log(ratio), 0.0).sum(axis=1)
    return float(np.exp(kl.mean()))


# ---------------------------------------------------------------- Fréchet distance

def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased) covariance of the rows of ``features``, in float64."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f"feature statistics need an (N, D) array with N >= 2, got "
                         f"{features.shape}")
    mu = features.mean(axis=0)
    centred = features - mu
    sigma = centred.T @ centred / (features.shape[0] - 1)
    return mu, sigma


def psd_sqrt(matrix) -> np.ndarray:
    """The symmetric square root of a symmetric positive semi-definite matrix.

    From the eigendecomposition ``S = V diag(w) V^T``: ``S^(1/2) = V diag(sqrt(w)) V^T``.
    Eigenvalues that rounding made slightly negative are set to zero.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    w, v = np.linalg.eigh((matrix + matrix.T) / 2)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def trace_sqrt_product(sigma1, sigma2) -> float:
    """``tr((S1 S2)^(1/2))`` for symmetric PSD ``S1``, ``S2``, with NumPy alone.

    ``S1 S2`` is not symmetric, so its square root is awkward; but it is similar to the
    symmetric PSD matrix ``M = S1^(1/2) S2 S1^(1/2)`` (conjugate by ``S1^(1/2)``), so it has the
    same eigenvalues, all real and >= 0, and ``tr((S1 S2)^(1/2)) = sum_i sqrt(eig_i(M))``.
    ``eigvalsh`` of a symmetric matrix is stable where a general ``sqrtm`` can return complex
    rounding noise.
    """
    root1 = psd_sqrt(sigma1)
    m = root1 @ np.asarray(sigma2, dtype=np.float64) @ root1
    eigenvalues = np.linalg.eigvalsh((m + m.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between the Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    ``|mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))`` (the squared 2-Wasserstein
    distance). Rounding can leave about -1e-12 for equal arguments; the result is clipped at 0.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    d = mu1.shape[0] if mu1.ndim == 1 else -1
    if mu1.shape != mu2.shape or d < 0 or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(f"frechet_distance: means {mu1.shape}, {mu2.shape} and covariances "
                         f"{sigma1.shape}, {sigma2.shape} do not describe two Gaussians in the "
                         "same dimension")
    diff = mu1 - mu2
    value = (diff @ diff + np.trace(sigma1) + np.trace(sigma2)
             - 2.0 * trace_sqrt_product(sigma1, sigma2))
    return max(float(value), 0.0)


def features_frechet_distance(features1, features2) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature rows."""
    return frechet_distance(*feature_statistics(features1), *feature_statistics(features2))


# ---------------------------------------------------------------- the judge's verdict

# The real reference's statistics under the shipped judge, keyed by a hash of the images: the
# training loop evaluates every epoch against the same 10,000 test images, whose features are
# then computed once. Another judge (perhaps still training) is never cached.
_REFERENCE_CACHE: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def reference_statistics(real_images, judge=None, batch_size: int = 1000):
    """Mean and covariance of the judge's features of ``real_images``."""
    from minigan.metrics.judge import judge_outputs, prepare_images

    real = prepare_images(real_images)
    if judge is not None:
        return feature_statistics(judge_outputs(real, judge=judge, batch_size=batch_size)[1])
    key = hashlib.sha256(real.tobytes()).hexdigest()
    if key not in _REFERENCE_CACHE:
        _, features = judge_outputs(real, batch_size=batch_size)
        _REFERENCE_CACHE[key] = feature_statistics(features)
    return _REFERENCE_CACHE[key]


def evaluate_samples(images_uint8, real_images=None, *, judge=None, batch_size: int = 1000,
                     threshold: float = CONFIDENCE_THRESHOLD,
                     min_share: float = COVERAGE_MIN_SHARE, reference: str | None = "mnist-test"
                     ) -> dict:
    """Ask the judge about generated digits; return plain Python numbers (JSON-ready).

    Args:
        images_uint8: samples, uint8 of shape (N, 28, 28) or (N, 1, 28, 28) (0 = background,
            as in MNIST). Float arrays/Tensors in [-1, 1] (a generator's tanh output) work too.
        real_images: real digits in the same format for the classifier Fréchet distance.
            Needs N >= 2 on both sides. ``None`` compares with ``reference`` instead.
        reference: ``"mnist-test"`` (default): when ``real_images`` is None and the shipped
            judge is used, the FID compares with the official MNIST test set through the
            statistics shipped in :mod:`minigan.metrics.reference`, so it needs no data
            files; ``None`` skips the FID.
        judge: a judge module; ``None`` uses the shipped one (:func:`load_judge`).
        batch_size: images per forward pass.

    Returns a dict with keys:
        ``n``: number of samples;
        ``confident_share``: fraction classified with max probability > ``threshold``;
        ``digit_histogram``: list of 10 counts of the judge's predicted digit;
        ``digits_covered``: digits predicted for at least ``min_share`` of the samples;
        ``inception_score``: exp(E_x KL(p(y|x) || p(y))), between 1 and 10;
        ``classifier_fid``: Fréchet distance between the judge's penultimate features of the
            samples and of the real reference (``None`` when there is none);
        ``mean_confidence``: mean of the max probability;
        ``seconds``: time the evaluation took.
    """
    from minigan.metrics.judge import judge_outputs

    start = time.perf_counter()
    probs, features = judge_outputs(images_uint8, judge=judge, batch_size=batch_size)
    histogram = digit_histogram(probs)
    if reference not in ("mnist-test", None):
        raise ValueError(f"evaluate_samples: reference must be 'mnist-test' or None, "
                         f"got {reference!r}")
    fid = None
    if real_images is not None:
        fid = frechet_distance(*feature_statistics(features),
                               *reference_statistics(real_images, judge, batch_size))
    elif reference == "mnist-test" and judge is None:
        fid = frechet_distance(*feature_statistics(features), *mnist_test_statistics())
    return {
        "n": int(probs.shape[0]),
        "confident_share": confident_share(probs, threshold),
        "digit_histogram": [int(c) for c in histogram],
        "digits_covered": digits_covered(histogram, min_share),
        "inception_score": inception_score(probs),
        "classifier_fid": fid,
        "mean_confidence": float(probs.max(axis=1).mean()),
        "seconds": time.perf_counter() - start,
    }


def format_report(result: dict) -> str:
    """A small table of :func:`evaluate_samples`'s figures, for printing."""
    hist = result["digit_histogram"]
    n = max(int(result["n"]), 1)
    fid = result.get("classifier_fid")
    rows = [
        ("samples", f"{result['n']}"),
        ("confident (p > 0.9)", f"{100 * result['confident_share']:.1f}%"),
        ("digits covered", f"{result['digits_covered']} / {len(hist)}"),
        ("Inception-Score-like", f"{result['inception_score']:.2f}  (1 = one digit, 10 = best)"),
        ("classifier FID", "n/a (no real reference)" if fid is None
         else f"{fid:.2f}  (0 = real statistics)"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"  {name:<{width}}  {value}" for name, value in rows]
    lines.append("  predicted digit " + " ".join(f"{d:>5d}" for d in range(len(hist))))
    lines.append("  share (%)       " + " ".join(f"{100 * c / n:5.1f}" for c in hist))
    return "\n".join(["judge's verdict on the samples:"] + lines)
