"""minigan.ops.math: one namespace over the families, each name the very function of its family.

The operations themselves are tested beside their families (test_elementwise.py,
test_reductions.py, test_shapes.py, test_indexing.py, test_linear.py).
"""
import importlib

from minigan.ops import math as M

FAMILIES = ["elementwise", "reductions", "shapes", "indexing", "linear"]


def test_every_name_is_its_family_s_own_function():
    families = {name: importlib.import_module(f"minigan.ops.{name}") for name in FAMILIES}
    for name in M.__all__:
        function = getattr(M, name)
        family = function.__module__.rsplit(".", 1)[-1]
        assert family in families, f"math.{name} comes from {function.__module__}"
        assert getattr(families[family], name) is function, name


def test_the_names_lessons_use_are_there():
    for name in ["add", "exp", "sum", "mean", "max", "softmax", "reshape", "transpose", "concat",
                 "cat", "stack", "where", "matmul", "broadcast_to", "sum_to", "to_device_dtype"]:
        assert name in M.__all__ and callable(getattr(M, name)), name
