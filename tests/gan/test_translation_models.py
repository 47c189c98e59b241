"""pix2pix and CycleGAN on the shared training loop: their losses on hand-made inputs, the
learning-rate schedule, a smoke training that learns, exact resume, and both examples run on a
folder of images the test writes."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import minigan as mg
from minigan.data import DataLoader, UnpairedLoader
from minigan.gan.models import load_model
from minigan.gan.models.cyclegan import CycleGAN, cycle_consistency_loss, identity_loss, lsgan_loss
from minigan.gan.models.pix2pix import Pix2Pix
from minigan.gan.trainer import train
from minigan.metrics.translation import l1_distance, mean_gradient_magnitude

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY_CYCLE = dict(ngf=4, n_blocks=1, ndf=4, n_layers=1)
TINY_PIX = dict(num_downs=4, ngf=4, ndf=4, n_layers=1)


def images(n, seed, size=16):
    """Smooth random images in [-1, 1]: blobs, so translation has something to learn."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    cy, cx = rng.uniform(4, size - 4, (2, n, 1, 1))
    return np.tanh(3 - ((yy - cy) ** 2 + (xx - cx) ** 2) / 6).astype(np.float32)[:, None]


def test_cycle_and_identity_losses_on_hand_made_images():
    a = mg.tensor(np.zeros((1, 1, 2, 2), np.float32))
    b = mg.tensor(np.array([[[[1, -1], [0.5, 0]]]], np.float32))
    assert cycle_consistency_loss(b, a).item() == pytest.approx((1 + 1 + 0.5 + 0) / 4)
    assert identity_loss(a, a).item() == 0.0
    scores = mg.tensor(np.array([0.0, 0.5, 1.0], np.float32))
    assert lsgan_loss(scores, True).item() == pytest.approx((1 + 0.25 + 0) / 3)
    assert lsgan_loss(scores, False).item() == pytest.approx((0 + 0.25 + 1) / 3)


def test_identity_loss_needs_matching_channels():
    with pytest.raises(ValueError, match="channels_a == channels_b"):
        CycleGAN(1, 3, **TINY_CYCLE)
    CycleGAN(1, 3, lambda_identity=0, **TINY_CYCLE)  # fine without it


def test_learning_rate_is_constant_then_decays_linearly():
    model = Pix2Pix(1, 1, lr=1e-3, lr_constant_epochs=2, lr_decay_epochs=3, **TINY_PIX)
    rates = []
    for epoch in range(5):
        model.begin_epoch(epoch)
        rates.append(model.learning_rates()["G"])
    np.testing.assert_allclose(rates, [1e-3, 1e-3, 0.75e-3, 0.5e-3, 0.25e-3])


def measure_pix2pix_training(seed=0):
    """A tiny pix2pix learns to invert blobs: its L1 distance to the targets after 80 steps
    as a share of before (``after_over_before``). ``scripts/sweep_outcome_checks.py tests``
    runs it over seeds and thread counts."""
    mg.manual_seed(seed)
    x = images(64, seed)
    y = -x  # the "translation": invert the image
    model = Pix2Pix(1, 1, lr=2e-3, lr_constant_epochs=10, lr_decay_epochs=0, **TINY_PIX)
    before = l1_distance(model.translate(x).numpy(), y)
    loader = DataLoader((x, y), batch_size=16, drop_last=True)
    for _ in range(20):
        for batch in loader:
            logs = model.train_step(batch)
    after = l1_distance(model.translate(x).numpy(), y)
    return {"after_over_before": after / before, "logged": sorted(logs)}


def test_pix2pix_learns_the_pairs_and_its_discriminator_sees_them():
    pix = measure_pix2pix_training()
    assert pix["after_over_before"] < 0.5, pix
    assert {"loss_d", "loss_g", "loss_l1", "d_real", "d_fake"} <= set(pix["logged"])


def test_l1_only_baseline_has_no_discriminator():
    model = Pix2Pix(1, 1, adversarial=False, **TINY_PIX)
    assert set(model.networks) == {"G"}
    logs = model.train_step((mg.tensor(images(4, 1)), mg.tensor(images(4, 2))))
    assert set(logs) == {"loss_l1"}


def measure_cyclegan_training(seed=0):
    """A tiny CycleGAN between blobs and inverted blobs, 5 epochs: its last cycle loss as a
    share of its first (``last_over_first``)."""
    mg.manual_seed(seed)
    a, b = images(64, seed), -images(48, seed + 1)
    model = CycleGAN(1, 1, lr=2e-3, **TINY_CYCLE)
    loader = UnpairedLoader(a, b, batch_size=16)
    first = None
    for _ in range(5):
        for batch in loader:
            logs = model.train_step(batch)
            first = first if first is not None else logs["loss_cycle"]
    translated, back = model.round_trip(a[:8], "AtoB")
    return {"last_over_first": logs["loss_cycle"] / first,
            "finite": bool(np.isfinite(list(logs.values())).all()),
            "shapes": [translated.shape, back.shape]}


def test_cyclegan_reduces_its_cycle_loss():
    cycle = measure_cyclegan_training()
    assert cycle["last_over_first"] < 0.6, cycle
    assert cycle["finite"]
    assert cycle["shapes"] == [(8, 1, 16, 16)] * 2


@pytest.mark.parametrize("kind", ["pix2pix", "cyclegan"])
def test_resume_continues_the_same_run(kind, tmp_path):
    """Two epochs in one go equal one epoch, a checkpoint, and one more: networks, optimizers,
    the schedule, the image pool and the random generator all come back."""
    def run(epochs, out, resume=None):
        mg.manual_seed(0)
        a, b = images(32, 0), images(32, 1)
        if kind == "pix2pix":
            model = Pix2Pix(1, 1, lr_constant_epochs=1, lr_decay_epochs=1, **TINY_PIX)
            loader = DataLoader((a, b), batch_size=8, drop_last=True)
            model.set_fixed_inputs(x=a[:4], y=b[:4])
        else:
            model = CycleGAN(1, 1, pool_size=6, lr_constant_epochs=1, lr_decay_epochs=1,
                             **TINY_CYCLE)
            loader = UnpairedLoader(a, b, batch_size=8)
            model.set_fixed_inputs(a=a[:4], b=b[:4])
        history = train(model, loader, epochs, out, resume=resume, progress=False)
        return model, history

    whole, h_whole = run(2, tmp_path / "whole")
    run(1, tmp_path / "split")
    resumed, h_resumed = run(2, tmp_path / "split", resume=tmp_path / "split" / "checkpoint.npz")
    assert h_resumed["iterations"] == h_whole["iterations"]
    for name, net in whole.networks.items():
        for key, value in net.state_dict().items():
            np.testing.assert_array_equal(value, resumed.networks[name].state_dict()[key])
    loaded = load_model(tmp_path / "whole" / "checkpoint.npz")
    np.testing.assert_array_equal(loaded.sample_grid(), whole.sample_grid())
    assert (tmp_path / "whole" / "samples" / "epoch_002.png").is_file()


def test_translation_models_have_no_noise():
    with pytest.raises(TypeError, match="translate"):
        Pix2Pix(1, 1, **TINY_PIX).noise(3)


def test_sharpness_is_lower_for_blurred_images():
    sharp = np.sign(images(8, 3))
    blurred = (sharp + np.roll(sharp, 1, -1) + np.roll(sharp, 1, -2) + np.roll(sharp, (1, 1),
                                                                            (-2, -1))) / 4
    assert mean_gradient_magnitude(blurred) < mean_gradient_magnitude(sharp)
    assert mean_gradient_magnitude(np.zeros((2, 5, 5))) == 0.0
    assert l1_distance(sharp, sharp) == 0.0


def write_folder(root, layout):
    from PIL import Image

    rng = np.random.default_rng(0)
    for sub in layout:
        os.makedirs(root / sub, exist_ok=True)
        for i in range(12):
            pixels = (rng.random((16, 32 if sub in ("train", "test") else 16, 3)) * 255)
            Image.fromarray(pixels.astype(np.uint8)).save(root / sub / f"{i}.png")


@pytest.mark.parametrize("script, layout, extra", [
    ("pix2pix_digits.py", ("train", "test"), ["--n-layers", "1"]),
    ("cyclegan_digits.py", ("trainA", "trainB", "testA", "testB"),
     ["--n-layers", "1", "--n-blocks", "1"]),
])
def test_examples_run_on_a_users_folder(script, layout, extra, tmp_path):
    write_folder(tmp_path / "data", layout)
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", script), "--data", str(tmp_path / "data"),
         "--size", "16", "--epochs", "1", "--batch-size", "4", "--ngf", "4", "--ndf", "4",
         "--out", str(out), "--no-progress", *extra],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert all(np.isfinite(v) for r in results.values()
               for v in (r.values() if isinstance(r, dict) else [r]))
    assert (out / "checkpoint.npz").is_file() and (out / "samples" / "epoch_001.png").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("script", ["pix2pix_digits.py", "cyclegan_digits.py"])
def test_examples_run_on_the_digit_domains(script, tmp_path):
    done = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script), "--epochs", "1",
                           "--out", str(tmp_path / "run"), "--no-progress"],
                          capture_output=True, text=True, timeout=1200, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "run" / "results.json").is_file()


def test_the_judge_reads_real_digits_with_confidence_and_their_average_with_doubt():
    from minigan.data import load_bundled_mnist
    from minigan.data.digit_domains import pad_to_32
    from minigan.metrics.translation import judge_readings

    digits, labels = load_bundled_mnist()
    pick = np.concatenate([np.flatnonzero(labels == d)[:20] for d in (4, 9)])
    real = pad_to_32(digits[pick]).astype(np.float32)[:, None] / 127.5 - 1
    real_reading = judge_readings(real, labels[pick])
    assert real_reading["confident"] > 0.8 and real_reading["same_digit"] > 0.9
    # what L1 alone converges to where a 4 and a 9 fit one input: their pixel average
    half = len(pick) // 2
    mixed = (real[:half] + real[half:]) / 2
    mixed_reading = judge_readings(mixed, labels[pick][:half])
    assert mixed_reading["confident"] < real_reading["confident"] - 0.3


def test_cyclegan_digit_figures_of_a_model_that_changes_nothing():
    """A "translation" that hands every image back unchanged keeps every digit and moves no
    style: the figures must say exactly that."""
    from minigan.data import unpaired_digits
    from minigan.metrics.translation import cyclegan_digit_figures

    a, la, b, lb = unpaired_digits("test", n=300, mirrors=[])
    a, b = (x.astype(np.float32)[:, None] / 127.5 - 1 for x in (a, b))

    class Unchanged:
        def round_trip(self, images, direction="AtoB"):
            return mg.tensor(images), mg.tensor(images)

    f = cyclegan_digit_figures(Unchanged(), (a[:200], b[:200]),
                               (a[200:], b[200:], la[200:], lb[200:]), style_steps=300,
                               train_labels=(la[:200], lb[:200]), reader_steps=150)
    # The reader of both styles reads each unchanged image as it reads the original.
    assert f["reader_kept_AB"] == f["reader_handwritten"] > 0.2  # chance: 0.1
    assert f["reader_kept_BA"] == f["reader_printed"] > 0.2
    assert f["cycle_l1_A"] == 0 and f["cycle_l1_B"] == 0 and f["judge_same_digit_AB"] == 1
    assert f["judge_translated_to_printed"] == f["judge_round_trip"] == f["judge_handwritten"]
    assert f["judge_printed_to_handwritten"] == f["judge_printed"]
    # A style classifier trained briefly on 200 digits a side is better than chance, and the
    # unchanged images land where it puts real digits of their own domain: its errors on the
    # real held-out digits are exactly the translations it reads as moved.
    assert f["style_accuracy_real"] > 0.6
    assert f["style_printed_share_of_AB"] + f["style_handwritten_share_of_BA"] == pytest.approx(
        2 * (1 - f["style_accuracy_real"]))
