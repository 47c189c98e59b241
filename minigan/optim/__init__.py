"""Optimizers (SGD, Adam, RMSprop) and learning-rate schedules, with PyTorch's update rules.

An optimizer keeps ``param_groups`` (lists of parameters with their hyperparameters, as in
PyTorch) and, per parameter, a ``state`` of arrays (Adam's moment estimates, say). ``step()``
updates ``param.data`` in place from ``param.grad``; parameters whose ``grad`` is None are skipped.
The updates run on raw arrays, vectorised, through the parameter's own array module, so they run
unchanged on NumPy and CuPy.

Saving: ``state_dict()`` has PyTorch's nested form, holding only NumPy arrays and Python numbers::

    {"state": {0: {"step": 3, "exp_avg": array, "exp_avg_sq": array}, ...},
     "param_groups": [{"lr": 0.0002, "betas": (0.5, 0.999), ..., "params": [0, 1, ...]}]}

where the integers number the parameters in the order the optimizer was given them.
:func:`flatten_state` turns it into ``{"state.0.exp_avg": array, "param_groups.0.lr": array(0.0002),
...}``, one array per key, which ``numpy.savez`` stores without pickling; :func:`unflatten_state`
turns it back (``load_state_dict`` accepts either form). Schedulers' ``state_dict()`` flattens the
same way.
"""
from minigan.optim import lr_scheduler
from minigan.optim.lr_scheduler import LambdaLR, LinearDecay, LRScheduler
from minigan.optim.optimizer import SGD, Adam, Optimizer, RMSprop
from minigan.optim.state import flatten_state, unflatten_state

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "flatten_state", "unflatten_state",
           "lr_scheduler", "LRScheduler", "LambdaLR", "LinearDecay"]
