"""Measure what a training recipe buys: train one GAN on the bundled digits minus a held-out
set, then ask the judge about 10,000 samples.

    python scripts/recipe_ablation.py --model dcgan --recipe '{"ema": 0.999}' --seed 0
    python scripts/recipe_ablation.py --model vanilla --iterations 8000 --test ../shared/data/mnist
    python scripts/recipe_ablation.py --model dcgan --variant allconv --recipe '{"lr_decay": 0.5}'

Settings are chosen on the held-out digits (the last ``--holdout`` of each digit's bundled
images, never trained on): the Fréchet distance printed as ``fid_holdout`` compares the samples
with them. ``--test DIR`` adds the judge's figures against the official test set, for the
figures a README reports once the settings are chosen. With an EMA in the recipe, the raw
generator is judged too (one run gives both rows: the average does not change training).
Prints one JSON line per generator judged.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time

import numpy as np

import minigan as mg
from minigan.data import DataLoader, load_bundled_mnist, load_mnist, scale_to_unit_range
from minigan.gan.ema import EMA
from minigan.gan.models.conditional import ConditionalGAN
from minigan.gan.models.dcgan import DCGAN, VARIANTS
from minigan.gan.models.lsgan import LSGAN
from minigan.gan.models.mlp import VanillaGAN
from minigan.gan.models.wgan import WGAN
from minigan.gan.trainer import train
from minigan.metrics import evaluate_samples

# Each model, and whether its networks take flat images (None: as its ``arch`` says, "mlp" flat).
MODELS = {"vanilla": (VanillaGAN, True), "dcgan": (DCGAN, False),
          "cgan": (ConditionalGAN, True), "wgan": (WGAN, None), "lsgan": (LSGAN, None)}


def split_bundled(holdout_per_digit: int):
    """The bundled 5,000 digits as (train images, train labels, held-out images). Always the
    bundled ones, never a download: the shipped models' commands must train on the same
    digits on every machine, online or not."""
    images, labels = load_bundled_mnist()
    held = np.zeros(len(images), bool)
    for digit in range(10):
        held[np.flatnonzero(labels == digit)[-holdout_per_digit:]] = True
    return images[~held], labels[~held], images[held]


def judge(model, n: int, holdout, test_images) -> dict:
    samples = model.export_samples(n)
    result = evaluate_samples(samples["images"], holdout)
    row = {"fid_holdout": result["classifier_fid"], "confident": result["confident_share"],
           "shares": [c / result["n"] for c in result["digit_histogram"]]}
    if test_images is not None:
        test = evaluate_samples(samples["images"], test_images)
        row.update(fid_test=test["classifier_fid"])
    if "labels" in samples:
        from minigan.metrics.judge import predict
        row["conditional_accuracy"] = float((predict(samples["images"]) == samples["labels"]).mean())
    return row


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=sorted(MODELS), default="dcgan")
    p.add_argument("--recipe", default="{}", help="the recipe as JSON (minigan.gan.recipe)")
    p.add_argument("--config", default="{}", help="other constructor arguments as JSON")
    p.add_argument("--variant", choices=sorted(VARIANTS), default=None,
                   help="the DCGAN's networks (minigan.gan.models.dcgan; default: lecture)")
    p.add_argument("--iterations", type=int, default=3000)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--holdout", type=int, default=100, help="held-out digits of each class")
    p.add_argument("--samples", type=int, default=10000)
    p.add_argument("--test", default=None, help="folder of the official MNIST test set")
    p.add_argument("--out", default=None, help="training folder (default: a temporary one)")
    p.add_argument("--checkpoint-every", type=int, default=None,
                   help="epochs between checkpoints in --out (default: only the last), so a "
                        "long run can be judged while it trains")
    p.add_argument("--resume", default=None,
                   help="continue this run's checkpoint (the same arguments otherwise): the "
                        "same run as one uninterrupted, as minigan's checkpoints guarantee")
    p.add_argument("--extra-ema", type=float, nargs="*", default=[],
                   help="more decays of G's moving average, kept beside the recipe's and "
                        "judged too (an average does not change training: one run, many rows)")
    args = p.parse_args(argv)

    cls, flatten = MODELS[args.model]
    images, labels, holdout = split_bundled(args.holdout)
    test_images = load_mnist(root=args.test, split="test")[0] if args.test else None
    mg.manual_seed(args.seed)
    config = json.loads(args.config)
    if args.variant is not None:
        if args.model != "dcgan":
            p.error(f"--variant is an option of the dcgan model, not of {args.model}")
        config["variant"] = args.variant
    model = cls(**config, recipe=json.loads(args.recipe))
    if flatten is None:
        flatten = model.config["arch"] == "mlp"
    extra = {decay: EMA(model.G, decay) for decay in args.extra_ema}
    train_step = model.train_step

    def train_step_and_average(batch):
        logs = train_step(batch)
        if (model.step - 1) % model.k == 0:  # G was updated in this step
            for average in extra.values():
                average.update(model.G)
        return logs

    model.train_step = train_step_and_average
    arrays = (images, labels) if args.model == "cgan" else (images,)
    loader = DataLoader(arrays, batch_size=args.batch_size, shuffle=True, drop_last=True,
                        transform=lambda x: scale_to_unit_range(x, flatten=flatten))
    epochs = max(1, round(args.iterations / len(loader)))
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        train(model, loader, epochs, args.out or scratch, progress=False, resume=args.resume,
              checkpoint_every=args.checkpoint_every or max(1, epochs))
    minutes = (time.perf_counter() - began) / 60
    base = {"model": args.model, "variant": model.config.get("variant", "lecture"),
            "recipe": model.config["recipe"], "seed": args.seed,
            "iterations": epochs * len(loader), "minutes": round(minutes, 2)}
    generators = {"raw": None}
    if model.ema is not None:
        generators[f"ema {model.ema.decay}"] = model.ema
    generators.update({f"ema {decay}": average for decay, average in extra.items()})
    recipe_ema = model.ema
    for name, average in generators.items():
        model.ema = average
        row = judge(model, args.samples, holdout, test_images)
        print(json.dumps({**base, "generator": name, **row}), flush=True)
    model.ema = recipe_ema
    return 0


if __name__ == "__main__":
    sys.exit(main())
