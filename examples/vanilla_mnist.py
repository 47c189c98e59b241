"""Train the lecture's vanilla GAN on MNIST and watch it learn to draw digits.

    python examples/vanilla_mnist.py                        # the full run (see --epochs)
    python examples/vanilla_mnist.py --epochs 3 --out runs/quick
    python examples/vanilla_mnist.py --resume runs/vanilla/checkpoint.npz --epochs 120
    python examples/vanilla_mnist.py --remedy mbstd --out runs/vanilla_mbstd   # against collapse

Without the network it trains on the 5,000 MNIST digits bundled with minigan; with it, on the
60,000 of the official training set (downloaded once into ~/.cache/minigan or --data).

What it leaves in --out (default runs/vanilla):
    samples/epoch_NNN.png   64 digits from the same 64 noise vectors after every epoch
    progress.gif            those grids as an animation
    losses.png              D's and G's losses, and D(x) and D(G(z)), over the iterations
    metrics.json            the same figures as numbers
    checkpoint.npz          everything needed to resume, or to sample later:
                            python -m minigan sample runs/vanilla/checkpoint.npz -n 10000 -o s.npz
                            python -m minigan evaluate s.npz

What to watch: D(x) and D(G(z)) start near 0.5; D quickly learns to tell real from fake
(D(x) up, D(G(z)) down), then the generator catches up and both hover in between. The losses
do not fall steadily, as a classifier's would: the two networks play a game, and each one's
progress is the other one's setback.

--remedy gives D a view of the whole batch (minibatch, mbstd, pack) or G a look ahead at D's
reply (unrolled), as in examples/toy_modes.py; the judge's "share" row at the end shows how
evenly the ten digits come out.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone, uninstalled

import minigan  # noqa: E402
from minigan.commandline import positive_int, run_main  # noqa: E402
from minigan.gan.examples import (add_recipe_arguments, example_parser,  # noqa: E402
                                  image_loader, recipe_of, run)
from minigan.gan.models.mlp import VanillaGAN  # noqa: E402
from minigan.gan.remedy_game import REMEDIES  # noqa: E402

# 8,000 iterations (the shared default) draw clearly recognisable digits. Measured on a 2-core
# x86 server: 0.045 s of CPU per iteration with one BLAS thread, plus ~0.3 s per epoch for the
# pictures and checkpoints, so about 7 minutes on an otherwise idle 2-core CPU.

# Samples, grids and the judge's figures come from a moving average of G's weights (decay
# 0.99; minigan/gan/ema.py): on held-out digits, seeds 0, 1 and 2, it drew more confidently
# read digits than G itself on every seed (67.5% against 60.2% on average) and samples closer
# to real ones (classifier FID 157 against 185). It does not change training; --recipe
# lecture (or --ema 0) samples from G, the lecture's plain run. README: "Training recipes".
DEFAULT_RECIPE = {"ema": 0.99}


def parse_args(argv=None):
    p = example_parser(__doc__, out="runs/vanilla", lr=2e-4)
    p.add_argument("--loss", choices=("nonsaturating", "minimax"), default="nonsaturating",
                   help="generator loss: -log D(G(z)) or log(1 - D(G(z)))")
    p.add_argument("--remedy", choices=REMEDIES, default="none",
                   help="a remedy against mode collapse (see examples/toy_modes.py)")
    p.add_argument("--pack-size", type=positive_int, default=4,
                   help="images per packed input (pack)")
    p.add_argument("--unroll-steps", type=positive_int, default=5,
                   help="look-ahead steps (unrolled)")
    add_recipe_arguments(p, DEFAULT_RECIPE)
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    minigan.manual_seed(args.seed)
    loader, n_images = image_loader(args, flatten=True)
    model = VanillaGAN(lr=args.lr, k=args.k, loss=args.loss, device=args.device,
                       remedy=args.remedy, pack_size=args.pack_size,
                       unroll_steps=args.unroll_steps, recipe=recipe_of(args))
    remedy = "" if args.remedy == "none" else f", remedy {args.remedy}"
    run(model, loader, args, n_images, title=f"vanilla GAN ({args.loss} loss{remedy})")


if __name__ == "__main__":
    sys.exit(run_main(main))
