"""``python -m minigan``: draw samples from a checkpoint, and have the judge grade them.

    python -m minigan sample runs/vanilla/checkpoint.npz -n 10000 -o samples.npz --grid s.png
    python -m minigan evaluate samples.npz

``sample`` rebuilds the model that the checkpoint names (its registry name and constructor
config are stored in it), loads the weights, and writes the samples to an ``.npz`` (see
:mod:`minigan.sample_files`), a batch at a time. It never writes onto its input, and replaces
an existing file only with ``--force``. ``evaluate`` reads such a file (without pickle) and
prints the figures of :mod:`minigan.metrics`: the share of confident samples, the digits
covered, an Inception-Score-like figure, and the classifier FID against the real MNIST test set.

A mistake on the command line (a missing file, a checkpoint of the wrong kind, a flag out of
range) is answered with one line on stderr and exit status 2 (:mod:`minigan.commandline`).
"""
from __future__ import annotations

import os
import shutil
import sys

from minigan.commandline import (ArgumentParser, UserError, check_output_file, device,
                                 nonnegative_int, positive_int, run_main, user_input)
from minigan.sample_files import MAX_SAMPLES


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m minigan",
                            description="Sample from a trained GAN and grade samples.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sample = commands.add_parser("sample", help="draw samples from a checkpoint into an .npz",
                                 description="Draw samples from a checkpoint into an .npz file.")
    sample.add_argument("checkpoint", help="a checkpoint.npz written by the training loop, or "
                                           "the name of a shipped generator (`python -m "
                                           "minigan pretrained` lists them)")
    sample.add_argument("-n", type=positive_int, default=10000,
                        help=f"number of samples (default 10000, at most {MAX_SAMPLES:,})")
    sample.add_argument("-o", "--output", default="samples.npz",
                        help="output .npz (default samples.npz)")
    sample.add_argument("--grid", default=None, metavar="PNG",
                        help="also save a grid of the first 64 samples as this PNG")
    sample.add_argument("--force", action="store_true",
                        help="replace the output files if they exist")
    sample.add_argument("--seed", type=nonnegative_int, default=0,
                        help="seed of the noise (default 0)")
    sample.add_argument("--device", type=device, default="cpu",
                        help="cpu or cuda (default cpu)")
    sample.add_argument("--batch-size", type=positive_int, default=1000,
                        help="samples per forward pass (default 1000)")

    evaluate = commands.add_parser("evaluate", help="print the judge's figures for samples",
                                   description="Print the judge's figures for an .npz of "
                                               "samples (key 'images', uint8 (N, 28, 28)).")
    evaluate.add_argument("samples", help="an .npz written by `python -m minigan sample`")
    evaluate.add_argument("--data", default=None,
                          help="folder with the MNIST test files to compute the classifier "
                               "FID's reference from (default: the statistics minigan ships)")
    evaluate.add_argument("--no-fid", action="store_true",
                          help="skip the classifier FID")
    from minigan.metrics.parzen import add_parzen_arguments

    add_parzen_arguments(evaluate)

    commands.add_parser("pretrained", help="list the trained generators minigan ships",
                        description="List the trained generators minigan ships: what each "
                                    "draws, the judge's figures, and the command that trained "
                                    "it. Sample one with `python -m minigan sample NAME`.")
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 on success, 2 on a user error)."""
    args = build_parser().parse_args(argv)
    command = {"sample": sample_command, "evaluate": evaluate_command,
               "pretrained": pretrained_command}[args.command]
    return run_main(lambda: command(args), prog=f"python -m minigan {args.command}")


# ---------------------------------------------------------------- sample

def sample_command(args) -> int:
    import minigan
    from minigan.checkpoint import nonfinite_entries
    from minigan.sample_files import write_samples
    from minigan.viz import image_format, save_image_grid

    if args.output.endswith(("/", os.sep)) or os.path.isdir(args.output):
        raise UserError(f"-o {args.output} is a folder; name a file in it")
    output = args.output if args.output.endswith(".npz") else args.output + ".npz"
    check_output_file(output, "-o", force=args.force, inputs=[args.checkpoint])
    if args.grid:
        check_output_file(args.grid, "--grid", force=args.force,
                          inputs=[args.checkpoint, output])
        with user_input(ValueError):
            image_format(args.grid)
    with user_input():
        model = _load_checkpoint_or_shipped(args.checkpoint, args.device)
    if not model.draws_images:
        raise UserError(f"checkpoint {args.checkpoint} holds a {model.name!r} model, which does "
                        f"not draw images from noise; `sample` needs one of "
                        f"{', '.join(_image_models())}")
    bad = nonfinite_entries(model.state()[0])
    if bad:
        raise UserError(f"checkpoint {args.checkpoint} holds weights that are NaN or infinite "
                        f"({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}): its run "
                        "diverged, and its samples would be noise")
    # The fixed-noise grid draws no random numbers: the image size without touching the seed.
    per_sample = model.sample_grid()[0].size + (8 if model.conditional else 0)
    _check_size(args.n, per_sample, os.path.dirname(os.path.abspath(output)))
    minigan.manual_seed(args.seed)  # after loading: the model's construction draws numbers too
    grid = []  # the first 64 images, for --grid; the rest goes to the file only

    def batches():
        kept = 0
        for batch in model.iter_samples(args.n, batch_size=args.batch_size):
            if kept < 64:
                grid.append(batch["images"][:64 - kept])
                kept += len(grid[-1])
            yield batch

    shapes = write_samples(output, args.n, batches())
    shape = "x".join(map(str, shapes["images"]))
    extra = ", labels" if "labels" in shapes else ""
    print(f"wrote {output}: images uint8 {shape}{extra} from {args.checkpoint} "
          f"({model.name}, seed {args.seed})")
    if args.grid:
        import numpy as np

        save_image_grid(np.concatenate(grid), args.grid, nrow=8)
        print(f"wrote {args.grid}: the first {min(64, args.n)} samples")
    return 0


def _load_checkpoint_or_shipped(source: str, device: str):
    """A file wins over a shipped generator's name: a folder may hold a file called that."""
    from minigan import pretrained
    from minigan.gan.models import load_model

    if os.path.exists(source):
        return load_model(source, device=device)
    if source in pretrained.CATALOGUE:
        return pretrained.load(source, device=device)
    shipped = ", ".join(pretrained.CATALOGUE) or "none in this version"
    raise UserError(f"checkpoint {source!r} does not exist, nor is it the name of a shipped "
                    f"generator (minigan ships: {shipped})")


def _image_models() -> list:
    from minigan.gan.models import MODELS, get_model_class

    return [name for name in MODELS if get_model_class(name).draws_images]


def _check_size(n: int, per_sample: int, folder: str) -> None:
    """Refuse at once a request that is absurd or that the disk cannot hold."""
    need = n * per_sample
    if n > MAX_SAMPLES:
        raise UserError(f"-n {n:,} asks for {_size(need)} of samples ({per_sample:,} bytes "
                        f"each); `sample` writes at most {MAX_SAMPLES:,} at once")
    while not os.path.isdir(folder):  # the folder is created when the file is written
        folder = os.path.dirname(folder)
    free = shutil.disk_usage(folder).free
    if need > free:  # before compression: deflate may halve it, or may not
        raise UserError(f"-n {n:,} needs up to {_size(need)} ({per_sample:,} bytes a sample, "
                        f"before compression), but {folder} has {_size(free)} free")


def _size(nbytes: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if nbytes < 1000 or unit == "GB":
            return f"{nbytes:,.0f} {unit}" if unit == "bytes" else f"{nbytes:,.1f} {unit}"
        nbytes /= 1000


# ---------------------------------------------------------------- pretrained

def pretrained_command(args) -> int:
    from minigan import pretrained

    if not pretrained.CATALOGUE:
        print("minigan ships no trained generators in this version")
        return 0
    for item in pretrained.CATALOGUE.values():
        print(f"{item.name}: {item.summary}")
        print(f"  {pretrained.format_figures(item.figures)}")
        print(f"  trained by: {item.command}")
        print(f"  {'use:   ' if item.translates else 'sample:'}     {item.usage}")
    return 0


# ---------------------------------------------------------------- evaluate

def evaluate_command(args) -> int:
    # The judge and its figures live in minigan.metrics.
    from minigan.metrics import evaluate_samples, format_report
    from minigan.sample_files import read_samples

    with user_input():
        arrays = read_samples(args.samples)
    images = arrays["images"]
    real = None
    if args.data is not None and not args.no_fid:
        from minigan.data import load_mnist
        from minigan.data.mnist import DownloadError

        if not os.path.isdir(args.data):
            raise UserError(f"--data {args.data}: no such folder")
        # The folder the user named, and nothing else: no download, no bundled stand-in.
        with user_input(FileNotFoundError, ValueError, DownloadError):
            real = load_mnist(root=args.data, split="test", mirrors=[], strict=True)[0]
    result = evaluate_samples(images, real_images=real,
                              reference=None if args.no_fid else "mnist-test")
    print(f"{args.samples}: {len(images)} samples")
    print(format_report(result))
    if "labels" in arrays:
        from minigan.metrics.judge import predict

        agree = float((predict(images) == arrays["labels"]).mean())
        print(f"  judge agrees with the requested label: {100 * agree:.1f}%")
    if args.parzen:  # the likelihood estimate of Goodfellow et al. (2014); see metrics/parzen.py
        from minigan.metrics.parzen import run_parzen

        with user_input(FileNotFoundError):  # the test set is not in --test DIR
            run_parzen(args, images)
    return 0


if __name__ == "__main__":  # pragma: no cover - python -m minigan runs __main__.py
    sys.exit(main())
