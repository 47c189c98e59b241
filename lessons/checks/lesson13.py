"""Checks for lessons/exercises/13_mode_counting.py: both counts against
minigan.metrics.modes.mode_coverage on the lesson's ring (real samples, a collapse onto three
modes, a grey cloud) and the grid, and on hand-made points that tell the classic mistakes
apart: squared distances, a mode counted for a sample that is merely near it, samples counted
that are far from every mode."""
from __future__ import annotations

import numpy as np

from minigan.metrics.modes import MIXTURES, mode_coverage
from checks import Exercise, Wrong, as_array, expect_close


def _cases():
    rng = np.random.default_rng(0)
    ring, ring_std = MIXTURES["ring"]
    grid, grid_std = MIXTURES["grid"]
    pick = rng.integers(0, 8, 500)
    collapsed = ring[pick % 3] + ring_std * rng.standard_normal((500, 2))
    yield "real ring samples", ring[pick] + ring_std * rng.standard_normal((500, 2)), ring, \
        ring_std
    yield "a collapse onto 3 of the ring's modes", collapsed, ring, ring_std
    yield "a grey cloud over the ring", rng.uniform(-1.2, 1.2, (2000, 2)), ring, ring_std
    cells = rng.integers(0, 25, 800)
    yield "grid samples at 2 std", grid[cells] + 2 * grid_std * rng.standard_normal((800, 2)), \
        grid, grid_std


# Two modes 0.05 apart with std 0.02 (3 std = 0.06); each point's nearest mode is mode 0.
CLOSE_MODES = np.array([[0.0, 0.0], [0.05, 0.0], [5.0, 5.0]])
CLOSE_POINTS = np.array([[0.02, 0.0],    # high quality, also within 0.06 of mode 1
                         [0.0, 0.05],    # high quality (0.05), not within 0.06 of mode 1
                         [-0.07, 0.0],   # 0.07 from mode 0: not high quality
                         [2.4, 2.4]])    # nearest to mode 0 but far from it


def check_share(m):
    got = float(as_array(m.high_quality_share(CLOSE_POINTS, CLOSE_MODES, 0.02),
                         "high_quality_share on 4 hand-made points"))
    if abs(got - 0.75) < 1e-12:
        raise Wrong("3 of 4 hand-made points counted high quality, expected 2 of 4: is the "
                    "squared distance compared with threshold * std?")
    expect_close(got, 0.5, "high_quality_share on 4 hand-made points (2 within 0.06 of their "
                 "nearest mode)", tol=1e-12)
    for what, samples, modes, std in _cases():
        got = as_array(m.high_quality_share(samples.copy(), modes.copy(), std),
                       f"high_quality_share on {what}")
        expect_close(got, mode_coverage(samples, modes, std)["high_quality"],
                     f"high_quality_share on {what}, compared with mode_coverage", tol=1e-12)


def check_modes(m):
    for what, samples, modes, std in _cases():
        got = m.modes_captured(samples.copy(), modes.copy(), std)
        expected = mode_coverage(samples, modes, std)["modes"]
        if np.ndim(got) != 0 or got != int(got):
            raise Wrong(f"modes_captured on {what} is {got!r}, expected the int {expected}")
        if int(got) != expected:
            extra = (" (most of the cloud is far from every mode: are samples that are not "
                     "high quality counted?)" if "cloud" in what and got > expected else "")
            raise Wrong(f"modes_captured on {what} is {int(got)}, mode_coverage says "
                        f"{expected}{extra}")
    got = int(m.modes_captured(CLOSE_POINTS, CLOSE_MODES, 0.02))
    if got == 2:
        raise Wrong("on 4 hand-made points near two modes 0.05 apart, modes_captured counts "
                    "2, expected 1: a mode is captured only when it is the *nearest* mode of a "
                    "high-quality sample, not when one passes within 3 std of it")
    if got != 1:
        raise Wrong(f"on 4 hand-made points whose nearest mode is mode 0, modes_captured "
                    f"counts {got}, expected 1")


EXERCISES = [
    Exercise("high_quality_share", "distance = np.linalg.norm(samples[:, None] - modes[None], "
             "axis=2) (N, K); the share of distance.min(axis=1) <= threshold * std",
             check_share,
             idea="lesson 13: a sample is of high quality when it lies within a few standard "
             "deviations of its nearest mode"),
    Exercise("modes_captured", "nearest = distance.argmin(axis=1); keep the high-quality "
             "samples' nearest modes and count the distinct ones (np.unique)", check_modes,
             idea="lesson 13: a mode is captured when it is the nearest mode of at least one "
             "high-quality sample"),
]
