"""Operations must run on NumPy and CuPy alike: no ``np.<function>(...)`` on data in minigan/ops.

An op asks ``backend.get_array_module(x)`` for its array module; a direct NumPy call would pull
CuPy data back to the host (or fail). NumPy is still fine for metadata: dtypes, and arithmetic on
shapes and axes (which are Python tuples). Every file under ``minigan/ops`` is scanned, so new
files are held to the rule the day they are added.
"""
import ast
import pathlib

import minigan

OPS_DIR = pathlib.Path(minigan.__file__).parent / "ops"

# NumPy functions that ops may call, because they act on dtypes or on shape/axis tuples, never
# on array data.
ALLOWED = {
    # dtypes
    "dtype", "float16", "float32", "float64", "int8", "int32", "int64", "bool_",
    "issubdtype", "finfo", "iinfo",
    # shape and axis arithmetic: the size of a reduction, the inverse of a permutation, and
    # reshape's check of a target shape (an empty, uninitialised array of the input's shape).
    "prod", "argsort", "empty",
}
# Whole sub-packages that draw or compute on data: randomness must come from backend.get_rng().
FORBIDDEN_NAMESPACES = {"random", "linalg", "fft"}


def offences(source: str, filename: str) -> list:
    """``file:line: text`` for each forbidden use of NumPy (or import of CuPy) in ``source``."""
    tree = ast.parse(source, filename)
    aliases, found = set(), []

    def report(node, what):
        found.append(f"{filename}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for name in node.names:
                root = name.name.split(".")[0]
                if root == "numpy":
                    aliases.add(name.asname or "numpy")
                elif root == "cupy" or root == "cupyx":
                    report(node, f"import {name.name} (only backend.py may import CuPy)")
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in ("numpy", "cupy", "cupyx"):
                report(node, f"from {node.module} import ... (use xp = get_array_module(x))")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain, base = [node.attr], node.value
        while isinstance(base, ast.Attribute):
            chain.append(base.attr)
            base = base.value
        if not (isinstance(base, ast.Name) and base.id in aliases):
            continue
        chain.reverse()
        if chain[0] in FORBIDDEN_NAMESPACES:
            report(node, f"{base.id}.{'.'.join(chain)}")
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        func = node.func
        if isinstance(func.value, ast.Name) and func.value.id in aliases \
                and func.attr not in ALLOWED:
            report(node, f"{func.value.id}.{func.attr}(...) (use xp = get_array_module(x))")
    return sorted(set(found))


def test_ops_call_no_numpy_function_on_data():
    files = sorted(OPS_DIR.rglob("*.py"))
    assert len(files) >= 5, f"found only {files} under {OPS_DIR}"
    problems = []
    for path in files:
        problems += offences(path.read_text(), str(path.relative_to(OPS_DIR.parent.parent)))
    assert not problems, "NumPy used on data in minigan/ops (breaks CuPy):\n" + "\n".join(problems)


def test_the_scanner_finds_what_it_must_and_spares_metadata():
    source = (
        "import numpy as np\n"
        "import numpy\n"
        "def f(x, shape, axes):\n"
        "    y = np.exp(x)\n"                      # 4: data
        "    z = numpy.maximum(x, 0)\n"            # 5: data, other alias
        "    m = np.random.default_rng(0)\n"       # 6: randomness outside backend
        "    a = np.float32(1.0) + np.inf\n"       # 7: fine
        "    n = int(np.prod([shape[a] for a in axes]))\n"  # 8: fine
        "    return x.sum()\n"
        "from numpy import exp\n"                  # 10: bypasses the alias
        "import cupy\n"                            # 11: only backend may
    )
    lines = [int(entry.split(":")[1]) for entry in offences(source, "f.py")]
    assert sorted(set(lines)) == [4, 5, 6, 10, 11]
