"""minigan.autograd imports nothing that stands above it (ops, nn, gan, ...), not even inside a
function: the engine is read, and tested, on its own. Below it are the backend and the kernels
(array functions only: a node records which kernel set it computes with)."""
import ast
import pathlib

import minigan

PACKAGE = pathlib.Path(minigan.__file__).parent
BELOW = ("minigan.autograd", "minigan.backend", "minigan.anomaly", "minigan.kernels")


def imported_modules(source: str) -> set:
    """Every ``minigan...`` module a source imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("minigan")}


def test_autograd_imports_only_the_backend_and_itself():
    files = sorted((PACKAGE / "autograd").glob("*.py"))
    assert len(files) >= 5
    above = sorted(f"{path.name}: {name}" for path in files
                   for name in imported_modules(path.read_text())
                   if name != "minigan" and not name.startswith(BELOW))
    assert not above, above


def test_the_scanner_sees_an_import_inside_a_function():
    source = "def to(self):\n    from minigan.ops.math import to_device_dtype\n"
    assert "minigan.ops.math" in imported_modules(source)
