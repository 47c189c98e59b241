"""Fixtures for the judge and score tests: the official MNIST test set, when it is on disk.

The 10,000 test images live beside the repository in ``../shared/data/mnist`` (or wherever
``$MINIGAN_MNIST_TEST_DIR`` points). Tests that need them skip, never fail, without them, and
nothing here downloads.
"""
import os
from pathlib import Path

import pytest

MNIST_TEST_DIR = Path(os.environ.get("MINIGAN_MNIST_TEST_DIR")
                      or Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mnist")


@pytest.fixture(scope="session")
def mnist_test():
    """``(images uint8 (10000, 28, 28), labels uint8 (10000,))`` or a skip."""
    if not (MNIST_TEST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"the MNIST test set is not in {MNIST_TEST_DIR} (set MINIGAN_MNIST_TEST_DIR)")
    from minigan.data import load_mnist

    return load_mnist(root=MNIST_TEST_DIR, split="test", mirrors=[])
