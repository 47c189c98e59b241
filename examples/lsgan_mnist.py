"""Train a least-squares GAN (LSGAN) on MNIST: the same game, squared errors instead of logs.

    python examples/lsgan_mnist.py                          # DCGAN networks, coding 0-1
    python examples/lsgan_mnist.py --coding -11             # targets a=-1, b=1, c=0
    python examples/lsgan_mnist.py --arch mlp               # the vanilla GAN's networks
    python examples/lsgan_mnist.py --resume runs/lsgan/checkpoint.npz --epochs 40

D outputs a raw score and regresses it to b on real digits and a on generated ones; G pulls
D's score of its samples towards c (see minigan/gan/models/lsgan.py). In the loss curves,
"d_real" and "d_fake" are D's mean raw scores: watch them against the coding's targets (0 and
1, or -1 and 1) instead of probabilities.

Without the network it trains on the 5,000 digits bundled with minigan. What it leaves in
--out (default runs/lsgan): samples/epoch_NNN.png, progress.gif, losses.png, metrics.json,
checkpoint.npz and judge.json, as examples/vanilla_mnist.py does.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone, uninstalled

import minigan  # noqa: E402
from minigan.commandline import run_main  # noqa: E402
from minigan.gan.examples import (add_recipe_arguments, default_epochs,  # noqa: E402
                                  example_parser, image_loader, recipe_of, run)
from minigan.gan.models.lsgan import LSGAN  # noqa: E402

# Run length in iterations, per architecture. Measured on a 2-core x86 server at batch 64: a
# DCGAN step costs 0.09-0.18 s on a quiet machine (see dcgan_mnist.py), an MLP step ~0.05 s;
# 2,000 and 8,000 iterations take about 4-6 and 7 minutes.
DEFAULT_ITERATIONS = {"dcgan": 2000, "mlp": 8000}


def parse_args(argv=None):
    p = example_parser(__doc__, out="runs/lsgan", lr=2e-4)
    p.add_argument("--coding", choices=("01", "-11"), default="01",
                   help="targets (a, b, c): 01 = (0, 1, 1), -11 = (-1, 1, 0)")
    p.add_argument("--arch", choices=("dcgan", "mlp"), default="dcgan",
                   help="convolutional (DCGAN) or fully connected (vanilla GAN) networks")
    epochs = p._option_string_actions["--epochs"]
    epochs.help = (f"epochs to train (default: about {DEFAULT_ITERATIONS['dcgan']} iterations "
                   f"for dcgan, {DEFAULT_ITERATIONS['mlp']} for mlp: "
                   f"{default_epochs(5000, 64, DEFAULT_ITERATIONS['dcgan'])} and "
                   f"{default_epochs(5000, 64, DEFAULT_ITERATIONS['mlp'])} epochs of the bundled "
                   "5,000 digits at batch size 64)")
    add_recipe_arguments(p)
    args = p.parse_args(argv)
    args.iterations = DEFAULT_ITERATIONS[args.arch]
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    minigan.manual_seed(args.seed)
    loader, n_images = image_loader(args, flatten=False)
    model = LSGAN(arch=args.arch, coding=args.coding, lr=args.lr, k=args.k, device=args.device,
                  recipe=recipe_of(args))
    run(model, loader, args, n_images, title=f"LSGAN ({args.arch} networks, coding {args.coding})")


if __name__ == "__main__":
    sys.exit(run_main(main))
