"""Which names real CuPy has, so that the stand-in offers no more than it.

``pip install cupy-cuda12x`` installs and imports on a machine without a GPU (only using a
device fails), so the names are read from the real package, in a child process: the real
``cupy`` never enters the test process, whose ``cupy`` is the stand-in. Without CuPy installed
the check is skipped and :attr:`Names.note` says so.

The child's answer is kept in a file named by ``MINIGAN_FAKE_CUPY_NAMES``, so the scripts a
test launches on the stand-in (examples, ``python -m minigan``) ask only once.
"""
from __future__ import annotations

import atexit
import inspect
import json
import os
import subprocess
import sys
import tempfile

CACHE_VARIABLE = "MINIGAN_FAKE_CUPY_NAMES"

# The namespaces and classes whose names are checked: key -> how the child finds the object.
PLACES = {
    "cupy": "cupy", "cupyx": "cupyx", "cupy.random": "cupy.random",
    "cupy.random.Generator": "cupy.random.Generator",
    "cupy.random.RandomState": "cupy.random.RandomState",
    "cupy.lib": "cupy.lib", "cupy.lib.stride_tricks": "cupy.lib.stride_tricks",
    "cupy.cuda": "cupy.cuda", "cupy.cuda.runtime": "cupy.cuda.runtime",
    "cupy.cuda.Device": "cupy.cuda.Device", "cupy.cuda.Stream": "cupy.cuda.Stream",
    "cupy.cuda.Event": "cupy.cuda.Event", "cupy.cuda.MemoryPool": "cupy.cuda.MemoryPool",
    "cupy.cuda.PinnedMemoryPool": "cupy.cuda.PinnedMemoryPool",
    "cupy.cuda.MemoryPointer": "cupy.cuda.MemoryPointer",
    "cupy.ndarray": "cupy.ndarray", "cupy.ufunc": "type(cupy.add)",
}

# The functions whose signatures are read, so that a call CuPy would refuse (a keyword NumPy
# has and CuPy lacks: numpy.pad's stat_length, as_strided's writeable) is refused here too.
SIGNED = ("cupy", "cupyx", "cupy.random", "cupy.random.Generator", "cupy.random.RandomState",
          "cupy.lib.stride_tricks")

_CHILD = """
import inspect, json, sys, numpy, cupy, cupyx, cupy.lib.stride_tricks, cupy.cuda.runtime
places, signed = json.loads(sys.argv[1]), json.loads(sys.argv[2])
names = {key: sorted(dir(eval(expr))) for key, expr in places.items()}
def parameters(f):
    try:
        return [(p.name, int(p.kind), p.default is not p.empty)
                for p in inspect.signature(f).parameters.values() if p.name != "self"]
    except (TypeError, ValueError):  # compiled without a signature: not checked
        return None
names["signatures"] = {f"{key}.{n}": parameters(getattr(eval(places[key]), n))
                       for key in signed for n in names[key] if not n.startswith("_")
                       and callable(getattr(eval(places[key]), n))
                       and not isinstance(getattr(eval(places[key]), n), type)}
# Names whose object IS NumPy's (dtypes, constants, finfo...): the stand-in hands them out as is.
names["numpy's own"] = sorted(n for n in dir(cupy) if getattr(cupy, n) is getattr(numpy, n, None))
names["version"] = cupy.__version__
print(json.dumps(names))
"""


class _Default:  # stands for a default value in a signature shown in an error
    def __repr__(self):
        return "..."


_DEFAULT = _Default()


class Names:
    """Real CuPy's names, or None where CuPy is not installed (then nothing is checked)."""

    def __init__(self):
        self._names: dict | None = None
        self._signatures: dict = {}
        self.loaded = False
        self.note = ""

    def load(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        cache = os.environ.get(CACHE_VARIABLE)
        if cache and os.path.exists(cache):
            with open(cache) as f:
                self._names = json.load(f)
        else:
            self._names = _ask_real_cupy()
            if self._names is not None:
                fd, cache = tempfile.mkstemp(prefix="minigan-fake-cupy-names-", suffix=".json")
                with os.fdopen(fd, "w") as f:
                    json.dump(self._names, f)
                os.environ[CACHE_VARIABLE] = cache  # children inherit it
                atexit.register(_remove, cache)  # they end before the process that made it
        if self._names is None:
            self.note = ("CuPy is not installed here: the CuPy stand-in does not check the names "
                         "it is asked for against real CuPy's (pip install cupy-cuda12x)")
        else:
            self.note = (f"the CuPy stand-in offers only names that CuPy "
                         f"{self._names['version']} has")

    @property
    def version(self) -> str | None:
        """The real CuPy's version, if it is installed."""
        return self._names["version"] if self.checked else None

    @property
    def checked(self) -> bool:
        self.load()
        return self._names is not None

    def has(self, place: str, name: str) -> bool:
        self.load()
        return self._names is None or name in self._names[place]

    def require(self, place: str, name: str) -> None:
        """Raise AttributeError, as CuPy would, if real CuPy has no ``place.name``."""
        if not self.has(place, name):
            raise AttributeError(f"CuPy {self._names['version']} has no {place}.{name} "
                                 "(the CuPy stand-in checks every name against real CuPy)")

    def known(self, place: str, candidates) -> set:
        """The names among ``candidates`` that CuPy has in ``place`` (all, when unchecked)."""
        return {n for n in candidates if self.has(place, n)}

    def check_call(self, where: str, args, kwargs) -> None:
        """Raise TypeError, as CuPy would, if its ``where`` (``cupy.pad``) does not take these
        arguments. Functions CuPy compiled without a signature are not checked."""
        self.load()
        parameters = None if self._names is None else self._names["signatures"].get(where)
        if parameters is None:
            return
        signature = self._signatures.get(where)
        if signature is None:
            signature = self._signatures[where] = inspect.Signature([
                inspect.Parameter(name, inspect._ParameterKind(kind),
                                  default=_DEFAULT if has_default else inspect.Parameter.empty)
                for name, kind, has_default in parameters])
        try:
            signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"CuPy's {where}{signature} does not take these arguments: {error} "
                            "(the CuPy stand-in checks calls against CuPy's signatures)") from None

    def numpys_own(self, name: str, value) -> bool:
        """Is ``cupy.<name>`` NumPy's very object (a dtype, a constant, finfo)?"""
        self.load()
        if self._names is not None:
            return name in self._names["numpy's own"]
        return isinstance(value, type) or not callable(value)  # a guess, without CuPy


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _ask_real_cupy() -> dict | None:
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(PLACES),
                               json.dumps(SIGNED)],
                              capture_output=True, text=True, timeout=120,
                              env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return json.loads(done.stdout)


NAMES = Names()
