"""The one training loop every GAN in minigan shares.

    history = train(model, loader, epochs=20, out_dir="runs/vanilla")

For each epoch it calls ``model.train_step(batch)`` on every batch (the model decides what one
step means: see :mod:`minigan.gan.base`), shows a progress bar with the latest losses and the
discriminator's mean outputs, and then leaves in ``out_dir``:

    samples/epoch_001.png   the grid drawn from the model's fixed noise after each epoch
    losses.png              the loss curves and D(x), D(G(z)) so far
    metrics.json            the history: every iteration's figures and each epoch's means
    checkpoint.npz          the latest checkpoint (every ``checkpoint_every`` epochs, and the last)
    progress.gif            the epoch grids as an animation (at the end)

Resuming (``resume="runs/vanilla/checkpoint.npz"``) restores the networks, the optimizers, the
fixed noise, the history and minigan's random generator as they were at the end of the saved
epoch. The data loader draws its shuffling from that same generator, and drawing the grid uses
the stored fixed noise (nothing random), so a resumed run computes exactly the numbers an
uninterrupted run would have.

A run that diverges stops: every step's logged figures are checked (one ``isfinite`` on their
sum), and so are the weights before each checkpoint. :class:`TrainingDiverged` then names the
iteration and the figures, and the last checkpoint written, a finite one, stays as it was.
"""
from __future__ import annotations

import json
import math
import os
import time

from minigan import backend
from minigan.checkpoint import load_checkpoint, nonfinite_entries, save_checkpoint
from minigan.files import atomic_write
from minigan.viz import plot_losses, save_gif, save_image_grid

CHECKPOINT_NAME = "checkpoint.npz"


class TrainingDiverged(RuntimeError):
    """The losses or the weights stopped being finite numbers; training stopped before
    writing anything of the diverged model."""


class ResumeError(ValueError):
    """The checkpoint to resume from cannot continue this run: missing, unreadable, another
    model, or other settings."""


def new_history() -> dict:
    return {"iterations": {}, "epochs": {}, "iterations_per_epoch": [], "epoch_seconds": []}


def epoch_grid_path(out_dir, epoch: int) -> str:
    """Where the fixed-noise grid after ``epoch`` (counted from 1) is saved."""
    return os.path.join(os.fspath(out_dir), "samples", f"epoch_{epoch:03d}.png")


def save_training_checkpoint(path, model, epoch: int, history: dict) -> str:
    """A checkpoint of ``model`` after ``epoch`` epochs: what :func:`train` resumes from.

    Raises :class:`TrainingDiverged` instead of writing weights that hold NaN or infinity
    (which would replace the last good checkpoint with a useless one).
    """
    arrays, model_state = model.state()
    _check_weights(arrays, f"after epoch {epoch}", path)
    meta = {"model": {"name": model.name, "config": model.config},
            "model_state": model_state, "epoch": epoch, "history": history,
            "rng_state": backend.rng_state()}
    return save_checkpoint(path, arrays, meta)


def resume_training(path, model) -> tuple[int, dict]:
    """Load checkpoint ``path`` into ``model`` and minigan's generator; ``(epoch, history)``."""
    arrays, meta = load_checkpoint(path)
    info = meta.get("model", {})
    if info.get("name") != model.name:
        raise ValueError(f"checkpoint {os.fspath(path)!r} holds a {info.get('name')!r} model, "
                         f"not {model.name!r}")
    saved = _with_recipe_defaults(info.get("config", {}))
    if saved != model.config:
        differ = sorted(k for k in set(saved) | set(model.config)
                        if saved.get(k) != model.config.get(k))
        raise ValueError(f"checkpoint {os.fspath(path)!r} was trained with other settings; "
                         "resume with the same ones. Differences (checkpoint vs now): "
                         + ", ".join(f"{k}: {saved.get(k)!r} vs "
                                     f"{model.config.get(k)!r}" for k in differ))
    for key in ("epoch", "history", "rng_state"):
        if key not in meta:
            raise ValueError(f"checkpoint {os.fspath(path)!r} is not a training checkpoint "
                             f"(no {key!r} in its meta)")
    model.load_state(arrays, meta.get("model_state", {}))
    backend.set_rng_state(meta["rng_state"])
    return int(meta["epoch"]), meta["history"]


def _with_recipe_defaults(config: dict) -> dict:
    """A checkpoint's config with every recipe setting: one written before a setting existed
    trained without it (each setting's default is off), so it resumes as it was trained."""
    if not isinstance(config.get("recipe"), dict):
        return config
    from minigan.gan.recipe import DEFAULTS

    return {**config, "recipe": {**DEFAULTS, **config["recipe"]}}


def _write_json(path: str, data) -> None:
    with atomic_write(path, "w") as f:
        json.dump(data, f, indent=1)


def _kept(checkpoint_path) -> str:
    """What a diverged run leaves to resume from, for its message."""
    if os.path.exists(checkpoint_path):
        return f"{os.fspath(checkpoint_path)} still holds the last finite checkpoint"
    return "no checkpoint was written"


def _check_weights(arrays: dict, where: str, checkpoint_path) -> None:
    bad = nonfinite_entries(arrays)
    if bad:
        raise TrainingDiverged(f"training diverged: {where} the weights hold NaN or infinity "
                               f"({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}); "
                               f"{_kept(checkpoint_path)} (a lower learning rate may help)")


def check_finite(logs: dict, where: str, checkpoint_path=None) -> None:
    """Raise :class:`TrainingDiverged` when a logged figure of one step is NaN or infinite.

    One ``isfinite`` on the sum of a few floats: cheap enough for every step (a NaN or an
    infinity anywhere makes the sum non-finite). ``where`` says which step, for the message.
    """
    if math.isfinite(sum(logs.values())):
        return
    figures = ", ".join(f"{k} = {v:.4g}" for k, v in logs.items())
    kept = "" if checkpoint_path is None else f"; {_kept(checkpoint_path)}"
    raise TrainingDiverged(f"training diverged at {where}: {figures}{kept} "
                           "(a lower learning rate may help)")


def _progress(loader, desc: str, enabled: bool):
    if not enabled:
        return None, loader
    from tqdm.auto import tqdm

    bar = tqdm(loader, desc=desc, leave=True, dynamic_ncols=True,
               total=len(loader) if hasattr(loader, "__len__") else None)
    return bar, bar


def _postfix(logs: dict) -> dict:
    names = {"d_real": "D(x)", "d_fake": "D(G(z))"}
    return {names.get(k, k): f"{v:.3f}" for k, v in logs.items()}


def train(model, loader, epochs: int, out_dir, *, checkpoint_every: int = 1, resume=None,
          progress: bool = True, grid_nrow: int | None = None, gif_duration_ms: int = 300,
          max_gif_frames: int = 40, on_epoch_end=None) -> dict:
    """Train ``model`` on ``loader`` until ``epochs`` epochs are done; returns the history.

    Args:
        model: a :class:`minigan.gan.base.GANModel`.
        loader: an iterable of batches, re-iterated each epoch (a
            :class:`minigan.data.DataLoader`).
        epochs: the total number of epochs; a resumed run continues from its checkpoint's
            epoch up to this number.
        out_dir: folder for pictures, metrics and checkpoints (created if missing).
        checkpoint_every: save ``checkpoint.npz`` every this many epochs (and after the last).
        resume: a checkpoint path to continue from, or ``None`` to start afresh.
        progress: show a tqdm progress bar.
        grid_nrow: images per row in the sample grids (default: the model's ``grid_nrow``).
        gif_duration_ms: time each frame of ``progress.gif`` is shown.
        max_gif_frames: the GIF shows at most this many epochs, evenly spread.
        on_epoch_end: optional ``callback(epoch, history)`` after each epoch's files are written.

    Returns:
        The history: ``iterations`` (metric -> one value per batch), ``epochs`` (metric ->
        per-epoch mean), ``iterations_per_epoch`` and ``epoch_seconds``.
    """
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"train: epochs must be a non-negative integer, got {epochs!r}")
    if not isinstance(checkpoint_every, int) or checkpoint_every < 1:
        raise ValueError(f"train: checkpoint_every must be a positive integer, "
                         f"got {checkpoint_every!r}")
    out_dir = os.fspath(out_dir)
    checkpoint_path = os.path.join(out_dir, CHECKPOINT_NAME)
    start, history = 0, new_history()
    if resume is not None:  # before creating anything: a checkpoint that does not fit stops here
        try:
            start, history = resume_training(resume, model)
        except (FileNotFoundError, ValueError) as err:
            raise ResumeError(f"cannot resume: {err}") from None
        if start >= epochs:
            print(f"checkpoint {os.fspath(resume)!r} has already trained {start} epochs "
                  f"(asked for {epochs}): nothing to do")
    os.makedirs(os.path.join(out_dir, "samples"), exist_ok=True)
    # The whole run's length (a resumed run's too), which the recipe's lr_decay plans over.
    model.begin_training(epochs * len(loader) if hasattr(loader, "__len__") else None)

    for epoch in range(start + 1, epochs + 1):
        began = time.perf_counter()
        model.train()
        model.begin_epoch(epoch - 1)
        bar, batches = _progress(loader, f"epoch {epoch}/{epochs}", progress)
        sums, count = {}, 0
        try:
            for batch in batches:
                logs = {key: float(value) for key, value in model.train_step(batch).items()}
                check_finite(logs, f"iteration {model.step} (epoch {epoch}, batch {count + 1})",
                             checkpoint_path)
                for key, value in logs.items():
                    history["iterations"].setdefault(key, []).append(value)
                    sums[key] = sums.get(key, 0.0) + value
                count += 1
                if bar is not None:
                    bar.set_postfix(_postfix(logs), refresh=False)
        finally:
            if bar is not None:
                bar.close()
        if count == 0:
            raise ValueError("train: the loader yielded no batches (is batch_size larger than "
                             "the data set with drop_last=True?)")
        for key, total in sums.items():
            history["epochs"].setdefault(key, []).append(total / count)
        history["iterations_per_epoch"].append(count)
        history["epoch_seconds"].append(time.perf_counter() - began)
        # The last step's update may have broken the weights after its losses were logged:
        # check before drawing them.
        _check_weights(model.state()[0], f"after epoch {epoch}", checkpoint_path)

        save_image_grid(model.sample_grid(), epoch_grid_path(out_dir, epoch), nrow=grid_nrow or model.grid_nrow)
        plot_losses(history, os.path.join(out_dir, "losses.png"),
                    title=f"{type(model).__name__}, {epoch} epoch{'s' * (epoch != 1)}")
        _write_json(os.path.join(out_dir, "metrics.json"),
                    {"model": {"name": model.name, "config": model.config},
                     "epochs_done": epoch, **history})
        if epoch % checkpoint_every == 0 or epoch == epochs:
            save_training_checkpoint(checkpoint_path, model, epoch, history)
        if on_epoch_end is not None:
            on_epoch_end(epoch, history)

    frames = [p for p in (epoch_grid_path(out_dir, e) for e in range(1, epochs + 1))
              if os.path.exists(p)]
    if frames:
        save_gif(gif_frames(frames, max_gif_frames), os.path.join(out_dir, "progress.gif"),
                 duration_ms=gif_duration_ms)
    return history


def gif_frames(frames: list, limit: int) -> list:
    """At most ``limit`` of ``frames``, evenly spread, always with the first and the last
    (a long run's GIF stays short enough to watch and small enough to keep)."""
    if len(frames) <= limit:
        return list(frames)
    if limit < 2:
        return frames[-1:]
    picks = sorted({round(i * (len(frames) - 1) / (limit - 1)) for i in range(limit)})
    return [frames[i] for i in picks]


def summarize(history: dict) -> str:
    """One line with the last epoch's mean figures, e.g. for a script's closing note."""
    epochs = history.get("epochs", {})
    if not epochs:
        return "no epochs trained"
    parts = [f"{k} {v[-1]:.3f}" for k, v in epochs.items() if v and math.isfinite(v[-1])]
    return f"epoch {len(history['iterations_per_epoch'])}: " + ", ".join(parts)
