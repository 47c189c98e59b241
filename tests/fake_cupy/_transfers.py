"""The stand-in's log of copies between host and device, each with the code that asked for it."""
from __future__ import annotations

import os
import sys
from typing import NamedTuple

_HERE = os.path.dirname(os.path.abspath(__file__))


class Transfer(NamedTuple):
    nbytes: int
    where: str    # "file:line function" of the first caller outside the stand-in and NumPy
    stack: tuple  # that caller and up to seven of its callers, innermost first


class Transfers:
    """Copies between host and device, one :class:`Transfer` each: ``to_host`` (``.get()``,
    ``float(x)``...) and ``to_device`` (``cupy.asarray`` of host data...)."""

    def __init__(self):
        self.to_host: list = []
        self.to_device: list = []

    def clear(self) -> None:
        self.to_host.clear()
        self.to_device.clear()

    def record(self, log: list, nbytes: int) -> None:
        frame, stack = sys._getframe(2), []
        while frame is not None and len(stack) < 8:
            name = frame.f_code.co_filename
            if not (name.startswith(_HERE) or os.sep + "numpy" + os.sep in name):
                stack.append(f"{os.path.basename(name)}:{frame.f_lineno} {frame.f_code.co_name}")
            frame = frame.f_back
        log.append(Transfer(int(nbytes), stack[0] if stack else "?", tuple(stack)))


TRANSFERS = Transfers()
