"""Fixtures shared by the whole test suite.

Test modules do not import this file (``from conftest import ...`` breaks as soon as a second
``conftest.py`` exists in a subdirectory, because both are called ``conftest``): hypothesis
strategies and helpers live in the module that uses them, or in ``tests/support`` when several
modules share them (``from op_checks import ...``; setup.cfg's ``pythonpath`` puts that folder
on the import path), and only fixtures live here, with one switch: ``MINIGAN_TEST_FAKE_GPU=1``
puts the CuPy stand-in (``tests/fake_cupy``) in CuPy's place before minigan is imported, so
every test of the "cuda" device runs on it.
"""
import functools
import importlib.util
import os

import numpy as np
import pytest
from hypothesis import settings


@functools.lru_cache(maxsize=None)
def _stand_in():
    """The CuPy stand-in package, loaded from tests/fake_cupy (it is on no import path)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_cupy", "launch.py")
    spec = importlib.util.spec_from_file_location("fake_cupy_launch", path)
    launch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launch)
    return launch.load_stand_in()


if os.environ.get("MINIGAN_TEST_FAKE_GPU") == "1":
    _stand_in().install()

from minigan import backend  # noqa: E402  (after the stand-in, which must come first)

# No example database. The operation tests run each hypothesis test twice in one process, once
# per kernel set (the kernel_set fixture below). With the oldest hypothesis we support (6.80),
# the second run replays the examples the first one stored under the same test function, and
# fails its "data too large" health check on them (newer versions do not). CI starts from a fresh machine, so
# a database would only ever hold examples from the same run; a failing example is printed with
# the seed that reproduces it either way.
settings.register_profile("minigan", database=None)
settings.load_profile("minigan")


def pytest_report_header(config):
    stand_in = _stand_in()
    if not stand_in.installed():
        return "CuPy stand-in: off (MINIGAN_TEST_FAKE_GPU=1 runs the GPU-path tests on it)"
    stand_in.NAMES.load()
    return f"CuPy stand-in: on, as device 'cuda'; {stand_in.NAMES.note}"


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


@pytest.fixture
def fake_cupy():
    """The CuPy stand-in package (installed as ``cupy`` only with MINIGAN_TEST_FAKE_GPU=1)."""
    return _stand_in()


@pytest.fixture
def host_transfers(fake_cupy):
    """The stand-in's count of host transfers, emptied; skips unless the stand-in is the GPU."""
    if not fake_cupy.installed():
        pytest.skip("counting host transfers needs the CuPy stand-in (MINIGAN_TEST_FAKE_GPU=1)")
    fake_cupy.TRANSFERS.clear()
    return fake_cupy.TRANSFERS


@pytest.fixture(scope="module", params=["fast", "reference"])
def kernel_set(request):
    """Every test of a module once with each kernel set (``minigan.kernels``): the directories
    of operation and gradient tests ask for it in their own conftest.py."""
    from minigan import kernels
    with kernels.using(request.param):
        yield request.param


@pytest.fixture
def fast_kernels():
    """For a test of what only the fast kernels promise (a memory layout, a split over threads):
    its run with the reference kernels is skipped."""
    from minigan import kernels
    if kernels.get_kernels() != "fast":
        pytest.skip("tests a property of the fast kernels only")
