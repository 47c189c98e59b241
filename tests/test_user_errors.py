"""Every mistake a user can make on minigan's command lines (``python -m minigan`` and each
example) is answered with one line on stderr naming what is wrong, and exit status 2: never a
traceback. One row per case; add a row for every new case found.

Most rows run in this process (``main(argv)``, fast); the rows marked ``SUBPROCESS`` run the
real command, which proves what a user sees: the exit status and no traceback. Tiny
checkpoints and data files are made here, nothing is trained; downloads are switched off.
"""
import gzip
import hashlib
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

import minigan
from minigan import backend, cli
from minigan.checkpoint import load_checkpoint, save_checkpoint
from minigan.commandline import run_main
from minigan.data import mnist
from minigan.data.idx import write_idx
from minigan.gan.models.cyclegan import CycleGAN
from minigan.gan.models.mlp import VanillaGAN
from minigan.gan.models.pix2pix import Pix2Pix
from minigan.gan.models.toy import ToyGAN
from minigan.gan.trainer import new_history, save_training_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The one line the default data path prints when it falls back to the bundled digits offline.
BUNDLED_NOTICE = "minigan: MNIST could not be downloaded"


def header_only_png(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels in a few bytes: a decompression bomb
    (Pillow judges it by its header alone)."""
    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The files the rows point at, by name (see ``{name}`` in the rows)."""
    root = tmp_path_factory.mktemp("world")
    paths = {"tmp": str(root)}

    def ckpt(name, model):
        paths[name] = str(save_training_checkpoint(root / f"{name}.npz", model, 1,
                                                   new_history()))

    minigan.manual_seed(0)
    ckpt("vanilla", VanillaGAN(latent_dim=4, g_hidden=(8,), d_hidden=(8,), n_fixed=4))
    ckpt("cyclegan", CycleGAN(1, 1, ngf=4, n_blocks=1, ndf=4, n_layers=1))
    ckpt("pix2pix", Pix2Pix(1, 1, num_downs=4, ngf=4, ndf=4, n_layers=1))
    ckpt("toy", ToyGAN(latent_dim=3, g_hidden=(8,), d_hidden=(8,)))
    arrays, meta = load_checkpoint(paths["vanilla"])
    arrays["model/G/0.weight"][0, 0] = np.nan  # a run that diverged
    paths["nan"] = save_checkpoint(root / "nan.npz", arrays, meta)
    (root / "garbage.npz").write_bytes(b"hello")
    paths["garbage"] = str(root / "garbage.npz")

    images = np.zeros((5, 28, 28), np.uint8)
    for name, content in {"samples": {"images": images},
                          "labels12": {"images": images, "labels": np.array([0, 1, 2, 3, 12])},
                          "labels_neg": {"images": images, "labels": np.array([0, 1, 2, 3, -1])},
                          "labels_float": {"images": images, "labels": np.linspace(0, 1, 5)},
                          "images32": {"images": np.zeros((5, 32, 32), np.uint8)}}.items():
        np.savez(root / f"{name}.npz", **content)
        paths[name] = str(root / f"{name}.npz")

    (root / "afile").write_text("not a folder")
    (root / "existing.npz").write_bytes(b"an earlier output")
    (root / "existing.png").write_bytes(b"an earlier picture")
    (root / "folder.npz").mkdir()
    for run in ("run", "pix_run"):  # output folders holding an earlier run's checkpoint
        (root / run).mkdir()
        shutil.copy(paths["vanilla"], root / run / "checkpoint.npz")
    for name in ("afile", "existing.npz", "existing.png", "folder.npz", "run", "pix_run"):
        paths[name.replace(".", "_")] = str(root / name)

    data = root / "data"
    for name in ("empty", "garbage", "truncated", "truncated_gz", "wrong"):
        (data / name).mkdir(parents=True)
        paths[f"data_{name}"] = str(data / name)
    for split in ("train", "t10k"):
        images_file, labels_file = f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz"
        (data / "garbage" / images_file).write_bytes(b"hello, not an IDX file")
        header = bytes([0, 0, 8, 3]) + struct.pack(">3I", 10, 28, 28)
        (data / "truncated" / images_file).write_bytes(header + bytes(100))  # 7,840 promised
        whole = gzip.compress(header + bytes(7840), mtime=0)
        (data / "truncated_gz" / images_file).write_bytes(whole[:len(whole) // 2])
        write_idx(data / "wrong" / images_file, np.zeros((10, 28, 28), np.uint8))
        write_idx(data / "wrong" / labels_file, np.zeros(10, np.uint8))

    for side, size in (("A", 30000), ("B", 16)):
        (root / "bomb" / f"train{side}").mkdir(parents=True)
        (root / "bomb" / f"train{side}" / "0.png").write_bytes(header_only_png(size, size))
    paths["bomb"] = str(root / "bomb")
    return paths


KEPT = ("vanilla", "existing_npz", "existing_png", "run", "pix_run")


def _digests(world) -> dict:
    """The bytes of what no row may change (an output folder: its checkpoint)."""
    def read(path):
        return open(os.path.join(path, "checkpoint.npz") if os.path.isdir(path) else path,
                    "rb").read()
    return {name: hashlib.sha256(read(world[name])).hexdigest() for name in KEPT}


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """No downloads, and an empty cache: the default data is the bundled digits."""
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "cache"))
    for table in mnist.DATASETS.values():
        monkeypatch.setitem(table, "mirrors", [])


SUBPROCESS = "subprocess"
NO_CUDA = pytest.mark.skipif(backend.cuda_is_available(), reason="CUDA is available here")

# (command, arguments, minigan's own message fragment[, SUBPROCESS]); {name} is world[name].
CASES = [
    # ---- python -m minigan sample: nothing lost
    ("sample", "{vanilla} -n 5 -o {vanilla}", "is the input file", SUBPROCESS),
    ("sample", "{vanilla} -n 5 -o {vanilla} --force", "is the input file"),
    ("sample", "{vanilla} -n 5 -o {existing_npz}", "already exists; pass --force"),
    ("sample", "{vanilla} -n 5 -o {tmp}/new.npz --grid {existing_png}", "already exists"),
    ("sample", "{vanilla} -n 5 -o {tmp}/new.npz --grid {vanilla}", "is the input file"),
    ("sample", "{vanilla} -n 5 -o {tmp}/new.npz --grid {tmp}/grid.txt", "cannot save a picture"),
    ("sample", "{vanilla} -n 5 -o {folder_npz}", "is a folder"),
    ("sample", "{vanilla} -n 5 -o {tmp}/", "is a folder"),
    ("sample", "{vanilla} -n 5 -o {afile}/s.npz", "is a file, not a folder"),
    ("sample", "{nan} -n 5 -o {tmp}/new.npz", "NaN or infinite"),
    ("sample", "{vanilla} -n 1000000000 -o {tmp}/new.npz", "784.0 GB"),
    # ---- python -m minigan sample: bad input
    ("sample", "{cyclegan} -n 5 -o {tmp}/new.npz", "does not draw images from noise",
     SUBPROCESS),
    ("sample", "{pix2pix} -n 5 -o {tmp}/new.npz", "does not draw images from noise"),
    ("sample", "{toy} -n 5 -o {tmp}/new.npz", "does not draw images from noise"),
    ("sample", "{tmp}/missing.npz -o {tmp}/new.npz", "does not exist"),
    ("sample", "{garbage} -o {tmp}/new.npz", "is not an .npz archive"),
    ("sample", "{samples} -o {tmp}/new.npz", "no '__meta__' entry"),
    ("sample", "{vanilla} -n 0", "expected a positive integer"),
    ("sample", "{vanilla} -n many", "expected a positive integer"),
    ("sample", "{vanilla} --batch-size 0", "expected a positive integer"),
    ("sample", "{vanilla} --seed -1", "expected an integer >= 0"),
    ("sample", "{vanilla} --device tpu", "unknown device 'tpu'"),
    ("sample", "{vanilla} --device cuda -o {tmp}/new.npz", "CuPy is not installed", SUBPROCESS,
     NO_CUDA),
    # ---- python -m minigan evaluate
    ("evaluate", "{samples} --data /nonexistent", "no such folder", SUBPROCESS),
    ("evaluate", "{samples} --data {data_empty}", "t10k-images-idx3-ubyte.gz is missing"),
    ("evaluate", "{samples} --data {data_garbage}", "is not a readable IDX file"),
    ("evaluate", "{samples} --data {data_wrong}", "not the official one"),
    ("evaluate", "{tmp}/missing.npz", "does not exist"),
    ("evaluate", "{labels12} --no-fid", "'labels' must be the digits 0-9"),
    ("evaluate", "{labels_neg} --no-fid", "'labels' must be the digits 0-9"),
    ("evaluate", "{labels_float} --no-fid", "'labels' must be the digits 0-9"),
    ("evaluate", "{images32} --no-fid", "must be uint8 of shape (N, 28, 28)"),
    ("evaluate", "{vanilla} --no-fid", "no 'images' entry"),
    ("evaluate", "{samples} --no-fid --parzen --parzen-sigma nan", "expected a positive number"),
    ("evaluate", "{samples} --no-fid --parzen --parzen-sigma -1", "expected a positive number"),
    ("evaluate", "{samples} --no-fid --parzen --parzen-samples 0", "expected a positive integer"),
    ("evaluate", "{samples} --no-fid --parzen --test {data_empty}",
     "needs the MNIST test set"),
    # ---- the image examples: their shared flags (minigan/gan/examples.py)
    ("vanilla_mnist.py", "--batch-size 0", "expected a positive integer", SUBPROCESS),
    ("vanilla_mnist.py", "--lr -1", "expected a positive number"),
    ("dcgan_mnist.py", "--ema 1", "--ema must be below 1"),
    ("dcgan_mnist.py", "--ema -0.5", "expected a number between 0 and 1"),
    ("cgan_mnist.py", "--label-smoothing 0.7", "--label-smoothing must be below 0.5"),
    ("wgan_mnist.py", "--r1 -1", "expected a number >= 0"),
    ("lsgan_mnist.py", "--augment flip", "flip"),
    ("dcgan_mnist.py", "--lr-decay 1.5", "expected a number between 0 and 1"),
    ("dcgan_mnist.py", "--variant conv", "invalid choice: 'conv'"),
    ("vanilla_mnist.py", "--lr nan", "expected a positive number"),
    ("vanilla_mnist.py", "--k 0", "expected a positive integer"),
    ("vanilla_mnist.py", "--epochs -1", "expected an integer >= 0"),
    ("vanilla_mnist.py", "--checkpoint-every 0", "expected a positive integer"),
    ("vanilla_mnist.py", "--eval-samples -5", "expected an integer >= 0"),
    ("vanilla_mnist.py", "--seed -1", "expected an integer >= 0"),
    ("vanilla_mnist.py", "--device tpu", "unknown device 'tpu'"),
    ("vanilla_mnist.py", "--pack-size 0", "expected a positive integer"),
    ("vanilla_mnist.py", "--out {afile}", "is a file, not a folder", SUBPROCESS),
    ("vanilla_mnist.py", "--out {afile}/run", "is a file, not a folder"),
    ("vanilla_mnist.py", "--out ''", "--out must name a folder"),
    ("vanilla_mnist.py", "--out {run}", "--resume {run}/checkpoint.npz, or replace it with "
                                        "--overwrite"),
    ("vanilla_mnist.py", "--out {run} --resume {vanilla}", "holds the checkpoint of an earlier"),
    ("vanilla_mnist.py", "--resume {tmp}/missing.npz --out {tmp}/r1", "no such file"),
    ("vanilla_mnist.py", "--resume {cyclegan} --out {tmp}/r2",
     "holds a 'cyclegan' model, not 'vanilla'"),
    ("vanilla_mnist.py", "--resume {garbage} --out {tmp}/r3", "cannot resume"),
    ("vanilla_mnist.py", "--batch-size 6000 --out {tmp}/r4", "larger than the training set"),
    # ---- --data: a folder the user named is never replaced by the bundled digits
    ("vanilla_mnist.py", "--data {data_empty} --out {tmp}/r5",
     "train-images-idx3-ubyte.gz is missing"),
    ("vanilla_mnist.py", "--data /nonexistent --out {tmp}/r5",
     "train-images-idx3-ubyte.gz is missing"),
    ("vanilla_mnist.py", "--data {data_garbage} --out {tmp}/r5", "bad IDX magic"),
    ("vanilla_mnist.py", "--data {data_truncated} --out {tmp}/r5", "truncated or corrupt"),
    ("vanilla_mnist.py", "--data {data_truncated_gz} --out {tmp}/r5", "not a readable gzip"),
    ("vanilla_mnist.py", "--data {data_wrong} --out {tmp}/r5", "not the official one"),
    ("dcgan_mnist.py", "--dataset fashion --data {data_empty} --out {tmp}/r5",
     "Fashion-MNIST folder"),
    ("dcgan_mnist.py", "--dataset fashion --out {tmp}/r5", "could not download"),
    # ---- each image example's own flags
    ("dcgan_mnist.py", "--width 0", "expected a positive integer"),
    ("dcgan_mnist.py", "--arithmetic-scale 1 0", "expected a positive number"),
    ("dcgan_mnist.py", "--arithmetic 7 1 9", "unrecognized arguments"),  # the old figure's flag
    ("dcgan_mnist.py", "--out {run}", "holds the checkpoint of an earlier run"),
    ("cgan_mnist.py", "--embed-dim 0", "expected a positive integer"),
    ("lsgan_mnist.py", "--k 0", "expected a positive integer"),
    ("wgan_mnist.py", "--clip-value 0", "expected a positive number"),
    ("wgan_mnist.py", "--gp-weight -1", "expected a number >= 0"),
    ("wgan_mnist.py", "--out {run} --penalty clip", "holds the checkpoint of an earlier run"),
    # ---- the translation examples (minigan/gan/translation_examples.py)
    ("pix2pix_digits.py", "--k 2", "--k", SUBPROCESS),  # no --k: the README says so
    ("pix2pix_digits.py", "--size 0", "expected a positive integer"),
    ("pix2pix_digits.py", "--channels 2", "--channels"),
    ("pix2pix_digits.py", "--lambda-l1 -1", "expected a number >= 0"),
    ("pix2pix_digits.py", "--out {pix_run}", "holds the checkpoint of an earlier run"),
    ("pix2pix_digits.py", "--data {data_empty} --out {tmp}/r6", "does not exist"),
    ("cyclegan_digits.py", "--data {bomb} --out {tmp}/r7", "could not read image", SUBPROCESS),
    ("cyclegan_digits.py", "--ngf 0", "expected a positive integer"),
    ("cyclegan_digits.py", "--lambda-cycle -1", "expected a number >= 0"),
    ("cyclegan_digits.py", "--resume {tmp}/missing.npz", "no such file"),
    # ---- examples/toy_modes.py (its own flags)
    ("toy_modes.py", "--decay 2", "expected a number between 0 and 1", SUBPROCESS),
    ("toy_modes.py", "--steps 0 --out {tmp}/r8", "expected a positive integer", SUBPROCESS),
    ("toy_modes.py", "--out {afile}", "is a file, not a folder", SUBPROCESS),
]


def _params(cases) -> list:
    """The rows as pytest parameters ``(command, arguments, fragment, how)``, named by their
    command line."""
    return [pytest.param(command, arguments, fragment, rest[0] if rest else "in process",
                         marks=rest[1:], id=f"{command} {arguments}")
            for command, arguments, fragment, *rest in cases]


def _example(script):
    """An example script as a module (each has ``main(argv)``)."""
    name = "example_" + script[:-3]
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "examples", script))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


def _argv(arguments: str, world) -> list:
    import shlex

    return [word.format(**world) for word in shlex.split(arguments)]


def _in_process(command, argv, monkeypatch, capsys):
    if command in ("sample", "evaluate"):
        prog = f"python -m minigan {command}"
        call = lambda: cli.main([command, *argv])  # noqa: E731
    else:
        prog, module = command, _example(command)
        monkeypatch.setattr(sys, "argv", [command])  # argparse names the script from it
        call = lambda: run_main(lambda: module.main(argv), prog=command)  # noqa: E731
    try:
        status = call()
    except SystemExit as stop:  # argparse ends a parse error with exit status 2
        status = stop.code
    return prog, status, capsys.readouterr().err


def _subprocess(command, argv, tmp_path):
    if command in ("sample", "evaluate"):
        prog, line = f"python -m minigan {command}", ["-m", "minigan", command]
    else:
        prog, line = command, [os.path.join(ROOT, "examples", command)]
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, *line, *argv], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    return prog, done.returncode, done.stderr


@pytest.mark.parametrize("command, arguments, fragment, how", _params(CASES))
def test_a_user_error_is_one_line_and_exit_status_2(command, arguments, fragment, how, world,
                                                    tmp_path, monkeypatch, capsys):
    argv, before = _argv(arguments, world), _digests(world)
    if how == SUBPROCESS:
        prog, status, stderr = _subprocess(command, argv, tmp_path)
    else:
        prog, status, stderr = _in_process(command, argv, monkeypatch, capsys)
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if not line.startswith(BUNDLED_NOTICE)]
    assert status == 2, stderr
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: error: "), stderr
    assert fragment.format(**world) in lines[0]
    assert _digests(world) == before  # nothing the command refused to touch was touched
    assert not os.path.exists(os.path.join(world["tmp"], "new.npz"))


def test_an_internal_error_keeps_its_traceback(monkeypatch, world, tmp_path):
    """Only what the user caused becomes one line: a bug (here, a model whose sampling
    breaks) still raises, with its traceback."""
    def broken(self, n, batch_size=1000):
        raise ZeroDivisionError("a bug")
        yield

    monkeypatch.setattr(VanillaGAN, "iter_samples", broken)
    with pytest.raises(ZeroDivisionError):
        cli.main(["sample", world["vanilla"], "-n", "3", "-o", str(tmp_path / "s.npz")])
