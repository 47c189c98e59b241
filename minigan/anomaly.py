"""Anomaly detection: stop at the first operation whose forward or backward makes NaN or inf.

A NaN in a loss tells you something went wrong, not where: by the time you see it, it has
flowed through every layer. Inside :func:`detect_anomaly` every Function checks its output as
it runs forward and the gradients it returns as it runs backward, and the first non-finite value
raises a ``RuntimeError`` naming the Function and the line of your code that created it. It
costs a pass over every array, so use it to hunt a NaN, not to train. As
``torch.autograd.detect_anomaly``.
"""
from __future__ import annotations

import contextlib
import os
import traceback

from minigan import backend

enabled = False
_in_backward_of = None  # the node whose backward is running, when anomaly detection is on

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


@contextlib.contextmanager
def detect_anomaly(check_nan: bool = True):
    """Inside this block, a forward or backward that produces NaN or inf raises at once."""
    global enabled
    previous, enabled = enabled, bool(check_nan)
    try:
        yield
    finally:
        enabled = previous


def set_detect_anomaly(mode: bool) -> None:
    """Switch anomaly detection on or off for the rest of the program."""
    global enabled
    enabled = bool(mode)


def is_anomaly_enabled() -> bool:
    return enabled


def creation_site() -> str:
    """``file:line in function`` of the innermost caller outside minigan: the line of the
    reader's code that built this node (a layer's forward inside minigan is named too)."""
    frames = traceback.extract_stack()[:-2]  # drop this function and Function.apply
    inside = [f for f in frames if f.filename.startswith(_PACKAGE)]
    outside = [f for f in frames if not f.filename.startswith(_PACKAGE)]
    where = []
    if outside:
        f = outside[-1]
        where.append(f"{f.filename}:{f.lineno} in {f.name}")
    if inside:  # the layer's forward says which module it was, else the innermost call
        f = ([f for f in inside if f.name == "forward"] or inside)[-1]
        path = os.path.relpath(f.filename, os.path.dirname(os.path.dirname(_PACKAGE)))
        where.append(f"(via {path}:{f.lineno} in {f.name})")
    return " ".join(where) or "an unknown place"


def _finite(array) -> bool:
    xp = backend.get_array_module(array)
    if not xp.issubdtype(array.dtype, xp.floating):
        return True
    return bool(xp.isfinite(array).all())


def check_forward(name: str, output) -> None:
    if _finite(output):
        return
    if _in_backward_of is not None:  # an operation inside a backward: blame that backward
        node = _in_backward_of
        raise RuntimeError(
            f"anomaly: {type(node).__name__}'s backward made non-finite values (NaN or inf) in "
            f"a {name} of shape {tuple(output.shape)}; that {type(node).__name__} was created "
            f"at {_site(node)}")
    raise RuntimeError(f"anomaly: {name}'s forward returned non-finite values (NaN or inf) "
                       f"in its output of shape {tuple(output.shape)}, created at "
                       f"{creation_site()}")


@contextlib.contextmanager
def running_backward_of(node):
    """Mark ``node``'s backward as running, so that its operations' anomalies name it."""
    global _in_backward_of
    previous, _in_backward_of = _in_backward_of, node
    try:
        yield
    finally:
        _in_backward_of = previous


def _site(node) -> str:
    return getattr(node, "_created_at", "a place not recorded (outside detect_anomaly)")


def check_backward(node, input_grads) -> None:
    for i, g in enumerate(input_grads):
        if g is not None and not _finite(g.data):
            raise RuntimeError(
                f"anomaly: {type(node).__name__}'s backward returned non-finite values (NaN or "
                f"inf) in the gradient of its input {i} (shape {g.shape}); that "
                f"{type(node).__name__} was created at {_site(node)}")
