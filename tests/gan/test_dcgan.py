"""DCGAN: the paper's architecture and initialisation, and a smoke training that a generator
which does not learn would fail."""
import contextlib
import os
import subprocess
import sys

import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.data import DataLoader, load_bundled_mnist, scale_to_unit_range
from minigan.gan.models import build_model, get_model_class
from minigan.gan.models.dcgan import DCGAN, dcgan_discriminator, dcgan_generator


def test_networks_are_the_paper_s():
    minigan.manual_seed(0)
    model = DCGAN()
    assert [type(m).__name__ for m in model.G] == [
        "Linear", "BatchNorm1d", "ReLU", "Unflatten", "ConvTranspose2d", "BatchNorm2d", "ReLU",
        "ConvTranspose2d", "Tanh"]
    assert [type(m).__name__ for m in model.D] == [
        "Conv2d", "LeakyReLU", "Conv2d", "BatchNorm2d", "LeakyReLU", "Flatten", "Linear"]
    g = {k: v.shape for k, v in model.G.state_dict().items() if "weight" in k}
    d = {k: v.shape for k, v in model.D.state_dict().items() if "weight" in k}
    assert g == {"0.weight": (6272, 100), "1.weight": (6272,), "4.weight": (128, 64, 4, 4),
                 "5.weight": (64,), "7.weight": (64, 1, 4, 4)}
    assert d == {"0.weight": (64, 1, 4, 4), "2.weight": (128, 64, 4, 4), "3.weight": (128,),
                 "6.weight": (1, 6272)}
    for conv in (model.G[4], model.G[7], model.D[0], model.D[2]):
        assert (conv.kernel_size, conv.stride, conv.padding) == ((4, 4), (2, 2), (1, 1))
    assert all(m.negative_slope == 0.2 for m in model.D if isinstance(m, nn.LeakyReLU))
    for opt in model.optimizers.values():
        assert type(opt).__name__ == "Adam"
        assert opt.param_groups[0]["lr"] == 2e-4 and opt.param_groups[0]["betas"] == (0.5, 0.999)
    assert model.fixed_noise.shape == (64, 100)


def test_no_batch_norm_on_g_output_nor_d_input():
    G, D = dcgan_generator(width=4), dcgan_discriminator(width=4)
    norms = (nn.BatchNorm1d, nn.BatchNorm2d)
    # G's last layers: the transposed convolution straight into tanh.
    layers = [m for m in G if not isinstance(m, (nn.ReLU, nn.Unflatten))]
    assert isinstance(layers[-1], nn.Tanh) and isinstance(layers[-2], nn.ConvTranspose2d)
    # D's first layer: a convolution straight into LeakyReLU, nothing normalising the input.
    assert isinstance(D[0], nn.Conv2d) and isinstance(D[1], nn.LeakyReLU)
    assert sum(isinstance(m, norms) for m in G.modules()) == 2
    assert sum(isinstance(m, norms) for m in D.modules()) == 1


@pytest.mark.parametrize("width,latent_dim,shape", [(64, 100, (1, 28, 28)), (3, 5, (1, 28, 28)),
                                                    (2, 4, (3, 8, 12))])
def test_output_shapes(width, latent_dim, shape):
    minigan.manual_seed(0)
    G, D = dcgan_generator(latent_dim, width, shape), dcgan_discriminator(width, shape)
    z = minigan.randn(5, latent_dim)
    images = G(z)
    assert images.shape == (5, *shape)
    assert float(np.abs(images.numpy()).max()) <= 1.0
    assert D(images).shape == (5, 1)
    with pytest.raises(ValueError, match="multiples of 4"):
        dcgan_generator(image_shape=(1, 30, 28))


def test_initialisation_statistics():
    minigan.manual_seed(0)
    model = DCGAN()
    for net in (model.G, model.D):
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                w = m.weight.numpy()
                assert abs(w.std() - 0.02) < 0.02 * 0.1 and abs(w.mean()) < 0.003, m
                assert not m.bias.numpy().any()
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                w = m.weight.numpy()
                assert abs(w.mean() - 1.0) < 0.01 and 0.01 < w.std() < 0.03, m
                assert not m.bias.numpy().any()


def test_registry_rebuilds_the_model_and_rejects_bad_losses():
    assert get_model_class("dcgan") is DCGAN
    minigan.manual_seed(0)
    model = DCGAN(latent_dim=8, g_width=2, d_width=2, loss="minimax", n_fixed=4)
    again = build_model("dcgan", model.config)
    assert again.config == model.config and again.loss == "minimax"
    with pytest.raises(ValueError, match="loss"):
        DCGAN(loss="hinge")
    with pytest.raises(ValueError, match="coding"):
        DCGAN(loss="lsgan", coding="11")


def test_d_step_leaves_g_alone_and_g_step_changes_both_in_turn():
    minigan.manual_seed(0)
    model = DCGAN(latent_dim=4, g_width=2, d_width=2, image_shape=(1, 8, 8), n_fixed=2)
    batch = (minigan.tensor(np.random.default_rng(0).uniform(-1, 1, (6, 1, 8, 8))),)
    g0 = {k: v.copy() for k, v in model.G.state_dict().items() if "running" not in k
          and "num_batches" not in k}
    logs = model.update(batch, update_generator=False)
    assert set(logs) == {"loss_d", "d_real", "d_fake"}
    assert all(np.array_equal(model.G.state_dict()[k], v) for k, v in g0.items())
    logs = model.update(batch, update_generator=True)
    assert "loss_g" in logs
    assert all(not np.array_equal(model.G.state_dict()[k], v) for k, v in g0.items())
    assert all(p.requires_grad for p in model.D.parameters())


# ---------------------------------------------------------------- smoke training

SMOKE_ITERATIONS = 150


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _train(g_lr: float, seed: int = 0):
    """A narrow DCGAN trained for 150 iterations on the bundled digits (lr 5e-4 for a short
    budget); ``g_lr=0`` freezes G's weights (its batch norm running statistics still move):
    the control that a learning G must beat."""
    minigan.manual_seed(seed)
    images, _ = load_bundled_mnist()
    loader = DataLoader((images,), batch_size=32, drop_last=True, transform=scale_to_unit_range)
    model = DCGAN(latent_dim=16, g_width=8, d_width=8, lr=5e-4, n_fixed=4)
    model.opt_g.param_groups[0]["lr"] = g_lr
    history = []
    with _one_blas_thread():
        for batch in loader:
            history.append(model.train_step(batch))
            if len(history) == SMOKE_ITERATIONS:
                break
    return model.sample(500).numpy(), history, images.astype(np.float32) / 127.5 - 1


def measure_smoke_training(seed=0):
    """The numbers the smoke tests compare, for the learning and the frozen G trained with
    ``seed``. ``scripts/sweep_outcome_checks.py tests`` runs it over seeds and thread counts."""
    (learnt, history, data), (frozen, frozen_history, _) = _train(5e-4, seed), _train(0.0, seed)
    per_pixel = lambda x: x.reshape(len(x), -1).std(axis=0).mean()  # noqa: E731
    mean = lambda logs, k: float(np.mean([h[k] for h in logs]))  # noqa: E731
    late = slice(-30, None)
    return {
        "finite": all(np.isfinite(h[k]) for h in history for k in h),
        # how much darker than the frozen G's the learning G's samples are
        "mean_drop": float(frozen.mean() - learnt.mean()),
        # distance to the data's mean, learning minus frozen (negative: closer)
        "gap_change": float(abs(learnt.mean() - data.mean()) - abs(frozen.mean() - data.mean())),
        "std_ratio": float(learnt.std() / frozen.std()),
        "per_pixel_ratio": float(per_pixel(learnt) / per_pixel(frozen)),
        "early_separation": mean(history[10:40], "d_real") - mean(history[10:40], "d_fake"),
        "late_fooled_gain": mean(history[late], "d_fake") - mean(frozen_history[late], "d_fake"),
    }


@pytest.fixture(scope="module")
def smoke():
    return measure_smoke_training()


def test_smoke_training_generator_moves_towards_the_data(smoke):
    # The frozen G's samples stay flat mid-grey (mean ~0, std ~0.07); the learning one's find
    # the dark background (data mean -0.74) and black-and-white strokes (data std 0.62).
    assert smoke["mean_drop"] > 0.25
    assert smoke["gap_change"] < 0
    # Seeds 0-9, 1 and 2 threads: std_ratio 2.40 to 8.88 (median 3.7), per_pixel_ratio 1.78
    # to 8.96 (median 3.4); 2.5 held for seed 0 only by luck.
    assert smoke["std_ratio"] > 1.6
    # And not one image for every z: pixels vary across samples (frozen G: ~0.05).
    assert smoke["per_pixel_ratio"] > 1.2


def test_smoke_training_plays_the_game(smoke):
    assert smoke["finite"]
    assert smoke["early_separation"] > 0.2  # D separates early
    # ...and against a learning G, D is fooled more often than against a frozen one.
    assert smoke["late_fooled_gain"] > 0


@pytest.mark.slow
def test_the_example_runs_to_the_end(tmp_path):
    """examples/dcgan_mnist.py with the full networks for one epoch, as a learner runs it."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, os.path.join(root, "examples", "dcgan_mnist.py"), "--epochs", "1",
         "--out", str(out), "--eval-samples", "500", "--no-progress"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("samples/epoch_001.png", "progress.gif", "losses.png", "metrics.json",
                 "checkpoint.npz", "interpolation.png", "interpolation_linear.png"):
        assert (out / name).is_file(), name
    # The attribute arithmetic needs samples the judge reads confidently: after one epoch
    # (seed 0) there were none, and the example says so instead of drawing the figure.
    assert (out / "arithmetic.png").is_file() or "(no arithmetic figure: " in result.stdout
    assert "final grid:" in result.stdout


def test_fashion_without_files_says_where_to_put_them(tmp_path):
    """Offline and without the files, the example stops with the loader's message on one
    line and exit status 2 (the user's to fix), no traceback."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "MINIGAN_DATA": str(tmp_path)}
    script = ("import sys, runpy; from minigan.data import mnist; mnist.DATASETS['fashion-mnist']"
              "['mirrors'] = []; sys.argv = ['dcgan_mnist.py', '--dataset', 'fashion', "
              "'--out', %r]; runpy.run_path(%r, run_name='__main__')"
              % (str(tmp_path / "run"), os.path.join(root, "examples", "dcgan_mnist.py")))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, cwd=root, env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert "fashion-mnist" in result.stderr and "put" in result.stderr
