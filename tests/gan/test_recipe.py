"""The training recipe of the shared update: each technique is checked, switched on through a
model's config, saved in its checkpoint, and a resumed run with all of them on repeats the
uninterrupted one exactly."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import minigan as mg
from minigan.checkpoint import load_checkpoint
from minigan.gan.games import BCEGame
from minigan.gan.models.dcgan import DCGAN
from minigan.gan.recipe import DEFAULTS, check_recipe


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
          "lr_d": 4e-4}


def test_defaults_are_the_plain_game_and_bad_settings_are_refused():
    assert check_recipe("M", None) == DEFAULTS
    assert tiny_model().config["recipe"] == DEFAULTS and tiny_model().ema is None
    for bad, fragment in (({"emma": 0.9}, "unknown recipe setting"), ({"ema": 1.0}, "ema"),
                          ({"augment": ["flip"]}, "augment"), ({"r1": -1}, "r1"),
                          ({"lr_d": 0}, "lr_d")):
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


def test_resume_with_every_technique_on_is_exact(tmp_path):
    straight_model, straight = fresh_run(tmp_path, "straight", epochs=2, recipe=ALL_ON)
    fresh_run(tmp_path, "split", epochs=1, recipe=ALL_ON)
    resumed_model, resumed = fresh_run(tmp_path, "split", epochs=2, recipe=ALL_ON,
                                       resume=tmp_path / "split" / "checkpoint.npz")
    assert resumed["iterations"] == straight["iterations"]
    assert {"r1", "loss_d", "loss_g"} <= set(straight["iterations"])
    arrays_a, meta_a = load_checkpoint(tmp_path / "straight" / "checkpoint.npz")
    arrays_b, meta_b = load_checkpoint(tmp_path / "split" / "checkpoint.npz")
    assert any(k.startswith("model/G_ema/") for k in arrays_a), "the average is saved"
    assert sorted(arrays_a) == sorted(arrays_b)
    assert all(np.array_equal(arrays_a[k], arrays_b[k]) for k in arrays_a)
    assert meta_a["model_state"]["ema_updates"] == meta_b["model_state"]["ema_updates"] == 10
