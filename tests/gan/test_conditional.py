"""The conditional GAN: the label really enters both networks, the grid has one row per digit,
samples come with their labels (also through ``python -m minigan sample``), and a short
training makes the judge read the requested digits."""
import contextlib
import functools

import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.data import DataLoader, load_bundled_mnist, scale_to_unit_range
from minigan.gan.models import build_model, get_model_class
from minigan.gan.models.conditional import ConditionalGAN
from minigan.gan.trainer import save_training_checkpoint


def _tiny(arch="mlp", **kw):
    defaults = dict(latent_dim=4, embed_dim=3, g_hidden=(8,), d_hidden=(8,), width=2,
                    n_fixed_per_class=2)
    return ConditionalGAN(arch=arch, **{**defaults, **kw})


def _images(n, arch, seed=0):
    shape = (n, 784) if arch == "mlp" else (n, 1, 28, 28)
    return minigan.tensor(np.random.default_rng(seed).uniform(-1, 1, shape))


@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
def test_shapes_and_registry(arch):
    minigan.manual_seed(0)
    model = _tiny(arch)
    assert model.conditional and model.name == "cgan"
    assert get_model_class("cgan") is ConditionalGAN
    x = model.sample(noise=model.noise(5), labels=[0, 1, 2, 3, 9])
    assert x.shape == (5, 1, 28, 28) and float(np.abs(x.numpy()).max()) <= 1
    labels = minigan.tensor(np.array([1, 2, 3]))
    assert model.D(_images(3, arch), labels).shape == (3, 1)
    assert isinstance(model.G.embed, nn.Embedding) and isinstance(model.D.embed, nn.Embedding)
    assert model.G.embed.weight.shape == (10, 3) == model.D.embed.weight.shape
    rebuilt = build_model("cgan", model.config)
    assert rebuilt.config == model.config
    logs = model.train_step((_images(4, arch), minigan.tensor(np.array([0, 1, 2, 3]))))
    assert set(logs) == {"loss_d", "loss_g", "d_real", "d_fake"}
    assert all(np.isfinite(v) for v in logs.values())


def test_bad_arguments():
    with pytest.raises(ValueError, match="arch"):
        ConditionalGAN(arch="resnet")
    with pytest.raises(ValueError, match="loss"):
        ConditionalGAN(loss="hinge")
    model = _tiny()
    with pytest.raises(ValueError, match="labels"):
        model.generate(model.noise(3), labels=[1, 2])
    with pytest.raises(TypeError, match="integers"):
        model.generate(model.noise(2), labels=np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="images, labels"):
        model.update((_images(2, "mlp"),), update_generator=True)


@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
def test_the_label_conditions_both_networks(arch):
    """Same noise, two labels: different images; same image, two labels: different scores.
    (Were the label ignored, both would be equal to the last bit.)"""
    minigan.manual_seed(1)
    model = _tiny(arch)
    z = model.noise(1)
    z2 = minigan.tensor(np.repeat(z.numpy(), 2, axis=0))
    a, b = model.sample(noise=z2, labels=[3, 7]).numpy()
    assert np.abs(a - b).max() > 1e-4
    again = model.sample(noise=z2, labels=[3, 3]).numpy()
    np.testing.assert_array_equal(again[0], again[1])  # ...and only the label made them differ
    model.D.eval()  # no dropout: D is a function of (x, y)
    x = _images(1, arch)
    x2 = minigan.tensor(np.repeat(x.numpy(), 2, axis=0))
    with minigan.no_grad():
        scores = model.D(x2, minigan.tensor(np.array([3, 7]))).numpy()
    assert abs(scores[0, 0] - scores[1, 0]) > 1e-6


def test_fixed_grid_has_one_row_per_digit_and_one_noise_per_column():
    minigan.manual_seed(2)
    model = _tiny(n_fixed_per_class=3)
    labels = model.fixed_labels().numpy()
    np.testing.assert_array_equal(labels, np.repeat(np.arange(10), 3))
    noise = model.fixed_noise.numpy().reshape(10, 3, -1)
    np.testing.assert_array_equal(noise, np.broadcast_to(noise[:1], noise.shape))
    assert len(set(map(tuple, noise[0]))) == 3
    grid = model.sample_grid()
    assert grid.shape == (30, 1, 28, 28)
    np.testing.assert_allclose(grid[3 * 7 + 1], model.sample(
        noise=model.fixed_noise[7 * 3 + 1:7 * 3 + 2], labels=[7]).numpy()[0], atol=1e-6)


def test_d_step_leaves_g_alone():
    minigan.manual_seed(3)
    model = _tiny()
    g0 = {k: v.copy() for k, v in model.G.state_dict().items()}
    model.update((_images(4, "mlp"), minigan.tensor(np.array([0, 1, 2, 3]))), False)
    assert all(np.array_equal(g0[k], v) for k, v in model.G.state_dict().items())


def test_export_samples_and_cli_write_the_requested_labels(tmp_path):
    from minigan.cli import main

    minigan.manual_seed(4)
    model = _tiny()
    samples = model.export_samples(25, batch_size=10)
    assert samples["images"].shape == (25, 28, 28) and samples["images"].dtype == np.uint8
    np.testing.assert_array_equal(samples["labels"], np.arange(25) % 10)
    path = save_training_checkpoint(tmp_path / "checkpoint.npz", model, 1, {})
    out = tmp_path / "s.npz"
    assert main(["sample", str(path), "-n", "25", "--batch-size", "7", "-o", str(out)]) == 0
    with np.load(out) as f:  # the labels run on across batches
        assert f["images"].shape == (25, 28, 28)
        np.testing.assert_array_equal(f["labels"], np.arange(25) % 10)


# ---------------------------------------------------------------- smoke training


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def measure_short_training(seed=0):
    """A small cGAN trained 620 iterations on the bundled 0s and 1s, then asked for 200 of
    each: how often the judge reads the requested digit (``accuracy``), and how much more often
    it reads a 1 when a 1 was asked for than when a 0 was (``label_effect``: 0 for a generator
    that ignores its label, 1 for a perfect one, negative for one that swaps them).
    ``scripts/sweep_outcome_checks.py tests`` runs it over seeds and thread counts."""
    from minigan.metrics.judge import predict

    images, labels = load_bundled_mnist()
    keep = np.isin(labels, [0, 1])
    minigan.manual_seed(seed)
    loader = DataLoader((images[keep], labels[keep]), batch_size=32, drop_last=True,
                        transform=functools.partial(scale_to_unit_range, flatten=True))
    model = ConditionalGAN(latent_dim=16, g_hidden=(64, 128), d_hidden=(128, 64), embed_dim=8,
                           lr=5e-4, n_fixed_per_class=2)
    with _one_blas_thread():
        for _ in range(20):
            for batch in loader:
                model.train_step(batch)
    requested = np.arange(400) % 2
    x = model.sample(noise=model.noise(400), labels=requested)
    read = predict(x)
    ones = [float((read[requested == d] == 1).mean()) for d in (0, 1)]
    return {"accuracy": float((read == requested).mean()), "label_effect": ones[1] - ones[0],
            "read_as_0_or_1": float(np.isin(read, [0, 1]).mean())}


def test_short_training_draws_the_requested_digit():
    """The label steers the drawing: asking for a 1 instead of a 0 makes the judge read a 1
    far more often (a generator that ignored its label: no difference).

    Measured over seeds 0-9, with 1 and 2 threads (the same numbers both ways): the label
    effect is 0.34 to 0.98 (median 0.92). How often the requested digit is read at all is
    0.35 to 0.97: in seed 8's short run most samples are neither a 0 nor a 1, so "most samples
    are the digit asked for" is not a fact this budget guarantees, and is not asserted."""
    measured = measure_short_training()
    assert measured["label_effect"] > 0.2, measured
