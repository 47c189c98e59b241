"""The CuPy stand-in (``tests/fake_cupy``) is as strict as CuPy where bugs hide: device arrays
never become NumPy arrays implicitly, only CuPy's names exist, host copies are counted.

These tests run in every session: they use the stand-in's modules directly, installed as
``cupy`` or not. Checks against real CuPy's names skip where CuPy is not installed.
"""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import minigan

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def cp(fake_cupy):
    fake_cupy.TRANSFERS.clear()
    return fake_cupy.namespaces()["cupy"]


@pytest.fixture
def names(fake_cupy):
    if not fake_cupy.NAMES.checked:
        pytest.skip(fake_cupy.NAMES.note)
    return fake_cupy.NAMES


@pytest.mark.parametrize("implicit", [
    lambda x: np.asarray(x), lambda x: np.sum(x), lambda x: np.concatenate([x, x]),
    lambda x: x + np.ones(3), lambda x: np.ones(3) * x, lambda x: np.ones(3)[x.astype(int)],
    lambda x: np.array([x, x]), lambda x: np.add.at(x, [0], 1.0),
], ids=["asarray", "sum", "concatenate", "plus_host", "host_times", "host_indexed_by",
        "array_of", "ufunc_at"])
def test_a_device_array_never_becomes_a_numpy_array_implicitly(cp, implicit):
    with pytest.raises(TypeError):
        implicit(cp.arange(3.0))


def test_ufuncs_and_functions_through_the_namespace_run_on_device_arrays(cp):
    x = cp.asarray(np.array([[1.0, -2.0], [3.0, 4.0]]))
    results = [cp.exp(x), cp.sum(x, axis=0), np.exp(x), np.float32(2) * x, x.max(axis=1),
               cp.where(x > 0, x, 0.0), cp.concatenate([x, x]), x @ x.T]
    assert all(isinstance(r, cp.ndarray) for r in results)
    np.testing.assert_allclose(cp.asnumpy(results[6]), np.tile([[1.0, -2.0], [3.0, 4.0]],
                                                                (2, 1)))


def test_reductions_and_integer_indices_give_0d_device_arrays(cp):
    x = cp.arange(6.0).reshape(2, 3)
    for r in (x.sum(), cp.max(x), x[1, 2]):
        assert isinstance(r, cp.ndarray) and r.shape == ()


def test_every_copy_to_the_host_is_counted_with_the_line_that_asked(cp, fake_cupy):
    x = cp.arange(4.0)
    float(x[1]), x.get(), cp.asnumpy(x), x.tolist(), bool(x[0] < 1), x.sum().item()
    log = fake_cupy.TRANSFERS.to_host
    assert len(log) == 6 and all(t.where.startswith("test_fake_cupy.py:") for t in log)


def test_host_data_is_copied_to_the_device_and_counted_a_single_number_is_not(cp, fake_cupy):
    host = np.zeros(3)
    device = cp.asarray(host)
    device += 1.0  # device memory is apart from the host's
    assert host.sum() == 0 and cp.asnumpy(device).sum() == 3
    cp.asarray(2.5), cp.array([1.0, 2.0])
    assert [t.nbytes for t in fake_cupy.TRANSFERS.to_device] == [24, 16]


def test_filling_a_device_array_from_a_host_array_is_refused_as_cupy_does(cp):
    x = cp.zeros(3)
    with pytest.raises(ValueError):
        x[...] = np.ones(3)
    x[np.array([0, 2])] = np.array([5.0, 6.0])  # an advanced index copies the values over
    assert x.tolist() == [5.0, 0.0, 6.0]


def test_an_unknown_operand_defers_only_as_cupy_decides(cp):
    class Opts(object):
        __array_ufunc__ = None

        def __radd__(self, other):
            return "deferred"

    class Outranks:
        __array_priority__ = 200

        def __rmul__(self, other):
            return "deferred"

    x = cp.ones(2)
    assert x + Opts() == "deferred" and x * Outranks() == "deferred"
    with pytest.raises(TypeError):
        x + minigan.tensor([1.0, 2.0])  # a Tensor: same priority as CuPy, no __array_ufunc__


def test_one_device_that_is_always_ready(fake_cupy):
    modules = fake_cupy.namespaces()
    cp, cupyx = modules["cupy"], modules["cupyx"]
    assert cp.cuda.runtime.getDeviceCount() == 1 and cp.arange(2).device.id == 0
    cp.cuda.Device(0).synchronize(), cp.cuda.Stream.null.synchronize()
    start, end = cp.cuda.Event(), cp.cuda.Event()
    start.record(), end.record()
    assert cp.cuda.get_elapsed_time(start, end) >= 0
    assert cp.get_default_memory_pool().used_bytes() == 0
    target = cp.zeros(3)
    cupyx.scatter_add(target, np.array([0, 0, 2]), cp.ones(3))
    assert target.tolist() == [2.0, 0.0, 1.0]
    draws = cp.random.default_rng(0).standard_normal(4)
    assert isinstance(draws, cp.ndarray) and draws.shape == (4,)


def test_names_real_cupy_lacks_do_not_exist(cp, names):
    with pytest.raises(AttributeError):
        cp.not_a_cupy_function
    with pytest.raises(AttributeError):
        cp.arange(2).ctypes  # NumPy's arrays have it, CuPy's do not
    with pytest.raises(AttributeError):
        cp.random.default_rng(0).normal  # CuPy's Generator draws fewer distributions
    with pytest.raises(TypeError):  # NumPy takes writeable=, CuPy's as_strided does not
        cp.lib.stride_tricks.as_strided(cp.zeros(4), (2,), (8,), writeable=False)


def test_what_the_stand_in_writes_itself_is_named_as_in_cupy(fake_cupy, names):
    from fake_cupy import _cuda  # noqa: PLC0415  (the fixture loaded the package)

    ignore = {"__module__", "__qualname__", "__doc__", "__slots__", "__dict__", "__weakref__",
              "__firstlineno__", "__static_attributes__", "__annotations__", "__init__",
              "__getattr__"}  # (how the stand-in borrows NumPy's methods, checking each name)
    owned = {place: set(module._own) for place, module in fake_cupy.namespaces().items()}
    owned["cupy.ndarray"] = set(vars(fake_cupy.ndarray)) - ignore - {"_a"}
    owned["cupy.cuda.runtime"] = {n for n in vars(_cuda.Runtime) if not n.startswith("_")}
    for cls in (_cuda.Device, _cuda.Stream, _cuda.Event, _cuda.MemoryPool,
                _cuda.PinnedMemoryPool, _cuda.MemoryPointer):
        owned[f"cupy.cuda.{cls.__name__}"] = {n for n in vars(cls) if not n.startswith("_")}
    extra = {place: sorted(n for n in defined if not names.has(place, n))
             for place, defined in owned.items()}
    assert not any(extra.values()), {k: v for k, v in extra.items() if v}


def test_minigan_never_reaches_the_stand_in():
    source = "\n".join(p.read_text() for p in (ROOT / "minigan").rglob("*.py"))
    assert "fake_cupy" not in source and "MINIGAN_TEST_FAKE_GPU" not in source
    found = subprocess.run([sys.executable, "-c", "import importlib.util, minigan; "
                            "print(importlib.util.find_spec('fake_cupy'))"],
                           capture_output=True, text=True, cwd=ROOT / "minigan",
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert found.returncode == 0 and found.stdout.strip() == "None", found.stderr


def test_the_switch_puts_the_stand_in_under_minigans_cuda(fake_cupy):
    if not fake_cupy.installed():
        pytest.skip("the stand-in is off in this session (MINIGAN_TEST_FAKE_GPU=1 turns it on)")
    assert minigan.backend.cupy is fake_cupy.namespaces()["cupy"]
    assert minigan.cuda_is_available()
    assert isinstance(minigan.zeros(2, device="cuda").data, fake_cupy.ndarray)
