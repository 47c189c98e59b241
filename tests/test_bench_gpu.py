"""benchmarks/bench_gpu.py runs: without a GPU it says so in one line; on the CuPy stand-in a
tiny run times both steps (the numbers mean nothing there; the script must not rot)."""
import os
import subprocess
import sys

import pytest

import minigan

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "bench_gpu.py")


def _run(*prefix_and_args):
    done = subprocess.run([sys.executable, *prefix_and_args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_without_a_gpu_bench_gpu_says_so_in_one_line(fake_cupy):
    if minigan.cuda_is_available() and not fake_cupy.installed():
        pytest.skip("this machine has a GPU")
    out = _run(SCRIPT)  # a plain python: the stand-in is not in its process
    assert len(out.strip().splitlines()) == 1 and "no GPU" in out


def test_bench_gpu_times_both_steps_on_the_stand_in(fake_cupy):
    if not fake_cupy.installed():
        pytest.skip("needs the CuPy stand-in (MINIGAN_TEST_FAKE_GPU=1)")
    out = _run(os.path.join(ROOT, "tests", "fake_cupy", "launch.py"), SCRIPT, "--steps", "1",
               "--warmup", "0", "--rounds", "1", "--batches", "4", "--no-tests", "--no-torch")
    assert "dcgan step, batch 4" in out and "mlp step, batch 4" in out
    assert out.count("ms/step median") == 2
