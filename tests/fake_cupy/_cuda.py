"""``cupy.cuda`` for the stand-in: one device that is always there and always finished.

Synchronising does nothing (NumPy's work is done when a call returns), events read the clock,
and the memory pools hold nothing. Each class defines only names that its CuPy namesake has
(``tests/test_fake_cupy.py`` checks that against the real package).
"""
from __future__ import annotations

import time


class Device:
    def __init__(self, device=None):
        self.id = 0 if device is None else int(device)
        if self.id != 0:
            raise ValueError(f"the CuPy stand-in has one device (0), not {self.id}")

    compute_capability = "90"
    mem_info = (80 << 30, 80 << 30)  # (free, total) bytes, as an 80 GiB card says when idle

    def synchronize(self) -> None:
        pass

    def use(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    __hash__ = None  # as cupy.cuda.Device

    def __repr__(self):
        return f"<CUDA Device {self.id} (the CuPy stand-in)>"


class Event:
    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.seconds = None

    def record(self, stream=None) -> None:
        self.seconds = time.perf_counter()

    def synchronize(self) -> None:
        pass

    done = True


class Stream:
    null: "Stream"

    def __init__(self, null=False, non_blocking=False, ptr=0, priority=None):
        pass

    def synchronize(self) -> None:
        pass

    def use(self) -> "Stream":
        return self

    def record(self, event=None) -> Event:
        event = event or Event()
        event.record()
        return event

    def wait_event(self, event) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    done = True


Stream.null = Stream(null=True)


def get_current_stream(device_id=-1) -> Stream:
    return Stream.null


def get_elapsed_time(start: Event, end: Event) -> float:
    """Milliseconds between two recorded events, as CuPy gives them."""
    return (end.seconds - start.seconds) * 1e3


class MemoryPool:
    """Holds nothing: NumPy allocates for the stand-in."""

    def __init__(self, allocator=None):
        self._limit = 0

    def used_bytes(self) -> int:
        return 0

    def free_bytes(self) -> int:
        return 0

    def total_bytes(self) -> int:
        return 0

    def n_free_blocks(self) -> int:
        return 0

    def free_all_blocks(self, stream=None) -> None:
        pass

    def set_limit(self, size=None, fraction=None) -> None:
        self._limit = size or 0

    def get_limit(self) -> int:
        return self._limit


class PinnedMemoryPool:
    def __init__(self, allocator=None):
        pass

    def n_free_blocks(self) -> int:
        return 0

    def free_all_blocks(self) -> None:
        pass


class MemoryPointer:
    """``ndarray.data``: where an array's memory starts (the wrapped NumPy array's address)."""

    def __init__(self, array):
        self.ptr = array.__array_interface__["data"][0]
        self.device_id = 0
        self.device = Device(0)


class Runtime:
    """``cupy.cuda.runtime``: the stand-in's single device."""

    @staticmethod
    def getDeviceCount() -> int:  # noqa: N802  (CUDA's names)
        return 1

    @staticmethod
    def getDevice() -> int:  # noqa: N802
        return 0

    @staticmethod
    def setDevice(device: int) -> None:  # noqa: N802
        Device(device)

    @staticmethod
    def deviceSynchronize() -> None:  # noqa: N802
        pass

    @staticmethod
    def getDeviceProperties(device: int) -> dict:  # noqa: N802
        Device(device)
        return {"name": b"CuPy stand-in (NumPy on the CPU)", "totalGlobalMem": 80 << 30,
                "major": 9, "minor": 0, "multiProcessorCount": 1}

    @staticmethod
    def runtimeGetVersion() -> int:  # noqa: N802
        return 12000

    @staticmethod
    def driverGetVersion() -> int:  # noqa: N802
        return 12000
