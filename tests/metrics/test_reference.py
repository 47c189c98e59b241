"""The shipped classifier-FID reference: intact, and what the shipped judge says of the test set."""
import numpy as np
import pytest

from minigan.metrics import reference
from minigan.metrics.judge import extract_features
from minigan.metrics.scores import feature_statistics, frechet_distance


def test_shipped_statistics_load_and_are_a_covariance():
    mu, sigma = reference.mnist_test_statistics()
    assert mu.shape == (128,) and sigma.shape == (128, 128)
    np.testing.assert_allclose(sigma, sigma.T)
    assert np.linalg.eigvalsh(sigma).min() > -1e-8


def test_a_corrupt_reference_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "stats.npz"
    reference.save_reference_statistics(bad, np.zeros(128), np.eye(128))
    monkeypatch.setattr(reference, "STATS_PATH", bad)
    with pytest.raises(ValueError, match="SHA-256"):
        reference.mnist_test_statistics()


def test_shipped_statistics_are_the_judges_view_of_the_real_test_set(mnist_test):
    images = mnist_test[0]
    mu, sigma = feature_statistics(extract_features(images))
    shipped_mu, shipped_sigma = reference.mnist_test_statistics()
    # Same images, same judge: equal up to float32 summation order in the features.
    assert frechet_distance(mu, sigma, shipped_mu, shipped_sigma) < 1e-3
