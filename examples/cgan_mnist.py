"""Train a conditional GAN on MNIST: ask for a digit, get that digit.

    python examples/cgan_mnist.py                          # the full run (see --epochs)
    python examples/cgan_mnist.py --epochs 3 --out runs/quick
    python examples/cgan_mnist.py --arch dcgan             # convolutional networks (slower)
    python examples/cgan_mnist.py --resume runs/cgan/checkpoint.npz --epochs 150

The label enters both networks through a learnt embedding: G draws from [z, emb(y)], and D
judges the pair (image, label), so a well-drawn digit of the wrong class is still "fake".

What it leaves in --out (default runs/cgan):
    samples/epoch_NNN.png   one row per digit 0-9, the same 10 noise vectors in every row (a
                            column keeps its "handwriting" across digits), after every epoch
    progress.gif            those grids as an animation
    losses.png              D's and G's losses, and D(x, y) and D(G(z, y), y)
    metrics.json            the same figures as numbers
    judge.json              the judge's figures, with the conditional accuracy
    checkpoint.npz          python -m minigan sample runs/cgan/checkpoint.npz -n 10000 -o s.npz
                            (s.npz holds images and the requested labels)

At the end the judge (minigan.metrics) grades 10,000 samples, 1,000 per requested digit, and
reports the conditional accuracy: the share of samples it reads as the digit that was asked for
(10% would be chance).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone, uninstalled

import minigan  # noqa: E402
from minigan.commandline import positive_int, run_main  # noqa: E402
from minigan.gan.examples import (add_recipe_arguments, example_parser,  # noqa: E402
                                  image_loader, recipe_of, run)
from minigan.gan.models.conditional import ConditionalGAN  # noqa: E402

# The MLP cGAN costs about 0.05 s per iteration on one core of a 2-core x86 server (measured on
# 10-iteration runs), so the shared default of 8,000 iterations (103 epochs of the bundled
# digits) takes about 7 minutes. The DCGAN networks cost ~5x more per iteration: pass --epochs.

# Samples, grids and the judge's figures come from a moving average of G's weights (decay
# 0.999; minigan/gan/ema.py): on held-out digits, seeds 0, 1 and 2, it beat G itself on every
# figure and every seed (classifier FID 45 against 95 on average, 89.0% confidently read
# against 81.8%, 93.7% drawn as asked against 90.0%). It does not change training; --recipe
# lecture (or --ema 0) samples from G, the lecture's plain run. README: "Training recipes".
DEFAULT_RECIPE = {"ema": 0.999}


def parse_args(argv=None):
    p = example_parser(__doc__, out="runs/cgan", lr=2e-4)
    p.add_argument("--arch", choices=("mlp", "dcgan"), default="mlp",
                   help="fully connected or convolutional networks")
    p.add_argument("--embed-dim", type=positive_int, default=10, help="size of the label embeddings")
    p.add_argument("--loss", choices=("nonsaturating", "minimax"), default="nonsaturating",
                   help="generator loss")
    add_recipe_arguments(p, DEFAULT_RECIPE)
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    minigan.manual_seed(args.seed)
    loader, n_images = image_loader(args, flatten=args.arch == "mlp", labels=True)
    model = ConditionalGAN(arch=args.arch, embed_dim=args.embed_dim, lr=args.lr, k=args.k,
                           loss=args.loss, device=args.device, recipe=recipe_of(args))
    run(model, loader, args, n_images, title=f"conditional GAN ({args.arch}; row r = digit r)")


if __name__ == "__main__":
    sys.exit(run_main(main))
