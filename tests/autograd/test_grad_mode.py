"""minigan.autograd's grad mode: no_grad records nothing, as a block or a decorator."""
import numpy as np

import minigan as mg
from minigan.autograd import grad_mode


def leaf(values, dtype=np.float64):
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype=dtype, requires_grad=True)


def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with mg.no_grad():
        y = x * 2.0 + 1.0
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            z = x * 2.0
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad


def test_no_grad_works_as_a_decorator():
    x = leaf([1.0])

    @mg.no_grad()
    def sample():
        return x * 3.0

    assert not sample().requires_grad
    assert mg.is_grad_enabled()
    assert (x * 3.0).requires_grad


def test_no_grad_decorator_restores_recording_after_a_nested_call():
    @mg.no_grad()
    def walk(depth):
        if depth:
            walk(depth - 1)

    try:
        walk(1)
        assert mg.is_grad_enabled()
    finally:
        grad_mode._grad_enabled = True  # do not leave the rest of the suite without a graph
