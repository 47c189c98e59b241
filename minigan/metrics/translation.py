"""Figures for image-to-image translation: how close, and how sharp.

pix2pix's point is that a pixel loss alone gives blurry outputs (the average of what could be
there) and an adversarial loss makes them sharp. "Sharp" is measured here as the mean gradient
magnitude of an image: the average length of its finite-difference gradient, in pixel values
per pixel. A blurred image has smaller differences between neighbours, so a lower figure; the
targets' own figure is the one to compare with.
"""
from __future__ import annotations

import numpy as np

from minigan import backend


def as_unit_floats(images) -> np.ndarray:
    """Images as float64 NumPy arrays in [-1, 1]: uint8 arrays are scaled from [0, 255];
    Tensors and float arrays are taken as they are."""
    data = getattr(images, "data", images)
    array = np.asarray(backend.to_numpy(data))
    if array.dtype == np.uint8:
        return array.astype(np.float64) / 127.5 - 1.0
    return array.astype(np.float64)


def mean_gradient_magnitude(images) -> float:
    """Mean over images and pixels of sqrt(dx^2 + dy^2), the forward differences along the
    last two axes (images in [-1, 1]; uint8 images are scaled first)."""
    x = as_unit_floats(images)
    if x.ndim < 2:
        raise ValueError(f"mean_gradient_magnitude: expected images (..., H, W), got shape "
                         f"{x.shape}")
    dx = np.diff(x, axis=-1)[..., :-1, :]
    dy = np.diff(x, axis=-2)[..., :, :-1]
    return float(np.sqrt(dx * dx + dy * dy).mean())


def l1_distance(images, targets) -> float:
    """Mean absolute difference in [-1, 1] units (what pix2pix's L1 term and CycleGAN's cycle
    loss measure)."""
    a, b = as_unit_floats(images), as_unit_floats(targets)
    if a.shape != b.shape:
        raise ValueError(f"l1_distance: shapes differ: {a.shape} and {b.shape}")
    return float(np.abs(a - b).mean())


def to_uint8_28(images) -> np.ndarray:
    """32x32 digit images in [-1, 1] (N, 1, 32, 32) as the judge's uint8 (N, 28, 28): the
    2-pixel frame the digit domains add is cropped off again."""
    x = as_unit_floats(images)
    x = x.reshape(x.shape[0], x.shape[-2], x.shape[-1])
    if x.shape[1:] == (32, 32):
        x = x[:, 2:30, 2:30]
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


def judge_readings(images, labels) -> dict:
    """How the judge reads translated digits (32x32 or 28x28, in [-1, 1]): the share it reads
    with confidence above 0.9 (a blur of several digits is read with doubt) and the share it
    reads as ``labels``, the digits the inputs came from."""
    from minigan.metrics.judge import predict_proba
    from minigan.metrics.scores import confident_share

    probs = predict_proba(to_uint8_28(images))
    return {"confident": confident_share(probs),
            "same_digit": float((probs.argmax(axis=1) == np.asarray(labels)).mean())}


def judge_accuracy(images, labels) -> float:
    """The share of digit images (32x32 or 28x28, in [-1, 1]) the judge reads as ``labels``."""
    from minigan.metrics.judge import predict

    return float((predict(to_uint8_28(images)) == np.asarray(labels)).mean())


def judge_agreement(images, originals) -> float:
    """How often the judge reads the same digit on each translation as on its original."""
    from minigan.metrics.judge import predict

    return float((predict(to_uint8_28(images)) == predict(to_uint8_28(originals))).mean())


def cyclegan_digit_figures(model, train, test, style_steps: int = 1000, train_labels=None,
                           reader_steps: int = 1500) -> dict:
    """Both halves of CycleGAN's claim, measured on held-out digits of the two domains.

    ``train = (a, b)`` and ``test = (a, b, labels_a, labels_b)``: handwritten (A) and printed
    (B) digits as :func:`minigan.data.unpaired_digits` gives them, scaled to [-1, 1]. The
    content survives: the judge's accuracy on the originals, the translations and the round
    trip, and how often it reads the same digit on G_AB(a) as on a. The style moves: a
    classifier trained on ``train`` to tell handwritten from printed
    (:mod:`minigan.metrics.style`, scored on real held-out digits first) says how many
    translations land on the other side (``style_steps``: its training steps). Also the
    cycle-reconstruction L1 both ways.

    With ``train_labels = (labels_a, labels_b)``, also the fair test of content: the judge
    learnt handwriting and misreads many real printed digits, so a reader of both styles
    (:func:`minigan.metrics.style.train_digit_reader`, trained on both labelled training sets)
    says how often G_AB(a) shows a's digit and G_BA(b) shows b's (``reader_kept_AB``,
    ``reader_kept_BA``), beside its own accuracy on real held-out digits of each style."""
    from minigan.metrics.style import (domain_b_share, read_digits, style_accuracy,
                                       train_digit_reader, train_style_classifier)

    a, b = train
    test_a, test_b, labels_a, labels_b = test
    ab, aba = (t.numpy() for t in model.round_trip(test_a, "AtoB"))
    ba, bab = (t.numpy() for t in model.round_trip(test_b, "BtoA"))
    style = train_style_classifier(a, b, steps=style_steps)
    reader = {}
    if train_labels is not None:
        net = train_digit_reader([a, b], train_labels, steps=reader_steps)
        reader = {"reader_handwritten": _share(read_digits(net, test_a) == labels_a),
                  "reader_printed": _share(read_digits(net, test_b) == labels_b),
                  "reader_kept_AB": _share(read_digits(net, ab) == labels_a),
                  "reader_kept_BA": _share(read_digits(net, ba) == labels_b)}
    return {**reader,
            "cycle_l1_A": l1_distance(aba, test_a), "cycle_l1_B": l1_distance(bab, test_b),
            "judge_handwritten": judge_accuracy(test_a, labels_a),
            "judge_translated_to_printed": judge_accuracy(ab, labels_a),
            "judge_round_trip": judge_accuracy(aba, labels_a),
            "judge_printed": judge_accuracy(test_b, labels_b),
            "judge_printed_to_handwritten": judge_accuracy(ba, labels_b),
            "judge_same_digit_AB": judge_agreement(ab, test_a),
            "style_accuracy_real": style_accuracy(style, test_a, test_b),
            "style_printed_share_of_AB": domain_b_share(style, ab),
            "style_handwritten_share_of_BA": 1.0 - domain_b_share(style, ba)}


def _share(hits) -> float:
    return float(np.asarray(hits).mean())
