"""Optimizers with PyTorch's update rules: the ``Optimizer`` base, ``SGD``, ``Adam``, ``RMSprop``."""
from __future__ import annotations

import math

import numpy

from minigan import backend, kernels
from minigan.autograd import Tensor, no_grad
from minigan.optim.state import _is_flat, unflatten_state

class Optimizer:
    """Base class: holds ``param_groups`` and per-parameter ``state``; subclasses write
    ``_update(param, grad, state, group)`` for one parameter's step."""

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list = []
        if isinstance(params, Tensor):
            raise TypeError("params should be an iterable of Tensors or dicts, got a single "
                            "Tensor; pass model.parameters() or [tensor]")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Add parameters with their own hyperparameters (others from the defaults)."""
        group = dict(group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, "
                                f"got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__} can't optimize a non-leaf Tensor "
                                 f"(shape {p.shape}); optimize the leaves it was computed from")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError("some parameters appear in more than one parameter group "
                             "(or twice in one)")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        group["params"] = params
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = Tensor(backend.get_array_module(p.data).zeros_like(p.data))

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` (re-evaluating the loss)
        is called first if given, and its value returned, as in PyTorch."""
        loss = None
        if closure is not None:
            from minigan.autograd import enable_grad
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                _follow_parameter(state, p.data)
                self._update(p.data, p.grad.data, state, group)
                p._bump_version()  # a graph built before this step must not use the new values
        return loss

    def _update(self, param, grad, state: dict, group: dict) -> None:
        raise NotImplementedError

    # ---- saving and restoring
    def _indexed_params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict:
        """PyTorch's layout with NumPy copies of the state arrays (see the module docstring)."""
        index = {id(p): i for i, p in enumerate(self._indexed_params())}
        state = {}
        for p, entries in self.state.items():
            state[index[id(p)]] = {k: backend.to_numpy(v).copy() if backend.is_array(v) else v
                                   for k, v in entries.items()}
        groups, start = [], 0
        for group in self.param_groups:
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = list(range(start, start + len(group["params"])))
            start += len(group["params"])
            groups.append(saved)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore from :meth:`state_dict` (nested, or flat from :func:`flatten_state`); the
        optimizer must have been built over the same parameters in the same order."""
        if _is_flat(state_dict):
            state_dict = unflatten_state(state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"parameter group {i}: loaded state dict has "
                                 f"{len(saved['params'])} parameters, this optimizer has "
                                 f"{len(group['params'])}")
        params = {}
        for saved, group in zip(saved_groups, self.param_groups):
            params.update(zip(saved["params"], group["params"]))
        new_state = {}
        for key, entries in state_dict.get("state", {}).items():
            p = params[int(key)]
            restored = {}
            for name, value in entries.items():
                if name == "step":
                    restored[name] = int(numpy.asarray(value).item())
                    continue
                array = numpy.asarray(value) if not backend.is_array(value) else value
                if tuple(array.shape) != p.shape:
                    raise ValueError(f"state {name!r} of parameter {key} has shape "
                                     f"{tuple(array.shape)}, the parameter has shape {p.shape}")
                array = backend.to_device(array, p.device).astype(p.dtype, copy=True)
                restored[name] = array
            new_state[p] = restored
        for saved, group in zip(saved_groups, self.param_groups):
            for name, value in saved.items():
                if name != "params":
                    group[name] = tuple(value) if isinstance(group.get(name), tuple) else value
        self.state = new_state

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


def _follow_parameter(state: dict, param) -> None:
    """Keep a parameter's state on its device, in its dtype. ``module.to("cuda")`` (or
    ``.double()``) after some steps moves the parameters but cannot see their optimizer, so
    the state moves here, at the next step (PyTorch would fail on the mixed devices instead)."""
    for name, value in state.items():
        if backend.is_array(value) and (value.dtype != param.dtype
                                        or backend.device_of(value) != backend.device_of(param)):
            state[name] = backend.to_device(value, backend.device_of(param)).astype(param.dtype)


def _check_hyper(name: str, value: float, low: float = 0.0, high: float | None = None) -> None:
    if not value >= low or (high is not None and not value < high):
        interval = f"[{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"invalid {name}: {value} (expected {interval})")


# ---------------------------------------------------------------- the optimizers

class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's form)::

        g = grad + weight_decay * p
        buf = g                                   (first step)
        buf = momentum * buf + (1 - dampening) * g
        g = g + momentum * buf  if nesterov  else  buf
        p = p - lr * g
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False):
        _check_hyper("learning rate", lr)
        _check_hyper("momentum value", momentum)
        _check_hyper("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = xp.array(grad, dtype=param.dtype, copy=True)
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with PyTorch's exact arithmetic::

        g = grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        v_max = max(v_max, v)                     (amsgrad only; v_max replaces v below)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    eps is added after the square root of the bias-corrected second moment. The arithmetic is
    the kernels' ``adam_step``: the reference kernel writes it as above, the fast one as PyTorch
    does, in place on the threads. At the first step
    m / sqrt(v) = sign(g), so every parameter moves by lr (up to eps): the scale of the gradient
    does not matter, which is why GANs train with it. DCGAN uses lr=2e-4, betas=(0.5, 0.999).
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False):
        _check_hyper("learning rate", lr)
        _check_hyper("epsilon value", eps)
        _check_hyper("beta parameter at index 0", betas[0], 0.0, 1.0)
        _check_hyper("beta parameter at index 1", betas[1], 0.0, 1.0)
        _check_hyper("weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        state["step"] += 1
        t = state["step"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        kernels.active.adam_step(param, grad, state["exp_avg"], state["exp_avg_sq"],
                                 state.get("max_exp_avg_sq"), group["lr"], beta1, beta2,
                                 group["eps"], t)


class RMSprop(Optimizer):
    """RMSprop as in PyTorch (WGAN trains with it, lr=5e-5)::

        g = grad + weight_decay * p
        v = alpha * v + (1 - alpha) * g^2
        c = alpha * c + (1 - alpha) * g ;  v~ = v - c^2      (centered only)
        d = sqrt(v~ or v) + eps
        buf = momentum * buf + g / d ;  p = p - lr * buf   (momentum > 0)
        p = p - lr * g / d                                 (otherwise)
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False):
        _check_hyper("learning rate", lr)
        _check_hyper("epsilon value", eps)
        _check_hyper("alpha value", alpha)
        _check_hyper("momentum value", momentum)
        _check_hyper("weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        alpha = group["alpha"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(param)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * (grad * grad)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            avg = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = xp.sqrt(square_avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * grad / avg


# ---------------------------------------------------------------- learning-rate schedules
