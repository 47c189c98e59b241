"""The vanilla GAN: the lecture's networks, a correct training step, and a smoke training that
a broken model would fail."""
import contextlib
import functools

import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.data import DataLoader, load_bundled_mnist, scale_to_unit_range
from minigan.gan.models.mlp import VanillaGAN


def test_networks_are_the_lecture_s():
    model = VanillaGAN()
    g_shapes = {k: v.shape for k, v in model.G.state_dict().items()}
    d_shapes = {k: v.shape for k, v in model.D.state_dict().items()}
    assert g_shapes == {"0.weight": (256, 100), "0.bias": (256,), "2.weight": (512, 256),
                        "2.bias": (512,), "4.weight": (1024, 512), "4.bias": (1024,),
                        "6.weight": (784, 1024), "6.bias": (784,)}
    assert d_shapes == {"0.weight": (1024, 784), "0.bias": (1024,), "3.weight": (512, 1024),
                        "3.bias": (512,), "6.weight": (256, 512), "6.bias": (256,),
                        "9.weight": (1, 256), "9.bias": (1,)}
    assert [type(m).__name__ for m in model.G] == ["Linear", "LeakyReLU"] * 3 + ["Linear", "Tanh"]
    assert [type(m).__name__ for m in model.D] == \
        ["Linear", "LeakyReLU", "Dropout"] * 3 + ["Linear"]
    assert all(m.negative_slope == 0.2 for m in model.G if isinstance(m, nn.LeakyReLU))
    assert all(m.p == 0.3 for m in model.D if isinstance(m, nn.Dropout))
    for opt in model.optimizers.values():
        assert type(opt).__name__ == "Adam"
        assert opt.param_groups[0]["lr"] == 2e-4 and opt.param_groups[0]["betas"] == (0.5, 0.999)
    assert model.fixed_noise.shape == (64, 100) and model.loss == "nonsaturating"
    with pytest.raises(ValueError, match="loss"):
        VanillaGAN(loss="hinge")


def _tiny(**kw):
    return VanillaGAN(**{"latent_dim": 3, "g_hidden": (5,), "d_hidden": (4,),
                         "image_shape": (1, 2, 3), "n_fixed": 2, **kw})


def _params(module):
    return {k: v.copy() for k, v in module.state_dict().items()}


def _changed(before, module):
    after = module.state_dict()
    return {k for k in before if not np.array_equal(before[k], after[k])}


def test_d_step_leaves_g_alone_and_g_step_leaves_d_alone():
    minigan.manual_seed(0)
    model = _tiny()
    batch = (minigan.tensor(np.random.default_rng(0).uniform(-1, 1, (4, 6))),)
    g0, d0 = _params(model.G), _params(model.D)
    logs = model.update(batch, update_generator=False)
    assert "loss_g" not in logs and set(logs) == {"loss_d", "d_real", "d_fake"}
    assert not _changed(g0, model.G) and _changed(d0, model.D) == set(d0)
    d1 = _params(model.D)
    steps_d = {s["step"] for s in model.opt_d.state_dict()["state"].values()}
    model.update(batch, update_generator=True)
    assert _changed(g0, model.G) == set(g0)
    assert {s["step"] for s in model.opt_d.state_dict()["state"].values()} == \
        {s + 1 for s in steps_d}  # exactly one more D step: the G step did not move D
    assert all(p.requires_grad for p in model.D.parameters())  # unfrozen afterwards
    assert _changed(d1, model.D) == set(d1)


@pytest.mark.parametrize("loss", ["nonsaturating", "minimax"])
def test_one_step_equals_pytorch(loss):
    """Same weights, data and noise (no dropout, whose masks differ): the losses, D's outputs
    and every updated weight agree with the same step written in PyTorch."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    minigan.manual_seed(1)
    model = _tiny(dropout=0.0, loss=loss, d_hidden=(7, 4), lr=1e-2)
    rng = np.random.default_rng(1)
    real = rng.uniform(-1, 1, (5, 6)).astype(np.float32)
    z = rng.standard_normal((5, 3)).astype(np.float32)
    model.noise = lambda n: minigan.tensor(z)

    def torch_net(module, final):
        layers = []
        for m in module:
            if isinstance(m, nn.Linear):
                lin = torch.nn.Linear(m.in_features, m.out_features)
                with torch.no_grad():
                    lin.weight.copy_(torch.from_numpy(m.weight.numpy()))
                    lin.bias.copy_(torch.from_numpy(m.bias.numpy()))
                layers.append(lin)
            elif isinstance(m, nn.LeakyReLU):
                layers.append(torch.nn.LeakyReLU(0.2))
        return torch.nn.Sequential(*layers, *final)

    tG, tD = torch_net(model.G, [torch.nn.Tanh()]), torch_net(model.D, [])
    opt_g = torch.optim.Adam(tG.parameters(), lr=1e-2, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(tD.parameters(), lr=1e-2, betas=(0.5, 0.999))
    x, tz = torch.from_numpy(real), torch.from_numpy(z)
    fake = tG(tz)
    real_logits, fake_logits = tD(x), tD(fake.detach())
    loss_d = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
              + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    logits = tD(fake)
    loss_g = (F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
              if loss == "nonsaturating" else torch.log(1 - torch.sigmoid(logits)).mean())
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()

    logs = model.update((minigan.tensor(real),), update_generator=True)
    assert logs["loss_d"] == pytest.approx(loss_d.item(), rel=1e-5)
    assert logs["loss_g"] == pytest.approx(loss_g.item(), rel=1e-5)
    assert logs["d_real"] == pytest.approx(torch.sigmoid(real_logits).mean().item(), rel=1e-5)
    assert logs["d_fake"] == pytest.approx(torch.sigmoid(fake_logits).mean().item(), rel=1e-5)
    for ours, theirs in ((model.G, tG), (model.D, tD)):
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-4,
                                       atol=1e-6, err_msg=key)


# ---------------------------------------------------------------- smoke training

SMOKE_EPOCHS = 12  # 12 x 78 = 936 iterations: ~7 s of CPU with one BLAS thread


def _one_blas_thread():
    # On a shared 2-core machine (CI, or helpers running tests side by side), multithreaded
    # OpenBLAS oversubscribes the cores and small products get 10-30x slower; one thread keeps
    # this test's time predictable. threadpoolctl is optional: without it nothing is limited.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _judge_ready():
    try:
        from minigan.metrics import judge
    except ImportError:
        return False
    return judge.WEIGHTS_PATH.is_file()


def measure_smoke_training(seed=0):
    """A small vanilla GAN (narrower layers, same design) before and after 936 iterations on
    the bundled 5,000 digits, and the numbers the smoke tests compare. Adam's lr is 5e-4
    instead of the lecture's 2e-4: on this budget it gets the judge to recognise digits.
    ``scripts/sweep_outcome_checks.py tests`` runs it over seeds and thread counts."""
    minigan.manual_seed(seed)
    images, _ = load_bundled_mnist()
    loader = DataLoader((images,), batch_size=64, drop_last=True,
                        transform=functools.partial(scale_to_unit_range, flatten=True))
    model = VanillaGAN(latent_dim=32, g_hidden=(128, 256), d_hidden=(256, 128), lr=5e-4)
    before = model.sample(1000).numpy()
    history = []
    with _one_blas_thread():
        for _ in range(SMOKE_EPOCHS):
            history.extend(model.train_step(batch) for batch in loader)
    after = model.sample(1000).numpy()
    data = images.astype(np.float32) / 127.5 - 1
    # MNIST is mostly background: 13% of pixels are brighter than mid-grey.
    ink = lambda x: float((x > 0).mean())  # noqa: E731
    mean = lambda logs, k: float(np.mean([h[k] for h in logs]))  # noqa: E731
    last = history[-78:]
    figures = {
        "ink_gap_before": abs(ink(before) - ink(data)),
        "ink_gap_after": abs(ink(after) - ink(data)),
        "mean_drop": float(before.mean() - after.mean()),
        "std_ratio": float(after.std() / before.std()),
        "per_pixel_std": float(after.reshape(len(after), -1).std(axis=0).mean()),
        "finite": all(np.isfinite(h[k]) for h in history for k in h),
        "first_d_real": history[0]["d_real"], "first_d_fake": history[0]["d_fake"],
        "last_separation": mean(last, "d_real") - mean(last, "d_fake"),
        "last_d_fake": mean(last, "d_fake"),
    }
    if _judge_ready():
        from minigan.metrics import evaluate_samples

        b, a = evaluate_samples(before), evaluate_samples(after)
        figures.update(confident_gain=a["confident_share"] - b["confident_share"],
                       inception_gain=a["inception_score"] - b["inception_score"],
                       digits_covered=a["digits_covered"])
    return figures


@pytest.fixture(scope="module")
def smoke():
    return measure_smoke_training()


def test_smoke_training_moves_pixels_towards_the_data(smoke):
    # An untrained G gives ~50% of pixels above mid-grey; a trained one must have learnt the
    # dark background.
    assert smoke["ink_gap_before"] > 0.3
    assert smoke["ink_gap_after"] < 0.06
    assert smoke["mean_drop"] > 0.3  # towards the data's mean of -0.74
    assert smoke["std_ratio"] > 2  # from flat grey towards black-and-white
    # And not one image for every z (the crudest mode collapse):
    assert smoke["per_pixel_std"] > 0.1


def test_smoke_training_plays_the_game(smoke):
    assert smoke["finite"]
    assert abs(smoke["first_d_real"] - 0.5) < 0.1  # the game starts undecided
    assert abs(smoke["first_d_fake"] - 0.5) < 0.1
    assert smoke["last_separation"] > 0.2  # D tells real from fake...
    assert smoke["last_d_fake"] > 0.1  # ...but G still fools it sometimes: no D-wins-all


def test_smoke_training_judge_recognises_more_digits(smoke):
    if not _judge_ready():
        pytest.skip("the judge's weights are not built yet (scripts/train_judge.py)")
    # Untrained: grey noise, read confidently as nothing (0%), as one or two digits at most.
    assert smoke["confident_gain"] > 0.08
    assert smoke["inception_gain"] > 1.5
    # Seeds 0-9, 1 and 2 threads: 7 to 10 digits (median 10), confident_gain 0.18 to 0.27,
    # inception_gain 2.1 to 2.9.
    assert smoke["digits_covered"] >= 6


@pytest.mark.slow
def test_the_example_runs_to_the_end(tmp_path):
    """examples/vanilla_mnist.py with the full networks for one epoch, as a learner runs it."""
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, os.path.join(root, "examples", "vanilla_mnist.py"), "--epochs", "1",
         "--out", str(out), "--eval-samples", "500", "--no-progress"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("samples/epoch_001.png", "progress.gif", "losses.png", "metrics.json",
                 "checkpoint.npz"):
        assert (out / name).is_file(), name
    assert "final grid:" in result.stdout and "epoch_001.png" in result.stdout


# ---------------------------------------------------------------- remedies against collapse

REMEDY_NAMES = ["minibatch", "mbstd", "pack", "unrolled"]


def _tiny_remedy(remedy, **kw):
    return _tiny(remedy=remedy, pack_size=2, mb_features=3, mb_kernel_dims=2, unroll_steps=2,
                 **kw)


@pytest.mark.parametrize("remedy", REMEDY_NAMES)
def test_each_remedy_keeps_the_lecture_s_discriminator_around_it(remedy):
    model = _tiny_remedy(remedy, dropout=0.25)
    d = model.D
    assert [layer.weight.shape for layer in d.hidden] == [(4, 6 * (2 if remedy == "pack" else 1))]
    assert d.dropout == 0.25 and d.negative_slope == 0.2
    extra = {"minibatch": 3, "mbstd": 1}.get(remedy, 0)
    assert d.out.weight.shape == (1, 4 + extra)
    x = minigan.randn(6, 6)
    assert d(x).shape == ((3, 1) if remedy == "pack" else (6, 1))


@pytest.mark.parametrize("remedy", REMEDY_NAMES)
def test_a_remedy_step_trains_both_networks(remedy):
    minigan.manual_seed(1)
    model = _tiny_remedy(remedy)
    batch = (minigan.tensor(np.random.default_rng(1).uniform(-1, 1, (5, 1, 2, 3))),)
    g0, d0 = _params(model.G), _params(model.D)
    logs = model.update(batch, update_generator=False)
    assert not _changed(g0, model.G) and _changed(d0, model.D)
    logs = model.update(batch, update_generator=True)
    assert _changed(g0, model.G) == set(g0)
    assert set(logs) == {"loss_d", "d_real", "d_fake", "loss_g"}
    assert np.isfinite(list(logs.values())).all()
    assert all(p.requires_grad for p in model.D.parameters())


def test_batch_side_remedies_let_d_see_a_collapsed_batch():
    # The same image repeated, against the same images with one changed: a plain D scores
    # each row alone, so row 0 gets the same logit; mbstd's D sees the spread of the batch.
    minigan.manual_seed(2)
    same = np.tile(np.random.default_rng(2).uniform(-1, 1, (1, 6)), (4, 1))
    varied = same.copy()
    varied[3] = -varied[3]
    for remedy, differs in [("none", False), ("mbstd", True)]:
        model = _tiny_remedy(remedy, dropout=0.0)
        with model.evaluating():
            a = model.D(minigan.tensor(same)).numpy()[0]
            b = model.D(minigan.tensor(varied)).numpy()[0]
        assert (not np.allclose(a, b)) == differs, remedy


def test_a_remedy_travels_in_the_checkpoint():
    from minigan.gan.models import build_model

    minigan.manual_seed(3)
    model = _tiny_remedy("mbstd")
    model.update((minigan.randn(4, 1, 2, 3),), update_generator=True)
    arrays, meta = model.state()
    again = build_model("vanilla", model.config)
    again.load_state(arrays, meta)
    assert again.remedy == "mbstd" and again.D.out.weight.shape == (1, 5)
    for k, v in model.D.state_dict().items():
        np.testing.assert_array_equal(again.D.state_dict()[k], v)


def test_a_bad_remedy_is_refused():
    with pytest.raises(ValueError, match="VanillaGAN: remedy must be one of"):
        _tiny(remedy="dropout")
    with pytest.raises(ValueError, match="pack_size"):
        _tiny(remedy="pack", pack_size=0)
