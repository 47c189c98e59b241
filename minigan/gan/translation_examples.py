"""What the image-to-image examples (pix2pix, CycleGAN) share: flags, data scaling, the run,
and the labelled picture rows. Their flags are checked as :mod:`minigan.gan.examples` checks
the other examples' (one line and exit status 2 for a mistake, ``--overwrite`` to replace an
earlier run in ``--out``), and so is a diverged run (exit status 1)."""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from minigan.commandline import (ArgumentParser, UserError, check_output_folder, device,
                                 nonnegative_int, positive_float, positive_int, user_input)
from minigan.files import atomic_write
from minigan.gan.examples import stop_diverged
from minigan.gan.trainer import (ResumeError, TrainingDiverged, epoch_grid_path, summarize,
                                 train)


def translation_parser(doc: str, out: str, epochs: int, batch_size: int,
                       lr: float = 2e-4) -> ArgumentParser:
    """The flags both examples have, with this example's defaults; add its own to the result.
    (No ``--k``: both papers update each discriminator once per generator update.)"""
    p = ArgumentParser(description=doc.split("\n\n")[0],
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=None, metavar="DIR",
                   help="a folder of your own images in the CycleGAN/pix2pix layout "
                        "(default: the digit domains minigan makes)")
    p.add_argument("--size", type=positive_int, default=64,
                   help="with --data: images are resized and centre-cropped to this size")
    p.add_argument("--epochs", type=nonnegative_int, default=epochs,
                   help="epochs: the first half at full learning rate, then linear decay")
    p.add_argument("--batch-size", type=positive_int, default=batch_size, help="images per batch")
    p.add_argument("--lr", type=positive_float, default=lr, help="Adam's learning rate")
    p.add_argument("--device", type=device, default="cpu", help="cpu or cuda")
    p.add_argument("--out", default=out, help="folder for pictures and checkpoints")
    p.add_argument("--resume", default=None, metavar="CHECKPOINT",
                   help="continue the run saved in this checkpoint (same settings)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the earlier run whose checkpoint is in --out")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of everything random")
    p.add_argument("--checkpoint-every", type=positive_int, default=1,
                   help="epochs between checkpoints")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.after_parse(lambda args: check_output_folder(args.out, args.resume, args.overwrite))
    return p


def load_user_folder(load, args, split: str, *, what: str):
    """``load(args.data, phase=split, size=args.size, channels=args.channels)`` on the user's
    folder; a test split it lacks falls back to the training images (with a note), any other
    problem with the folder is a :class:`UserError` naming the file."""
    try:
        with user_input():
            return load(args.data, phase=split, size=args.size, channels=args.channels)
    except UserError as err:
        if split != "test":
            raise
        print(f"note: {err}; evaluating on training {what}")
        return load_user_folder(load, args, "train", what=what)


def lr_schedule(epochs: int) -> dict:
    """The papers' policy scaled to ``epochs``: half constant, half linear decay."""
    constant = (epochs + 1) // 2
    return {"lr_constant_epochs": constant, "lr_decay_epochs": epochs - constant}


def spread(images: np.ndarray, n: int) -> np.ndarray:
    """``n`` images evenly spaced through ``images`` (held-out sets are often sorted by
    label: this shows every kind, not the first)."""
    return images[np.linspace(0, len(images) - 1, min(n, len(images))).astype(int)]


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W) or (N, H, W, 3) -> float32 (N, C, H, W) in [-1, 1]."""
    x = images.astype(np.float32) / 127.5 - 1.0
    return x[:, None] if x.ndim == 3 else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def run_training(model, loader, args, title: str, out=None) -> dict:
    """Train as the flags say and print where the pictures are; returns the history."""
    out = out or args.out
    if len(loader) == 0:
        raise UserError(f"--batch-size {args.batch_size} is larger than the training set: "
                        "not one full batch")
    print(f"{title}: {args.epochs} epochs of {len(loader)} batches of {args.batch_size}, "
          f"device {args.device}; pictures in {out}/")
    began = time.perf_counter()
    try:
        history = train(model, loader, args.epochs, out, checkpoint_every=args.checkpoint_every,
                        resume=args.resume if out == args.out else None,
                        progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"\ninterrupted; continue with --resume {os.path.join(out, 'checkpoint.npz')}")
        sys.exit(130)
    except ResumeError as err:
        raise UserError(str(err)) from err
    except TrainingDiverged as err:
        stop_diverged(err)
    seconds = history["epoch_seconds"]
    print(f"done in {(time.perf_counter() - began) / 60:.1f} min "
          f"({np.mean(seconds) if seconds else float('nan'):.1f} s per epoch); {summarize(history)}")
    if seconds:
        print(f"last grid: {epoch_grid_path(out, len(seconds))}")
    return history


def write_results(out_dir, results: dict) -> str:
    """``results`` as ``<out_dir>/results.json``; returns the path."""
    import json

    path = os.path.join(os.fspath(out_dir), "results.json")
    with atomic_write(path, "w") as f:
        json.dump(results, f, indent=1)
    return path


def save_rows(path, rows: list, labels: list, title: str | None = None) -> str:
    """A figure with one labelled row of images per entry of ``rows`` (each (N, C, H, W) in
    [-1, 1]); returns ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from minigan.viz import image_grid, save_figure

    fig = Figure(figsize=(1.0 * rows[0].shape[0], 1.1 * len(rows) + 0.4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, row, label in zip(axes, rows, labels):
        picture = image_grid(np.asarray(row), nrow=len(row))
        ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        axes[0].set_title(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path, dpi=100, bbox_inches="tight")  # row labels stand left of axes
