"""`python -m minigan sample|evaluate` on a tiny checkpoint."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import minigan
import minigan.metrics
from minigan import cli
from minigan.gan.models.mlp import VanillaGAN
from minigan.gan.models import load_model
from minigan.gan.trainer import new_history, save_training_checkpoint
from minigan.viz import image_grid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    minigan.manual_seed(0)
    model = VanillaGAN(latent_dim=4, g_hidden=(8,), d_hidden=(8,), n_fixed=4)
    path = tmp_path_factory.mktemp("ck") / "checkpoint.npz"
    save_training_checkpoint(path, model, epoch=0, history=new_history())
    return path


def test_sample_writes_uint8_images_and_a_grid(checkpoint, tmp_path, capsys):
    out, grid = tmp_path / "s.npz", tmp_path / "grid.png"
    assert cli.main(["sample", str(checkpoint), "-n", "70", "-o", str(out), "--grid", str(grid),
                     "--batch-size", "32"]) == 0
    assert "wrote" in capsys.readouterr().out
    with np.load(out, allow_pickle=False) as npz:
        assert npz.files == ["images"]
        images = npz["images"]
    assert images.dtype == np.uint8 and images.shape == (70, 28, 28)
    assert images.std() > 0
    with Image.open(grid) as im:
        assert im.size == (2 * (8 * 30 + 2), 2 * (8 * 30 + 2))  # the first 64, 8 per row
        picture = np.asarray(im)[::2, ::2]  # drawn twice as large
    np.testing.assert_array_equal(picture, image_grid(images[:64], nrow=8))  # across 2 batches


def test_sample_seed_decides_the_samples(checkpoint, tmp_path):
    paths = {}
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        paths[name] = tmp_path / f"{name}.npz"
        cli.main(["sample", str(checkpoint), "-n", "5", "-o", str(paths[name]),
                  "--seed", str(seed)])
    a, b, c = (np.load(paths[k])["images"] for k in "abc")
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_sample_adds_npz_suffix(checkpoint, tmp_path):
    assert cli.main(["sample", str(checkpoint), "-n", "2", "-o", str(tmp_path / "plain")]) == 0
    assert (tmp_path / "plain.npz").is_file()


@pytest.mark.parametrize("command, what", [("sample", "checkpoint"),
                                           ("evaluate", "samples file")])
def test_missing_files_are_clear_errors(command, what, capsys, tmp_path):
    missing = str(tmp_path / "missing.npz")
    assert cli.main([command, missing]) == 2
    assert f"{what} {missing!r} does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("arrays, message", [
    ({"x": np.zeros((2, 28, 28), np.uint8)}, "no 'images' entry"),
    ({"images": np.zeros((2, 28, 28), np.float32)}, "must be uint8"),
    ({"images": np.zeros((2, 28, 28), np.uint8), "labels": np.zeros(3)}, "'labels' has shape"),
])
def test_evaluate_rejects_malformed_samples(arrays, message, tmp_path, capsys):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    assert cli.main(["evaluate", str(path), "--no-fid"]) == 2
    assert message in capsys.readouterr().err


def test_evaluate_refuses_pickles(tmp_path, capsys):
    path = tmp_path / "evil.npz"
    np.savez(path, images=np.array([{"a": 1}], dtype=object))
    assert cli.main(["evaluate", str(path)]) == 2
    assert "pickle" in capsys.readouterr().err


def test_evaluate_hands_the_images_to_the_judge(monkeypatch, tmp_path, capsys):
    images = np.random.default_rng(0).integers(0, 256, (6, 28, 28), dtype=np.uint8)
    np.savez(tmp_path / "s.npz", images=images)
    seen = {}

    def fake_evaluate(imgs, real_images=None, **kw):
        seen["images"], seen["real"] = imgs, real_images
        return {"stub": True}

    monkeypatch.setattr(minigan.metrics, "evaluate_samples", fake_evaluate)
    monkeypatch.setattr(minigan.metrics, "format_report", lambda r: f"REPORT {r}")
    assert cli.main(["evaluate", str(tmp_path / "s.npz"), "--no-fid"]) == 0
    assert np.array_equal(seen["images"], images) and seen["real"] is None
    assert "REPORT {'stub': True}" in capsys.readouterr().out


def test_sample_then_evaluate_with_the_judge(checkpoint, tmp_path, capsys):
    judge = pytest.importorskip("minigan.metrics.judge")
    if not judge.WEIGHTS_PATH.is_file():
        pytest.skip("the judge's weights are not built yet (scripts/train_judge.py)")
    out = tmp_path / "s.npz"
    assert cli.main(["sample", str(checkpoint), "-n", "50", "-o", str(out)]) == 0
    assert cli.main(["evaluate", str(out), "--no-fid"]) == 0
    text = capsys.readouterr().out
    assert "confident" in text and "digits covered" in text


def test_python_dash_m_minigan(checkpoint, tmp_path):
    out = tmp_path / "s.npz"
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-m", "minigan", "sample", str(checkpoint), "-n",
                             "3", "-o", str(out)], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert np.load(out)["images"].shape == (3, 28, 28)
    result = subprocess.run([sys.executable, "-m", "minigan"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 2 and "COMMAND" in result.stderr


def test_sample_writes_batch_by_batch_what_export_samples_gives(checkpoint, tmp_path):
    out = tmp_path / "s.npz"
    assert cli.main(["sample", str(checkpoint), "-n", "2500", "-o", str(out), "--seed", "3",
                     "--batch-size", "1000"]) == 0
    model = load_model(checkpoint)
    minigan.manual_seed(3)
    expected = model.export_samples(2500, batch_size=1000)["images"]
    with np.load(out, allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["images"], expected)


def test_sample_refuses_what_the_disk_cannot_hold(checkpoint, tmp_path, monkeypatch, capsys):
    free = shutil.disk_usage(tmp_path)._replace(free=100_000)
    monkeypatch.setattr(cli.shutil, "disk_usage", lambda path: free)
    assert cli.main(["sample", str(checkpoint), "-n", "200", "-o", str(tmp_path / "s.npz")]) == 2
    err = capsys.readouterr().err
    assert "-n 200 needs up to 156.8 KB (784 bytes a sample" in err and "100.0 KB free" in err
    assert os.listdir(tmp_path) == []


def test_an_interrupted_sample_leaves_the_earlier_file_whole(checkpoint, tmp_path, monkeypatch):
    out = tmp_path / "s.npz"
    assert cli.main(["sample", str(checkpoint), "-n", "5", "-o", str(out)]) == 0
    before = out.read_bytes()
    batches = VanillaGAN.iter_samples

    def killed_after_one_batch(self, n, batch_size=1000):
        yield next(batches(self, n, batch_size))
        raise KeyboardInterrupt

    monkeypatch.setattr(VanillaGAN, "iter_samples", killed_after_one_batch)
    assert cli.main(["sample", str(checkpoint), "-n", "50", "--batch-size", "10", "--force",
                     "-o", str(out)]) == 130
    assert out.read_bytes() == before and os.listdir(tmp_path) == ["s.npz"]
