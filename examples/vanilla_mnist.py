"""Train the lecture's vanilla GAN on MNIST and watch it learn to draw digits.

    python examples/vanilla_mnist.py                        # the full run (see --epochs)
    python examples/vanilla_mnist.py --epochs 3 --out runs/quick
    python examples/vanilla_mnist.py --resume runs/vanilla/checkpoint.npz --epochs 120

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
"""
from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone, uninstalled

import minigan  # noqa: E402
from minigan.data import DataLoader, load_mnist, scale_to_unit_range  # noqa: E402
from minigan.gan import train  # noqa: E402
from minigan.gan.models.mlp import VanillaGAN  # noqa: E402
from minigan.gan.trainer import epoch_grid_path, summarize  # noqa: E402

# The default run length, in iterations (batches), not epochs: the bundled 5,000 digits give
# 78 batches of 64 per epoch, the full 60,000 give 937, and the generator needs about as many
# updates either way. 8,000 iterations draw clearly recognisable digits. Measured on a 2-core
# x86 server: 0.045 s of CPU per iteration with one BLAS thread, plus ~0.3 s per epoch for the
# pictures and checkpoints, so about 7 minutes on an otherwise idle 2-core CPU.
DEFAULT_ITERATIONS = 8000


def default_epochs(n_images: int, batch_size: int, iterations: int = DEFAULT_ITERATIONS) -> int:
    """Epochs that make about ``iterations`` batches (at least one epoch)."""
    return max(1, round(iterations / max(1, n_images // batch_size)))


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    def _get_help_string(self, action):  # no "(default: None)" where the help says it
        return action.help if action.default in (None, False) else \
            super()._get_help_string(action)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=_HelpFormatter)
    p.add_argument("--epochs", type=int, default=None,
                   help=f"epochs to train (default: about {DEFAULT_ITERATIONS} iterations' worth: "
                        f"{default_epochs(5000, 64)} epochs of the bundled 5,000 digits, "
                        f"{default_epochs(60000, 64)} of the full 60,000, at batch size 64)")
    p.add_argument("--batch-size", type=int, default=64, help="images per batch")
    p.add_argument("--lr", type=float, default=2e-4, help="Adam's learning rate, both networks")
    p.add_argument("--k", type=int, default=1,
                   help="discriminator updates per generator update")
    p.add_argument("--loss", choices=("nonsaturating", "minimax"), default="nonsaturating",
                   help="generator loss: -log D(G(z)) or log(1 - D(G(z)))")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--data", default=None,
                   help="folder holding (or to hold) the MNIST files; default $MINIGAN_DATA or "
                        "~/.cache/minigan")
    p.add_argument("--out", default="runs/vanilla", help="folder for pictures and checkpoints")
    p.add_argument("--resume", default=None, metavar="CHECKPOINT",
                   help="continue the run saved in this checkpoint (same settings) up to --epochs")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of initialisation, noise, dropout and shuffling")
    p.add_argument("--checkpoint-every", type=int, default=5, help="epochs between checkpoints")
    p.add_argument("--eval-samples", type=int, default=10000,
                   help="samples the judge grades at the end (0 to skip)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p.parse_args(argv)


def judge(model, n: int, root, out_dir) -> str:
    """The judge's figures (minigan.metrics) for ``n`` fresh samples, as printable text; the
    numbers are also saved to ``out_dir/judge.json``."""
    from minigan.metrics import evaluate_samples, format_report

    images = model.export_samples(n)["images"]
    try:
        result = evaluate_samples(images)  # FID against the shipped MNIST-test statistics
    except FileNotFoundError as err:  # the judge's weights are not there
        return f"(no judge's figures: {err})"
    with open(os.path.join(out_dir, "judge.json"), "w") as f:
        json.dump(result, f, indent=1)
    return format_report(result)


def main(argv=None) -> None:
    args = parse_args(argv)
    minigan.manual_seed(args.seed)
    images, _ = load_mnist(root=args.data)
    loader = DataLoader((images,), batch_size=args.batch_size, shuffle=True, drop_last=True,
                        device=args.device,
                        transform=functools.partial(scale_to_unit_range, flatten=True))
    epochs = args.epochs
    if epochs is None:
        epochs = default_epochs(len(images), args.batch_size)
    model = VanillaGAN(lr=args.lr, k=args.k, loss=args.loss, device=args.device)
    print(f"vanilla GAN on {len(images)} MNIST digits: {epochs} epochs of {len(loader)} batches "
          f"of {args.batch_size}, loss {args.loss}, k={args.k}, lr={args.lr}, "
          f"device {args.device}; pictures in {args.out}/")

    began = time.perf_counter()
    try:
        history = train(model, loader, epochs, args.out, checkpoint_every=args.checkpoint_every,
                        resume=args.resume, progress=not args.no_progress)
    except KeyboardInterrupt:
        checkpoint = os.path.join(args.out, "checkpoint.npz")
        if os.path.exists(checkpoint):
            print(f"\ninterrupted. To continue from the last checkpoint, run the same command "
                  f"with --resume {checkpoint}")
        sys.exit(130)
    minutes = (time.perf_counter() - began) / 60
    trained = len(history["iterations_per_epoch"])
    if trained == 0:
        print("no epochs trained")
        return

    print(f"\ndone: {trained} epochs, this session {minutes:.1f} min "
          f"(all epochs: {sum(history['epoch_seconds']) / 60:.1f} min of training)")
    print(summarize(history))
    print(f"final grid:   {epoch_grid_path(args.out, trained)}")
    print(f"animation:    {os.path.join(args.out, 'progress.gif')}")
    print(f"loss curves:  {os.path.join(args.out, 'losses.png')}")
    print(f"checkpoint:   {os.path.join(args.out, 'checkpoint.npz')}")
    if args.eval_samples > 0 and not math.isnan(history["epochs"]["loss_d"][-1]):
        print()
        print(judge(model, args.eval_samples, args.data, args.out))


if __name__ == "__main__":
    main()
