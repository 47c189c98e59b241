"""Integer indices into a table (embedding rows, class labels), checked without stopping a GPU.

Indices that come from the host (a list, a NumPy array, a "cpu" tensor) are checked there, at
no cost, and one out of range is an error that names the operation. Indices already on the GPU
are not read back to be checked: reading a GPU array waits for all the work queued before it,
at every call. What an out-of-range index picks comes out as NaN instead, so the loss shows it
at once. (CuPy itself would wrap such an index around and pick a wrong row without a word;
PyTorch stops at a later synchronisation with a device-side assert.)
"""
from __future__ import annotations

from minigan import backend
from minigan.autograd import Tensor


def to_device_checked(index, size: int, device: str, error):
    """``(indices, out_of_range)``: ``index`` as an integer array on ``device``, every entry in
    ``[0, size)``; ``out_of_range`` marks the entries that were not, or is None when the indices
    were checked on the host, where ``error(lowest, highest)`` is raised if one is off.
    Indices on a GPU for a table on the host are refused, as other operands on two devices.
    """
    backend.check_same_device("indexing", device, index, "the indices", host_ok=True)
    if not backend.is_array(index) or backend.device_of(index) == "cpu":
        host = backend.to_numpy(index)
        if host.size and (host.min() < 0 or host.max() >= size):
            raise error(int(host.min()), int(host.max()))
        return backend.to_device(host, device), None
    xp = backend.get_array_module(index)
    out_of_range = (index < 0) | (index >= size)
    return xp.clip(index, 0, size - 1), out_of_range


def nan_where(values: Tensor, out_of_range) -> Tensor:
    """``values`` with NaN in the entries (rows, along trailing axes) picked by an index out
    of range; ``values`` itself when the indices were checked on the host."""
    if out_of_range is None:
        return values
    xp = backend.get_array_module(out_of_range)
    poison = xp.where(out_of_range, xp.nan, 0.0).astype(values.dtype)
    return values + Tensor(poison.reshape(poison.shape + (1,) * (values.ndim - poison.ndim)))
