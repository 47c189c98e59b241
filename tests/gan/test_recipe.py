"""The training recipe of the shared update: each technique is checked, switched on through a
model's config, saved in its checkpoint, and a resumed run with all of them on repeats the
uninterrupted one exactly."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import minigan as mg
from minigan.checkpoint import load_checkpoint, save_checkpoint
from minigan.gan.games import BCEGame
from minigan.gan.models.dcgan import DCGAN
from minigan.gan.recipe import DEFAULTS, check_recipe, lr_factor
from minigan.gan.trainer import ResumeError


def _training_loop_tests():
    """test_trainer.py's tiny model and fresh run, loaded by path (tests are not a package)."""
    spec = importlib.util.spec_from_file_location(
        "training_loop_tests", Path(__file__).with_name("test_trainer.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_LOOP = _training_loop_tests()
fresh_run, tiny_model = _LOOP.fresh_run, _LOOP.tiny_model

ALL_ON = {"ema": 0.9, "augment": ["translation", "cutout"], "r1": 1.0, "label_smoothing": 0.1,
          "lr_d": 4e-4, "lr_decay": 0.5}


def test_defaults_are_the_plain_game_and_bad_settings_are_refused():
    assert check_recipe("M", None) == DEFAULTS
    assert tiny_model().config["recipe"] == DEFAULTS and tiny_model().ema is None
    for bad, fragment in (({"emma": 0.9}, "unknown recipe setting"), ({"ema": 1.0}, "ema"),
                          ({"augment": ["flip"]}, "augment"), ({"r1": -1}, "r1"),
                          ({"lr_d": 0}, "lr_d"), ({"lr_decay": 1.5}, "lr_decay"),
                          ({"lr_decay": -0.1}, "lr_decay"), ({"lr_decay": "half"}, "lr_decay"),
                          ({"lr_decay": True}, "lr_decay")):
        with pytest.raises(ValueError, match=fragment):
            check_recipe("M", bad)
    with pytest.raises(ValueError, match="label_smoothing"):
        tiny_model(recipe={"label_smoothing": 0.5})


def test_label_smoothing_moves_only_the_real_target():
    real, fake = mg.tensor([[2.0], [-1.0]]), mg.tensor([[0.5], [-3.0]])
    plain, smooth = BCEGame(), BCEGame(label_smoothing=0.1)
    softplus = lambda t: np.log1p(np.exp(t))  # noqa: E731
    r, f = real.numpy(), fake.numpy()
    expected = (0.9 * softplus(-r) + 0.1 * softplus(r)).mean() + softplus(f).mean()
    assert smooth.d_loss(real, fake).item() == pytest.approx(expected, rel=1e-6)
    assert plain.d_loss(real, fake).item() == pytest.approx(
        softplus(-r).mean() + softplus(f).mean(), rel=1e-6)
    assert smooth.g_loss(fake).item() == plain.g_loss(fake).item()


def test_two_time_scales_give_d_its_own_rate():
    model = tiny_model(lr=1e-4, recipe={"lr_d": 4e-4})
    assert model.opt_g.param_groups[0]["lr"] == 1e-4
    assert model.opt_d.param_groups[0]["lr"] == 4e-4


def test_lr_decay_sets_both_rates_from_the_step_and_the_run_length():
    model = tiny_model(lr=1e-3, recipe={"lr_d": 4e-3, "lr_decay": 0.5})
    model.begin_training(10)  # steps 0-5 at full rate, then 4/5, 3/5, 2/5, 1/5 of it
    batch = mg.tensor(np.random.default_rng(0).uniform(-1, 1, (8, 36)))
    expected = [1, 1, 1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2]
    for step, factor in enumerate(expected):
        model.train_step(batch)
        assert model.opt_g.param_groups[0]["lr"] == pytest.approx(1e-3 * factor, rel=1e-12), step
        assert model.opt_d.param_groups[0]["lr"] == pytest.approx(4e-3 * factor, rel=1e-12), step
    assert lr_factor(10, 10, 0.5) == 0.0 and lr_factor(3, 4, 1.0) == 0.25
    assert lr_factor(9, 10, 0.0) == 1.0, "0 is off"


def test_lr_decay_without_the_run_length_says_how_to_give_it():
    model = tiny_model(recipe={"lr_decay": 0.5})
    with pytest.raises(RuntimeError,
                       match=r"VanillaGAN: recipe lr_decay 0\.5 .*model\.begin_training"):
        model.train_step(mg.tensor(np.zeros((8, 36), np.float32)))


def test_a_checkpoint_from_before_lr_decay_resumes(tmp_path):
    """Written before the setting existed: its recipe has no lr_decay, and it trained without."""
    fresh_run(tmp_path, "old", epochs=1)
    path = tmp_path / "old" / "checkpoint.npz"
    arrays, meta = load_checkpoint(path)
    del meta["model"]["config"]["recipe"]["lr_decay"]
    save_checkpoint(path, arrays, meta)
    model, history = fresh_run(tmp_path, "old", epochs=2, resume=path)
    assert len(history["iterations_per_epoch"]) == 2
    with pytest.raises(ResumeError, match="recipe"):  # but another recipe is still refused
        fresh_run(tmp_path, "old", epochs=3, resume=path, recipe={"lr_decay": 0.5})


def test_ema_draws_the_samples_and_follows_g():
    mg.manual_seed(0)
    model = tiny_model(recipe={"ema": 0.5})
    batch = mg.tensor(np.random.default_rng(0).uniform(-1, 1, (8, 36)))
    for _ in range(3):
        model.train_step(batch)
    assert model.ema.updates == 3
    raw = model.G(model.fixed_noise).numpy()
    averaged = model.ema.module(model.fixed_noise).numpy()
    assert not np.allclose(raw, averaged)
    np.testing.assert_array_equal(model.sample_grid().reshape(averaged.shape), averaged)


def test_r1_and_augmentation_change_what_d_learns_and_are_logged():
    logs = {}
    for name, recipe in (("plain", {}), ("r1", {"r1": 10.0}), ("augment", {"augment": ["cutout"]})):
        mg.manual_seed(0)
        model = DCGAN(latent_dim=4, g_width=2, d_width=2, image_shape=(1, 8, 8), n_fixed=2,
                      recipe=recipe)
        logs[name] = model.train_step(mg.tensor(np.random.default_rng(1).uniform(
            -1, 1, (4, 1, 8, 8))))
    assert "r1" in logs["r1"] and logs["r1"]["r1"] > 0 and "r1" not in logs["plain"]
    assert logs["r1"]["loss_d"] != logs["plain"]["loss_d"]
    assert logs["augment"]["d_real"] != logs["plain"]["d_real"]


class _Interrupted(Exception):
    pass


def _stop_after_first_epoch(epoch, history):
    raise _Interrupted  # after epoch 1's checkpoint: what Ctrl-C leaves


def test_resume_with_every_technique_on_is_exact(tmp_path):
    straight_model, straight = fresh_run(tmp_path, "straight", epochs=2, recipe=ALL_ON)
    # The split run is planned for 2 epochs too (lr_decay's schedule is over the whole run)
    # and stopped after the first.
    with pytest.raises(_Interrupted):
        fresh_run(tmp_path, "split", epochs=2, recipe=ALL_ON,
                  train_kw={"on_epoch_end": _stop_after_first_epoch})
    resumed_model, resumed = fresh_run(tmp_path, "split", epochs=2, recipe=ALL_ON,
                                       resume=tmp_path / "split" / "checkpoint.npz")
    # 10 steps, the last 5 decaying: the last one ran at 1/5 of D's rate.
    assert resumed_model.opt_d.param_groups[0]["lr"] == pytest.approx(4e-4 / 5, rel=1e-12)
    assert resumed["iterations"] == straight["iterations"]
    assert {"r1", "loss_d", "loss_g"} <= set(straight["iterations"])
    arrays_a, meta_a = load_checkpoint(tmp_path / "straight" / "checkpoint.npz")
    arrays_b, meta_b = load_checkpoint(tmp_path / "split" / "checkpoint.npz")
    assert any(k.startswith("model/G_ema/") for k in arrays_a), "the average is saved"
    assert sorted(arrays_a) == sorted(arrays_b)
    assert all(np.array_equal(arrays_a[k], arrays_b[k]) for k in arrays_a)
    assert meta_a["model_state"]["ema_updates"] == meta_b["model_state"]["ema_updates"] == 10
