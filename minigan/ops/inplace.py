"""In-place changes (``x.zero_()``, ``x.add_(y)``, ``x += y``, ...) and ``clone()``.

minigan does not record in-place changes in the graph. It keeps gradients right another way,
as PyTorch does: every in-place change bumps the tensor's version counter, every node notes the
versions of its inputs and output when it runs forward, and its backward refuses values that
have changed since (``_check_versions`` in ``autograd/graph.py``). So an in-place change can
never make a gradient silently wrong; at worst it makes ``backward()`` ask for a ``clone()``.

Two rules keep it simple:

* a leaf that requires grad (a parameter) is changed in place only under ``no_grad()``, as
  optimizers do; PyTorch has the same rule;
* an in-place change cannot take its value from a tensor that requires grad (the graph would
  lose that path): write ``y = y + x``. The operators ``+=``, ``-=``, ``*=``, ``/=`` do exactly
  that for you when gradients are involved, and change the array in place otherwise.
"""
from __future__ import annotations

from minigan import backend
from minigan.autograd import Function, Tensor, is_grad_enabled
from minigan.backend import xp_of


def _check_inplace(name: str, target: Tensor, source=None) -> None:
    if not is_grad_enabled():
        return
    if target.requires_grad and target.is_leaf:
        raise RuntimeError(f"{name}: a leaf tensor that requires grad (shape {target.shape}) "
                           "cannot be changed in place while gradients are recorded; do it "
                           "under `with minigan.no_grad():` (as optimizers do), or use the "
                           "out-of-place form")
    if isinstance(source, Tensor) and source.requires_grad:
        raise RuntimeError(f"{name}: in-place changes are not recorded in the graph, so the "
                           f"gradient through its argument (shape {source.shape}) would be lost; "
                           "write the out-of-place form (y = y + x)")


def _source_array(name: str, target: Tensor, value):
    if isinstance(value, Tensor):
        if value.device != target.device:
            raise RuntimeError(f"{name}: the tensor changed is on {target.device}, its argument "
                               f"on {value.device}; move them with .to(device)")
        return value.data
    if backend.is_array(value):
        return backend.to_device(value, target.device)
    return value


def _apply_inplace(name: str, target: Tensor, ufunc_name: str, value) -> Tensor:
    _check_inplace(name, target, value)
    array = _source_array(name, target, value)
    xp = xp_of(target.data)
    try:
        getattr(xp, ufunc_name)(target.data, array, out=target.data)
    except (ValueError, TypeError) as error:
        shape = getattr(array, "shape", ())
        raise ValueError(f"{name}: cannot write the result for a {target.dtype} tensor of shape "
                         f"{target.shape} from an argument of shape {tuple(shape)} "
                         f"({type(error).__name__})") from None
    target._bump_version()
    return target


def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


def fill_(self: Tensor, value) -> Tensor:
    _check_inplace("fill_", self, value)
    self.data[...] = _source_array("fill_", self, value)
    self._bump_version()
    return self


def copy_(self: Tensor, src) -> Tensor:
    _check_inplace("copy_", self, src)
    array = _source_array("copy_", self, src)
    try:
        xp_of(self.data).copyto(self.data, array, casting="unsafe")
    except ValueError:
        raise ValueError(f"copy_: source of shape {tuple(getattr(array, 'shape', ()))} does not "
                         f"broadcast to the destination's shape {self.shape}") from None
    self._bump_version()
    return self


def add_(self: Tensor, other, alpha=1) -> Tensor:
    if alpha != 1:
        _check_inplace("add_", self, other)
        other = (other.data if isinstance(other, Tensor) else other) * alpha
    return _apply_inplace("add_", self, "add", other)


def sub_(self: Tensor, other, alpha=1) -> Tensor:
    if alpha != 1:
        _check_inplace("sub_", self, other)
        other = (other.data if isinstance(other, Tensor) else other) * alpha
    return _apply_inplace("sub_", self, "subtract", other)


def mul_(self: Tensor, other) -> Tensor:
    return _apply_inplace("mul_", self, "multiply", other)


def div_(self: Tensor, other) -> Tensor:
    return _apply_inplace("div_", self, "true_divide", other)


def clamp_(self: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    if min is None and max is None:
        raise ValueError("clamp_ needs at least one of min and max")
    _check_inplace("clamp_", self)
    xp_of(self.data).clip(self.data, min, max, out=self.data)
    self._bump_version()
    return self


def _augmented(out_of_place, in_place):
    """``x += y``: in place when no gradient is involved, else ``x = x + y`` (recorded)."""
    def operator(self, other):
        if is_grad_enabled() and not (self.requires_grad and self.is_leaf) and (
                self.requires_grad or isinstance(other, Tensor) and other.requires_grad):
            return out_of_place(self, other)
        return in_place(self, other)
    return operator


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return xp_of(x).array(x, copy=True)

    @staticmethod
    def backward(ctx, g):
        return g


def clone(x: Tensor) -> Tensor:
    """A copy with its own memory and version counter; gradients flow back to ``x``."""
    return Clone.apply(x)


def methods(add, sub, mul, div) -> dict:
    """The Tensor methods this module defines, given the out-of-place operators."""
    return {
        "zero_": zero_, "fill_": fill_, "copy_": copy_, "add_": add_, "sub_": sub_,
        "mul_": mul_, "div_": div_, "clamp_": clamp_, "clip_": clamp_, "clone": clone,
        "__iadd__": _augmented(add, add_), "__isub__": _augmented(sub, sub_),
        "__imul__": _augmented(mul, mul_), "__itruediv__": _augmented(div, div_),
    }
