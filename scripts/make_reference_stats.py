"""Compute the classifier-FID reference shipped in minigan/metrics/mnist_test_features.npz.

    python scripts/make_reference_stats.py ../shared/data/mnist

Reads the official MNIST test set (t10k-*.gz) from the folder given, takes the shipped judge's
penultimate features of its 10,000 images, and writes their mean and covariance. Prints the
file's SHA-256, which minigan/metrics/reference.py records.
"""
import argparse

from minigan.data import load_mnist
from minigan.metrics.judge import extract_features
from minigan.metrics.reference import STATS_PATH, save_reference_statistics
from minigan.metrics.scores import feature_statistics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mnist_dir", help="folder holding t10k-images-idx3-ubyte.gz and labels")
    args = parser.parse_args()
    images, _ = load_mnist(root=args.mnist_dir, split="test")
    mu, sigma = feature_statistics(extract_features(images))
    digest = save_reference_statistics(STATS_PATH, mu, sigma)
    print(f"wrote {STATS_PATH} ({len(images)} images, {mu.shape[0]} features)\nSHA-256 {digest}")


if __name__ == "__main__":
    main()
