"""examples/toy_modes.py end to end, as a learner runs it: a few steps per seed, seeds in parallel
processes or one after another, the counts in metrics.json and the GIF of seed 0."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "examples", "toy_modes.py")


def run_example(tmp_path, *args):
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, SCRIPT, "--out", str(out), "--no-progress", *args],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return out, result.stdout


@pytest.mark.parametrize("data, remedy, jobs", [("ring", "mbstd", "2"), ("grid", "pack", "1")])
def test_the_example_counts_every_seed(tmp_path, data, remedy, jobs):
    out, stdout = run_example(tmp_path, "--data", data, "--remedy", remedy, "--seeds", "2",
                              "--jobs", jobs, "--steps", "40", "--hidden", "16",
                              "--layers", "1", "--samples", "300")
    metrics = json.loads((out / "metrics.json").read_text())
    assert [run["seed"] for run in metrics["runs"]] == [0, 1]
    n_modes = 8 if data == "ring" else 25
    for run in metrics["runs"]:
        assert run["n_modes"] == n_modes and 0 <= run["modes"] <= n_modes
        assert sum(run["counts"]) == round(run["high_quality"] * 300)
    assert metrics["args"]["decay"] == 0.5 and metrics["args"]["frame_every"] == 1
    assert (out / "progress.gif").stat().st_size > 0
    assert "seed 0: modes" in stdout and "seed 1: modes" in stdout and "published:" in stdout


def test_defaults_follow_the_mixture_and_the_remedy(monkeypatch):
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # the script sets them: undo after
    monkeypatch.syspath_prepend(os.path.join(ROOT, "examples"))
    import toy_modes
    ring = toy_modes.parse_args([])
    grid = toy_modes.parse_args(["--data", "grid", "--remedy", "unrolled", "--seeds", "1"])
    assert (ring.hidden, ring.layers, ring.batch_size, ring.steps, ring.decay) == \
        (128, 2, 512, 10_000, 0.5)
    assert grid.batch_size == 256
    assert toy_modes.parse_args(["--remedy", "minibatch"]).batch_size == 256
    assert (grid.hidden, grid.layers, grid.steps, grid.jobs) == (256, 3, 2_000, 1)
    assert toy_modes.decay_steps(10_000, 0.5) == (5_000, 10_000)
    assert toy_modes.decay_steps(10_000, 0.0) is None


def test_bad_arguments_get_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, SCRIPT, "--decay", "1.5"], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2 and "--decay" in result.stderr
    assert "expected a number between 0 and 1, got '1.5'" in result.stderr
