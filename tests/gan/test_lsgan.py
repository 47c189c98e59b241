"""LSGAN: the losses of both codings on hand-made scores, D regressing to its targets, the two
architectures, and a smoke training."""
import contextlib

import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.data import DataLoader, load_bundled_mnist, scale_to_unit_range
from minigan.gan.models import build_model, get_model_class
from minigan.gan.models.lsgan import LSGAN

REAL = [1.0, 0.5]
FAKE = [0.0, -1.0]
# By hand: 01:  D = 1/2 mean([0, .25]) + 1/2 mean([0, 1]) = .3125,  G = 1/2 mean([1, 4]) = 1.25
#          -11: D = 1/2 mean([0, .25]) + 1/2 mean([1, 0]) = .3125,  G = 1/2 mean([0, 1]) = .25
EXPECTED = {"01": (0.3125, 1.25), "-11": (0.3125, 0.25)}


def _tiny(**kw):
    return LSGAN(**{"latent_dim": 4, "g_width": 2, "d_width": 2, "image_shape": (1, 8, 8),
                    "n_fixed": 2, **kw})


@pytest.mark.parametrize("coding", ["01", "-11"])
def test_losses_on_hand_made_scores(coding):
    model = _tiny(coding=coding)
    real, fake = minigan.tensor([REAL]).T, minigan.tensor([FAKE]).T
    loss_d, loss_g = EXPECTED[coding]
    assert model.game.d_loss(real, fake).item() == pytest.approx(loss_d)
    assert model.game.g_loss(fake).item() == pytest.approx(loss_g)


def measure_discriminator_regression(seed=0, coding="01"):
    """D steps alone on one fixed batch: its last logged scores and loss."""
    minigan.manual_seed(seed)
    model = _tiny(coding=coding, lr=1e-2)
    real = minigan.tensor(np.random.default_rng(seed).uniform(-1, 1, (16, 1, 8, 8)))
    fixed = model.noise(16)
    model.noise = lambda n: fixed  # the same fakes every step
    for _ in range(150):
        logs = model.update((real,), update_generator=False)
    return {k: logs[k] for k in ("d_real", "d_fake", "loss_d")}


@pytest.mark.parametrize("coding,a,b", [("01", 0.0, 1.0), ("-11", -1.0, 1.0)])
def test_discriminator_regresses_to_the_coding_s_targets(coding, a, b):
    """D steps alone on one fixed batch: its scores go to b on real images, a on fakes."""
    logs = measure_discriminator_regression(coding=coding)
    assert logs["d_real"] == pytest.approx(b, abs=0.1)
    assert logs["d_fake"] == pytest.approx(a, abs=0.1)
    assert logs["loss_d"] < 0.02


def test_architectures_and_registry():
    assert get_model_class("lsgan") is LSGAN
    minigan.manual_seed(0)
    conv = LSGAN(g_width=2, d_width=2, n_fixed=2)
    mlp = LSGAN(arch="mlp", coding="-11", g_hidden=(8,), d_hidden=(8,), n_fixed=2)
    assert any(isinstance(m, nn.ConvTranspose2d) for m in conv.G.modules())
    assert not any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in mlp.G.modules())
    assert "loss" not in conv.config and conv.loss == "lsgan"
    x = minigan.randn(3, 1, 28, 28)
    for model in (conv, mlp):
        assert model.sample(3).shape == (3, 1, 28, 28)
        assert model.D(x).shape == (3, 1)
        again = build_model("lsgan", model.config)
        assert again.config == model.config and again.arch == model.arch
    with pytest.raises(ValueError, match="arch"):
        LSGAN(arch="resnet")
    with pytest.raises(ValueError, match="coding"):
        LSGAN(coding="10")


def measure_smoke_training(seed=0, coding="01"):
    """A small MLP LSGAN, 150 iterations on the bundled digits, against the same run with G
    frozen (lr 0): the numbers the smoke test compares. ``scripts/sweep_outcome_checks.py
    tests`` runs it over seeds and thread counts."""
    images, _ = load_bundled_mnist()
    data = images.astype(np.float32) / 127.5 - 1

    def run(g_lr):
        minigan.manual_seed(seed)
        loader = DataLoader((images,), batch_size=32, drop_last=True,
                            transform=scale_to_unit_range)
        model = LSGAN(arch="mlp", coding=coding, latent_dim=16, g_hidden=(64, 128),
                      d_hidden=(128, 64), lr=5e-4, n_fixed=2)
        model.opt_g.param_groups[0]["lr"] = g_lr
        history = []
        for batch in loader:
            history.append(model.train_step(batch))
            if len(history) == 150:
                break
        return model.sample(500).numpy(), history

    with _one_blas_thread():
        learnt, history = run(5e-4)
        frozen, _ = run(0.0)
    return {
        "finite": all(np.isfinite(h[k]) for h in history for k in h),
        "mean_drop": float(frozen.mean() - learnt.mean()),  # darker than the frozen G's
        # distance to the data's mean, learning minus frozen (negative: closer)
        "gap_change": float(abs(learnt.mean() - data.mean()) - abs(frozen.mean() - data.mean())),
        "std_ratio": float(learnt.std() / frozen.std()),
    }


@pytest.mark.parametrize("coding", ["01", "-11"])
def test_smoke_training_generator_moves_towards_the_data(coding):
    """The learning G's pixels get dark and contrasted like MNIST's (data mean -0.74, std
    0.62); the frozen G's stay grey (mean ~0.00, std ~0.12)."""
    smoke = measure_smoke_training(coding=coding)
    assert smoke["finite"]
    assert smoke["mean_drop"] > 0.2
    assert smoke["gap_change"] < 0
    assert smoke["std_ratio"] > 1.5


def _one_blas_thread():
    # Small products on a shared 2-core machine get much slower with several BLAS threads.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


@pytest.mark.slow
def test_the_example_runs_to_the_end(tmp_path):
    """examples/lsgan_mnist.py for one epoch of each architecture, as a learner runs it."""
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for arch, coding in (("mlp", "-11"), ("dcgan", "01")):
        out = tmp_path / arch
        result = subprocess.run(
            [sys.executable, os.path.join(root, "examples", "lsgan_mnist.py"), "--epochs", "1",
             "--arch", arch, "--coding", coding, "--out", str(out), "--eval-samples", "500",
             "--no-progress"], capture_output=True, text=True, timeout=900, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        for name in ("samples/epoch_001.png", "progress.gif", "losses.png", "metrics.json",
                     "checkpoint.npz"):
            assert (out / name).is_file(), name
        assert f"coding {coding}" in result.stdout
