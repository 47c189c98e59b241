"""The judge: a small LeNet-style digit classifier that grades generated digits.

It was trained with minigan itself on the bundled 5,000-image MNIST subset by
``scripts/train_judge.py`` (seeded, so rerunning the script rebuilds it), and ships as
``judge_mnist.npz`` (float32 weights, no pickle) whose SHA-256 is recorded below and checked on
load. Its accuracy on the official 10,000-image MNIST test set, which it never saw, is printed by
the script and quoted in ``JUDGE_TEST_ACCURACY``.

    from minigan.metrics.judge import predict_proba
    probs = predict_proba(images_uint8)          # (N, 10), rows sum to 1

The architecture (inputs in [-1, 1], shape (N, 1, 28, 28)):

    Conv2d(1, 16, 5, padding=2) - ReLU - AvgPool2d(2)     -> 16 x 14 x 14
    Conv2d(16, 32, 5)           - ReLU - AvgPool2d(2)     -> 32 x 5 x 5
    Flatten - Linear(800, 128)  - ReLU                    -> 128 features (for the Fréchet distance)
    Linear(128, 10)                                       -> logits
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from minigan import backend, nn
from minigan.autograd import Tensor, no_grad
from minigan.checkpoint import read_verified

WEIGHTS_PATH = Path(__file__).with_name("judge_mnist.npz")
WEIGHTS_SHA256 = "2d5272e25a8cf9d7f3b582507576ffffa01ec7718ccb36c6a8604fd3b39abb67"
JUDGE_TEST_ACCURACY = 0.9836  # measured by scripts/train_judge.py on the 10,000 test images
FEATURE_DIM = 128
NUM_CLASSES = 10


class Judge(nn.Module):
    """LeNet-style CNN; ``features`` ends at the penultimate layer, ``classifier`` maps it to
    the 10 digit logits."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(16, 32, 5), nn.ReLU(), nn.AvgPool2d(2),
            nn.Flatten(), nn.Linear(32 * 5 * 5, FEATURE_DIM), nn.ReLU(),
        )
        self.classifier = nn.Linear(FEATURE_DIM, NUM_CLASSES)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


def load_judge(path=None, device: str = "cpu", sha256: str | None = None) -> Judge:
    """The trained judge in eval mode, on ``device``.

    ``path`` defaults to the shipped weights, whose SHA-256 must equal ``WEIGHTS_SHA256``
    (a corrupt or swapped file raises ``ValueError``). For another file, pass its ``sha256``
    to have it checked too. The file is read with ``allow_pickle=False``.
    """
    if path is None:
        path, sha256 = WEIGHTS_PATH, WEIGHTS_SHA256
    raw = read_verified(path, sha256, "judge weights file", "rebuild it with `python "
                        "scripts/train_judge.py` (or reinstall minigan)")
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        state = {key: npz[key] for key in npz.files}
    judge = Judge()
    judge.load_state_dict(state)
    return judge.to(device).eval()


_SHIPPED: dict[str, Judge] = {}


def shipped_judge(device: str = "cpu") -> Judge:
    """The shipped judge, loaded once per device and then reused (do not train it)."""
    device = backend.check_device(device)
    if device not in _SHIPPED:
        _SHIPPED[device] = load_judge(device=device)
    return _SHIPPED[device]


def prepare_images(images) -> np.ndarray:
    """Images as the judge's float32 input: shape (N, 1, 28, 28), values in [-1, 1].

    Accepts uint8 digits (0..255, 0 = background, as MNIST stores them) of shape (N, 28, 28)
    or (N, 1, 28, 28), or floating images already in [-1, 1] (a generator's tanh output) of
    shape (N, 28, 28), (N, 1, 28, 28) or (N, 784); NumPy/CuPy arrays or Tensors.
    """
    if isinstance(images, Tensor):
        images = images.data
    array = backend.to_numpy(images) if backend.is_array(images) else np.asarray(images)
    n = array.shape[0] if array.ndim else 0
    if array.ndim not in (2, 3, 4) or array.size != n * 784 or n == 0 or (
            array.ndim == 4 and array.shape[1] != 1):
        raise ValueError(f"judge: expected N > 0 MNIST-sized images of shape (N, 28, 28), "
                         f"(N, 1, 28, 28) or (N, 784), got {array.shape}")
    if array.dtype == np.uint8:
        out = array.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    elif np.issubdtype(array.dtype, np.floating):
        lo, hi = float(array.min()), float(array.max())
        if lo < -1.001 or hi > 1.001 or not np.isfinite(lo + hi):
            raise ValueError(f"judge: floating images must lie in [-1, 1] (tanh output), got "
                             f"values in [{lo:.3g}, {hi:.3g}]; pass uint8 0..255 images instead")
        out = array.astype(np.float32)
    else:
        raise TypeError(f"judge: images must be uint8 (0..255) or floating in [-1, 1], "
                        f"got dtype {array.dtype}")
    return out.reshape(n, 1, 28, 28)


def _device_of(judge) -> str:
    for parameter in judge.parameters():
        return parameter.device
    return "cpu"


def judge_outputs(images, judge=None, batch_size: int = 1000):
    """Class probabilities (N, 10) and penultimate features (N, 128), both float64 NumPy.

    One batched forward pass per ``batch_size`` images under ``no_grad``, in eval mode (the
    judge has no dropout or batch norm, but a caller's module might); a module that was
    training is put back in training mode afterwards.
    """
    if batch_size < 1:
        raise ValueError(f"judge: batch_size must be >= 1, got {batch_size}")
    x = prepare_images(images)
    judge = shipped_judge() if judge is None else judge
    was_training = getattr(judge, "training", False)
    judge.eval()
    device = _device_of(judge)
    probs, features = [], []
    try:
        with no_grad():
            for start in range(0, x.shape[0], batch_size):
                batch = Tensor(backend.to_device(x[start:start + batch_size], device))
                f = judge.features(batch)
                logits = judge.classifier(f).numpy().astype(np.float64)
                features.append(f.numpy().astype(np.float64))
                probs.append(_softmax(logits))
    finally:
        if was_training:
            judge.train()
    return np.concatenate(probs), np.concatenate(features)


def predict_proba(images, judge=None, batch_size: int = 1000) -> np.ndarray:
    """The judge's class probabilities p(digit | image), shape (N, 10), float64."""
    return judge_outputs(images, judge, batch_size)[0]


def predict(images, judge=None, batch_size: int = 1000) -> np.ndarray:
    """The judge's predicted digit for each image, shape (N,), int64."""
    return predict_proba(images, judge, batch_size).argmax(axis=1)


def extract_features(images, judge=None, batch_size: int = 1000) -> np.ndarray:
    """The judge's penultimate-layer features, shape (N, 128), float64."""
    return judge_outputs(images, judge, batch_size)[1]


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)
