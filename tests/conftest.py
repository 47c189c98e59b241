"""Fixtures shared by the whole test suite.

Test modules do not import this file (``from conftest import ...`` breaks as soon as a second
``conftest.py`` exists in a subdirectory, because both are called ``conftest``): hypothesis
strategies live in the modules that use them, and only fixtures live here.
"""
import numpy as np
import pytest

from minigan import backend


@pytest.fixture(autouse=True)
def _restore_defaults():
    """Put the default dtype and device back after every test, so one test cannot leak them."""
    dtype, device = backend.get_default_dtype(), backend.get_default_device()
    yield
    backend.set_default_dtype(dtype)
    backend.set_default_device(device)


@pytest.fixture
def float64():
    """New tensors are float64 for the test (gradient checks); float32 comes back afterwards."""
    backend.set_default_dtype(np.float64)
    yield np.float64
