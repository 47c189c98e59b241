"""Every example trains a step with ``--device cuda``, and ``python -m minigan sample --device
cuda`` draws what "cpu" draws, through the entry points a user calls.

On the CuPy stand-in (``MINIGAN_TEST_FAKE_GPU=1``) a script in its own process runs through
``tests/fake_cupy/launch.py``, which installs the stand-in and then runs the script as
``python`` would. The MNIST examples run in this process, on the first 64 bundled digits (one
batch): the only change to the user's run is the size of the data set.
"""
import json
import os
import runpy
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import minigan
import minigan.gan.examples
from minigan.data import load_bundled_mnist
from minigan.gan.models import load_model
from minigan.gan.models.dcgan import DCGAN
from minigan.gan.trainer import new_history, save_training_checkpoint

pytestmark = pytest.mark.skipif(
    not minigan.cuda_is_available(),
    reason="needs CuPy and a GPU, or the CuPy stand-in (MINIGAN_TEST_FAKE_GPU=1)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCH = os.path.join(ROOT, "tests", "fake_cupy", "launch.py")
ONE_EPOCH = ["--epochs", "1", "--batch-size", "64", "--eval-samples", "0", "--no-progress"]

MNIST_EXAMPLES = {
    "vanilla_mnist": [],
    "dcgan_mnist": ["--width", "8"],  # also draws the latent-space figures (the judge's too)
    "lsgan_mnist": ["--arch", "mlp"],
    "cgan_mnist": ["--arch", "dcgan"],
    "wgan_mnist": ["--k", "1"],
}


@pytest.mark.parametrize("name", sorted(MNIST_EXAMPLES))
def test_an_mnist_example_trains_on_cuda(name, tmp_path, monkeypatch, capsys, fake_cupy):
    images, labels = load_bundled_mnist()
    monkeypatch.setattr(minigan.gan.examples, "load_mnist",
                        lambda root=None, **kw: (images[:64], labels[:64]))
    script = os.path.join(ROOT, "examples", f"{name}.py")
    monkeypatch.setattr(sys, "argv", [script, *ONE_EPOCH, *MNIST_EXAMPLES[name], "--device",
                                      "cuda", "--out", str(tmp_path)])
    fake_cupy.TRANSFERS.clear()
    with pytest.raises(SystemExit) as stop:  # an example ends with sys.exit(run_main(main))
        runpy.run_path(script, run_name="__main__")
    assert stop.value.code == 0
    assert "device cuda" in capsys.readouterr().out
    model = load_model(tmp_path / "checkpoint.npz", device="cpu")
    assert model.step == 1
    if fake_cupy.installed():  # the step's logged figures were read back from the device
        assert any(" item" in t.where for t in fake_cupy.TRANSFERS.to_host)


def _run(args, tmp_path, fake_cupy):
    """``python ARGS`` (through the stand-in's launcher when it is the GPU); the reads back
    to the host it made, when the stand-in counted them."""
    report = tmp_path / "transfers.json"
    command = [sys.executable] + ([LAUNCH] if fake_cupy.installed() else []) + args
    env = {**os.environ, "MINIGAN_FAKE_CUPY_TRANSFERS": str(report),
           "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    reads = json.loads(report.read_text())["to_host"] if report.exists() else None
    return done.stdout, reads


def _image_folders(root):
    """Four 16x16 images in each folder of the CycleGAN and pix2pix layouts."""
    rng = np.random.default_rng(0)
    for sub in ("trainA", "trainB", "testA", "testB", "train", "test"):
        os.makedirs(root / sub)
        for i in range(4):
            pixels = rng.integers(0, 256, (16, 32 if sub in ("train", "test") else 16))
            Image.fromarray(pixels.astype(np.uint8)).save(root / sub / f"{i}.png")
    return str(root)


@pytest.mark.parametrize("name", ["pix2pix_digits", "cyclegan_digits"])
def test_an_image_to_image_example_trains_on_cuda(name, tmp_path, fake_cupy):
    data = _image_folders(tmp_path / "data")
    stdout, reads = _run([os.path.join(ROOT, "examples", f"{name}.py"), "--data", data,
                          "--size", "16", "--channels", "1", "--epochs", "1", "--batch-size",
                          "4", "--no-progress", "--device", "cuda", "--out",
                          str(tmp_path / "out")], tmp_path, fake_cupy)
    assert "device cuda" in stdout and (tmp_path / "out" / "checkpoint.npz").is_file()
    assert reads is None or any(" item" in where for _, where, _ in reads)


def test_the_toy_example_trains_on_cuda(tmp_path, fake_cupy):
    stdout, reads = _run([os.path.join(ROOT, "examples", "toy_modes.py"), "--steps", "3",
                          "--seeds", "1", "--jobs", "1", "--hidden", "8", "--layers", "1",
                          "--samples", "100", "--no-gif", "--no-progress", "--device", "cuda",
                          "--out", str(tmp_path / "out")], tmp_path, fake_cupy)
    assert "seed 0: modes" in stdout
    assert reads is None or any(" item" in where for _, where, _ in reads)


def test_sampling_a_checkpoint_on_cuda_draws_what_cpu_draws(tmp_path, fake_cupy):
    minigan.manual_seed(0)
    model = DCGAN(latent_dim=6, g_width=4, d_width=4, n_fixed=4)
    checkpoint = save_training_checkpoint(tmp_path / "ck.npz", model, 0, new_history())
    images = {}
    for device in ("cpu", "cuda"):
        out = tmp_path / f"{device}.npz"
        _run(["-m", "minigan", "sample", checkpoint, "-n", "40", "--batch-size", "16", "-o",
              str(out), "--grid", str(tmp_path / f"{device}.png"), "--device", device],
             tmp_path, fake_cupy)
        with np.load(out) as npz:
            images[device] = npz["images"].astype(int)
    assert images["cpu"].shape == (40, 28, 28) and images["cpu"].std() > 0
    # A GPU's float rounding may move a pixel that lies on a rounding edge by one level.
    assert np.abs(images["cuda"] - images["cpu"]).max() <= 1
