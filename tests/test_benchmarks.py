"""The step benchmarks run, and time the networks they say they time (timings themselves are
never asserted: they belong in benchmarks/README.md)."""
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_translation_step  # noqa: E402

import minigan.nn as nn  # noqa: E402
from minigan.gan.models.patchgan import PatchGANDiscriminator  # noqa: E402
from minigan.gan.models.resnet_generator import ResnetGenerator  # noqa: E402


@pytest.mark.parametrize("script", ["bench_mlp_step.py", "bench_dcgan_step.py",
                                    "bench_translation_step.py"])
def test_a_step_benchmark_runs_and_reports_milliseconds_per_step(script):
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--steps", "2", "--warmup",
                           "1", "--rounds", "1", "--no-torch", "--no-memory", "--batch", "2"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "batch 2" in done.stdout
    assert "minigan reference kernels" in done.stdout and "ms/step median" in done.stdout


def test_the_translation_benchmark_builds_the_cyclegan_examples_networks():
    g_ab, _, d_a, _ = bench_translation_step.build(nn)
    example_g = ResnetGenerator(3, 3, ngf=8, n_blocks=2)
    example_d = PatchGANDiscriminator(3, ndf=16, n_layers=2, norm="instance")
    for ours, example in ((g_ab, example_g), (d_a, example_d)):
        shapes = {k: v.shape for k, v in ours.state_dict().items()}
        assert shapes == {k: v.shape for k, v in example.state_dict().items()}
