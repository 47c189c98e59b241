"""The array work behind minigan's operations, in two interchangeable kernel sets.

A Function (:mod:`minigan.ops`) says what an operation is and how it differentiates; the arrays
are worked on by the active kernel set, one module of plain functions with the same names in
each set:

* ``reference`` (:mod:`minigan.kernels.reference`): the NumPy a textbook writes: im2col as one
  slice per kernel offset, ``a @ b``, Adam's formula as the paper prints it. Read it first.
* ``fast`` (:mod:`minigan.kernels.fast`, the default): the same results to float rounding, with
  batch-last convolution buffers, minigan's CPU threads and fused passes. The README's "Speed"
  section walks through it.

    import minigan as mg
    mg.set_kernels("reference")        # or MINIGAN_KERNELS=reference in the environment
    mg.get_kernels()                   # 'reference'
    with mg.kernels.using("fast"): ...

A node of the graph remembers the set its forward ran with (``ctx.kernels``), and its backward
uses the same one: what a forward keeps for its backward, such as a convolution's columns, is
laid out for its own set.
"""
from __future__ import annotations

import contextlib
import os

from minigan.kernels import fast, reference

SETS = {"reference": reference, "fast": fast}

# What the Functions and optimisers call, and so what every set defines, with the same parameters.
INTERFACE = ("matmul", "matmul_grads", "linear", "linear_grads", "reshape_back",
             "im2col", "conv2d", "conv2d_weight_grad", "conv_transpose2d", "conv2d_grads",
             "conv_transpose2d_grads", "bias_grad", "normalize", "normalize_grads",
             "relu", "leaky_relu", "times_slope", "adam_step")


def _named(name, where: str):
    if name not in SETS:
        raise ValueError(f"{where}: unknown kernel set {name!r}; choose one of {sorted(SETS)}")
    return SETS[name]


active = _named(os.environ.get("MINIGAN_KERNELS") or "fast", "MINIGAN_KERNELS")


def set_kernels(name: str) -> None:
    """Use the ``"reference"`` or the ``"fast"`` kernels from now on, in this process."""
    global active
    active = _named(name, "set_kernels")


def get_kernels() -> str:
    """The name of the active kernel set."""
    return next(name for name, module in SETS.items() if module is active)


@contextlib.contextmanager
def using(name: str):
    """The kernel set ``name`` inside the block, the one before it after."""
    global active
    before, active = active, _named(name, "kernels.using")
    try:
        yield
    finally:
        active = before
