"""The one place that knows NumPy from CuPy.

Every array in minigan is a NumPy array (device ``"cpu"``) or a CuPy array (device ``"cuda"``).
Operations never import either library: they ask :func:`get_array_module` for the module that
owns their input (``xp``) and use only functions that NumPy and CuPy share. This file also keeps
the process-wide defaults (dtype, device) and one seeded random generator per device, so that a
run is reproducible and a resumed run continues the same random sequence.
"""
from __future__ import annotations

import json

import numpy

try:  # CuPy is optional (the ``gpu`` extra); without a GPU it may import but find no device.
    import cupy
except Exception:  # pragma: no cover - depends on the machine
    cupy = None

DEVICES = ("cpu", "cuda")

_default_dtype = numpy.dtype(numpy.float32)
_default_device = "cpu"


# ---------------------------------------------------------------- devices and array modules

def cuda_is_available() -> bool:
    """True when CuPy is installed and sees at least one GPU."""
    if cupy is None:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def check_device(device) -> str:
    """Normalise a device name (``"cpu"``, ``"cuda"``, ``"cuda:0"``) or raise a clear error."""
    name = str(device).split(":")[0]
    if name not in DEVICES:
        raise ValueError(f"unknown device {device!r}; minigan knows {DEVICES}")
    if name == "cuda" and not cuda_is_available():
        raise RuntimeError(
            "device 'cuda' asked for, but CuPy is not installed or sees no GPU; "
            "install the gpu extra (pip install 'minigan[gpu]') on a machine with an NVIDIA GPU"
        )
    return name


def array_module(device: str):
    """The array library that stores arrays on ``device``."""
    return cupy if check_device(device) == "cuda" else numpy


def get_array_module(array):
    """NumPy or CuPy, whichever owns ``array`` (DeZero's and CuPy's name for this idea)."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        return cupy
    return numpy


xp_of = get_array_module  # the short name every operation uses: ``xp = xp_of(x)``


def device_of(array) -> str:
    return "cuda" if get_array_module(array) is not numpy else "cpu"


def is_array(obj) -> bool:
    return isinstance(obj, numpy.ndarray) or (cupy is not None and isinstance(obj, cupy.ndarray))


def check_same_device(op: str, device: str, array, what: str, host_ok: bool = False) -> None:
    """Raise minigan's device error if ``array`` lives on another device than ``device``: for
    the arrays an operation takes beside its Tensor inputs (a condition, an index), which
    Function.apply does not see. ``host_ok``: an array on the host may serve a GPU tensor (an
    index: CuPy and PyTorch copy it over). Anything that is not an array passes."""
    if not is_array(array):
        return
    other = device_of(array)
    if other != device and not (host_ok and other == "cpu"):
        raise RuntimeError(f"{op}: tensors on two devices, {device} and {other} ({what}); "
                           "move them with .to(device)")


def to_device(array, device: str):
    """Move ``array`` to ``device`` (a no-op when it is already there)."""
    device = check_device(device)
    if device_of(array) == device:
        return array
    if device == "cuda":
        return cupy.asarray(array)
    return cupy.asnumpy(array)


def to_numpy(array) -> numpy.ndarray:
    return to_device(array, "cpu") if is_array(array) else numpy.asarray(array)


def scatter_add(target, index, values) -> None:
    """``target[index] += values`` where repeated indices add up (NumPy's ``add.at``)."""
    if get_array_module(target) is numpy:
        numpy.add.at(target, index, values)
    else:
        import cupyx

        cupyx.scatter_add(target, index, values)


# ---------------------------------------------------------------- defaults

def set_default_dtype(dtype) -> None:
    """Floating dtype of new tensors and parameters: float32 (default) or float64 (grad checks)."""
    global _default_dtype
    dtype = numpy.dtype(dtype)
    if dtype not in (numpy.float32, numpy.float64):
        raise TypeError(f"default dtype must be float32 or float64, got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> numpy.dtype:
    return _default_dtype


def set_default_device(device) -> None:
    """Device of new tensors and parameters when none is named."""
    global _default_device
    _default_device = check_device(device)


def get_default_device() -> str:
    return _default_device


# ---------------------------------------------------------------- random numbers
#
# All randomness (initialisation, dropout masks, noise, shuffling) comes from ONE generator on the
# CPU and is moved to the tensor's device afterwards. Noise and masks are small next to the
# matrix products that use them, and the gain is large: the same seed draws the same numbers on
# a laptop and on a GPU, and a checkpoint stores a single generator state.

_generator = numpy.random.default_rng(0)


def manual_seed(seed: int) -> None:
    """Seed minigan's generator, so initialisation, dropout, noise and shuffling repeat."""
    global _generator
    _generator = numpy.random.default_rng(seed)


def get_rng(device: str = "cpu") -> numpy.random.Generator:
    """minigan's seeded generator. Every device draws from it; see the note above."""
    if str(device).split(":")[0] not in DEVICES:
        raise ValueError(f"unknown device {device!r}; minigan knows {DEVICES}")
    return _generator


def rng_state() -> str:
    """The generator's state as a JSON string: checkpoints store it without pickling."""
    return json.dumps(_generator.bit_generator.state, default=int)


def set_rng_state(state: str) -> None:
    """Restore the generator from :func:`rng_state`'s string."""
    global _generator
    state = json.loads(state)
    generator = numpy.random.Generator(getattr(numpy.random, state["bit_generator"])())
    generator.bit_generator.state = state
    _generator = generator
