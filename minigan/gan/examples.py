"""What every training script in ``examples/`` shares: its flags, its data, its run and its report.

An example then says only what is its own: the model it builds and the flags that configure it.

    parser = example_parser(__doc__, out="runs/dcgan", lr=2e-4)
    parser.add_argument("--dataset", choices=("mnist", "fashion"), default="mnist")
    args = parser.parse_args(argv)
    minigan.manual_seed(args.seed)
    loader, n_images = image_loader(args, flatten=False)
    model = DCGAN(lr=args.lr, k=args.k, device=args.device)
    run(model, loader, args, n_images, title="DCGAN")

    if __name__ == "__main__":
        sys.exit(run_main(main))

What the user gets wrong is answered in one line with exit status 2, before any work where it
can be: a flag out of range (the parser's types), an ``--out`` folder holding an earlier run's
checkpoint (refused without ``--resume`` of that checkpoint or ``--overwrite``), a ``--data``
folder without sound MNIST files, a ``--resume`` checkpoint of another model. A run that
diverges stops with exit status 1 and keeps its last finite checkpoint.
"""
from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
import time

from minigan.commandline import (ArgumentParser, UserError, check_output_folder, device,
                                 fraction, nonnegative_float, nonnegative_int, one_line,
                                 positive_float, positive_int, user_input)
from minigan.data import DataLoader, load_fashion_mnist, load_mnist, scale_to_unit_range
from minigan.data.mnist import DownloadError
from minigan.files import atomic_write
from minigan.gan.augment import POLICIES
from minigan.gan.trainer import (ResumeError, TrainingDiverged, epoch_grid_path, summarize,
                                 train)

# Default run lengths count iterations (batches), not epochs: the bundled 5,000 digits give 78
# batches of 64 per epoch, the full 60,000 give 937, and a generator needs about as many
# updates either way.
DEFAULT_ITERATIONS = 8000


def default_epochs(n_images: int, batch_size: int, iterations: int = DEFAULT_ITERATIONS) -> int:
    """Epochs that make about ``iterations`` batches (at least one epoch)."""
    return max(1, round(iterations / max(1, n_images // batch_size)))


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    def _get_help_string(self, action):  # no "(default: None)" where the help says it
        return action.help if action.default in (None, False) else \
            super()._get_help_string(action)


def example_parser(doc: str, out, lr: float = 2e-4, k: int = 1, batch_size: int = 64,
                   iterations: int = DEFAULT_ITERATIONS) -> ArgumentParser:
    """The flags every example has, with this example's defaults; add its own to the result.

    ``out`` is the default ``--out`` folder, or a function of the parsed flags that gives it
    (the folder may depend on the example's own flags). After parsing, ``--out`` and
    ``--resume`` are checked (:func:`minigan.commandline.check_output_folder`).
    """
    p = ArgumentParser(description=doc.split("\n\n")[0], formatter_class=_HelpFormatter)
    p.set_defaults(iterations=iterations)
    p.add_argument("--epochs", type=nonnegative_int, default=None,
                   help=f"epochs to train (default: about {iterations} iterations' worth: "
                        f"{default_epochs(5000, batch_size, iterations)} epochs of the bundled "
                        f"5,000 digits, {default_epochs(60000, batch_size, iterations)} of the "
                        f"full 60,000)")
    p.add_argument("--batch-size", type=positive_int, default=batch_size, help="images per batch")
    p.add_argument("--lr", type=positive_float, default=lr, help="learning rate of both networks")
    p.add_argument("--k", type=positive_int, default=k,
                   help="discriminator updates per generator update")
    p.add_argument("--device", type=device, default="cpu", help="cpu or cuda")
    p.add_argument("--data", default=None,
                   help="folder holding (or to hold) the data files; default $MINIGAN_DATA or "
                        "~/.cache/minigan")
    p.add_argument("--out", default=None if callable(out) else out,
                   help="folder for pictures and checkpoints")
    p.add_argument("--resume", default=None, metavar="CHECKPOINT",
                   help="continue the run saved in this checkpoint (same settings) up to --epochs")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the earlier run whose checkpoint is in --out")
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seed of initialisation, noise, dropout and shuffling")
    p.add_argument("--checkpoint-every", type=positive_int, default=5,
                   help="epochs between checkpoints")
    p.add_argument("--eval-samples", type=nonnegative_int, default=10000,
                   help="samples the judge grades at the end (0 to skip)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.after_parse(functools.partial(_check_out, out))
    return p


def add_recipe_arguments(parser, defaults: dict | None = None) -> None:
    """The training-recipe flags (:mod:`minigan.gan.recipe`), one per technique, so a learner
    can switch each on or off and see what it buys. ``defaults`` is the example's measured
    recipe (what its default run uses; the README's tables give the figures); ``--recipe
    lecture`` drops it for the lectures' plain training, exactly as before recipes existed.
    Read the flags back with :func:`recipe_of`."""
    defaults = dict(defaults or {})
    parser.set_defaults(recipe_defaults=defaults)
    shown = ", ".join(f"--{key.replace('_', '-')} {value}" for key, value in defaults.items())
    g = parser.add_argument_group(
        "training recipe (minigan/gan/recipe.py explains each; "
        + (f"this example's default: {shown})" if shown else "all off by default)"))
    g.add_argument("--recipe", choices=("default", "lecture"), default="default",
                   help="default: the example's measured recipe"
                        + (f" ({shown})" if shown else " (plain training)")
                        + "; lecture: the lectures' plain training, every technique off "
                          "(flags below still switch one on)")
    g.add_argument("--ema", type=fraction, default=None, metavar="DECAY",
                   help="sample from a moving average of G's weights with this decay (0: off)")
    g.add_argument("--augment", nargs="*", choices=POLICIES, default=None,
                   help="DiffAugment transformations of every image D sees (none: off)")
    g.add_argument("--r1", type=nonnegative_float, default=None, metavar="GAMMA",
                   help="R1 penalty on D's gradient at real images (0: off)")
    g.add_argument("--label-smoothing", type=fraction, default=None, metavar="S",
                   help="train D towards 1 - S on real images (0: off; the BCE losses)")
    g.add_argument("--lr-d", type=positive_float, default=None,
                   help="D's own learning rate (two time-scale updates; default: --lr)")
    g.add_argument("--lr-decay", type=fraction, default=None, metavar="SHARE",
                   help="decay both learning rates linearly to 0 over this last share of the "
                        "run (0: off; 0.5: the second half)")


RECIPE_FLAGS = ("ema", "augment", "r1", "label_smoothing", "lr_d", "lr_decay")


def recipe_of(args) -> dict:
    """The recipe the flags of :func:`add_recipe_arguments` ask for: the example's defaults
    (none with ``--recipe lecture``), then every flag given on the command line."""
    recipe = {} if getattr(args, "recipe", "default") == "lecture" else \
        dict(getattr(args, "recipe_defaults", {}))
    for key in RECIPE_FLAGS:
        if getattr(args, key) is not None:
            recipe[key] = getattr(args, key)
    if recipe.get("ema", 0) >= 1:
        raise UserError(f"--ema must be below 1 (a decay of 1 never moves), got {recipe['ema']}")
    if recipe.get("label_smoothing", 0) >= 0.5:
        raise UserError(f"--label-smoothing must be below 0.5, got {recipe['label_smoothing']}")
    return recipe


def _check_out(default_out, args) -> None:
    if args.out is None:
        args.out = default_out(args) if callable(default_out) else default_out
    check_output_folder(args.out, args.resume, args.overwrite)


def load_images(args, dataset: str = "mnist"):
    """``(images uint8, labels)`` of the training split. A folder named by ``--data`` is read
    strictly (never replaced by the bundled digits); what is wrong with it, or a data set that
    cannot be had, is a :class:`UserError` naming the folder and the file."""
    loader = {"mnist": load_mnist, "fashion": load_fashion_mnist}[dataset]
    with user_input(DownloadError, FileNotFoundError, ValueError):
        return loader(root=args.data, strict=args.data is not None)


def image_loader(args, flatten: bool, labels: bool = False, dataset: str = "mnist"):
    """A shuffled DataLoader of the training images in [-1, 1] (with their labels if asked),
    flattened for an MLP or shaped (N, 1, 28, 28) for a convolutional net; and its size."""
    images, digit_labels = load_images(args, dataset)
    if args.batch_size > len(images):
        raise UserError(f"--batch-size {args.batch_size} is larger than the training set "
                        f"({len(images)} images): not one full batch")
    arrays = (images, digit_labels) if labels else (images,)
    loader = DataLoader(arrays, batch_size=args.batch_size, shuffle=True, drop_last=True,
                        device=args.device,
                        transform=functools.partial(scale_to_unit_range, flatten=flatten))
    return loader, len(images)


def stop_diverged(err: TrainingDiverged):
    """End the script after a diverged run: its message on one line, exit status 1 (the run
    failed, though no flag was wrong)."""
    print(f"{os.path.basename(sys.argv[0])}: {one_line(err)}", file=sys.stderr)
    sys.exit(1)


def judge_report(model, n: int, out_dir) -> str:
    """The judge's figures for ``n`` fresh samples as printable text (also ``judge.json``).

    For a conditional model it adds how often the judge reads the digit that was asked for.
    """
    from minigan.metrics import evaluate_samples, format_report
    from minigan.metrics.judge import predict

    samples = model.export_samples(n)
    try:
        result = evaluate_samples(samples["images"])  # FID against the shipped MNIST test stats
    except FileNotFoundError as err:  # the judge's weights are not there
        return f"(no judge's figures: {err})"
    text = format_report(result)
    if "labels" in samples:  # a conditional model: does it draw the digit it was asked for?
        predicted, labels = predict(samples["images"]), samples["labels"]
        result["conditional_accuracy"] = float((predicted == labels).mean())
        result["accuracy_per_digit"] = [float((predicted[labels == d] == d).mean())
                                        for d in range(10) if (labels == d).any()]
        per_digit = " ".join(f"{100 * a:5.1f}" for a in result["accuracy_per_digit"])
        text += (f"\n  conditional accuracy (judge reads the requested digit): "
                 f"{100 * result['conditional_accuracy']:.1f}%  (chance: 10%)"
                 f"\n  accuracy per requested digit (%): {per_digit}")
    with atomic_write(os.path.join(out_dir, "judge.json"), "w") as f:
        json.dump(result, f, indent=1)
    return text


def run(model, loader, args, n_images: int, title: str) -> dict | None:
    """Train ``model`` as the flags say, then print where the pictures are and the judge's
    figures. Returns the training history (None when no epoch was trained).

    A checkpoint to resume from that does not fit raises :class:`UserError`; a run that
    diverges prints why and exits with status 1 (its last finite checkpoint kept)."""
    epochs = args.epochs if args.epochs is not None else \
        default_epochs(n_images, args.batch_size, args.iterations)
    print(f"{title} on {n_images} images: {epochs} epochs of {len(loader)} batches of "
          f"{args.batch_size}, k={args.k}, lr={args.lr}, device {args.device}; "
          f"pictures in {args.out}/")
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
    except ResumeError as err:
        hint = ""
        if "recipe:" in str(err) and getattr(args, "recipe_defaults", None) \
                and args.recipe != "lecture":
            # The likeliest cause: a run from before this example had a default recipe.
            hint = ("; a run started with the plain training (or before this example's "
                    "default recipe) resumes with --recipe lecture")
        raise UserError(str(err) + hint) from err
    except TrainingDiverged as err:
        stop_diverged(err)
    trained = len(history["iterations_per_epoch"])
    if trained == 0:
        print("no epochs trained")
        return None
    minutes = (time.perf_counter() - began) / 60
    print(f"\ndone: {trained} epochs, this session {minutes:.1f} min "
          f"(all epochs: {sum(history['epoch_seconds']) / 60:.1f} min of training)")
    print(summarize(history))
    print(f"final grid:   {epoch_grid_path(args.out, trained)}")
    print(f"animation:    {os.path.join(args.out, 'progress.gif')}")
    print(f"loss curves:  {os.path.join(args.out, 'losses.png')}")
    print(f"checkpoint:   {os.path.join(args.out, 'checkpoint.npz')}")
    if args.eval_samples > 0 and not math.isnan(history["epochs"]["loss_d"][-1]):
        print()
        print(judge_report(model, args.eval_samples, args.out))
    return history
