"""``python -m minigan``: draw samples from a checkpoint, and have the judge grade them.

    python -m minigan sample runs/vanilla/checkpoint.npz -n 10000 -o samples.npz --grid s.png
    python -m minigan evaluate samples.npz

``sample`` rebuilds the model that the checkpoint names (its registry name and constructor
config are stored in it), loads the weights, and writes the samples to an ``.npz`` (compressed,
no pickle): ``images``, uint8 of shape (N, 28, 28) (0 = background, as in MNIST), and
``labels`` for conditional models. ``evaluate`` reads such a file (without pickle) and prints
the figures of :mod:`minigan.metrics`: the share of confident samples, the digits covered, an
Inception-Score-like figure, and the classifier FID against the real MNIST test set.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m minigan",
                                     description="Sample from a trained GAN and grade samples.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sample = commands.add_parser("sample", help="draw samples from a checkpoint into an .npz",
                                 description="Draw samples from a checkpoint into an .npz file.")
    sample.add_argument("checkpoint", help="a checkpoint.npz written by the training loop")
    sample.add_argument("-n", type=int, default=10000, help="number of samples (default 10000)")
    sample.add_argument("-o", "--output", default="samples.npz",
                        help="output .npz (default samples.npz)")
    sample.add_argument("--grid", default=None, metavar="PNG",
                        help="also save a grid of the first 64 samples as this PNG")
    sample.add_argument("--seed", type=int, default=0, help="seed of the noise (default 0)")
    sample.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    sample.add_argument("--batch-size", type=int, default=1000,
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
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 on success, 2 on a user error)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "sample":
            return sample_command(args)
        return evaluate_command(args)
    except (FileNotFoundError, ValueError) as err:
        print(f"python -m minigan {args.command}: error: {err}", file=sys.stderr)
        return 2


def sample_command(args) -> int:
    import minigan
    from minigan.gan.models import load_model
    from minigan.viz import save_image_grid

    if args.n < 1:
        raise ValueError(f"-n must be at least 1, got {args.n}")
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    model = load_model(args.checkpoint, device=args.device)
    minigan.manual_seed(args.seed)  # after loading: the model's construction draws numbers too
    samples = model.export_samples(args.n, batch_size=args.batch_size)
    output = args.output if args.output.endswith(".npz") else args.output + ".npz"
    folder = os.path.dirname(os.path.abspath(output))
    os.makedirs(folder, exist_ok=True)
    np.savez_compressed(output, **samples)  # a third of the size
    shape = "x".join(map(str, samples["images"].shape))
    extra = ", labels" if "labels" in samples else ""
    print(f"wrote {output}: images uint8 {shape}{extra} from {args.checkpoint} "
          f"({model.name}, seed {args.seed})")
    if args.grid:
        save_image_grid(samples["images"][:64], args.grid, nrow=8)
        print(f"wrote {args.grid}: the first {min(64, args.n)} samples")
    return 0


def read_samples(path) -> dict:
    """The arrays of a samples file, checked: ``images`` uint8 (N, H, W) [, ``labels`` (N,)]."""
    from minigan.checkpoint import read_npz

    path = os.fspath(path)
    arrays = read_npz(path, "samples file")
    images = arrays.get("images")
    if images is None:
        raise ValueError(f"samples file {path!r} has no 'images' entry "
                         f"(it has {sorted(arrays)})")
    if images.dtype != np.uint8 or images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"samples file {path!r}: 'images' must be uint8 of shape "
                         f"(N, 28, 28), got {images.dtype} {images.shape}")
    labels = arrays.get("labels")
    if labels is not None and labels.shape != (len(images),):
        raise ValueError(f"samples file {path!r}: 'labels' has shape {labels.shape}, "
                         f"expected ({len(images)},)")
    return arrays


def evaluate_command(args) -> int:
    # The judge and its figures live in minigan.metrics.
    from minigan.metrics import evaluate_samples, format_report

    arrays = read_samples(args.samples)
    images = arrays["images"]
    real = None
    if args.data is not None and not args.no_fid:
        from minigan.data import load_mnist

        real = load_mnist(root=args.data, split="test")[0]
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

        run_parzen(args, images)
    return 0
