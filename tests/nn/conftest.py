"""Every test here runs once with the fast kernels and once with the reference kernels."""
import pytest


@pytest.fixture(scope="module", autouse=True)
def _each_kernel_set(kernel_set):
    return kernel_set
