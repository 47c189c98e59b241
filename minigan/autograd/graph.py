"""The graph walk: ``backward()`` into ``.grad``, and ``grad()`` returned.

Both run :func:`_run_backward`: visit the tensors from the outputs back to the leaves, each after
every tensor computed from it, and call each node's ``backward`` with the gradient of its output,
adding up what reaches a tensor along several paths. Unless ``create_graph``, the walk runs
under ``no_grad`` and frees what each node saved (``retain_graph`` keeps it).

A gradient array that the walk made itself, or that a backward returned as a new array, belongs
to the walk: a second contribution is added into it in place, and a leaf keeps it as its
``.grad`` without a copy. Anything else (a view of another gradient, the seed) is copied first.
"""
from __future__ import annotations

from minigan import anomaly, backend
from minigan.autograd.function import Function
from minigan.autograd.grad_mode import _GradMode
from minigan.autograd.tensor import Tensor


def _own_copy(array):
    return backend.get_array_module(array).array(array, copy=True)


def _accumulate(total: Tensor, g: Tensor, create_graph: bool) -> Tensor:
    """A fresh sum: ``total`` may be an array that someone else holds too."""
    if create_graph:
        return total + g
    return Tensor(total.data + g.data)


def _add_in_place(total: Tensor, g: Tensor) -> bool:
    """``total += g`` where that leaves the sum exactly as a fresh one would be (same shape and
    dtype, a writable array with no repeated elements); False, and nothing done, elsewhere."""
    a, b = total.data, g.data
    if a.shape != b.shape or a.dtype != b.dtype or not _writable(a):
        return False
    backend.get_array_module(a).add(a, b, out=a)
    return True


def _writable(array) -> bool:
    flags = array.flags
    if not getattr(flags, "writeable", True):  # (CuPy's flags do not say; its arrays are)
        return False
    return all(stride != 0 for stride, n in zip(array.strides, array.shape) if n > 1)


def _is_new(array, node: Function, output: Tensor, incoming, siblings, position: int) -> bool:
    """Is a gradient a backward returned an array of its own, that no one else can see?

    A backward returns new arrays or views of its incoming gradient (a Function's contract,
    see :class:`~minigan.autograd.function.Function`). A view shares memory with the incoming
    gradient, and the same array may go to two inputs (Add returns g to both); both are
    checked here by their memory's bounds, as are the node's own inputs and output, so that a
    backward that hands one of those back is caught too. What passes can become a leaf's
    ``.grad`` without a copy, and can take later contributions in place: PyTorch steals such a
    gradient too, rather than copying it.
    """
    if not _writable(array):
        return False
    xp = backend.get_array_module(array)
    share = getattr(xp, "may_share_memory", None)
    if share is None:
        return False
    held = [incoming, output.data, *(t.data for t in node.inputs if t is not None)]
    held += [s for i, s in enumerate(siblings) if s is not None and i != position]
    # (an array on another device, the input of a .to(), cannot share this one's memory)
    return not any(share(array, other) for other in held
                   if backend.get_array_module(other) is xp)


def _seed_gradient(output: Tensor, gradient, caller: str) -> Tensor:
    if gradient is None:
        if output.data.size != 1:
            raise ValueError(f"{caller} needs `gradient` for a non-scalar output of shape "
                             f"{output.shape}; pass a tensor of that shape (or reduce with .sum())")
        return Tensor(backend.get_array_module(output.data).ones_like(output.data))
    where = gradient.device if isinstance(gradient, Tensor) else (
        backend.device_of(gradient) if backend.is_array(gradient) else output.device)
    if where != output.device:  # never a silent copy between host and GPU
        raise RuntimeError(f"{caller}: the gradient is on {where}, the output of shape "
                           f"{output.shape} on {output.device}; move it with .to(device)")
    if not isinstance(gradient, Tensor):
        xp = backend.get_array_module(output.data)
        gradient = Tensor(xp.asarray(gradient, dtype=output.dtype))
    if gradient.shape != output.shape:
        raise ValueError(f"{caller}: gradient of shape {gradient.shape} does not match the output's "
                         f"shape {output.shape}")
    return gradient


def _topological_order(outputs) -> list:
    """Tensors that require grad, each after every tensor computed from it (outputs last)."""
    order, visited = [], set()
    for root in outputs:
        if id(root) in visited:
            continue
        stack = [(root, False)]
        while stack:  # iterative post-order DFS: deep graphs (unrolled GANs) exceed recursion
            tensor, expanded = stack.pop()
            if expanded:
                order.append(tensor)
                continue
            if id(tensor) in visited:
                continue
            visited.add(id(tensor))
            stack.append((tensor, True))
            if tensor._node is not None:
                for parent in tensor._node.inputs:
                    if parent is not None and parent.requires_grad and id(parent) not in visited:
                        stack.append((parent, False))
    return order


def _check_versions(node: Function, output: Tensor) -> None:
    """Refuse to differentiate through values that were changed in place since the forward."""
    changed = [("output", output, 0)] if output._version_counter[0] else []
    changed += [(f"input {i}", t, seen) for i, (t, seen)
                in enumerate(zip(node.inputs, node._input_versions))
                if t is not None and t._version_counter[0] != seen]
    if changed:
        what, t, seen = changed[0]
        raise RuntimeError(
            f"one of the tensors needed for {type(node).__name__}'s gradient has been modified "
            f"in place: its {what}, of shape {t.shape}, is at version {t._version} but was at "
            f"version {seen} when {type(node).__name__} ran. Fix: compute the loss again after "
            "the change (reorder the step: backward before optimizer.step()), or change a "
            "copy (x.clone(), x.detach(), or y = y + 1 instead of y.add_(1)).")


def _backward_once(node: Function, g: Tensor):
    """``node.backward_once`` on g's array, its arrays (or None) returned as Tensors."""
    grads = node.backward_once(node, g.data)
    if not isinstance(grads, tuple):
        grads = (grads,)
    return tuple(None if a is None else Tensor(a) for a in grads)


def _release(node: Function) -> None:
    """Free what a node saved for its backward, as PyTorch does after a backward without
    ``retain_graph``; the node stays in the graph, marked, so a second backward can say why."""
    vars(node).clear()
    node.inputs, node._released = (), True


_RELEASED = ("{} was already run by a backward and its saved values freed: a second backward "
             "through the same graph needs retain_graph=True in the first one (or compute the "
             "loss again)")


def _run_backward(order, outputs, seeds, create_graph: bool, retain_graph: bool, wanted):
    """Propagate ``seeds`` from ``outputs`` back through the graph.

    Returns ``{tensor: gradient}`` for the leaves (``wanted is None``) or for the tensors in
    ``wanted``, and the names of released nodes that a gradient reached (they may hide a
    wanted tensor; backward() raises at the first). Only nodes that lie on a path to a wanted
    tensor run their backward; each one that ran is released afterwards unless
    ``retain_graph``. ``order`` is ``_topological_order(outputs)``.
    """
    if wanted is None:
        targets = {id(t) for t in order if t._node is None}
    else:
        targets = {id(t) for t in wanted}
    # A tensor is useful if it is a target or feeds, through the graph, a useful tensor's input.
    # A released node has forgotten its inputs, so it may lead to one: the gradient goes there
    # and the walk says why it stops (backward() raises; grad() raises if an input is missing).
    useful = set(targets)
    uses: dict[int, int] = {}  # how many node inputs each tensor is
    for tensor in order:  # parents come before children in ``order``
        node = tensor._node
        if node is None:
            continue
        for p in node.inputs:
            if p is not None:
                uses[id(p)] = uses.get(id(p), 0) + 1
        if node._released or any(p is not None and id(p) in useful for p in node.inputs):
            useful.add(id(tensor))
    # Whether a gradient is the walk's own matters only where it may be kept (a target's) or
    # added into (a tensor used more than once); elsewhere it is not asked.
    may_keep_or_add = {key for key, n in uses.items() if n > 1} | targets

    # grads[id(t)]: the gradient reaching t so far. ``owned`` holds the ids whose gradient is an
    # array the walk made and no one else holds: later contributions are added into it in
    # place, and a leaf keeps it as its .grad without a copy.
    grads: dict[int, Tensor] = {}
    owned: set = set()

    def add_gradient(key: int, g: Tensor, new: bool) -> None:
        if key not in grads:
            grads[key] = g
            if new:
                owned.add(key)
        elif key in owned and not create_graph and _add_in_place(grads[key], g):
            pass
        else:
            grads[key] = _accumulate(grads[key], g, create_graph)
            if not create_graph:
                owned.add(key)

    for out, seed in zip(outputs, seeds):
        add_gradient(id(out), seed, new=False)
    results, released_on_the_way = {}, []
    with _GradMode(create_graph):
        for tensor in reversed(order):
            g = grads.pop(id(tensor), None)
            if g is None:
                continue
            if id(tensor) in targets:
                results[tensor] = (g, id(tensor) in owned)
            owned.discard(id(tensor))  # from here on, the views a backward returns may show it
            node = tensor._node
            if node is not None and node._released and id(tensor) not in targets:
                if wanted is None:
                    raise RuntimeError(_RELEASED.format(type(node).__name__))
                released_on_the_way.append(type(node).__name__)
                continue
            if node is None or id(tensor) not in useful:
                continue
            _check_versions(node, tensor)
            node.needs_input_grad = tuple(
                p is not None and p.requires_grad and id(p) in useful for p in node.inputs)
            # Without a graph to record, a node's first-order form, where it has one, does
            # the same work faster (see Function).
            backward = node.backward if create_graph or node.backward_once is None \
                else _backward_once
            if anomaly.enabled:
                with anomaly.running_backward_of(node):
                    input_grads = backward(node, g)
            else:
                input_grads = backward(node, g)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            if anomaly.enabled:
                anomaly.check_backward(node, input_grads)
            returned = [None if pg is None else pg.data for pg in input_grads]
            for i, (parent, pg, needed) in enumerate(zip(node.inputs, input_grads,
                                                         node.needs_input_grad)):
                if not needed or pg is None:
                    continue
                if pg.shape != parent.shape:  # a broken backward must fail here, not later
                    raise RuntimeError(f"{type(node).__name__}.backward returned a gradient of "
                                       f"shape {pg.shape} for an input of shape {parent.shape}")
                key = id(parent)
                add_gradient(key, pg, new=not create_graph and key in may_keep_or_add
                             and _is_new(pg.data, node, tensor, g.data, returned, i))
            if not retain_graph:
                _release(node)
    return results, released_on_the_way


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """Accumulate the gradients of ``tensors`` (one Tensor or several) into ``leaf.grad`` for
    every leaf that requires grad: :meth:`Tensor.backward` for one tensor, and
    ``torch.autograd.backward`` for several, whose gradients add up."""
    if isinstance(tensors, Tensor):  # one tensor: its gradient is one Tensor, array or list
        tensors, grad_tensors = [tensors], [grad_tensors]
    else:
        tensors = list(tensors)
        grad_tensors = [None] * len(tensors) if grad_tensors is None else list(grad_tensors)
    for t in tensors:
        if not t.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad: nothing in "
                               "its history has requires_grad=True (or it was computed under "
                               "no_grad)")
    seeds = [_seed_gradient(t, g, "backward()") for t, g in zip(tensors, grad_tensors)]
    retain = create_graph if retain_graph is None else retain_graph
    grads, _ = _run_backward(_topological_order(tensors), tensors, seeds,
                             create_graph=create_graph, retain_graph=retain, wanted=None)
    for leaf, (g, owned) in grads.items():
        if (leaf.grad is not None and not create_graph and not leaf.grad.requires_grad
                and _add_in_place(leaf.grad, g)):
            leaf.grad._bump_version()  # PyTorch, too, adds into .grad in place
            continue
        if not create_graph and not owned:  # ops may share or broadcast their gradient arrays
            g = Tensor(_own_copy(g.data))
        leaf.grad = g if leaf.grad is None else _accumulate(leaf.grad, g, create_graph)


_UNUSED = ("autograd.grad: input {} (shape {}) was not used to compute the outputs; pass "
           "allow_unused=True to get None for it")


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not stored in ``.grad``).

    Mirrors ``torch.autograd.grad``. With ``create_graph=True`` the returned gradients are part
    of the graph, so a loss built from them (a gradient penalty) can be differentiated again.
    The nodes it passes through are freed unless ``retain_graph`` (default: ``create_graph``,
    so a gradient penalty's graph stays whole for the loss's own backward).
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise ValueError(f"autograd.grad: input {i} (shape {t.shape}) does not require grad")
    for o in outputs:
        if not o.requires_grad:
            raise ValueError(f"autograd.grad: output of shape {o.shape} does not require grad; "
                             "it does not depend on any input that requires grad")
    seeds = [_seed_gradient(o, g, "autograd.grad") for o, g in zip(outputs, grad_outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    order = _topological_order(outputs)
    # An input the graph cannot reach is refused before the walk, which may free the graph
    # (unless a freed node hides what lies behind it: then the walk says so).
    in_graph = {id(t) for t in order}
    if not any(t._node is not None and t._node._released for t in order):
        for i, t in enumerate(inputs):
            if id(t) not in in_graph and not allow_unused:
                raise ValueError(_UNUSED.format(i, t.shape))
    found, released = _run_backward(order, outputs, seeds, create_graph=create_graph,
                                     retain_graph=retain, wanted=inputs)
    result = []
    for i, t in enumerate(inputs):
        g, owned = found.get(t, (None, False))
        if g is None and released:
            raise RuntimeError(_RELEASED.format(released[0]))
        if g is None and not allow_unused:
            raise ValueError(_UNUSED.format(i, t.shape))
        if g is not None and not create_graph and not owned:
            g = Tensor(_own_copy(g.data))
        result.append(g)
    return tuple(result)
