"""Recording on and off: :func:`no_grad` for sampling and evaluation, :func:`enable_grad` inside it.

One flag for the whole program (PyTorch keeps one per thread). :meth:`Function.apply` reads
it to decide whether to record a node, and the backward turns it off unless ``create_graph``,
so that a plain backward records nothing.
"""
from __future__ import annotations

import contextlib

_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def _recreate_cm(self):
        # A decorated function gets a fresh manager per call, so a recursive call keeps its own
        # saved state instead of overwriting the outer call's.
        return _GradMode(self.enabled)

    def __enter__(self):
        global _grad_enabled
        self._previous, _grad_enabled = _grad_enabled, self.enabled

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._previous
        return False


def no_grad():
    """Context manager (and decorator) that records no graph: for sampling and evaluation."""
    return _GradMode(False)


def enable_grad():
    """Context manager (and decorator) that turns recording back on inside :func:`no_grad`."""
    return _GradMode(True)
