"""Module, as in ``torch.nn`` (Parameter is in ``parameter.py``, the containers in
``containers.py``).

A :class:`Module` is a tree. Assigning a :class:`Parameter` or another Module to an attribute
registers it (``Module.__setattr__``), which is what lets ``parameters()`` find every weight,
``train()``/``eval()`` reach every layer, and ``state_dict()`` name every array with the same
dotted keys PyTorch uses (``0.weight``, ``net.2.running_mean``), so weights move between the two
libraries as NumPy arrays. Buffers (:meth:`Module.register_buffer`) are state that is saved but
not trained, such as batch norm's running statistics.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy

from minigan import backend
from minigan.autograd import Tensor
from minigan.autograd.tensor import _is_floating
from minigan.nn.parameter import Parameter, empty_parameter

__all__ = ["Parameter", "Module", "empty_parameter"]


_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _as_array(value, target):
    """``value`` (array, Tensor, PyTorch tensor, list) as an array on the device of the array
    ``target`` (the parameter or buffer it is loaded into)."""
    if isinstance(value, Tensor):
        value = value.data
    if not backend.is_array(value):
        if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor
            value = value.detach().cpu().numpy()
        value = numpy.asarray(value)
    return backend.to_device(value, backend.device_of(target))


class Module:
    """Base class of every layer and model: subclass it, assign layers, write ``forward``.

    Example::

        class Generator(nn.Module):
            def __init__(self, z_dim=2):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(z_dim, 64), nn.ReLU(), nn.Linear(64, 2))

            def forward(self, z):
                return self.net(z)
    """

    training: bool

    def __init__(self):
        # Written through object.__setattr__ because our own __setattr__ needs them to exist.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define one")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---------------------------------------------------------------- registration

    def _check_initialised(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call; "
                                 f"call super().__init__() first in {type(self).__name__}.__init__")

    def __setattr__(self, name: str, value) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            self._check_initialised("parameters")
            self._forget(name, params)
            params[name] = value
        elif isinstance(value, Module):
            self._check_initialised("sub-modules")
            self._forget(name, self._modules)
            self._modules[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} of "
                                f"{type(self).__name__} (nn.Parameter or None expected)")
            params[name] = None
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r} "
                                f"of {type(self).__name__} (nn.Module or None expected)")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} of "
                                f"{type(self).__name__} (Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: dict) -> None:
        """Remove ``name`` from the other tables before it is registered in ``keep`` (whose
        order is left alone, so replacing a weight keeps its place in ``state_dict``)."""
        self.__dict__.pop(name, None)
        for table in (self._parameters, self._buffers, self._modules):
            if table is not keep:
                table.pop(name, None)
        if keep is not self._buffers:
            self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str):
        # Only called when ordinary lookup fails. Read __dict__ directly: during copy/unpickling
        # the tables may not exist yet, and self._parameters would recurse into here.
        for table in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(table)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._check_initialised("parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot register {type(param).__name__} as parameter {name!r} "
                            "(nn.Parameter or None expected)")
        self._check_name(name, self._parameters)
        self._forget(name, self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register state that is not trained (running statistics): it moves with ``to()`` and,
        when ``persistent``, appears in ``state_dict()``."""
        self._check_initialised("buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            if not backend.is_array(tensor):
                raise TypeError(f"cannot register {type(tensor).__name__} as buffer {name!r} "
                                "(Tensor, array or None expected)")
            tensor = Tensor(tensor)
        self._check_name(name, self._buffers)
        self._forget(name, self._buffers)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        self._check_initialised("sub-modules")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module")
        self._check_name(name, self._modules)
        self._forget(name, self._modules)
        self._modules[name] = module

    register_module = add_module

    def _check_name(self, name, table) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"invalid name {name!r}: a non-empty string without '.' is needed")
        if name not in table and name in self.__dict__:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")

    # ---------------------------------------------------------------- walking the tree

    def named_modules(self, memo=None, prefix: str = ""):
        """(name, module) for this module and every descendant, each module once."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, table: str, prefix: str, recurse: bool):
        seen = set()
        tree = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in tree:
            for name, value in getattr(module, table).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))  # a shared weight is trained (and counted) once
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True):
        """Every Parameter of the tree, each once even if shared: what an optimizer trains."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn) -> "Module":
        """Call ``fn(module)`` on every descendant, then on this module (for custom init)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---------------------------------------------------------------- modes and gradients

    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout drops, batch norm uses batch statistics), here and below."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be a bool, got {type(mode).__name__}")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Turn gradients of every parameter on or off (freeze D while G trains)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                # A fresh array: backward may hand one gradient array to several tensors.
                p.grad = Tensor(backend.get_array_module(p.data).zeros_like(p.data))

    # ---------------------------------------------------------------- saving and loading

    def _state_items(self, prefix: str = ""):
        """(key, tensor) of everything ``state_dict`` holds, in PyTorch's order: each module's
        parameters, then its persistent buffers, then its children's, depth first. As in
        PyTorch, a shared module or weight appears under every name it has."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                yield prefix + name, b
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_items(prefix + name + ".")

    def state_dict(self) -> "OrderedDict[str, numpy.ndarray]":
        """Copies of every parameter and persistent buffer as NumPy arrays, under PyTorch's keys.

        ``torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})`` loads
        them into the same architecture in PyTorch, and ``np.savez`` stores them.
        """
        return OrderedDict((key, backend.to_numpy(t.data).copy()) for key, t in self._state_items())

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy arrays into this module's parameters and buffers, keeping their device and dtype.

        ``state_dict`` maps keys to NumPy/CuPy arrays, Tensors or PyTorch tensors. With
        ``strict`` every key must match; a shape mismatch is always an error. Returns
        ``(missing_keys, unexpected_keys)``.
        """
        own = OrderedDict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and unexpected:
            errors.append("unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected)))
        if strict and missing:
            errors.append("missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
        arrays = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = _as_array(state_dict[key], target.data)
            if tuple(value.shape) != target.shape:
                errors.append(f"size mismatch for {key!r}: copying an array of shape "
                              f"{tuple(value.shape)}, the shape in this module is {target.shape}")
            else:
                arrays[key] = value
        if errors:
            raise ValueError(f"error(s) in loading state_dict for {type(self).__name__}:\n\t"
                             + "\n\t".join(errors))
        for key, value in arrays.items():
            own[key].data[...] = value  # in place: optimizers keep pointing at the same arrays
            own[key]._bump_version()
        return _IncompatibleKeys(missing, unexpected)

    # ---------------------------------------------------------------- devices and dtypes

    def to(self, device=None, dtype=None) -> "Module":
        """Move parameters and buffers to ``device`` and/or cast the floating ones to ``dtype``,
        in place; returns self. ``module.to("cuda")``, ``module.to(dtype=np.float64)``."""
        if device is not None and not isinstance(device, str) and dtype is None:
            device, dtype = None, device  # module.to(np.float64), as torch allows
        device = backend.check_device(device) if device is not None else None
        dtype = numpy.dtype(dtype) if dtype is not None else None
        if dtype is not None and not _is_floating(dtype):
            raise TypeError(f"Module.to only casts to floating dtypes, got {dtype}")

        def convert(t: Tensor) -> None:
            data = t.data if device is None else backend.to_device(t.data, device)
            if dtype is not None and _is_floating(data.dtype):
                data = data.astype(dtype, copy=False)
            t.data = data
            if t.grad is not None:
                convert(t.grad)

        for module in self.modules():
            for t in list(module._parameters.values()) + list(module._buffers.values()):
                if t is not None:
                    convert(t)
        return self

    def double(self) -> "Module":
        return self.to(dtype=numpy.float64)

    def float(self) -> "Module":
        return self.to(dtype=numpy.float32)

    def cpu(self) -> "Module":
        return self.to("cpu")

    def cuda(self) -> "Module":
        return self.to("cuda")

    # ---------------------------------------------------------------- printing

    def extra_repr(self) -> str:
        """The text inside this module's parentheses, e.g. ``in_features=2, out_features=64``."""
        return ""

    def __repr__(self) -> str:
        lines = self.extra_repr().split("\n") if self.extra_repr() else []
        for name, child in self._modules.items():
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        body = type(self).__name__ + "("
        if len(lines) == 1 and not self._modules:
            return body + lines[0] + ")"
        if lines:
            body += "\n  " + "\n  ".join(lines) + "\n"
        return body + ")"

