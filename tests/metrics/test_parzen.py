"""Parzen-window log-likelihood: the lecture's worked example, a Gaussian whose smoothed density
is known in closed form, batching, sigma selection, and the command-line hook."""
import argparse
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigan.metrics.parzen import (SIGMAS, add_parzen_arguments, mean_and_se,
                                    parzen_estimate, parzen_log_likelihood, run_parzen,
                                    select_sigma)


def naive_log_likelihood(test, centres, sigma):
    """The formula term by term: explicit differences, a float64 logsumexp."""
    test, centres = np.asarray(test, np.float64), np.asarray(centres, np.float64)
    d = test.shape[1]
    a = -((test[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2) / (2 * sigma ** 2)
    top = a.max(axis=1, keepdims=True)
    lme = top[:, 0] + np.log(np.exp(a - top).mean(axis=1))
    return lme - d * np.log(sigma * math.sqrt(2 * math.pi))


def test_lecture_worked_example():
    # Points 2, 2.5, 3, 1, 6, Gaussian window sigma = 1, density at x = 3: the average of the
    # five kernel values 0.2420, 0.3521, 0.3989, 0.0540, 0.0044 = 0.2103.
    centres = np.array([[2.0], [2.5], [3.0], [1.0], [6.0]])
    terms = [np.exp(parzen_log_likelihood([[3.0]], [c], 1.0)[0]) for c in centres]
    np.testing.assert_allclose(terms, [0.2420, 0.3521, 0.3989, 0.0540, 0.0044], atol=5e-5)
    p = float(np.exp(parzen_log_likelihood([[3.0]], centres, 1.0)[0]))
    assert round(p, 4) == 0.2103


def gaussian_log_density(x, mean, cov):
    d = len(mean)
    diff = x - mean
    solved = np.linalg.solve(cov, diff.T).T
    return -0.5 * ((diff * solved).sum(axis=1) + d * math.log(2 * math.pi)
                   + np.linalg.slogdet(cov)[1])


def test_known_gaussian_matches_closed_form_as_samples_grow():
    # Kernels on samples from N(m, C): as n grows the estimate tends to the smoothed density
    # N(x; m, C + sigma^2 I), known in closed form.
    rng = np.random.default_rng(0)
    mean, cov = np.array([0.5, -1.0, 2.0]), np.diag([0.5, 1.0, 2.0])
    sigma = 0.5
    test = rng.multivariate_normal(mean, cov, size=300)
    exact = gaussian_log_density(test, mean, cov + sigma ** 2 * np.eye(3))
    errors = []
    for n in (30, 300, 30000):
        centres = rng.multivariate_normal(mean, cov, size=n)
        errors.append(np.abs(parzen_log_likelihood(test, centres, sigma) - exact).mean())
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.05


def test_known_gaussian_mean_log_likelihood_approaches_the_true_one():
    # With many samples and a small kernel, the test-set mean approaches the true expected
    # log-likelihood -H(N(m, C)) (the kernel adds sigma^2 to the variance).
    rng = np.random.default_rng(1)
    std = 1.5
    centres = rng.normal(0.0, std, size=(20000, 1))
    test = rng.normal(0.0, std, size=(2000, 1))
    sigma = 0.05
    smoothed = std ** 2 + sigma ** 2
    expected = -0.5 * math.log(2 * math.pi * smoothed) - 0.5 * std ** 2 / smoothed
    mean, se = mean_and_se(parzen_log_likelihood(test, centres, sigma))
    assert abs(mean - expected) < 3 * se + 0.01
    assert abs(mean - (-0.5 * math.log(2 * math.pi * math.e * std ** 2))) < 3 * se + 0.01


@settings(max_examples=25, deadline=None)
@given(n_test=st.integers(1, 20), n_centres=st.integers(1, 30), d=st.integers(1, 12),
       batch=st.integers(1, 25), sigma=st.floats(0.05, 3.0), seed=st.integers(0, 2 ** 16))
def test_batched_equals_naive(n_test, n_centres, d, batch, sigma, seed):
    rng = np.random.default_rng(seed)
    test, centres = rng.random((n_test, d)), rng.random((n_centres, d))
    np.testing.assert_allclose(parzen_log_likelihood(test, centres, sigma, batch_size=batch),
                               naive_log_likelihood(test, centres, sigma), rtol=1e-9, atol=1e-9)


def test_many_sigmas_in_one_pass_equal_one_at_a_time():
    rng = np.random.default_rng(2)
    test, centres = rng.random((17, 9)), rng.random((40, 9))
    together = parzen_log_likelihood(test, centres, SIGMAS, batch_size=5)
    assert together.shape == (10, 17)
    for row, s in zip(together, SIGMAS):
        np.testing.assert_allclose(row, naive_log_likelihood(test, centres, s), rtol=1e-10)


def test_far_points_do_not_underflow():
    # exp(-||x - mu||^2 / 2 sigma^2) underflows for pixels far apart; logsumexp must not.
    ll = parzen_log_likelihood([[100.0] * 784], np.zeros((5, 784)), 0.1)
    assert np.isfinite(ll).all()
    np.testing.assert_allclose(ll, naive_log_likelihood([[100.0] * 784], np.zeros((5, 784)), 0.1))


def test_images_are_flattened():
    rng = np.random.default_rng(3)
    test, centres = rng.random((4, 2, 3, 3)), rng.random((6, 2, 3, 3))
    np.testing.assert_allclose(parzen_log_likelihood(test, centres, 0.3),
                               naive_log_likelihood(test.reshape(4, -1), centres.reshape(6, -1),
                                                    0.3))


def test_sigma_selection_and_estimate():
    rng = np.random.default_rng(4)
    centres = rng.normal(0, 0.3, size=(2000, 2))
    valid = rng.normal(0, 0.3, size=(500, 2))
    test = rng.normal(0, 0.3, size=(400, 2))
    best, means = select_sigma(valid, centres)
    assert means.shape == (10,) and best == SIGMAS[int(np.argmax(means))]
    assert best < 0.3  # wide kernels oversmooth a tight Gaussian
    result = parzen_estimate(centres, test, valid)
    lls = naive_log_likelihood(test, centres, best)
    assert result["sigma"] == best and result["n_test"] == 400 and result["n_samples"] == 2000
    np.testing.assert_allclose(result["mean"], lls.mean(), rtol=1e-10)
    np.testing.assert_allclose(result["se"], lls.std(ddof=1) / math.sqrt(400), rtol=1e-10)
    fixed = parzen_estimate(centres, test, sigma=0.2)
    assert fixed["sigma"] == 0.2 and "valid_means" not in fixed


def test_bad_input():
    with pytest.raises(ValueError, match="dimensions"):
        parzen_log_likelihood(np.zeros((2, 3)), np.zeros((4, 5)), 1.0)
    with pytest.raises(ValueError, match="sigma"):
        parzen_log_likelihood(np.zeros((2, 3)), np.zeros((4, 3)), 0.0)
    with pytest.raises(ValueError, match="non-empty"):
        parzen_log_likelihood(np.zeros((0, 3)), np.zeros((4, 3)), 1.0)
    with pytest.raises(ValueError, match="validation"):
        parzen_estimate(np.zeros((4, 3)), np.zeros((2, 3)))


def test_command_line_hook(mnist_test, capsys):
    parser = argparse.ArgumentParser()
    add_parzen_arguments(parser)
    from tests.metrics.conftest import MNIST_TEST_DIR

    args = parser.parse_args(["--parzen", "--test", str(MNIST_TEST_DIR), "--parzen-sigma",
                              "0.2", "--parzen-samples", "50"])
    assert args.parzen
    images = mnist_test[0][:80]  # the test set's own images as "samples": a fixed, known input
    result = run_parzen(args, images)
    assert result["n_samples"] == 50 and result["n_test"] == 10000 and result["sigma"] == 0.2
    test = mnist_test[0].reshape(10000, -1) / 255.0
    expected = naive_log_likelihood(test[:200], images[:50].reshape(50, -1) / 255.0, 0.2)
    lls = parzen_log_likelihood(test[:200], images[:50].reshape(50, -1) / 255.0, 0.2)
    np.testing.assert_allclose(lls, expected, rtol=1e-9)
    assert "Parzen log-likelihood" in capsys.readouterr().out


def test_command_line_hook_without_the_test_set(tmp_path):
    parser = argparse.ArgumentParser()
    add_parzen_arguments(parser)
    args = parser.parse_args(["--parzen", "--test", str(tmp_path)])
    with pytest.raises(FileNotFoundError, match="t10k"):
        run_parzen(args, np.zeros((3, 28, 28), np.uint8))
