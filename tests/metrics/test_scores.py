"""The quality figures on cases whose answers are known.

Pure figures (on probabilities and Gaussians) are checked against closed forms; the judge's
verdict on real digits, on one digit repeated and on noise is checked in the last section (the
real-data tests skip when the MNIST test set is not on disk).
"""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigan.data import load_bundled_mnist

from minigan.metrics import scores
from minigan.metrics.scores import (confident_share, digit_histogram, digits_covered,
                                    feature_statistics, features_frechet_distance,
                                    format_report, frechet_distance, inception_score,
                                    psd_sqrt, trace_sqrt_product)


def random_psd(rng, d, rank=None):
    """A random symmetric PSD matrix of the given rank (full rank by default)."""
    a = rng.standard_normal((d, rank or d))
    return a @ a.T / (rank or d)


def one_hot(labels, classes=10):
    return np.eye(classes)[labels]


# ---------------------------------------------------------------- confidence and coverage

def test_confident_share_counts_rows_above_threshold():
    probs = np.array([[0.95, 0.05], [0.9, 0.1], [0.4, 0.6], [0.25, 0.75], [0.05, 0.95]])
    assert confident_share(probs) == 0.4  # 0.9 itself is not "above 0.9"
    assert confident_share(probs, threshold=0.7) == 0.8


def test_histogram_and_coverage():
    labels = np.array([3] * 95 + [7] * 4 + [1])
    hist = digit_histogram(one_hot(labels))
    assert hist.tolist() == [0, 1, 0, 95, 0, 0, 0, 4, 0, 0]
    assert digits_covered(hist) == 3  # every class hit at least 1% of the time
    assert digits_covered(hist, min_share=0.02) == 2  # the single "1" is an accident
    assert digits_covered(hist, min_share=0.0) == 3  # but never a class with no sample


def test_bad_probabilities_are_refused():
    with pytest.raises(ValueError, match=r"\(N, classes\)"):
        confident_share(np.ones(10) / 10)
    with pytest.raises(ValueError, match=r"\(N, classes\)"):
        inception_score(np.zeros((0, 10)))


# ---------------------------------------------------------------- Inception-Score-like figure

def test_inception_score_extremes():
    # Ten equally frequent, perfectly confident classes: KL = log 10 for every sample.
    assert inception_score(one_hot(np.arange(1000) % 10)) == pytest.approx(10.0, rel=1e-12)
    # One class only, or predictions that say nothing: p(y|x) = p(y), KL = 0.
    assert inception_score(one_hot(np.full(50, 4))) == pytest.approx(1.0, abs=1e-12)
    assert inception_score(np.full((50, 10), 0.1)) == pytest.approx(1.0, abs=1e-12)
    # Two equally frequent confident classes.
    assert inception_score(one_hot(np.arange(100) % 2)) == pytest.approx(2.0, rel=1e-12)


def test_inception_score_matches_direct_formula():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.full(10, 0.3), size=200)
    marginal = probs.mean(axis=0)
    expected = np.exp(np.mean(np.sum(probs * (np.log(probs) - np.log(marginal)), axis=1)))
    assert inception_score(probs) == pytest.approx(expected, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 60), alpha=st.floats(0.01, 5.0))
def test_inception_score_lies_between_one_and_the_number_of_classes(seed, n, alpha):
    probs = np.random.default_rng(seed).dirichlet(np.full(10, alpha), size=n)
    value = inception_score(probs)
    assert 1.0 - 1e-9 <= value <= min(n, 10) + 1e-9  # IS <= exp(H(p(y))) <= min(N, classes)


# ---------------------------------------------------------------- Fréchet distance

@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), d=st.integers(1, 12), deficient=st.booleans())
def test_trace_sqrt_product_equals_eigenvalues_of_the_product(seed, d, deficient):
    # tr((S1 S2)^(1/2)) = sum sqrt(eig(S1 S2)); S1 S2 is not symmetric, but its eigenvalues
    # are real and >= 0. Rank-deficient S1 is the hard case for square-root tricks.
    rng = np.random.default_rng(seed)
    s1 = random_psd(rng, d, rank=max(1, d // 2) if deficient else None)
    s2 = random_psd(rng, d)
    direct = np.sqrt(np.clip(np.linalg.eigvals(s1 @ s2).real, 0, None)).sum()
    assert trace_sqrt_product(s1, s2) == pytest.approx(direct, rel=1e-7, abs=1e-9)
    assert trace_sqrt_product(s2, s1) == pytest.approx(direct, rel=1e-7, abs=1e-9)


def test_trace_sqrt_product_matches_scipy_sqrtm():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(1)
    s1, s2 = random_psd(rng, 20), random_psd(rng, 20)
    expected = np.trace(linalg.sqrtm(s1 @ s2)).real
    assert trace_sqrt_product(s1, s2) == pytest.approx(expected, rel=1e-9)


def test_psd_sqrt_squares_back():
    rng = np.random.default_rng(2)
    s = random_psd(rng, 7, rank=4)
    root = psd_sqrt(s)
    np.testing.assert_allclose(root, root.T, atol=1e-14)
    np.testing.assert_allclose(root @ root, s, atol=1e-12)
    assert np.linalg.eigvalsh(root).min() > -1e-7


def test_frechet_distance_closed_forms():
    rng = np.random.default_rng(3)
    d = 6
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    # Diagonal covariances: sum (sqrt(a) - sqrt(b))^2 plus the squared mean gap.
    a, b = rng.uniform(0.1, 3.0, d), rng.uniform(0.1, 3.0, d)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, 1e-12)
    # Covariances sharing eigenvectors: the same formula in that basis.
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    s1, s2 = (q * a) @ q.T, (q * b) @ q.T
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-10)
    # Isotropic: d (s1 - s2)^2 for standard deviations s1, s2.
    assert frechet_distance(mu1, 4 * np.eye(d), mu1, 9 * np.eye(d)) == pytest.approx(d * 1.0)
    # One dimension: (m1 - m2)^2 + (s1 - s2)^2.
    assert frechet_distance([1.0], [[4.0]], [-2.0], [[0.25]]) == pytest.approx(9 + 1.5 ** 2)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), d=st.integers(1, 10))
def test_frechet_distance_is_symmetric_and_zero_on_equal_gaussians(seed, d):
    rng = np.random.default_rng(seed)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    s1, s2 = random_psd(rng, d), random_psd(rng, d)
    forward, backward = frechet_distance(mu1, s1, mu2, s2), frechet_distance(mu2, s2, mu1, s1)
    assert forward == pytest.approx(backward, rel=1e-8, abs=1e-10)
    assert forward >= 0
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-9 * np.trace(s1))
    # A pure shift of the mean adds exactly its squared length.
    shift = rng.standard_normal(d)
    assert frechet_distance(mu1 + shift, s1, mu1, s1) == pytest.approx(shift @ shift, abs=1e-8)


def test_frechet_distance_of_samples_approaches_the_gaussians():
    # Sample statistics of two known Gaussians: the estimate converges to the closed form.
    rng = np.random.default_rng(4)
    d, n = 4, 200_000
    a, b = np.array([1.0, 2.0, 0.5, 3.0]), np.array([2.0, 0.5, 0.5, 1.0])
    mu1, mu2 = np.zeros(d), np.array([1.0, 0.0, -1.0, 0.5])
    x1 = mu1 + rng.standard_normal((n, d)) * np.sqrt(a)
    x2 = mu2 + rng.standard_normal((n, d)) * np.sqrt(b)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert features_frechet_distance(x1, x2) == pytest.approx(expected, rel=0.02)


def test_feature_statistics_match_numpy():
    x = np.random.default_rng(5).standard_normal((50, 3))
    mu, sigma = feature_statistics(x)
    np.testing.assert_allclose(mu, x.mean(axis=0))
    np.testing.assert_allclose(sigma, np.cov(x, rowvar=False), rtol=1e-12)
    with pytest.raises(ValueError, match="N >= 2"):
        feature_statistics(x[:1])


def test_frechet_distance_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="same dimension"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="same dimension"):
        frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3))


# ---------------------------------------------------------------- evaluate_samples, report

class _StandInJudge:
    """Something shaped like the judge, whose answers are known: the class is the image's
    brightest band of three rows (rows 0-2 -> 0, ..., row 27 -> 9), and the features are
    the 28 row means. Lets the plumbing be tested without the trained weights."""

    def eval(self):
        return self

    def parameters(self):
        return iter(())

    def features(self, x):
        return x.mean(axis=3).reshape(x.shape[0], 28)

    def classifier(self, f):
        import minigan as mg

        rows = f.numpy()
        bands = np.stack([rows[:, 3 * k:3 * k + 3].mean(axis=1) for k in range(10)], axis=1)
        return mg.tensor(50.0 * np.eye(10)[bands.argmax(axis=1)])


def band_images(labels):
    images = np.zeros((len(labels), 28, 28), np.uint8)
    for i, k in enumerate(labels):
        images[i, 3 * k:3 * k + 3] = 255
    return images


def test_evaluate_samples_with_a_stand_in_judge():
    labels = np.arange(200) % 10
    result = scores.evaluate_samples(band_images(labels), real_images=band_images(labels[::-1]),
                                     judge=_StandInJudge(), batch_size=64)
    assert result["n"] == 200
    assert result["confident_share"] == 1.0
    assert result["digit_histogram"] == [20] * 10
    assert result["digits_covered"] == 10
    assert result["inception_score"] == pytest.approx(10.0, rel=1e-9)
    assert result["classifier_fid"] == pytest.approx(0.0, abs=1e-6)  # same images, reordered
    json.dumps(result)  # plain Python numbers, ready for metrics.json

    collapsed = scores.evaluate_samples(band_images(np.full(50, 6)), judge=_StandInJudge())
    assert collapsed["digit_histogram"][6] == 50 and collapsed["digits_covered"] == 1
    assert collapsed["inception_score"] == pytest.approx(1.0)
    assert collapsed["classifier_fid"] is None


def test_format_report_shows_the_figures():
    result = scores.evaluate_samples(band_images(np.arange(30) % 3), judge=_StandInJudge(),
                                     real_images=band_images(np.arange(30) % 10))
    text = format_report(result)
    assert "samples" in text and "30" in text
    assert "100.0%" in text and "3 / 10" in text
    assert f"{result['inception_score']:.2f}" in text
    assert f"{result['classifier_fid']:.2f}" in text
    assert "n/a" in format_report({**result, "classifier_fid": None})


# ---------------------------------------------------------------- the shipped judge's verdicts

@pytest.fixture(scope="module")
def real_halves(mnist_test):
    """Two random halves of the official test set (its first 5,000 images come from other
    writers than its last 5,000, so an ordered split would compare two populations)."""
    images, labels = mnist_test
    order = np.random.default_rng(0).permutation(len(images))
    first, second = order[:len(order) // 2], order[len(order) // 2:]
    return images[first], labels[first], images[second]


@pytest.fixture(scope="module")
def real_verdict(real_halves):
    samples, _, reference = real_halves
    return scores.evaluate_samples(samples, real_images=reference)


def test_real_digits_look_real(real_halves, real_verdict):
    _, labels, _ = real_halves
    r = real_verdict
    assert r["n"] == len(labels)
    assert r["confident_share"] > 0.9
    assert r["digits_covered"] == 10
    # A 98%-accurate judge's histogram is the labels' histogram, give or take its errors.
    assert np.abs(np.array(r["digit_histogram"]) - np.bincount(labels, minlength=10)).sum() \
        < 0.04 * len(labels)
    assert 9.0 < r["inception_score"] <= 10.0
    assert r["classifier_fid"] < 5.0  # two samples of one population


def test_classifier_fid_sees_missing_digits_and_collapse(real_halves, real_verdict):
    samples, labels, reference = real_halves
    no_zeros = scores.evaluate_samples(samples[labels != 0], real_images=reference)
    assert no_zeros["digits_covered"] == 9
    assert no_zeros["classifier_fid"] > 10 * real_verdict["classifier_fid"]
    collapsed = scores.evaluate_samples(np.repeat(samples[:1], 500, axis=0),
                                        real_images=reference)
    assert collapsed["classifier_fid"] > 100 * real_verdict["classifier_fid"]


def test_one_image_repeated_is_one_digit():
    images, labels = load_bundled_mnist()
    r = scores.evaluate_samples(np.repeat(images[2345:2346], 300, axis=0))
    assert r["digits_covered"] == 1
    assert r["digit_histogram"][int(labels[2345])] == 300
    assert r["inception_score"] == pytest.approx(1.0, abs=1e-9)
    assert r["confident_share"] in (0.0, 1.0)  # the same answer 300 times
    assert r["classifier_fid"] > 1000  # against the shipped MNIST-test reference
    skipped = scores.evaluate_samples(images[:10], reference=None)
    assert skipped["classifier_fid"] is None


def test_noise_is_not_a_digit():
    noise = np.random.default_rng(0).integers(0, 256, size=(500, 28, 28), dtype=np.uint8)
    r = scores.evaluate_samples(noise)
    assert r["confident_share"] < 0.1
    assert r["inception_score"] < 2.0


def test_a_collapsed_generator_reads_worse_than_real_digits():
    # Bundled digits against a reference made of the same digits: what a good GAN should
    # approach, and what one stuck on two digits cannot.
    images, labels = load_bundled_mnist()
    reference = images[1::2]
    good = scores.evaluate_samples(images[::2], real_images=reference)
    two_digits = scores.evaluate_samples(images[::2][np.isin(labels[::2], (1, 7))],
                                         real_images=reference)
    assert good["digits_covered"] == 10 and two_digits["digits_covered"] == 2
    assert good["inception_score"] > 4 * two_digits["inception_score"]
    assert good["classifier_fid"] * 10 < two_digits["classifier_fid"]
