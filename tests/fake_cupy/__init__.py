"""A strict stand-in for CuPy, so that minigan's GPU path runs on every CI machine.

No machine here has a GPU, so the ``"cuda"`` half of minigan's NumPy/CuPy switch would never
run. This package imitates CuPy where it matters for bugs: its arrays are a type of their own
that refuses to become NumPy arrays implicitly (``numpy.asarray(x)``, ``numpy.sum(x)``, a NumPy
array on the other side of ``+``: TypeError, as CuPy), only ``.get()``/``cupy.asnumpy`` and the
scalar conversions copy to the host, and it offers only names that real CuPy has (checked
against the installed ``cupy-cuda12x``, which imports without a GPU). Underneath, NumPy computes,
so results equal the CPU's exactly. It also counts host transfers (:data:`TRANSFERS`).

It is test equipment, not part of minigan: it lives in ``tests/``, and a test session switches
it on with the environment variable ``MINIGAN_TEST_FAKE_GPU=1`` (``tests/conftest.py`` calls
:func:`install` before minigan is imported). Scripts run on it through ``launch.py``:

    MINIGAN_TEST_FAKE_GPU=1 python -m pytest -k "cupy or cuda or gpu"
    python tests/fake_cupy/launch.py examples/dcgan_mnist.py --device cuda --epochs 1

What it does not imitate: asynchrony (every call has finished when it returns), device memory
limits, CuPy's wrap-around of out-of-range integer indices, and speed.
"""
from __future__ import annotations

import os
import sys

from ._array import ndarray  # noqa: F401  (the package's interface)
from ._modules import build
from ._names import NAMES  # noqa: F401
from ._transfers import TRANSFERS  # noqa: F401

SWITCH = "MINIGAN_TEST_FAKE_GPU"

_modules: dict = {}


def requested() -> bool:
    """Did the environment ask for the stand-in (``MINIGAN_TEST_FAKE_GPU=1``)?"""
    return os.environ.get(SWITCH) == "1"


def namespaces() -> dict:
    """The stand-in's modules, built once: ``{"cupy": ..., "cupyx": ..., "cupy.cuda": ...}``,
    what :func:`install` puts in ``sys.modules`` (tests of the stand-in use them directly)."""
    if not _modules:
        _modules.update(build())
    return _modules


def install() -> None:
    """From now on ``import cupy`` and ``import cupyx`` give the stand-in, in this process.

    Must run before minigan is imported: ``minigan.backend`` binds ``cupy`` once, on import.
    """
    if installed():
        return
    if "minigan.backend" in sys.modules:
        raise RuntimeError("install the CuPy stand-in before importing minigan: "
                           "minigan.backend has already bound the real cupy (or None)")
    for name in [n for n in sys.modules if n == "cupy" or n.startswith(("cupy.", "cupyx"))]:
        del sys.modules[name]  # a real CuPy imported earlier must not answer for the stand-in
    sys.modules.update(namespaces())


def installed() -> bool:
    return bool(_modules) and sys.modules.get("cupy") is _modules["cupy"]
