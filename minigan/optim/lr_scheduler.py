"""Learning-rate schedules: ``LambdaLR`` and CycleGAN's constant-then-linear ``LinearDecay``."""
from __future__ import annotations

from minigan.optim.optimizer import Optimizer
from minigan.optim.state import _is_flat, unflatten_state

class LRScheduler:
    """Base class, with PyTorch's protocol: the constructor sets epoch 0's learning rates;
    call ``step()`` once per epoch, after the optimizer's steps."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif any("initial_lr" not in g for g in optimizer.param_groups):
            raise KeyError("resuming a schedule (last_epoch != -1) needs 'initial_lr' in every "
                           "parameter group; load the optimizer's state dict first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def get_lr(self) -> list:
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list:
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Numbers and lists of numbers only (functions such as lr_lambda are not saved)."""
        return {k: (list(v) if isinstance(v, (list, tuple)) else v)
                for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict) -> None:
        if _is_flat(state_dict):
            state_dict = unflatten_state(state_dict)
        for k, v in state_dict.items():
            self.__dict__[k] = list(v) if isinstance(v, tuple) else v


class LambdaLR(LRScheduler):
    """lr = initial_lr * lr_lambda(epoch); ``lr_lambda`` may be a list, one per group."""

    def __init__(self, optimizer: Optimizer, lr_lambda, last_epoch: int = -1):
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"expected {n} lr_lambdas, got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class LinearDecay(LRScheduler):
    """Constant for ``constant_epochs`` epochs, then linear decay towards 0 over
    ``decay_epochs`` epochs: CycleGAN's and pix2pix's ``linear`` policy, exactly::

        factor(epoch) = 1 - max(0, epoch + 1 - constant_epochs) / (decay_epochs + 1)

    (floored at 0 for epochs past the schedule). Epoch ``constant_epochs - 1`` is the last at
    full rate; the last epoch, ``constant_epochs + decay_epochs - 1``, runs at
    ``1 / (decay_epochs + 1)`` of it.
    """

    def __init__(self, optimizer: Optimizer, constant_epochs: int, decay_epochs: int,
                 last_epoch: int = -1):
        if constant_epochs < 0 or decay_epochs < 0:
            raise ValueError(f"LinearDecay needs non-negative epoch counts, got "
                             f"constant_epochs={constant_epochs}, decay_epochs={decay_epochs}")
        self.constant_epochs, self.decay_epochs = constant_epochs, decay_epochs
        super().__init__(optimizer, last_epoch)

    def factor(self, epoch: int) -> float:
        return max(0.0, 1.0 - max(0, epoch + 1 - self.constant_epochs) / (self.decay_epochs + 1))

    def get_lr(self) -> list:
        return [base * self.factor(self.last_epoch) for base in self.base_lrs]


# ``from minigan.optim.lr_scheduler import LambdaLR`` works as with torch.optim: the schedules
