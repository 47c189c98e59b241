"""Mode coverage on the ring and grid mixtures, on hand-made point sets."""
import math

import numpy as np
import pytest

from minigan.data.toy import grid_of_gaussians, ring_of_gaussians
from minigan.metrics.modes import MIXTURES, mode_coverage, summarize_runs


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_every_mode_hit_exactly(name):
    modes, std = MIXTURES[name]
    result = mode_coverage(np.repeat(modes, 3, axis=0), modes, std)
    assert result["modes"] == len(modes) == result["n_modes"]
    assert result["high_quality"] == 1.0
    assert result["counts"].tolist() == [3] * len(modes)


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_one_mode(name):
    modes, std = MIXTURES[name]
    rng = np.random.default_rng(0)
    points = modes[3] + 0.5 * std * rng.standard_normal((100, 2))  # all well inside 3 std
    result = mode_coverage(points, modes, std)
    assert result["modes"] == 1 and result["high_quality"] == 1.0
    assert result["counts"][3] == 100


def test_ring_mixture_figures():
    modes, std = MIXTURES["ring"]
    assert modes.shape == (8, 2) and std == 0.01
    np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 1.0, rtol=1e-6)
    modes, std = MIXTURES["grid"]
    assert modes.shape == (25, 2) and std == 0.05
    assert sorted(set(modes[:, 0].tolist())) == [-4, -2, 0, 2, 4]


def test_off_mode_points_capture_nothing():
    modes, std = MIXTURES["ring"]
    # Midpoints between neighbouring modes, and the centre: far from every mode.
    between = (modes + np.roll(modes, 1, axis=0)) / 2
    points = np.vstack([between, [[0.0, 0.0]]])
    result = mode_coverage(points, modes, std)
    assert result["modes"] == 0 and result["high_quality"] == 0.0


def test_threshold_is_three_standard_deviations():
    modes, std = MIXTURES["grid"]
    inside = modes[0] + np.array([[2.99 * std, 0.0]])
    outside = modes[1] + np.array([[0.0, 3.01 * std]])
    result = mode_coverage(np.vstack([inside, outside]), modes, std)
    assert result["modes"] == 1 and result["high_quality"] == 0.5
    assert result["counts"][0] == 1 and result["counts"][1] == 0


def test_mixed_set_counts_only_high_quality_samples():
    modes, std = MIXTURES["grid"]
    points = np.vstack([modes[:10], modes[10:20] + 10 * std])  # 10 on modes, 10 off
    result = mode_coverage(points, modes, std)
    assert result["modes"] == 10 and result["high_quality"] == 0.5


@pytest.mark.parametrize("name,sampler", [("ring", ring_of_gaussians),
                                          ("grid", grid_of_gaussians)])
def test_real_data_covers_every_mode_with_the_chi_square_share(name, sampler):
    # A real 2-D Gaussian sample lies within 3 std with probability 1 - exp(-9/2) = 0.9889.
    modes, std = MIXTURES[name]
    points, _ = sampler(2500, rng=0)
    result = mode_coverage(points, modes, std)
    assert result["modes"] == len(modes)
    expected = 1 - math.exp(-4.5)
    assert abs(result["high_quality"] - expected) < 4 * math.sqrt(expected * (1 - expected) / 2500)


def test_summary_mean_and_standard_error():
    runs = [{"modes": 8, "n_modes": 8, "high_quality": 0.9},
            {"modes": 6, "n_modes": 8, "high_quality": 0.7}]
    summary = summarize_runs(runs)
    assert summary["modes"] == (7.0, pytest.approx(1.0))  # std 1.414 / sqrt 2
    assert summary["high_quality"][0] == pytest.approx(0.8)
    assert summary["high_quality"][1] == pytest.approx(0.1)
    assert summary["seeds"] == 2 and not summary["all_modes_every_seed"]


def test_bad_input():
    modes, std = MIXTURES["ring"]
    with pytest.raises(ValueError, match="agree"):
        mode_coverage(np.zeros((3, 3)), modes, std)
    with pytest.raises(ValueError, match="no samples"):
        mode_coverage(np.zeros((0, 2)), modes, std)
    with pytest.raises(ValueError, match="std"):
        mode_coverage(np.zeros((3, 2)), modes, 0.0)
