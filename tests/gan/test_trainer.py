"""The shared training loop: its files, k-step scheduling, and a resume that changes nothing."""
import json
import os

import numpy as np
import pytest
from PIL import Image

import minigan
from minigan import backend
from minigan.checkpoint import load_checkpoint
from minigan.data import DataLoader
from minigan.gan import build_model, load_model, train
from minigan.gan.models.mlp import VanillaGAN
from minigan.gan.models.toy import ToyGAN
from minigan.gan.trainer import (ResumeError, TrainingDiverged, epoch_grid_path,
                                 save_training_checkpoint, summarize)

SIDE = 6


def tiny_model(**kw):
    kw = {"latent_dim": 4, "g_hidden": (8,), "d_hidden": (8,), "image_shape": (1, SIDE, SIDE),
          "n_fixed": 6, **kw}
    return VanillaGAN(**kw)


def tiny_data(n=40):
    rng = np.random.default_rng(123)
    images = rng.uniform(-1, 1, (n, SIDE * SIDE)).astype(np.float32)
    labels = rng.integers(0, 10, n)
    return images, labels


def fresh_run(tmp_path, name, epochs, resume=None, seed=0, train_kw=None, **model_kw):
    """What a new process does: seed, build the model and the loader, train."""
    minigan.manual_seed(seed)
    model = tiny_model(**model_kw)
    loader = DataLoader(tiny_data(), batch_size=8, shuffle=True, drop_last=False)
    history = train(model, loader, epochs, tmp_path / name, resume=resume, progress=False,
                    **(train_kw or {}))
    return model, history


def test_one_epoch_leaves_every_file(tmp_path):
    model, history = fresh_run(tmp_path, "run", epochs=1)
    out = tmp_path / "run"
    for name in ("samples/epoch_001.png", "losses.png", "metrics.json", "progress.gif",
                 "checkpoint.npz"):
        assert (out / name).is_file(), name
    assert sorted(os.listdir(out)) == ["checkpoint.npz", "losses.png", "metrics.json",
                                       "progress.gif", "samples"]  # no temporary files
    with Image.open(out / "samples/epoch_001.png") as im:  # 6 images in a row of 8, 2x larger
        assert im.size == (2 * (6 * (SIDE + 2) + 2), 2 * (SIDE + 4))
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_done"] == 1 and metrics["model"]["name"] == "vanilla"
    assert metrics["iterations_per_epoch"] == [5]
    assert set(metrics["iterations"]) == {"loss_d", "loss_g", "d_real", "d_fake"}
    assert all(len(v) == 5 and all(np.isfinite(v)) for v in metrics["iterations"].values())
    assert metrics["epochs"]["loss_d"] == [pytest.approx(np.mean(metrics["iterations"]["loss_d"]))]
    assert metrics["iterations"] == history["iterations"]
    _, meta = load_checkpoint(out / "checkpoint.npz")
    assert meta["epoch"] == 1 and meta["model"]["config"] == model.config
    assert "epoch 1" in summarize(history)


def test_resume_reproduces_an_uninterrupted_run_exactly(tmp_path):
    straight_model, straight = fresh_run(tmp_path, "straight", epochs=3)
    fresh_run(tmp_path, "split", epochs=1)
    resumed_model, resumed = fresh_run(tmp_path, "split", epochs=3,
                                       resume=tmp_path / "split" / "checkpoint.npz")
    assert len(straight["iterations"]["loss_d"]) == 15
    assert resumed["iterations"] == straight["iterations"]  # every float, exactly
    assert resumed["epochs"] == straight["epochs"]
    for name in ("G", "D"):
        a = straight_model.networks[name].state_dict()
        b = resumed_model.networks[name].state_dict()
        assert all(np.array_equal(a[k], b[k]) for k in a)
    arrays_a, meta_a = load_checkpoint(tmp_path / "straight" / "checkpoint.npz")
    arrays_b, meta_b = load_checkpoint(tmp_path / "split" / "checkpoint.npz")
    assert sorted(arrays_a) == sorted(arrays_b)
    assert all(np.array_equal(arrays_a[k], arrays_b[k]) for k in arrays_a)
    assert meta_a["rng_state"] == meta_b["rng_state"] and meta_a["epoch"] == 3
    with Image.open(tmp_path / "split" / "progress.gif") as im:
        assert im.n_frames == 3  # the GIF spans the epochs before and after the resume


def test_resume_of_a_finished_run_changes_nothing(tmp_path):
    fresh_run(tmp_path, "run", epochs=1)
    model, history = fresh_run(tmp_path, "run", epochs=1,
                               resume=tmp_path / "run" / "checkpoint.npz")
    assert history["iterations_per_epoch"] == [5] and model.step == 5


def test_resume_refuses_other_settings(tmp_path):
    fresh_run(tmp_path, "run", epochs=1)
    with pytest.raises(ValueError, match="loss: 'nonsaturating' vs 'minimax'"):
        fresh_run(tmp_path, "run", epochs=2, resume=tmp_path / "run" / "checkpoint.npz",
                  loss="minimax")


def test_k_discriminator_updates_per_generator_update(tmp_path):
    model, history = fresh_run(tmp_path, "k3", epochs=1, k=3)
    g = history["iterations"]["loss_g"]
    d = history["iterations"]["loss_d"]
    assert len(g) == len(d) == 5
    assert g[1] == g[2] == g[0] and g[4] == g[3] and g[3] != g[0]  # G learns on batches 0 and 3
    assert len(set(d)) == 5  # D learns on every batch
    state_g, state_d = (model.optimizers[n].state_dict()["state"] for n in ("G", "D"))
    assert {s["step"] for s in state_g.values()} == {2}
    assert {s["step"] for s in state_d.values()} == {5}


def test_grid_sampling_draws_no_random_numbers_and_keeps_modes():
    minigan.manual_seed(0)
    model = tiny_model()
    model.train()
    before = backend.rng_state()
    first = model.sample_grid()
    assert backend.rng_state() == before
    np.testing.assert_array_equal(model.sample_grid(), first)
    assert all(net.training for net in model.networks.values())
    model.D.eval()
    model.sample(3)
    assert model.G.training and not model.D.training
    assert first.shape == (6, 1, SIDE, SIDE) and np.abs(first).max() <= 1


def test_load_model_rebuilds_from_a_checkpoint(tmp_path):
    model, _ = fresh_run(tmp_path, "run", epochs=1)
    minigan.manual_seed(99)  # another initialisation: the checkpoint must overwrite it
    loaded = load_model(tmp_path / "run" / "checkpoint.npz")
    assert type(loaded) is VanillaGAN and loaded.config == model.config
    assert loaded.step == model.step
    np.testing.assert_array_equal(loaded.sample_grid(), model.sample_grid())
    with pytest.raises(ValueError, match="unknown GAN model 'nope'"):
        build_model("nope", {})


def test_bad_arguments(tmp_path):
    model = tiny_model()
    loader = DataLoader(tiny_data(4), batch_size=8, drop_last=True)
    with pytest.raises(ValueError, match="no batches"):
        train(model, loader, 1, tmp_path / "empty", progress=False)
    with pytest.raises(ValueError, match="epochs"):
        train(model, loader, -1, tmp_path / "x", progress=False)
    with pytest.raises(ValueError, match="checkpoint_every"):
        train(model, loader, 1, tmp_path / "x", checkpoint_every=0, progress=False)
    with pytest.raises(ValueError, match="k"):
        tiny_model(k=0)


def test_checkpoint_every_n_epochs(tmp_path):
    minigan.manual_seed(0)
    model = tiny_model()
    loader = DataLoader(tiny_data(), batch_size=8)
    path, epochs_saved = tmp_path / "run" / "checkpoint.npz", []
    train(model, loader, 5, tmp_path / "run", checkpoint_every=2, progress=False,
          on_epoch_end=lambda e, h: epochs_saved.append(
              load_checkpoint(path)[1]["epoch"] if path.exists() else None))
    assert epochs_saved == [None, 2, 2, 4, 5]  # every 2nd epoch, and the last
    assert all(os.path.exists(epoch_grid_path(tmp_path / "run", e)) for e in range(1, 6))


def test_gif_frames_spread_evenly_and_keep_both_ends():
    from minigan.gan.trainer import gif_frames

    frames = list(range(1, 101))
    picked = gif_frames(frames, 10)
    assert len(picked) == 10 and picked[0] == 1 and picked[-1] == 100
    assert max(np.diff(picked)) - min(np.diff(picked)) <= 1
    assert gif_frames(frames[:5], 10) == frames[:5]
    assert gif_frames(frames, 1) == [100]


# ---------------------------------------------------------------- a run that goes wrong

@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's overflow warnings, expected
def test_a_diverging_run_stops_and_keeps_the_last_finite_checkpoint(tmp_path):
    minigan.manual_seed(0)
    model = tiny_model()
    loader = DataLoader(tiny_data(), batch_size=8)
    run, saved = tmp_path / "run", {}

    def explode(epoch, history):  # after epoch 1's files: a learning rate that overflows
        saved["checkpoint"] = (run / "checkpoint.npz").read_bytes()
        for optimizer in model.optimizers.values():
            for group in optimizer.param_groups:
                group["lr"] = 1e30

    with pytest.raises(TrainingDiverged) as info:
        train(model, loader, 3, run, progress=False, on_epoch_end=explode)
    message = str(info.value)
    assert "iteration 6 (epoch 2, batch 1)" in message and "loss_g = nan" in message
    assert f"{run / 'checkpoint.npz'} still holds the last finite checkpoint" in message
    assert (run / "checkpoint.npz").read_bytes() == saved["checkpoint"]
    assert json.loads((run / "metrics.json").read_text())["epochs_done"] == 1
    assert not (run / "samples" / "epoch_002.png").exists()


def test_weights_that_are_not_finite_are_never_checkpointed(tmp_path):
    model = tiny_model()
    path = tmp_path / "checkpoint.npz"
    save_training_checkpoint(path, model, 1, {})
    before = path.read_bytes()
    next(model.G.parameters()).data[0, 0] = np.inf
    with pytest.raises(TrainingDiverged, match="after epoch 2 the weights hold NaN or infinity"):
        save_training_checkpoint(path, model, 2, {})
    assert path.read_bytes() == before


def test_a_checkpoint_that_cannot_be_resumed_stops_before_anything_is_written(tmp_path):
    fresh_run(tmp_path, "run", epochs=1)
    with pytest.raises(ResumeError, match="cannot resume: checkpoint .* holds a 'vanilla' "
                                          "model, not 'toy'"):
        train(ToyGAN(latent_dim=2, g_hidden=(4,), d_hidden=(4,)), [], 1, tmp_path / "new",
              resume=tmp_path / "run" / "checkpoint.npz", progress=False)
    assert not (tmp_path / "new").exists()


def test_every_file_the_loop_writes_is_replaced_atomically(tmp_path, monkeypatch):
    replaced, replace = set(), os.replace

    def recording_replace(source, target):
        replaced.add(os.path.abspath(target))
        replace(source, target)

    monkeypatch.setattr(os, "replace", recording_replace)
    fresh_run(tmp_path, "run", epochs=2)
    written = {os.path.abspath(os.path.join(folder, name))
               for folder, _, names in os.walk(tmp_path / "run") for name in names}
    assert len(written) == 6 and written <= replaced  # 2 grids, losses, metrics, GIF, checkpoint


@pytest.mark.skipif(not minigan.cuda_is_available(), reason="needs CuPy and a GPU")
def test_training_on_cuda_resumes_on_the_cpu(tmp_path):
    minigan.manual_seed(0)
    model = tiny_model(device="cuda")
    loader = DataLoader(tiny_data(), batch_size=8, device="cuda")
    train(model, loader, 1, tmp_path / "gpu", progress=False)
    assert model.fixed_noise.device == "cuda"
    on_cpu = load_model(tmp_path / "gpu" / "checkpoint.npz", device="cpu")
    np.testing.assert_allclose(on_cpu.sample_grid(), model.sample_grid(), atol=1e-5)
