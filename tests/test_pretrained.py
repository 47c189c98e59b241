"""The shipped generators: files that round-trip, checksums that are checked, a catalogue whose
figures are the files' own, and the command line that lists and samples them."""
import os
import shlex
import subprocess
import sys

import numpy as np
import pytest

import minigan
from minigan import cli, pretrained
from minigan.checkpoint import load_checkpoint
from minigan.gan.models import load_model
from minigan.gan.models.dcgan import DCGAN
from minigan.gan.trainer import new_history, save_training_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = list(pretrained.CATALOGUE.values())
MAX_SHIPPED_BYTES = 12 * 1000 ** 2


def tiny_dcgan(recipe=None):
    minigan.manual_seed(0)
    return DCGAN(latent_dim=8, g_width=4, d_width=4, n_fixed=4, recipe=recipe)


def trained_a_little(model, steps=3):
    x = minigan.tensor(np.random.default_rng(0).uniform(-1, 1, (8, 1, 28, 28))
                       .astype(np.float32))
    for _ in range(steps):
        model.train_step(x)
    return model


def samples(model, seed=5, n=6):
    minigan.manual_seed(seed)
    return model.sample(n).numpy()


@pytest.mark.parametrize("recipe", [None, {"ema": 0.9}])
def test_a_float32_file_draws_exactly_what_the_model_draws(recipe, tmp_path):
    model = trained_a_little(tiny_dcgan(recipe))
    digest = pretrained.export_generator(model, tmp_path / "g.npz", half=False)
    loaded = pretrained.load_generator(tmp_path / "g.npz", sha256=digest)
    assert not loaded.G.training  # ready to draw: batch norm uses its statistics
    np.testing.assert_array_equal(samples(loaded), samples(model))
    np.testing.assert_array_equal(loaded.sample_grid(), model.sample_grid())


@pytest.mark.parametrize("half", [False, True])
def test_a_translation_model_ships_its_generators_and_its_grid_images(half, tmp_path):
    from minigan.data import UnpairedLoader
    from minigan.gan.models.cyclegan import CycleGAN

    minigan.manual_seed(0)
    rng = np.random.default_rng(0)
    a, b = (rng.uniform(-1, 1, (8, 1, 16, 16)).astype(np.float32) for _ in range(2))
    model = CycleGAN(1, 1, ngf=4, n_blocks=1, ndf=4, n_layers=1)
    model.set_fixed_inputs(a=a[:3], b=b[:3])
    for batch in UnpairedLoader(a, b, batch_size=4):
        model.train_step(batch)
    digest = pretrained.export_generator(model, tmp_path / "g.npz", half=half)
    loaded = pretrained.load_generator(tmp_path / "g.npz", sha256=digest)
    arrays, _ = load_checkpoint(tmp_path / "g.npz")
    assert {key.split("/")[1] for key in arrays if key.startswith("model/")} == {"G_AB", "G_BA"}
    tolerance = dict(rtol=2e-2, atol=2e-2) if half else dict(rtol=0, atol=0)
    for direction in ("AtoB", "BtoA"):
        np.testing.assert_allclose(loaded.translate(a, direction).numpy(),
                                   model.translate(a, direction).numpy(), **tolerance)
    np.testing.assert_allclose(loaded.sample_grid(), model.sample_grid(), **tolerance)


def test_a_shipped_pix2pix_is_measured_on_completing_the_held_out_digits(tmp_path):
    from minigan.gan.models.pix2pix import Pix2Pix

    minigan.manual_seed(0)
    model = Pix2Pix(in_channels=1, out_channels=1, num_downs=5, ngf=2, ndf=2, n_layers=1)
    digest = pretrained.export_generator(model, tmp_path / "p.npz", half=False)
    loaded = pretrained.load_generator(tmp_path / "p.npz", sha256=digest)
    halves = np.random.default_rng(0).uniform(-1, 1, (4, 1, 32, 32)).astype(np.float32)
    np.testing.assert_array_equal(loaded.translate(halves).numpy(),
                                  model.translate(halves).numpy())
    figures = pretrained.judge_figures(loaded)
    assert set(figures) == {"l1", "sharpness", "confident", "completed_digit"}
    for key, (value, low, high) in figures.items():
        assert value == low == high and np.isfinite(value), key  # one measurement each
    assert figures["l1"][0] > 0.1  # an untrained U-Net is far from the digits
    line = pretrained.format_figures(figures)
    assert "L1 to the true digit " in line and "completed from their upper half" in line


def test_the_file_holds_the_average_not_the_raw_generator(tmp_path):
    model = trained_a_little(tiny_dcgan({"ema": 0.5}), steps=5)
    pretrained.export_generator(model, tmp_path / "g.npz", half=False)
    loaded = pretrained.load_generator(tmp_path / "g.npz")
    average = samples(model)  # a model whose recipe keeps an average draws from it
    model.ema = None
    raw = samples(model)  # and now from G itself
    assert not np.array_equal(raw, average)
    np.testing.assert_array_equal(samples(loaded), average)


def test_a_float16_file_draws_to_half_precision_and_is_half_the_size(tmp_path):
    model = trained_a_little(tiny_dcgan())
    pretrained.export_generator(model, tmp_path / "half.npz", half=True)
    pretrained.export_generator(model, tmp_path / "full.npz", half=False)
    loaded = pretrained.load_generator(tmp_path / "half.npz")
    assert all(p.dtype == np.float32 for p in loaded.G.parameters())  # computes in float32
    np.testing.assert_allclose(samples(loaded), samples(model), atol=2e-2)
    assert os.path.getsize(tmp_path / "half.npz") < 0.6 * os.path.getsize(tmp_path / "full.npz")


def test_a_changed_byte_is_refused_with_both_digests(tmp_path):
    path = tmp_path / "g.npz"
    digest = pretrained.export_generator(tiny_dcgan(), path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=f"corrupt or not the shipped one.*expected {digest}"):
        pretrained.load_generator(path, sha256=digest)


def test_a_missing_file_says_how_to_get_it_back(tmp_path):
    with pytest.raises(FileNotFoundError, match="generator file .* is missing; reinstall"):
        pretrained.load_generator(tmp_path / "gone.npz", sha256="0" * 64)


def test_a_training_checkpoint_is_not_a_generator_file(tmp_path):
    save_training_checkpoint(tmp_path / "ck.npz", tiny_dcgan(), epoch=0, history=new_history())
    with pytest.raises(ValueError, match="not a generator file.*load_model"):
        pretrained.load_generator(tmp_path / "ck.npz")


def test_an_unknown_name_lists_what_ships():
    with pytest.raises(KeyError, match="no pretrained generator named 'nope'"):
        pretrained.load("nope")


@pytest.fixture
def catalogue_of_one(tmp_path, monkeypatch):
    """A catalogue holding one tiny generator exported into a temporary folder."""
    model = trained_a_little(tiny_dcgan())
    digest = pretrained.export_generator(model, tmp_path / "tiny.npz")
    item = pretrained.Pretrained(
        name="tiny-dcgan", file="tiny.npz", sha256=digest, summary="a DCGAN of width 4",
        command="python examples/dcgan_mnist.py --width 4",
        figures={"confident": [0.5, 0.4, 0.6], "fid": [100.0, 90.0, 110.0]})
    monkeypatch.setattr(pretrained, "FOLDER", tmp_path)
    monkeypatch.setattr(pretrained, "CATALOGUE", {item.name: item})
    return item


def test_pretrained_lists_figures_command_and_how_to_sample(catalogue_of_one, capsys):
    assert cli.main(["pretrained"]) == 0
    out = capsys.readouterr().out
    assert "tiny-dcgan: a DCGAN of width 4" in out
    assert "confident 50.0% (40.0-60.0), classifier FID 100.0 (90.0-110.0)" in out
    assert "trained by: python examples/dcgan_mnist.py --width 4" in out
    assert "python -m minigan sample tiny-dcgan" in out


def test_sample_takes_a_shipped_name(catalogue_of_one, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["sample", "tiny-dcgan", "-n", "5", "-o", "s.npz", "--grid", "g.png"]) == 0
    with np.load(tmp_path / "s.npz", allow_pickle=False) as f:
        assert f["images"].shape == (5, 28, 28)
    assert (tmp_path / "g.png").is_file()


def test_a_shipped_translation_model_is_listed_with_how_to_use_it_and_not_sampled(
        tmp_path, monkeypatch, capsys):
    from minigan.gan.models.cyclegan import CycleGAN

    minigan.manual_seed(0)
    digest = pretrained.export_generator(CycleGAN(1, 1, ngf=4, n_blocks=1, ndf=4, n_layers=1),
                                         tmp_path / "cycle.npz")
    item = pretrained.Pretrained(
        name="tiny-cyclegan", file="cycle.npz", sha256=digest, summary="a CycleGAN of width 4",
        command="python examples/cyclegan_digits.py --ngf 4",
        figures={"same_digit": [0.85] * 3, "printed": [0.9] * 3})
    monkeypatch.setattr(pretrained, "FOLDER", tmp_path)
    monkeypatch.setattr(pretrained, "CATALOGUE", {item.name: item})
    assert cli.main(["pretrained"]) == 0
    out = capsys.readouterr().out
    assert "G_AB(a) read as a's digit by the judge 85.0%, G_AB(a) read as printed 90.0%  [held-out" in out
    assert "minigan.pretrained.load('tiny-cyclegan').translate(images, 'AtoB')" in out
    assert "minigan sample tiny-cyclegan" not in out
    monkeypatch.chdir(tmp_path)
    assert cli.main(["sample", "tiny-cyclegan", "-n", "5", "-o", "s.npz"]) == 2
    assert "does not draw images from noise" in capsys.readouterr().err


def test_a_file_of_that_name_wins_over_the_shipped_one(catalogue_of_one, tmp_path, monkeypatch,
                                                       capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny-dcgan").write_bytes(b"not a checkpoint")
    assert cli.main(["sample", "tiny-dcgan", "-n", "5", "-o", "s.npz"]) == 2
    assert "tiny-dcgan" in capsys.readouterr().err


# ---------------------------------------------------------------- what actually ships

def test_the_shipped_files_fit_the_budget():
    assert sum(item.path.stat().st_size for item in SHIPPED) <= MAX_SHIPPED_BYTES


@pytest.mark.parametrize("item", SHIPPED, ids=[item.name for item in SHIPPED])
def test_a_shipped_generator_loads_and_its_first_seed_lies_in_the_recorded_range(item):
    model = pretrained.load(item.name)  # checks the SHA-256
    figures = pretrained.judge_figures(model, seeds=(0,))
    for key, (_, low, high) in item.figures.items():
        assert low <= figures[key][0] <= high, (key, figures[key][0], low, high)


@pytest.mark.slow
@pytest.mark.parametrize("item", SHIPPED, ids=[item.name for item in SHIPPED])
def test_the_catalogue_figures_are_the_shipped_files(item):
    assert pretrained.judge_figures(pretrained.load(item.name)) == item.figures


def shortened(command: str, out) -> tuple[dict, list]:
    """The catalogue's command, with a short budget and a temporary folder: the environment
    settings it starts with, and its arguments."""
    args = shlex.split(command)
    env = {}
    while "=" in args[0]:
        key, value = args.pop(0).split("=", 1)
        env[key] = value
    for flag, value in (("--iterations", "140"), ("--epochs", "1"), ("--out", str(out))):
        if flag in args:
            args[args.index(flag) + 1] = value
    return env, args


@pytest.mark.slow
@pytest.mark.parametrize("item", SHIPPED, ids=[item.name for item in SHIPPED])
def test_the_recorded_command_still_trains_and_exports(item, tmp_path):
    env, args = shortened(item.command, tmp_path / "run")
    assert args[0] == "python"
    subprocess.run([sys.executable, *args[1:]], cwd=ROOT, check=True, timeout=1800,
                   env={**os.environ, **env})
    model = load_model(tmp_path / "run" / "checkpoint.npz")
    assert model.name == pretrained.load(item.name).name
    pretrained.export_generator(model, tmp_path / "g.npz")
    loaded = pretrained.load_generator(tmp_path / "g.npz")
    drawn = loaded.sample_grid() if item.translates else loaded.sample(4).numpy()
    assert len(drawn) > 0 and np.isfinite(drawn).all()


def test_the_recorded_commands_train_on_the_bundled_digits_even_where_mnist_downloads(
        monkeypatch):
    """The catalogue's figures hold for the bundled 5,000 digits: on a machine where the full
    MNIST is cached or downloadable, the training script must still use the bundled ones."""
    import importlib.util

    import minigan.data.mnist as mnist

    spec = importlib.util.spec_from_file_location(
        "recipe_ablation", os.path.join(ROOT, "scripts", "recipe_ablation.py"))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    full = (np.zeros((60000, 28, 28), np.uint8), np.repeat(np.arange(10, dtype=np.uint8), 6000))
    monkeypatch.setattr(mnist, "_load", lambda *args, **kwargs: full)
    assert mnist.load_mnist()[0].shape[0] == 60000  # what a download would give
    images, labels, held = script.split_bundled(50)
    bundled, bundled_labels = mnist.load_bundled_mnist()
    assert len(images) == 4500 and len(held) == 500
    last_of_each = np.concatenate([np.flatnonzero(bundled_labels == d)[-50:] for d in range(10)])
    np.testing.assert_array_equal(held, bundled[np.sort(last_of_each)])
