"""Trained generators that ship with minigan: see what a well-trained GAN draws before
spending an hour training one.

    python -m minigan pretrained                        # the catalogue: figures and commands
    python -m minigan sample cgan-mnist -n 64 --grid grid.png

    import minigan.pretrained
    model = minigan.pretrained.load("cgan-mnist")       # a GAN model whose G is trained
    images = model.sample(16, labels=[7] * 16)          # (16, 1, 28, 28) in [-1, 1]

Each file holds the generator only (the discriminator and the optimizers' state are what a
run needs to continue, not to draw), as :func:`export_generator` writes it: the weights that
draw the samples (the moving average of G when the recipe kept one, with its own batch norm
statistics), stored as float16 where the judge's figures do not change, and the model's
registry name and constructor config. Its SHA-256 is recorded in :data:`CATALOGUE` and
checked on every load, as the judge's weights are: a corrupt or swapped file is an error,
never a silently different model. The files are read with ``allow_pickle=False``.

Each entry records the exact command that trained it and the judge's figures on 10,000
samples (:func:`minigan.metrics.evaluate_samples` against the MNIST test set, noise seeds
0, 1 and 2): the catalogue's claims are the shipped file's, and a test re-measures them.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np

from minigan.checkpoint import (load_checkpoint, prefixed, read_verified, save_checkpoint,
                                subtree)

FOLDER = Path(__file__).resolve().parent
FORMAT = "minigan-generator"
NETWORKS_KEY = "model"  # each drawing network's weights under model/<its name>/
FIXED_INPUTS_KEY = "fixed_inputs"


@dataclasses.dataclass(frozen=True)
class Pretrained:
    """One shipped generator: its file, checksum, how it was trained, what the judge says.

    ``figures`` maps each judge figure to its mean and spread (min, max) over the sampling
    seeds 0, 1 and 2, 10,000 samples each.
    """
    name: str
    file: str
    sha256: str
    summary: str
    command: str
    figures: dict

    @property
    def path(self) -> Path:
        return FOLDER / self.file

    @property
    def translates(self) -> bool:
        """Whether it is a translation model (figures of :func:`translation_figures`): used
        with ``translate(images)``, not sampled from noise."""
        return _translation_kind(self.figures) is not None

    @property
    def usage(self) -> str:
        """How to use it: the command that samples it, or the Python call that translates."""
        kind = _translation_kind(self.figures)
        if kind is None:
            return f"python -m minigan sample {self.name} -n 64 --grid {self.name}.png"
        return f"minigan.pretrained.load({self.name!r}).{TRANSLATIONS[kind][1]}"


# The kinds of translation model the catalogue measures, each told by the figure only it
# records: what its figures were measured on, and the call that uses it.
TRANSLATIONS = {
    "same_digit": ("held-out digits: 500 handwritten, 500 printed",
                   "translate(images, 'AtoB')"),
    "completed_digit": ("500 held-out digits, completed from their upper half",
                        "translate(upper_halves)"),
}


def _translation_kind(figures: dict):
    return next((key for key in TRANSLATIONS if key in figures), None)


CATALOGUE: dict[str, Pretrained] = {item.name: item for item in [
    Pretrained(
        name="cgan-mnist",
        file="cgan-mnist.npz",
        sha256="ca7974afd76d5b20ed751b2f6ce4d3ea1e171f6a0607ee1d11c8f742ec95c53a",
        summary="conditional GAN: ask for a digit, get it (the lecture's fully connected "
                "networks with label embeddings of 10, sampled from the moving average of G, "
                "decay 0.999); 21,000 steps on 4,500 of the bundled digits",
        command="MINIGAN_NUM_THREADS=1 python scripts/recipe_ablation.py --model cgan "
                "--recipe '{\"ema\": 0.999}' --iterations 21000 --holdout 50 --seed 0 "
                "--out runs/cgan-long --checkpoint-every 50",
        figures={"confident": [0.9694, 0.968, 0.9708], "fid": [15.5854, 15.3434, 15.9479],
                 "rarest_digit": [0.0985, 0.0982, 0.0988],
                 "commonest_digit": [0.1011, 0.1007, 0.1014],
                 "asked_digit": [0.9894, 0.9889, 0.9904]}),
    Pretrained(
        name="wgan-gp-mnist",
        file="wgan-gp-mnist.npz",
        sha256="4f9bc16275a0ae7e1208eb747c422d2b387717e2d8477a560a455f69c8be5da0",
        summary="WGAN-GP: the lecture's fully connected generator and a fully connected critic, "
                "gradient penalty 10, five critic steps per generator step, sampled from the "
                "moving average of G (decay 0.999); 63,000 critic steps on 4,500 of the "
                "bundled digits (float32: in float16 one seed's commonest-digit share moved "
                "by 0.1 point)",
        command="MINIGAN_NUM_THREADS=1 python scripts/recipe_ablation.py --model wgan "
                "--recipe '{\"ema\": 0.999}' --iterations 63000 --holdout 50 --seed 0 "
                "--out runs/wgan-gp-long --checkpoint-every 50",
        figures={"confident": [0.7058, 0.7019, 0.7111], "fid": [21.2812, 20.9578, 21.5938],
                 "rarest_digit": [0.086, 0.085, 0.0871],
                 "commonest_digit": [0.1191, 0.1181, 0.1206]}),
    Pretrained(
        name="dcgan-mnist",
        file="dcgan-mnist.npz",
        sha256="df6c2f4c6abb4bcac459be9670e921ddb253ef3419e2d440b9629251fa027bb2",
        summary="DCGAN, all-convolutional as in Radford et al. (the code enters as a 100x1x1 "
                "image; transposed convolutions with batch norm to 7x7, 14x14 and 28x28), the "
                "R1 penalty 0.1 on D's gradient at real digits, sampled from the moving average "
                "of G (decay 0.999); 24,500 steps on 4,500 of the bundled digits",
        command="MINIGAN_NUM_THREADS=1 python scripts/recipe_ablation.py --model dcgan "
                "--variant allconv --recipe '{\"ema\": 0.999, \"r1\": 0.1}' --iterations 24500 "
                "--holdout 50 --seed 0 --out runs/dcgan-long --checkpoint-every 50",
        figures={"confident": [0.7242, 0.7209, 0.7281], "fid": [19.0147, 18.5781, 19.3564],
                 "rarest_digit": [0.0727, 0.0698, 0.0763],
                 "commonest_digit": [0.1323, 0.13, 0.1357]}),
    Pretrained(
        name="cyclegan-digits",
        file="cyclegan-digits.npz",
        sha256="c074274177ce53f484af7da208dbe16f2c8f876911a35a5a846eb01e45888c1f",
        summary="CycleGAN between handwritten (A) and printed (B) digits, learnt without pairs: "
                "examples/cyclegan_digits.py's networks (ResNet generators of width 8 with two "
                "residual blocks, PatchGANs of width 16 whose logits see 34x34 patches), 30 "
                "epochs of 281 steps on 4,500 of the bundled digits and 4,500 printed ones, "
                "trained offline (online the example trains on the full MNIST); the judge reads "
                "real printed digits right only 76.8% of the time, so whether a digit was kept "
                "is read by a reader of both styles (95.4% right on held-out handwritten "
                "digits, 98.6% on printed)",
        command="MINIGAN_NUM_THREADS=1 python examples/cyclegan_digits.py --epochs 30 --seed 0 "
                "--out runs/cyclegan-long",
        figures={"kept": [0.724, 0.724, 0.724],
                 "same_digit": [0.646, 0.646, 0.646], "printed": [0.932, 0.932, 0.932],
                 "handwritten": [0.894, 0.894, 0.894], "round_trip": [0.982, 0.982, 0.982]}),
]}


def names() -> list[str]:
    """The shipped generators' names."""
    return list(CATALOGUE)


def entry(name: str) -> Pretrained:
    """The catalogue entry ``name``; an unknown name is a ``KeyError`` listing the known."""
    if name not in CATALOGUE:
        known = ", ".join(CATALOGUE) or "none"
        raise KeyError(f"no pretrained generator named {name!r}; minigan ships: {known} "
                       "(`python -m minigan pretrained` lists them)")
    return CATALOGUE[name]


def load(name: str, device: str = "cpu"):
    """The shipped generator ``name`` as a GAN model ready to sample (eval mode).

    The model is the same class a training run builds (``model.sample``, ``export_samples``,
    ``sample_grid`` all work); its discriminator is untrained, so it is for drawing only.
    """
    item = entry(name)
    return load_generator(item.path, sha256=item.sha256, device=device)


def load_generator(path, sha256: str | None = None, device: str = "cpu"):
    """The model in a generator file written by :func:`export_generator`; with ``sha256``
    the file's bytes must have that digest (``ValueError`` otherwise)."""
    from minigan.gan.models import build_model

    read_verified(path, sha256, "generator file", "reinstall minigan, or export it again "
                  "with scripts/export_pretrained.py")
    arrays, meta = load_checkpoint(path)
    if meta.get("kind") != FORMAT:
        raise ValueError(f"{path} is not a generator file (written by export_generator); a "
                         "training checkpoint loads with minigan.gan.models.load_model")
    info = meta["model"]
    model = build_model(info["name"], _drawing_config(info["config"]), device=device)
    for name, net in model.drawing_networks().items():
        net.load_state_dict({key: value.astype(np.float32) if value.dtype == np.float16
                             else value
                             for key, value in subtree(arrays, f"{NETWORKS_KEY}/{name}").items()})
    if "fixed_noise" in arrays:  # the grid's noise of the run, so its pictures match
        model.fixed_noise = _on(arrays["fixed_noise"], model.device)
    fixed_inputs = subtree(arrays, FIXED_INPUTS_KEY)
    if fixed_inputs:  # a translation model's held-out grid images
        model.set_fixed_inputs(**fixed_inputs)
    return model.eval()


def export_generator(model, path, half: bool = True, note: dict | None = None) -> str:
    """Write the generator that draws ``model``'s samples to ``path``; returns its SHA-256.

    The weights are those of ``model.drawing_networks()``: ``model.sampling_generator`` (the
    moving average with its own batch norm statistics when the recipe keeps one), or a
    translation model's generators; cast to float16 when ``half``. ``note`` (JSON-able) is
    stored beside the model's name and config, e.g. the training command.
    """
    arrays = {}
    for name, net in model.drawing_networks().items():
        weights = {key: _to_numpy(value) for key, value in net.state_dict().items()}
        if half:
            weights = {key: value.astype(np.float16) if value.dtype.kind == "f" else value
                       for key, value in weights.items()}
        arrays.update(prefixed(f"{NETWORKS_KEY}/{name}", weights))
    if model.fixed_noise is not None:
        arrays["fixed_noise"] = model.fixed_noise.numpy()
    for name, images in getattr(model, "fixed_inputs", {}).items():
        arrays[f"{FIXED_INPUTS_KEY}/{name}"] = images.numpy()
    meta = {"kind": FORMAT, "model": {"name": model.name, "config": model.config},
            "trained_steps": model.step, "note": note or {}}
    save_checkpoint(path, arrays, meta)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


SEEDS = (0, 1, 2)


def judge_figures(model, n: int = 10000, seeds=SEEDS) -> dict:
    """The judge's figures on ``n`` samples from each noise seed in ``seeds``, each as
    ``[mean, min, max]`` over the seeds: the share of confidently read samples, the classifier
    FID to the MNIST test set, the rarest and the commonest digit's share, and for a
    conditional model the share read as the digit asked for. What :data:`CATALOGUE` records.
    A translation model draws nothing from noise: its figures are
    :func:`translation_figures`, in the same form."""
    import minigan

    if not model.draws_images:
        return translation_figures(model)
    from minigan.metrics import evaluate_samples
    from minigan.metrics.judge import predict

    rows = []
    for seed in seeds:
        minigan.manual_seed(seed)
        samples = model.export_samples(n)
        result = evaluate_samples(samples["images"], reference="mnist-test")
        shares = np.asarray(result["digit_histogram"]) / result["n"]
        row = {"confident": result["confident_share"], "fid": result["classifier_fid"],
               "rarest_digit": float(shares.min()), "commonest_digit": float(shares.max())}
        if "labels" in samples:
            row["asked_digit"] = float((predict(samples["images"]) == samples["labels"]).mean())
        rows.append(row)
    figures = {}
    for key in rows[0]:
        values = [row[key] for row in rows]
        figures[key] = [round(float(f(values)), 4) for f in (np.mean, np.min, np.max)]
    return figures


def translation_figures(model) -> dict:
    """A translation model's figures on held-out digits (the bundled digits' held-out 500,
    the same on every machine), each as ``[value, value, value]``: one measurement, with no
    noise to draw, in the form of :func:`judge_figures`.

    A CycleGAN between handwritten (A) and printed (B) digits: how often G_AB(a) shows a's
    digit to a reader of both styles (the judge learnt handwriting and misreads printed
    digits) and to the judge, the share of G_AB(a) a handwritten-vs-printed classifier reads
    as printed and of G_BA(b) as handwritten, and the judge's accuracy after the round trip
    A -> B -> A (:func:`minigan.metrics.translation.cyclegan_digit_figures`).

    A pix2pix generator (adversarial or L1 alone) completing digits from their upper half
    (``paired_digits("completion")``): the L1 distance to the true digits, the sharpness of
    its outputs (mean gradient magnitude; the true digits' is about 0.18), and the shares the
    judge reads confidently and as the digit the half came from.
    """
    if model.name == "cyclegan":
        return _cyclegan_figures(model)
    if model.name == "pix2pix":
        return _completion_figures(model)
    raise ValueError(f"translation_figures measures a CycleGAN between the digit domains or a "
                     f"pix2pix completing digits, not a {model.name!r} model")


def _cyclegan_figures(model) -> dict:
    from minigan.data import scale_to_unit_range, unpaired_digits
    from minigan.metrics.translation import cyclegan_digit_figures

    def domains(split):
        a, labels_a, b, labels_b = unpaired_digits(split, offline=True)
        return scale_to_unit_range(a), scale_to_unit_range(b), labels_a, labels_b

    train = domains("train")
    f = cyclegan_digit_figures(model, train[:2], domains("test"), train_labels=train[2:])
    return _one_measurement({"kept": f["reader_kept_AB"],
                             "same_digit": f["judge_same_digit_AB"],
                             "printed": f["style_printed_share_of_AB"],
                             "handwritten": f["style_handwritten_share_of_BA"],
                             "round_trip": f["judge_round_trip"]})


def _completion_figures(model) -> dict:
    from minigan.data import paired_digits, scale_to_unit_range
    from minigan.metrics.translation import judge_readings, l1_distance, mean_gradient_magnitude

    inputs, targets, labels = paired_digits("completion", split="test", offline=True)
    completed = model.translate(scale_to_unit_range(inputs)).numpy()
    readings = judge_readings(completed, labels)
    return _one_measurement({"l1": l1_distance(completed, scale_to_unit_range(targets)),
                             "sharpness": mean_gradient_magnitude(completed),
                             "confident": readings["confident"],
                             "completed_digit": readings["same_digit"]})


def _one_measurement(figures: dict) -> dict:
    return {key: [round(float(value), 4)] * 3 for key, value in figures.items()}


FIGURE_NAMES = {"confident": ("confident", True), "fid": ("classifier FID", False),
                "rarest_digit": ("rarest digit", True), "commonest_digit": ("commonest", True),
                "asked_digit": ("read as asked", True),
                "l1": ("L1 to the true digit", False),
                "sharpness": ("sharpness", False),
                "completed_digit": ("read as the half's digit", True),
                "kept": ("G_AB(a) shows a's digit (reader of both styles)", True),
                "same_digit": ("G_AB(a) read as a's digit by the judge", True),
                "printed": ("G_AB(a) read as printed", True),
                "handwritten": ("G_BA(b) read as handwritten", True),
                "round_trip": ("a -> b -> a read right", True)}


def format_figures(figures: dict) -> str:
    """One line: each figure's mean and its range over the seeds (a translation model's, one
    measurement each, without a range)."""
    parts = []
    for key, (label, share) in FIGURE_NAMES.items():
        if key in figures:
            mean, low, high = figures[key]
            scale, unit, digits = (100, "%", 1) if share else (1, "", 1 if key == "fid" else 4)
            part = f"{label} {scale * mean:.{digits}f}{unit}"
            if low != high:
                part += f" ({scale * low:.{digits}f}-{scale * high:.{digits}f})"
            parts.append(part)
    kind = _translation_kind(figures)
    scope = (TRANSLATIONS[kind][0] if kind is not None
             else f"judge, 10,000 samples x seeds {', '.join(map(str, SEEDS))}")
    return ", ".join(parts) + f"  [{scope}]"


def _drawing_config(config: dict) -> dict:
    """The training config without a moving average: the file's G already is the average."""
    config = dict(config)
    if "recipe" in config:
        config["recipe"] = {**config["recipe"], "ema": 0.0}
    return config


def _to_numpy(value):
    from minigan import backend
    from minigan.autograd import Tensor

    return backend.to_numpy(value.data if isinstance(value, Tensor) else value)


def _on(array, device):
    from minigan import backend
    from minigan.autograd import Tensor

    return Tensor(backend.to_device(np.asarray(array, np.float32), device))
