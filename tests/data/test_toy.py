"""2-D Gaussian mixtures: shapes, mode centres, points near their modes, seeded draws."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from minigan.data.toy import grid_modes, grid_of_gaussians, ring_modes, ring_of_gaussians


def test_mode_centres():
    ring = ring_modes()
    assert ring.shape == (8, 2) and ring.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(ring[0], [1, 0], atol=1e-7)
    grid = grid_modes()
    assert grid.shape == (25, 2)
    assert {tuple(p) for p in grid.tolist()} == {(x, y) for x in (-4, -2, 0, 2, 4)
                                                 for y in (-4, -2, 0, 2, 4)}


@settings(max_examples=20, deadline=None)
@given(n=st.integers(0, 500), seed=st.integers(0, 2**32 - 1),
       kind=st.sampled_from(["ring", "grid"]))
def test_points_lie_near_their_modes(n, seed, kind):
    sample, modes, std = ((ring_of_gaussians, ring_modes(), 0.01) if kind == "ring"
                          else (grid_of_gaussians, grid_modes(), 0.05))
    points, index = sample(n, rng=seed)
    assert points.shape == (n, 2) and points.dtype == np.float32
    assert index.shape == (n,) and np.issubdtype(index.dtype, np.integer)
    assert np.all((0 <= index) & (index < len(modes)))
    assert np.all(np.linalg.norm(points - modes[index], axis=1) < 8 * std)  # P = exp(-32) each


def test_all_modes_used_and_custom_parameters():
    points, index = ring_of_gaussians(4000, n_modes=5, radius=3.0, std=0.1, rng=0)
    assert set(index.tolist()) == set(range(5))
    np.testing.assert_allclose(np.linalg.norm(points, axis=1).mean(), 3.0, atol=0.02)
    counts = np.bincount(index)
    assert counts.min() > 650  # equal weights: 800 expected per mode


@pytest.mark.parametrize("sample", [ring_of_gaussians, grid_of_gaussians])
def test_default_rng_follows_manual_seed(sample):
    minigan.manual_seed(7)
    a = sample(10)
    minigan.manual_seed(7)
    b = sample(10)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(sample(10)[0], a[0])
