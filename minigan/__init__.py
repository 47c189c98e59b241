"""minigan: Generative Adversarial Networks from scratch in NumPy (and CuPy on a GPU).

    import minigan as mg
    from minigan import nn, optim

    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    (x * x).sum().backward()
    x.grad            # tensor([[2., 4.]])
"""
from minigan import autograd, backend, kernels, ops  # noqa: F401  (ops binds the Tensor's operators)
from minigan.autograd import Tensor, enable_grad, is_grad_enabled, no_grad, tensor
from minigan.backend import (cuda_is_available, get_default_device, get_default_dtype,
                             manual_seed, set_default_device, set_default_dtype)
from minigan.ops.activation import relu, sigmoid, tanh
from minigan.ops.math import (abs, broadcast_to, cat, clamp, clip, concat, exp, log, logsumexp,
                              matmul, maximum, mean, minimum, sqrt, stack, sum, var, where)
from minigan.kernels import get_kernels, set_kernels
from minigan.kernels.threads import get_num_threads, set_num_threads

__version__ = "0.1.0"


def _filled(shape, fill, dtype, device, requires_grad):
    device = backend.check_device(device or backend.get_default_device())
    dtype = dtype or backend.get_default_dtype()
    data = fill(backend.array_module(device), shape, dtype)
    return Tensor(data, requires_grad=requires_grad)


def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(*shape, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _filled(_shape(shape), lambda xp, s, d: xp.zeros(s, d), dtype, device, requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _filled(_shape(shape), lambda xp, s, d: xp.ones(s, d), dtype, device, requires_grad)


def randn(*shape, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples from minigan's seeded generator."""
    return _filled(_shape(shape), lambda xp, s, d: backend.to_device(
        backend.get_rng().standard_normal(s).astype(d), device or backend.get_default_device()),
        dtype, device, requires_grad)


def rand(*shape, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform [0, 1) samples from minigan's seeded generator."""
    return _filled(_shape(shape), lambda xp, s, d: backend.to_device(
        backend.get_rng().random(s).astype(d), device or backend.get_default_device()),
        dtype, device, requires_grad)
from minigan import nn, optim  # noqa: E402,F401  (they import the engine above)
