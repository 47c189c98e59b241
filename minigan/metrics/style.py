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

Images are (N, 1, H, W) floats in [-1, 1], as the translation models take them.
"""
from __future__ import annotations

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
    so it is the same classifier whatever the machine's core count: a weight gradient summed
    in parts over threads rounds differently, and a thousand Adam steps carry that into the
    verdicts (a point or so of a share, measured)."""
    a, b = _checked(a, "a"), _checked(b, "b")
    outer_threads = threads.get_num_threads()
    threads.set_num_threads(1)
    try:
        return _trained(a, b, steps, batch_size, seed)
    finally:
        threads.set_num_threads(outer_threads)


def _trained(a, b, steps, batch_size, seed) -> nn.Module:
    rng = np.random.default_rng(seed)
    outer = backend.rng_state()
    backend.manual_seed(seed)
    try:
        net = style_network(a.shape[1], a.shape[-1])
    finally:
        backend.set_rng_state(outer)
    opt = optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    half = batch_size // 2
    targets = Tensor(np.concatenate([np.zeros((half, 1)), np.ones((half, 1))]).astype(np.float32))
    net.train()
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


def _checked(images, name: str) -> np.ndarray:
    data = images.numpy() if isinstance(images, Tensor) else np.asarray(images)
    if data.ndim != 4 or data.dtype.kind != "f" or len(data) == 0:
        raise ValueError(f"style classifier: {name} must be N > 0 float images (N, C, H, W) in "
                         f"[-1, 1], got {data.dtype} of shape {data.shape}")
    return data.astype(np.float32, copy=False)
