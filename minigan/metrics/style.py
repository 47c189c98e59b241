"""Which of two domains an image looks like: a small classifier trained for the purpose.

CycleGAN's claim is that G_AB moves an image into domain B while keeping its content. The judge
checks the content (does a translated 7 still read as a 7?); this checks the move: a network
trained to tell domain A from domain B (handwritten from printed digits) says which side each
translation lands on. It is trained on the two training sets and scored on held-out images of
both first: a style classifier that cannot tell the real domains apart says nothing about the
translations.

    classifier = train_style_classifier(train_a, train_b)
    accuracy = style_accuracy(classifier, test_a, test_b)         # real images: ~1.0
    share_b = domain_b_share(classifier, G_AB(test_a))            # translations read as B

The same module trains a **reader of both styles**: a small digit classifier learnt from both
domains' labelled training images. minigan's judge learnt handwriting and reads real printed
digits right only about 77% of the time, so it cannot say whether a translation into print
kept its digit; a reader trained on both can:

    reader = train_digit_reader([train_a, train_b], [labels_a, labels_b])
    kept = (read_digits(reader, G_AB(test_a)) == labels_test_a).mean()

Images are (N, 1, H, W) floats in [-1, 1], as the translation models take them.
"""
from __future__ import annotations

import contextlib

import numpy as np

from minigan import backend, nn, optim
from minigan.autograd import Tensor, no_grad
from minigan.kernels import threads


def style_network(channels: int = 1, size: int = 32) -> nn.Sequential:
    """Two strided convolutions, pooled, and a linear read-out: a logit, positive for domain
    B. Small on purpose: style (stroke width, serifs, evenness) is local, and a small network
    trains in seconds on the CPU."""
    if size % 8:
        raise ValueError(f"style_network: image size must be a multiple of 8, got {size}")
    return nn.Sequential(
        nn.Conv2d(channels, 16, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(16, 32, 4, 2, 1), nn.LeakyReLU(0.2), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(32 * (size // 8) ** 2, 1))


def train_style_classifier(a: np.ndarray, b: np.ndarray, steps: int = 1000,
                           batch_size: int = 64, seed: int = 0) -> nn.Module:
    """A :func:`style_network` trained to output a positive logit for ``b``'s images and a
    negative one for ``a``'s (binary cross-entropy, Adam, balanced batches). Seeded on its own,
    so training it does not move minigan's global random numbers, and trained on one thread,
    so it is the same classifier whatever the machine's core count (see ``_one_thread``)."""
    a, b = _checked(a, "a"), _checked(b, "b")
    rng = np.random.default_rng(seed)
    net = _seeded(style_network, seed, a.shape[1], a.shape[-1])
    opt = optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    half = batch_size // 2
    targets = Tensor(np.concatenate([np.zeros((half, 1)), np.ones((half, 1))]).astype(np.float32))
    net.train()
    with _one_thread():
        for _ in range(steps):
            batch = np.concatenate([a[rng.integers(0, len(a), half)],
                                    b[rng.integers(0, len(b), half)]])
            loss = loss_fn(net(Tensor(batch)), targets)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def domain_b_share(net: nn.Module, images, batch_size: int = 500) -> float:
    """The share of ``images`` the classifier puts on domain B's side (logit > 0)."""
    images = _checked(images, "images")
    with no_grad():
        logits = np.concatenate([net(Tensor(images[i:i + batch_size])).numpy()[:, 0]
                                 for i in range(0, len(images), batch_size)])
    return float((logits > 0).mean())


def style_accuracy(net: nn.Module, a, b) -> float:
    """Held-out accuracy on real images of both domains (each counted with equal weight)."""
    return 0.5 * ((1.0 - domain_b_share(net, a)) + domain_b_share(net, b))


def digit_network(channels: int = 1, size: int = 32) -> nn.Sequential:
    """Two strided convolutions and a linear read-out of ten logits: enough to read 32x32
    digits of two styles (on the digit domains: 95.4% of held-out handwritten and 98.6% of
    printed digits), small enough to train in under a minute on one CPU thread."""
    if size % 4:
        raise ValueError(f"digit_network: image size must be a multiple of 4, got {size}")
    return nn.Sequential(
        nn.Conv2d(channels, 32, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(32, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(64 * (size // 4) ** 2, 10))


def train_digit_reader(images, labels, steps: int = 1500, batch_size: int = 64,
                       seed: int = 0) -> nn.Module:
    """A :func:`digit_network` trained to read digits of every style in ``images`` (a list of
    image sets, e.g. ``[handwritten, printed]``, each with its ``labels``), with equal shares
    of each set in every batch (cross-entropy, Adam). Seeded on its own and trained on one
    thread, like :func:`train_style_classifier`, so it is the same reader on every machine."""
    sets = [_checked(x, f"images[{i}]") for i, x in enumerate(images)]
    labels = [np.asarray(y).astype(np.int64) for y in labels]
    if len(sets) != len(labels) or any(len(x) != len(y) for x, y in zip(sets, labels)):
        raise ValueError("train_digit_reader: give one label array per image set, as long as "
                         f"it: got sets of {[len(x) for x in sets]} and labels of "
                         f"{[len(y) for y in labels]}")
    rng = np.random.default_rng(seed)
    net = _seeded(digit_network, seed, sets[0].shape[1], sets[0].shape[-1])
    opt = optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    share = batch_size // len(sets)
    net.train()
    with _one_thread():
        for _ in range(steps):
            picks = [rng.integers(0, len(x), share) for x in sets]
            batch = np.concatenate([x[i] for x, i in zip(sets, picks)])
            target = np.concatenate([y[i] for y, i in zip(labels, picks)])
            loss = loss_fn(net(Tensor(batch)), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def read_digits(net: nn.Module, images, batch_size: int = 500) -> np.ndarray:
    """The digit :func:`train_digit_reader`'s network reads on each image, (N,) int."""
    images = _checked(images, "images")
    with no_grad():
        return np.concatenate([net(Tensor(images[i:i + batch_size])).numpy().argmax(axis=1)
                               for i in range(0, len(images), batch_size)])


def _seeded(make, seed: int, *args) -> nn.Module:
    """``make(*args)`` with its initial weights drawn from ``seed``, leaving minigan's global
    random numbers where they were."""
    outer = backend.rng_state()
    backend.manual_seed(seed)
    try:
        return make(*args)
    finally:
        backend.set_rng_state(outer)


@contextlib.contextmanager
def _one_thread():
    """Train on one thread, so the classifier is the same whatever the machine's core count:
    a weight gradient summed in parts over threads rounds differently, and a thousand Adam
    steps carry that into the verdicts (the shipped CycleGAN's style shares moved by up to a
    point between 1 and 2 threads). The caller's thread count is given back."""
    outer = threads.get_num_threads()
    threads.set_num_threads(1)
    try:
        yield
    finally:
        threads.set_num_threads(outer)


def _checked(images, name: str) -> np.ndarray:
    data = images.numpy() if isinstance(images, Tensor) else np.asarray(images)
    if data.ndim != 4 or data.dtype.kind != "f" or len(data) == 0:
        raise ValueError(f"style classifier: {name} must be N > 0 float images (N, C, H, W) in "
                         f"[-1, 1], got {data.dtype} of shape {data.shape}")
    return data.astype(np.float32, copy=False)
