"""How operations read their dimensions: PyTorch's ``dim`` and ``keepdim``, and NumPy's names.

minigan's operations take PyTorch's arguments, so that what a learner writes here carries over.
A reader who comes from NumPy may write ``axis`` and ``keepdims``: :func:`numpy_aliases` lets
every operation that takes ``dim``/``keepdim`` accept those too, and refuses a call that names
the same thing twice (``x.sum(dim=0, axis=1)``), which has no right answer.
"""
from __future__ import annotations

import functools
import inspect

ALIASES = {"axis": "dim", "keepdims": "keepdim"}  # NumPy's name: PyTorch's name


def numpy_aliases(function):
    """Let ``function``, written with ``dim`` (and maybe ``keepdim``), also take ``axis`` and
    ``keepdims`` as keywords; passing both names of one argument raises a TypeError."""
    names = list(inspect.signature(function).parameters)
    position = {name: names.index(name) for name in ALIASES.values() if name in names}

    @functools.wraps(function)
    def with_aliases(*args, **kwargs):
        if kwargs:  # the usual call passes dims by position or by PyTorch's names: no work
            for alias, name in ALIASES.items():
                if alias not in kwargs:
                    continue
                if name not in position:
                    raise TypeError(f"{function.__name__}() got an unexpected keyword argument "
                                    f"{alias!r}")
                if name in kwargs or len(args) > position[name]:
                    raise TypeError(f"{function.__name__}() got both {name!r} and {alias!r} "
                                    f"(NumPy's name for {name!r}); pass one of them")
                kwargs[name] = kwargs.pop(alias)
        return function(*args, **kwargs)

    return with_aliases


def normalise_dims(dim, ndim: int) -> tuple:
    """``dim`` (None for every dim, an int or a sequence of ints, negative ones counting from
    the end) as a sorted tuple of non-negative dims. A 0-d tensor accepts dim 0 and -1 and has
    nothing to reduce over, as in PyTorch."""
    if dim is None:
        return tuple(range(ndim))
    dims, count = ((dim,) if isinstance(dim, int) else tuple(dim)), max(ndim, 1)
    for d in dims:
        if not -count <= d < count:
            raise ValueError(f"dim {d} is out of range for a tensor with {ndim} dimensions")
    return tuple(sorted(d % count for d in dims)) if ndim else ()
