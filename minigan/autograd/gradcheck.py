"""Check analytic gradients against central finite differences, in float64.

``gradcheck(fn, inputs)`` compares what autograd computes with (f(x + eps) - f(x - eps)) / 2 eps,
element by element. To check every output at once it differentiates one scalar: the output
projected on a fixed random direction v, L = sum(fn(x) * v) (summed over the outputs when fn
returns a tuple of them, as ``torch.autograd.gradcheck`` allows). A wrong gradient in any output
element changes dL/dx unless v happens to be zero there, which a continuous random v never is.

``gradgradcheck`` does the same for the gradient itself (what WGAN-GP's penalty needs): it
gradchecks x -> d<fn(x), v>/dx, whose analytic gradient is a double backward.

Both return True or raise an AssertionError that names the input and the element that is off.
Relative errors use the convention learners know from CS231n: |a - n| / max(1e-8, |a| + |n|).
"""
from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.autograd.graph import grad
from minigan.autograd.tensor import Tensor


def _as_float64_inputs(inputs):
    """Float inputs become float64 leaves that require grad; others pass through untouched."""
    prepared = []
    for x in inputs:
        data = x.data if isinstance(x, Tensor) else x
        if backend.is_array(data) or isinstance(data, (list, float, int)):
            array = data if backend.is_array(data) else np.asarray(data)
            if np.issubdtype(array.dtype, np.floating):
                prepared.append(Tensor(array.astype(np.float64), requires_grad=True))
                continue
        prepared.append(x)
    return tuple(prepared)


def _outputs(fn, inputs) -> tuple:
    """fn's outputs as a tuple: fn may return one Tensor or a tuple of them."""
    out = fn(*inputs)
    outs = out if isinstance(out, tuple) else (out,)
    if not outs or not all(isinstance(o, Tensor) for o in outs):
        raise TypeError("gradcheck: fn must return a Tensor or a tuple of Tensors, got "
                        f"{type(out).__name__}")
    return outs


def _projection(outs, directions) -> Tensor:
    """sum over the outputs of <out, v>: one scalar whose gradient involves every output."""
    total = (outs[0] * Tensor(directions[0])).sum()
    for out, direction in zip(outs[1:], directions[1:]):
        total = total + (out * Tensor(direction)).sum()
    return total


def _relative_error(a, n):
    return np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              seed: int = 0, raise_exception: bool = True) -> bool:
    """True when fn's analytic gradients match central differences for every float input.

    An element passes when |analytic - numerical| <= atol + rtol * |numerical|.
    """
    inputs = _as_float64_inputs(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no floating-point input to differentiate")

    outs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed)
    directions = [backend.to_device(rng.standard_normal(out.shape), out.device) for out in outs]

    # Analytic: d<out, v>/dx through autograd.
    projected = _projection(outs, directions)
    if projected.requires_grad:
        analytic = grad(projected, [inputs[i] for i in wrt], allow_unused=True)
    else:  # the output does not depend on the inputs at all: every gradient is zero
        analytic = [None] * len(wrt)

    def value() -> float:
        # Recording stays on: fn may itself call autograd.grad (a gradient penalty does).
        return sum(float((out.data * direction).sum())
                   for out, direction in zip(_outputs(fn, inputs), directions))

    for slot, i in enumerate(wrt):
        x = inputs[i].data
        g = analytic[slot]
        a = np.zeros(x.shape) if g is None else backend.to_numpy(g.data)
        n = np.zeros(x.shape)
        for index in np.ndindex(*x.shape):  # in place, in any memory order (x may be a view)
            original = float(x[index])
            x[index] = original + eps
            up = value()
            x[index] = original - eps
            down = value()
            x[index] = original
            n[index] = (up - down) / (2 * eps)
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        if bad.any():
            if not raise_exception:
                return False
            worst = np.unravel_index(np.argmax(np.where(bad, np.abs(a - n), -1)), x.shape)
            raise AssertionError(
                f"gradcheck: input {i} (shape {x.shape}), element {tuple(int(j) for j in worst)}: "
                f"analytic {a[worst]:.8g} vs numerical {n[worst]:.8g} "
                f"(relative error {_relative_error(a[worst], n[worst]):.2e}; "
                f"{int(bad.sum())} of {bad.size} elements off)")
    return True


def gradgradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  seed: int = 0, raise_exception: bool = True) -> bool:
    """True when the gradient of fn's gradient (a double backward) matches finite differences.

    It gradchecks g(x, v) = d<fn(x), v>/dx with respect to both x and v, the function a
    gradient penalty differentiates (one v per output when fn returns a tuple).
    """
    inputs = _as_float64_inputs(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed + 1)
    vs = [Tensor(backend.to_device(rng.standard_normal(out.shape), out.device), requires_grad=True)
          for out in outs]

    def first_gradients(*args):
        xs, vs_ = args[:len(inputs)], args[len(inputs):]
        grads = grad(_outputs(fn, xs), [xs[i] for i in wrt], grad_outputs=list(vs_),
                     create_graph=True, allow_unused=True)
        grads = tuple(g for g in grads if g is not None)
        if not grads:
            raise ValueError("gradgradcheck: fn's output does not depend on its inputs")
        return grads

    return gradcheck(first_gradients, (*inputs, *vs), eps=eps, atol=atol, rtol=rtol, seed=seed,
                     raise_exception=raise_exception)

