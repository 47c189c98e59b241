"""Train the judge (minigan/metrics/judge_mnist.npz) with minigan itself, reproducibly.

    python scripts/train_judge.py                  # train on the bundled 5,000 images, report
    python scripts/train_judge.py --record         # ... and record the SHA-256 and accuracy
    python scripts/train_judge.py --limit 500 --epochs 1 --out /tmp/j.npz   # a quick smoke run

The judge is the LeNet-style CNN of ``minigan.metrics.judge``. It learns from the 5,000-image
MNIST training subset bundled with minigan (the full training set may not be reachable offline),
with every batch shifted at random by up to 2 pixels each way, a cheap way to make 5,000 images
behave like many more. The official 10,000-image test set (``--test-dir``) is used only to
measure the finished judge's accuracy, never to train or to choose settings: settings were
chosen with ``--holdout``, which keeps part of the bundled subset aside as a validation set.

Everything random (initialisation, shuffling, shifts) comes from minigan's one seeded
generator, and the weights are written without timestamps, so the same seed on the same
machine rebuilds the same file, byte for byte. (Another BLAS may round differently.)
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import minigan  # noqa: E402
from minigan import backend, nn, optim  # noqa: E402
from minigan.data import DataLoader, load_bundled_mnist, load_mnist, to_minus1_1  # noqa: E402
from minigan.metrics import judge as judge_module  # noqa: E402

DEFAULT_TEST_DIR = ROOT.parent / "shared" / "data" / "mnist"


def random_shift(images: np.ndarray, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """Shift each image of (N, 1, H, W) in [-1, 1] by its own random (dy, dx) in
    [-max_shift, max_shift], filling with background (-1). One fancy-index, no Python loop."""
    n, _, h, w = images.shape
    pad = max_shift
    padded = np.pad(images[:, 0], ((0, 0), (pad, pad), (pad, pad)), constant_values=-1.0)
    dy, dx = rng.integers(0, 2 * pad + 1, size=(2, n))
    rows = dy[:, None, None] + np.arange(h)[None, :, None]
    cols = dx[:, None, None] + np.arange(w)[None, None, :]
    return padded[np.arange(n)[:, None, None], rows, cols][:, None]


def accuracy(judge, images, labels, batch_size: int = 1000) -> float:
    predicted = judge_module.predict(images, judge=judge, batch_size=batch_size)
    return float((predicted == labels).mean())


def save_weights(path: Path, state: dict) -> bytes:
    """np.savez_compressed's format (a deflated zip of .npy files) with fixed timestamps, so
    equal weights give an equal file and SHA-256. Written atomically; returns the bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for key, array in state.items():
            npy = io.BytesIO()
            np.lib.format.write_array(npy, np.ascontiguousarray(array, dtype=np.float32),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, npy.getvalue(), compresslevel=9)
    raw = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".part")
    with os.fdopen(fd, "wb") as f:
        f.write(raw)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; package data must be world-readable
    os.replace(tmp, path)
    return raw


def record(sha256: str, test_accuracy: float | None) -> None:
    """Write the new weights' SHA-256 and test accuracy into minigan/metrics/judge.py."""
    source = Path(judge_module.__file__)
    text = source.read_text()
    text = re.sub(r'^WEIGHTS_SHA256 = .*$', f'WEIGHTS_SHA256 = "{sha256}"', text, flags=re.M)
    if test_accuracy is not None:
        text = re.sub(r'^JUDGE_TEST_ACCURACY = [^ ]*', f"JUDGE_TEST_ACCURACY = {test_accuracy:.4f}",
                      text, flags=re.M)
    source.write_text(text)
    print(f"recorded in {source}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Train minigan's digit judge.")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--decay-epochs", type=int, default=6,
                        help="the last this many epochs run at lr/10")
    parser.add_argument("--shift", type=int, default=2, help="random shift, pixels each way")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None,
                        help="train on a random subset of this many images (smoke runs)")
    parser.add_argument("--holdout", type=int, default=0,
                        help="keep this many bundled images aside to validate settings")
    parser.add_argument("--test-dir", type=Path, default=DEFAULT_TEST_DIR,
                        help="folder with t10k-*-ubyte.gz, for the final test accuracy only")
    parser.add_argument("--out", type=Path, default=judge_module.WEIGHTS_PATH)
    parser.add_argument("--record", action="store_true",
                        help="write the SHA-256 and test accuracy into minigan/metrics/judge.py")
    args = parser.parse_args()

    minigan.manual_seed(args.seed)
    rng = backend.get_rng()
    images, labels = load_bundled_mnist()
    order = rng.permutation(len(images))  # the subset is sorted by digit
    images, labels = images[order], labels[order].astype(np.int64)
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    held_images, held_labels = images[:args.holdout], labels[:args.holdout]
    images, labels = images[args.holdout:], labels[args.holdout:]

    judge = judge_module.Judge()
    optimizer = optim.Adam(judge.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()

    def augment(batch):
        return random_shift(to_minus1_1(batch)[:, None], args.shift, backend.get_rng())

    loader = DataLoader((images, labels), batch_size=args.batch_size, shuffle=True,
                        transform=augment)
    print(f"training the judge on {len(images)} bundled images ({args.holdout} held out), "
          f"{args.epochs} epochs of {len(loader)} batches of {args.batch_size}")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        lr = args.lr / 10 if epoch > args.epochs - args.decay_epochs else args.lr
        for group in optimizer.param_groups:
            group["lr"] = lr
        judge.train()
        total, correct, count = 0.0, 0, 0
        for x, y in loader:
            logits = judge(x)
            loss = loss_fn(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            correct += int((logits.numpy().argmax(axis=1) == y.numpy()).sum())
            count += len(y)
        line = (f"epoch {epoch:2d}  lr {lr:.0e}  loss {total / count:.4f}  "
                f"train acc (shifted) {correct / count:.4f}")
        if len(held_images):
            line += f"  holdout acc {accuracy(judge, held_images, held_labels):.4f}"
        print(f"{line}  [{time.perf_counter() - start:.0f} s]", flush=True)
    train_seconds = time.perf_counter() - start

    raw = save_weights(args.out, judge.state_dict())
    digest = hashlib.sha256(raw).hexdigest()
    print(f"training took {train_seconds:.0f} s")
    print(f"wrote {args.out} ({len(raw)} bytes), sha256 {digest}")

    test_accuracy = None
    if (args.test_dir / "t10k-images-idx3-ubyte.gz").is_file():
        test_images, test_labels = load_mnist(root=args.test_dir, split="test", mirrors=[])
        test_accuracy = accuracy(judge, test_images, test_labels)
        print(f"test accuracy on the {len(test_images)} official MNIST test images: "
              f"{test_accuracy:.4f}")
    else:
        print(f"no MNIST test set in {args.test_dir}: test accuracy not measured")
    if args.record:
        record(digest, test_accuracy)


if __name__ == "__main__":
    main()
