"""Train a Wasserstein GAN on MNIST, and watch the critic measure the generator's progress.

    python examples/wgan_mnist.py                          # WGAN-GP, the full run
    python examples/wgan_mnist.py --penalty clip           # the original WGAN: weight clipping
    python examples/wgan_mnist.py --epochs 3 --out runs/quick
    python examples/wgan_mnist.py --resume runs/wgan-gp/checkpoint.npz --epochs 400

--penalty gp:   Adam(1e-4, betas (0.5, 0.9)), gradient penalty lambda = 10, 5 critic updates
                per generator update (Gulrajani et al., 2017).
--penalty clip: RMSprop(5e-5), critic weights clipped to [-0.01, 0.01] after every critic
                update, 5 critic updates per generator update (Arjovsky et al., 2017).

What it leaves in --out (default runs/wgan-gp or runs/wgan-clip):
    samples/epoch_NNN.png   64 digits from the same 64 noise vectors after every epoch
    progress.gif            those grids as an animation
    losses.png              the critic's and the generator's losses over the iterations
    wasserstein.png         the critic's estimate of the Wasserstein distance,
                            mean f(x) - mean f(G(z)), over training (from metrics.json)
    metrics.json            every iteration's figures (wasserstein, gp, losses, ...)
    judge.json              the judge's figures for 10,000 samples
    checkpoint.npz          python -m minigan sample runs/wgan-gp/checkpoint.npz -o s.npz

What to watch: the vanilla GAN's losses say little about image quality; the critic's estimate
does. It rises at first (the critic learns to separate the untrained generator's noise from
digits), then falls as the samples improve: a "better measurement of progress".
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone, uninstalled

import numpy as np  # noqa: E402

import minigan  # noqa: E402
from minigan.commandline import nonnegative_float, positive_float, run_main  # noqa: E402
from minigan.gan.examples import (add_recipe_arguments, example_parser,  # noqa: E402
                                  image_loader, recipe_of, run)
from minigan.gan.models.wgan import DEFAULTS, WGAN  # noqa: E402

# Run length in iterations (critic updates, one batch of 64 each); the generator is updated on
# every 5th. The MLP WGAN costs ~0.025 s per iteration on one core of a 2-core x86 server
# (measured on 10-iteration runs; clip and gp cost about the same: the penalty's double backward
# through an MLP is cheap), plus ~0.4 s per epoch for pictures and checkpoints. 20,000 iterations
# (4,000 generator updates, 256 epochs of the bundled 5,000 digits) take about 10-11 minutes.
ITERATIONS = 20000


def parse_args(argv=None):
    p = example_parser(__doc__, out=lambda args: f"runs/wgan-{args.penalty}", lr=None, k=5,
                       iterations=ITERATIONS)
    p.add_argument("--penalty", choices=("clip", "gp"), default="gp",
                   help="keep the critic Lipschitz by weight clipping or a gradient penalty")
    p.add_argument("--arch", choices=("mlp", "dcgan"), default="mlp",
                   help="fully connected or convolutional networks (dcgan: ~10x slower on CPU)")
    p.add_argument("--clip-value", type=positive_float, default=0.01,
                   help="c of the weight clipping")
    p.add_argument("--gp-weight", type=nonnegative_float, default=10.0,
                   help="lambda of the penalty")
    p.set_defaults(lr=None)
    for action in p._actions:  # the per-penalty defaults, in --help
        if action.dest == "lr":
            action.help = (f"learning rate (default {DEFAULTS['clip']['lr']} for clip, "
                           f"{DEFAULTS['gp']['lr']} for gp)")
        elif action.dest == "out":
            action.help = "folder for pictures and checkpoints (default runs/wgan-PENALTY)"
    add_recipe_arguments(p)
    return p.parse_args(argv)


def plot_wasserstein(metrics_path, png_path, title: str = "") -> str:
    """The critic's estimate mean f(x) - mean f(G(z)) per iteration (thin), smoothed (thick)
    and per epoch (dots), read from the trainer's metrics.json; and, for WGAN-GP, the penalty."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from minigan.viz import save_figure, smooth

    with open(metrics_path) as f:
        metrics = json.load(f)
    iterations, epochs = metrics["iterations"], metrics["epochs"]
    ends = np.cumsum(metrics["iterations_per_epoch"])
    keys = [k for k in ("wasserstein", "gp") if k in iterations]
    fig = Figure(figsize=(8, 3.2 * len(keys)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    names = {"wasserstein": "critic's Wasserstein estimate\nmean f(x) - mean f(G(z))",
             "gp": "gradient penalty\nlambda (||grad f|| - 1)^2"}
    for ax, key, color in zip(axes, keys, ("C0", "C3")):
        values = np.asarray(iterations[key], dtype=np.float64)
        steps = np.arange(1, values.size + 1)
        ax.plot(steps, values, color=color, alpha=0.2, linewidth=0.6)
        ax.plot(steps, smooth(values), color=color, linewidth=1.6, label="smoothed")
        means = epochs.get(key, [])
        ax.plot(ends[:len(means)], means, "o", color=color, markersize=2, label="epoch mean")
        ax.set_ylabel(names[key])
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel("iteration (critic update)")
    if title:
        axes[0].set_title(title)
    fig.tight_layout()
    return save_figure(fig, png_path, dpi=100)


def main(argv=None) -> None:
    args = parse_args(argv)
    minigan.manual_seed(args.seed)
    loader, n_images = image_loader(args, flatten=args.arch == "mlp")
    model = WGAN(penalty=args.penalty, arch=args.arch, lr=args.lr, k=args.k,
                 clip_value=args.clip_value, gp_weight=args.gp_weight, device=args.device,
                 recipe=recipe_of(args))
    args.lr = model.config["lr"]
    what = (f"clip {args.clip_value}, RMSprop" if args.penalty == "clip"
            else f"gradient penalty {args.gp_weight}, Adam betas (0.5, 0.9)")
    history = run(model, loader, args, n_images, title=f"WGAN ({args.arch}, {what})")
    if history is None:
        return
    trained = len(history["iterations_per_epoch"])
    png = plot_wasserstein(os.path.join(args.out, "metrics.json"),
                           os.path.join(args.out, "wasserstein.png"),
                           title=f"WGAN-{args.penalty} ({args.arch}), {trained} epochs")
    w = history["epochs"]["wasserstein"]
    print(f"\ncritic's Wasserstein estimate (epoch means): peak {max(w):.3f} "
          f"(epoch {int(np.argmax(w)) + 1}), last {w[-1]:.3f}; plotted in {png}")


if __name__ == "__main__":
    sys.exit(run_main(main))
