"""The flat form of a state dict: one NumPy array per dotted key, so ``numpy.savez`` stores
optimizer and scheduler states without pickling (see ``minigan.optim``'s docstring)."""
from __future__ import annotations

import numpy

from minigan import backend

# ---------------------------------------------------------------- flat form of a state dict

def flatten_state(state: dict, prefix: str = "") -> dict:
    """A nested state dict as ``{dotted.key: numpy array}``, ready for ``numpy.savez``.

    Numbers and booleans become 0-d arrays, tuples and lists of numbers 1-d arrays, nested dicts
    and lists of dicts (``param_groups``) dotted keys. ``prefix`` is put before every key (for
    several optimizers in one file, e.g. ``"optim_G."``).
    """
    flat = {}

    def visit(key: str, value) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                visit(f"{key}.{k}" if key else str(k), v)
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], dict):
            for i, v in enumerate(value):
                visit(f"{key}.{i}", v)
        elif backend.is_array(value):
            flat[prefix + key] = backend.to_numpy(value).copy()
        elif isinstance(value, (bool, int, float, str, numpy.generic)) or (
                isinstance(value, (list, tuple)) and all(
                    isinstance(v, (bool, int, float, numpy.generic)) for v in value)):
            flat[prefix + key] = numpy.asarray(value)
        else:
            raise TypeError(f"flatten_state: cannot store {type(value).__name__} at key {key!r} "
                            "as an array (numbers, arrays, and lists of numbers only)")

    visit("", state)
    return flat


def unflatten_state(flat: dict, prefix: str = "") -> dict:
    """The inverse of :func:`flatten_state`, reading only keys that start with ``prefix``.

    Integer keys come back as ints (``state[0]``), ``param_groups`` as a list, 0-d arrays as
    Python numbers, other arrays in ``param_groups`` as tuples (``betas``), ``params`` as a list
    of ints; arrays in ``state`` stay arrays (only ``step`` becomes a number).
    """
    nested: dict = {}
    for full_key, value in flat.items():
        if not full_key.startswith(prefix):
            continue
        parts = [int(p) if p.isdigit() else p for p in full_key[len(prefix):].split(".")]
        value = numpy.asarray(value)
        in_state = parts[0] == "state"
        if in_state and parts[-1] != "step":
            pass  # per-parameter arrays stay arrays, even 0-d ones
        elif value.ndim == 0:
            value = value.item()
        elif parts[-1] == "params":
            value = [int(v) for v in value.tolist()]
        else:
            value = tuple(value.tolist())
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    if isinstance(nested.get("param_groups"), dict):
        groups = nested["param_groups"]
        nested["param_groups"] = [groups[i] for i in sorted(groups)]
    return nested


def _is_flat(state: dict) -> bool:
    """Whether ``state`` is :func:`flatten_state`'s form (read back from an ``.npz``, say)."""
    return any((isinstance(k, str) and "." in k) or backend.is_array(v) for k, v in state.items())


# ---------------------------------------------------------------- the base class
