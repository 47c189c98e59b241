"""minigan.autograd.detect_anomaly: the first NaN or inf, forward or backward, names the
Function and the line of the reader's code that created it."""
import warnings

import numpy as np
import pytest

import minigan as mg
from minigan import anomaly, autograd, nn


def _line_of(text: str) -> int:
    with open(__file__) as f:
        return next(i for i, line in enumerate(f, 1) if text in line)


def test_a_nan_in_a_forward_names_the_function_and_the_line():
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    bad = mg.tensor(np.array([[np.nan, 1.0, 2.0]]))
    with autograd.detect_anomaly():
        with pytest.raises(RuntimeError) as caught:
            model(bad)  # the forward that makes NaN
    message = str(caught.value)
    assert "Linear's forward" in message
    assert f"test_anomaly.py:{_line_of('model(bad)  # the forward')}" in message
    assert "nn/layers.py" in message, "the layer's own forward is named too"


def test_a_nan_in_a_backward_names_the_function_that_made_it():
    # The norm of a zero vector: sqrt's derivative at 0 is inf, and 0 * inf is NaN. WGAN-GP's
    # penalty meets this where the critic's gradient vanishes.
    x = mg.tensor(np.zeros((2, 3)), dtype=np.float64, requires_grad=True)
    with autograd.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        norm = (x * x).sum().sqrt()  # the norm at zero
        with pytest.raises(RuntimeError) as caught:
            norm.backward()
    message = str(caught.value)
    assert "Sqrt's backward" in message
    assert f"test_anomaly.py:{_line_of('sqrt()  # the norm at zero')}" in message


def test_without_anomaly_detection_nan_passes_silently():
    x = mg.tensor(np.zeros(3), dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (x * x).sum().sqrt().backward()
    assert np.isnan(x.grad.numpy()).all()


def test_finite_values_raise_nothing_and_the_mode_is_restored():
    assert not anomaly.is_anomaly_enabled()
    with autograd.detect_anomaly():
        assert anomaly.is_anomaly_enabled()
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        (x.tanh() * 3).sum().backward()
        with autograd.detect_anomaly(check_nan=False):
            assert not anomaly.is_anomaly_enabled()
        assert anomaly.is_anomaly_enabled()
    assert not anomaly.is_anomaly_enabled()
    autograd.set_detect_anomaly(True)
    try:
        assert anomaly.is_anomaly_enabled()
    finally:
        autograd.set_detect_anomaly(False)
