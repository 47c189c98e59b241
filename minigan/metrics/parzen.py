"""Parzen-window log-likelihood: the approximate likelihood of Goodfellow et al. (2014), Table 1.

A GAN gives samples, not densities. The paper's way around this: put an isotropic Gaussian
kernel of width sigma on each of n generated samples mu_i and score held-out data x under the
mixture,

    log p(x) = logmeanexp_i( -||x - mu_i||^2 / (2 sigma^2) ) - d log(sigma sqrt(2 pi)),

with sigma chosen by the mean log-likelihood on a validation set over logspace(-1, 0, 10), and
the test-set mean reported with its standard error. The protocol, as in the paper's code
(``parzen_ll.py``): 10,000 samples as kernel centres, pixels scaled to [0, 1], the validation
set is MNIST's training images 50,000..59,999, the test set the 10,000 test images.

The lecture's one-dimensional worked example is the same formula with d = 1:

    np.exp(parzen_log_likelihood([[3.0]], [[2.0], [2.5], [3.0], [1.0], [6.0]], 1.0))
    # = (0.2420 + 0.3521 + 0.3989 + 0.0540 + 0.0044) / 5 = 0.2103

How it is computed: in chunks of test points against all kernel centres, in float64, with
||x - mu||^2 = ||x||^2 - 2 x.mu + ||mu||^2, so each chunk is one matrix product. The squared
distances do not depend on sigma, so one pass scores every candidate sigma at once.

Why it is a weak measure (Theis, van den Oord and Bethge, "A note on the evaluation of
generative models", ICLR 2016): in 784 dimensions a kernel estimate from 10,000 points is far
from the density it stands for, and its value says little about sample quality. Their
experiments show that the Parzen estimate of samples from a good model ranks below that of
a trivial one (a k-means model's centroids beat the training data themselves), that even
10^7 samples do not bring the estimate near the true log-likelihood, and that likelihood and
visual quality are largely independent: a model can have a good likelihood with poor samples
and the reverse. The number is also very sensitive to sigma and to the data scaling, so only
estimates under exactly the same protocol can be compared. Report it, beside the paper's
rows, as the historical measure it is, not as evidence that one GAN is better than another.
"""
from __future__ import annotations

import math

import numpy as np

from minigan import backend

# The paper's candidate kernel widths: np.logspace(-1, 0, 10), i.e. 0.1 .. 1.
SIGMAS = np.logspace(-1, 0, 10)
# Goodfellow et al.'s validation set: MNIST training images 50,000..59,999.
VALID_SLICE = slice(50000, 60000)


def _as_matrix(name: str, points, xp):
    array = xp.asarray(points, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim > 2:
        array = array.reshape(array.shape[0], -1)
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"parzen: {name} must be a non-empty (N, d) array, got shape "
                         f"{tuple(array.shape)}")
    return array


def parzen_log_likelihood(test, centres, sigma, batch_size: int = 1000):
    """Per-point Parzen log-likelihood of ``test`` under Gaussian kernels on ``centres``.

    Args:
        test: (N, d) points to score (images are flattened).
        centres: (n, d) kernel centres, the generated samples.
        sigma: the kernel width, or a 1-D array of widths scored in the same pass.
        batch_size: test points per chunk; a chunk's distance matrix is batch_size x n float64.

    Returns:
        float64 (N,) for a scalar sigma, (len(sigma), N) for an array of widths; on the array
        module (NumPy or CuPy) of ``test``.
    """
    xp = backend.get_array_module(test) if backend.is_array(test) else np
    x, mu = _as_matrix("test", test, xp), _as_matrix("centres", centres, xp)
    if x.shape[1] != mu.shape[1]:
        raise ValueError(f"parzen: test points have {x.shape[1]} dimensions, centres "
                         f"{mu.shape[1]}")
    if batch_size < 1:
        raise ValueError(f"parzen: batch_size must be positive, got {batch_size}")
    scalar = np.ndim(sigma) == 0
    sigmas = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    if sigmas.ndim != 1 or np.any(sigmas <= 0):
        raise ValueError(f"parzen: sigma must be positive, got {sigma!r}")
    n, d = mu.shape
    # -d log(sigma sqrt(2 pi)) normalises each kernel; -log n turns the sum into a mean.
    constant = xp.asarray(-d * np.log(sigmas * math.sqrt(2 * math.pi)) - math.log(n))
    inv_two_var = 1.0 / (2.0 * sigmas ** 2)
    mu_sq = (mu * mu).sum(axis=1)
    out = xp.empty((len(sigmas), x.shape[0]), dtype=np.float64)
    for start in range(0, x.shape[0], batch_size):
        chunk = x[start:start + batch_size]
        sq = (chunk * chunk).sum(axis=1)[:, None] - 2.0 * (chunk @ mu.T) + mu_sq[None, :]
        xp.maximum(sq, 0.0, out=sq)  # the expansion can dip below 0 by rounding
        for s in range(len(sigmas)):  # one (B, n) buffer at a time keeps memory flat
            a = sq * -inv_two_var[s]
            top = a.max(axis=1, keepdims=True)
            a -= top
            xp.exp(a, out=a)
            out[s, start:start + len(chunk)] = top[:, 0] + xp.log(a.sum(axis=1)) + constant[s]
    return out[0] if scalar else out


def mean_and_se(values) -> tuple[float, float]:
    """Mean and standard error (sample std / sqrt(N); 0 for a single value)."""
    values = np.asarray(backend.to_numpy(values) if backend.is_array(values) else values,
                        dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("mean_and_se: no values")
    se = values.std(ddof=1) / math.sqrt(values.size) if values.size > 1 else 0.0
    return float(values.mean()), float(se)


def select_sigma(valid, centres, sigmas=SIGMAS, batch_size: int = 1000):
    """The width in ``sigmas`` with the highest mean validation log-likelihood, and every mean.

    Returns ``(best_sigma, mean_ll float64 (len(sigmas),))``.
    """
    sigmas = np.asarray(sigmas, dtype=np.float64).ravel()
    lls = backend.to_numpy(parzen_log_likelihood(valid, centres, sigmas, batch_size))
    means = lls.mean(axis=1)
    return float(sigmas[int(np.argmax(means))]), means


def parzen_estimate(samples, test, valid=None, sigmas=SIGMAS, sigma=None,
                    batch_size: int = 1000) -> dict:
    """Goodfellow et al.'s protocol: pick sigma on ``valid`` (unless ``sigma`` is given), then
    the mean Parzen log-likelihood of ``test`` with its standard error.

    Returns a dict: ``mean``, ``se`` (nats), ``sigma``, ``n_samples``, ``n_test``, and
    ``valid_means`` (the validation mean for each candidate sigma) when sigma was selected.
    """
    result = {}
    if sigma is None:
        if valid is None:
            raise ValueError("parzen_estimate: give a validation set or a fixed sigma")
        sigma, means = select_sigma(valid, samples, sigmas, batch_size)
        result["valid_means"] = {f"{s:.4g}": float(m) for s, m in zip(np.ravel(sigmas), means)}
    lls = parzen_log_likelihood(test, samples, float(sigma), batch_size)
    mean, se = mean_and_se(lls)
    result.update(mean=mean, se=se, sigma=float(sigma), n_samples=int(len(samples)),
                  n_test=int(len(test)))
    return result


# ------------------------------------------------------------------ the command line hook

def add_parzen_arguments(parser) -> None:
    """Add ``--parzen``, ``--test DIR`` and friends to the ``evaluate`` sub-parser."""
    from minigan.commandline import positive_float, positive_int

    group = parser.add_argument_group("Parzen-window log-likelihood (Goodfellow et al. 2014)")
    group.add_argument("--parzen", action="store_true",
                       help="estimate the Parzen-window log-likelihood of the MNIST test set")
    group.add_argument("--test", default=None, metavar="DIR",
                       help="folder with the MNIST files (t10k-* for the test set; train-* "
                            "for the validation set, else the bundled training subset)")
    group.add_argument("--parzen-sigma", type=positive_float, default=None,
                       help="fixed kernel width (default: chosen on the validation set over "
                            "logspace(-1, 0, 10))")
    group.add_argument("--parzen-samples", type=positive_int, default=10000,
                       help="kernel centres: the first N samples (default 10000)")
    group.add_argument("--parzen-batch", type=positive_int, default=1000,
                       help="test points per chunk (default 1000)")


def _validation_images(root):
    """MNIST training images 50,000..59,999 (the paper's validation set), or, offline, the
    bundled training subset; returns ``(images, description)``."""
    from minigan.data import load_mnist
    from minigan.data.mnist import load_bundled_mnist

    try:
        images = load_mnist(root=root, split="train", mirrors=[])[0]
        if len(images) >= VALID_SLICE.stop:
            return images[VALID_SLICE], "MNIST train[50000:60000]"
    except Exception:  # not on disk: fall back below
        pass
    images = load_bundled_mnist()[0]
    return images, f"bundled MNIST training subset ({len(images)} images)"


def run_parzen(args, images) -> dict:
    """``python -m minigan evaluate samples.npz --parzen --test DIR``: print and return the
    estimate for ``images`` (uint8 (N, 28, 28)), pixels scaled to [0, 1] as in the paper."""
    from minigan.data import load_mnist

    if images.dtype != np.uint8:
        raise ValueError(f"--parzen: images must be uint8, got {images.dtype}")
    if args.parzen_samples < 1:
        raise ValueError(f"--parzen-samples must be positive, got {args.parzen_samples}")
    try:
        test = load_mnist(root=args.test, split="test", mirrors=[],
                          strict=args.test is not None)[0]
    except Exception as err:  # never download here: the test set must be on disk
        raise FileNotFoundError(f"--parzen needs the MNIST test set (t10k-images-idx3-ubyte.gz) "
                                f"in --test DIR (got {args.test!r}): {err}") from None
    centres = images[:args.parzen_samples].reshape(min(len(images), args.parzen_samples), -1)
    centres = centres.astype(np.float64) / 255.0
    valid, where = (None, "fixed") if args.parzen_sigma is not None else \
        _validation_images(args.test)
    flat = lambda a: a.reshape(len(a), -1).astype(np.float64) / 255.0  # noqa: E731
    result = parzen_estimate(centres, flat(test), None if valid is None else flat(valid),
                             sigma=args.parzen_sigma, batch_size=args.parzen_batch)
    print(f"  Parzen log-likelihood: {result['mean']:.1f} +- {result['se']:.1f} nats "
          f"(sigma {result['sigma']:.4g} [{where}], {result['n_samples']} kernels, "
          f"{result['n_test']} test images)")
    print("  paper, Table 1: DBN 138 +- 2, stacked CAE 121 +- 1.6, deep GSN 214 +- 1.1, "
          "adversarial nets 225 +- 2")
    return result
