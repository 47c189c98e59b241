"""Set-up shared by the operation tests in tests/ops: drawn shapes, hypothesis settings, data.

Shared test code lives here, in tests/support, not in a conftest.py (see tests/conftest.py for
why test modules do not import conftest). pytest puts this folder on the import path (the
``pythonpath`` option in setup.cfg's [tool:pytest]), so a test module writes
``from op_checks import SEEDS, GRAD, normal``; the name is chosen to clash with nothing.
Strategies and data makers used by one module only stay in that module.
"""
import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minigan.gradcheck import gradcheck, gradgradcheck

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY_DIMS = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)

GRAD = settings(max_examples=25, deadline=None)
GRADGRAD = settings(max_examples=15, deadline=None)


def normal(seed, shape):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, shape)


def assert_zero_dim_cases_pass(cases):
    """Gradcheck and gradgradcheck every ``(name, function, inputs)`` case on its 0-d inputs
    (NumPy ufuncs return scalars there, not 0-d arrays), and fail once listing every break."""
    failures = []
    for name, fn, inputs in cases:
        for check in (gradcheck, gradgradcheck):
            try:
                check(fn, inputs)
            except Exception as error:  # collect them all: the message lists every broken op
                failures.append(f"{check.__name__} {name}: {type(error).__name__}")
    assert not failures, "\n".join(failures)
