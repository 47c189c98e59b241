"""What the examples share (minigan/gan/examples.py, translation_examples.py) keeps earlier work:
an --out folder holding a run is replaced only with --overwrite, and a run that diverges stops
with exit status 1, its last finite checkpoint kept. Run in this process, downloads off."""
import importlib.util
import os
import sys

import numpy as np
import pytest
from PIL import Image

import minigan
from minigan.checkpoint import load_checkpoint
from minigan.commandline import run_main
from minigan.data import mnist
from minigan.gan.models.mlp import VanillaGAN
from minigan.gan.trainer import new_history, save_training_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "cache"))
    for table in mnist.DATASETS.values():
        monkeypatch.setitem(table, "mirrors", [])


def run_example(script, argv, monkeypatch) -> int:
    """``python examples/SCRIPT argv...`` in this process; returns the exit status."""
    spec = importlib.util.spec_from_file_location("example_" + script[:-3],
                                                  os.path.join(ROOT, "examples", script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, "argv", [script])
    try:
        return run_main(lambda: module.main([str(a) for a in argv]), prog=script)
    except SystemExit as stop:
        return stop.code


def pairs(root):
    """Twelve side-by-side 16x32 RGB pairs in the pix2pix layout."""
    rng = np.random.default_rng(0)
    (root / "train").mkdir(parents=True)
    for i in range(12):
        pixels = (rng.random((16, 32, 3)) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(root / "train" / f"{i}.png")
    return root


def test_an_earlier_run_is_replaced_only_with_overwrite(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    tiny = ["pix2pix_digits.py", ["--data", pairs(tmp_path / "pairs"), "--size", "16",
                                  "--epochs", "1", "--batch-size", "4", "--ngf", "4", "--ndf",
                                  "4", "--n-layers", "1", "--no-baseline", "--no-progress",
                                  "--out", out]]
    assert run_example(*tiny, monkeypatch) == 0
    first = (out / "checkpoint.npz").read_bytes()
    capsys.readouterr()

    assert run_example(tiny[0], tiny[1] + ["--seed", "1"], monkeypatch) == 2
    assert f"--resume {out / 'checkpoint.npz'}, or replace it with --overwrite" in \
        capsys.readouterr().err
    assert (out / "checkpoint.npz").read_bytes() == first

    assert run_example(tiny[0], tiny[1] + ["--seed", "1", "--overwrite"], monkeypatch) == 0
    (tmp_path / "first.npz").write_bytes(first)
    key = "model/G/model.model.0.weight"  # another seed's run replaced the first
    assert not np.array_equal(load_checkpoint(out / "checkpoint.npz")[0][key],
                              load_checkpoint(tmp_path / "first.npz")[0][key])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's overflow warnings, expected
def test_a_diverging_example_exits_1_and_keeps_the_last_finite_checkpoint(tmp_path, monkeypatch,
                                                                           capsys):
    out = tmp_path / "run"
    minigan.manual_seed(0)
    save_training_checkpoint(out / "checkpoint.npz", VanillaGAN(), 1, new_history())
    before = (out / "checkpoint.npz").read_bytes()
    status = run_example("vanilla_mnist.py", ["--lr", "1e12", "--overwrite", "--out", out,
                                              "--epochs", "1", "--no-progress",
                                              "--eval-samples", "0"], monkeypatch)
    err = capsys.readouterr().err.splitlines()
    assert status == 1
    assert err[-1].startswith("vanilla_mnist.py: training diverged at iteration ")
    assert "loss_g = nan" in err[-1] and f"{out / 'checkpoint.npz'} still holds" in err[-1]
    assert (out / "checkpoint.npz").read_bytes() == before
    assert not any(name.endswith(".minigan-tmp") for name in os.listdir(out))


def test_recipe_flags_reach_the_model(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "example_dcgan_recipe", os.path.join(ROOT, "examples", "dcgan_mnist.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from minigan.gan.examples import recipe_of

    args = module.parse_args(["--out", str(tmp_path / "a")])
    assert recipe_of(args) == {}, "the default is the lectures' plain training"
    args = module.parse_args(["--out", str(tmp_path / "b"), "--ema", "0.99", "--augment",
                              "cutout", "--r1", "0.5", "--lr-d", "4e-4"])
    assert recipe_of(args) == {"ema": 0.99, "augment": ["cutout"], "r1": 0.5, "lr_d": 4e-4}
    assert args.variant == "lecture", "the default networks are the lecture's"
    args = module.parse_args(["--out", str(tmp_path / "c"), "--lr-decay", "0.5", "--variant",
                              "allconv"])
    assert recipe_of(args) == {"lr_decay": 0.5} and args.variant == "allconv"


def test_an_examples_default_recipe_and_the_lecture_switch():
    from minigan.commandline import ArgumentParser
    from minigan.gan.examples import add_recipe_arguments, recipe_of

    parser = ArgumentParser()
    add_recipe_arguments(parser, {"ema": 0.999})
    assert recipe_of(parser.parse_args([])) == {"ema": 0.999}
    assert recipe_of(parser.parse_args(["--recipe", "lecture"])) == {}
    assert recipe_of(parser.parse_args(["--ema", "0"])) == {"ema": 0.0}, "a flag turns it off"
    assert recipe_of(parser.parse_args(["--recipe", "lecture", "--r1", "0.1"])) == {"r1": 0.1}
    assert recipe_of(parser.parse_args(["--r1", "0.1"])) == {"ema": 0.999, "r1": 0.1}
    assert "this example's default: --ema 0.999" in parser.format_help()


def test_a_plain_run_resumes_with_recipe_lecture_and_the_error_says_so(tmp_path, monkeypatch,
                                                                       capsys):
    out = tmp_path / "run"
    minigan.manual_seed(0)
    save_training_checkpoint(out / "checkpoint.npz", VanillaGAN(), 1, new_history())
    resume = ["--resume", out / "checkpoint.npz", "--out", out, "--epochs", "1",
              "--no-progress", "--eval-samples", "0"]
    assert run_example("vanilla_mnist.py", resume, monkeypatch) == 2
    err = capsys.readouterr().err
    assert "trained with other settings" in err and "resumes with --recipe lecture" in err
    assert run_example("vanilla_mnist.py", resume + ["--recipe", "lecture"], monkeypatch) == 0
