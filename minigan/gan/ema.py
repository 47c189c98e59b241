"""An exponential moving average of a network's weights: the generator that draws the pictures.

A GAN's generator never settles: every step of the game moves it a little around a point it
does not reach, so the weights of any one step carry that step's noise. Their moving average,

    ema <- decay * ema + (1 - decay) * weights        after every generator update,

sits near the centre of that wandering and draws visibly cleaner samples at no cost to training
(Yazici et al. 2019, "The unusual effectiveness of averaging in GAN training"; ProGAN, StyleGAN
and BigGAN all sample from such an average). Training still updates the raw weights; only
sampling, pictures and evaluation use the average.

Early on the average would remember the random initial weights for a long time (a decay of
0.999 forgets with a time constant of 1,000 steps), so the decay ramps up as TensorFlow's
``ExponentialMovingAverage`` does: decay_t = min(decay, (1 + t) / (10 + t)) at update t.

Batch norm needs one more step. Its running statistics describe the activations of the network
that computed them; the averaged weights make other activations, so statistics copied from G
would normalise them wrongly (samples come out washed out or saturated). Before the average
draws, :meth:`EMA.refresh_statistics` measures its own: it runs a few fixed batches through it
in training mode with a cumulative average (BigGAN's "standing statistics").
"""
from __future__ import annotations

import copy

from minigan.autograd import no_grad
from minigan.nn.norm import _BatchNorm


class EMA:
    """The moving average of ``module``'s parameters, kept in a copy of ``module``.

    ``ema.module`` is a network of the same class, in eval mode, that never requires grad;
    call :meth:`update` after each optimizer step of the original.
    """

    def __init__(self, module, decay: float = 0.999):
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA: decay must be in [0, 1), got {decay}")
        self.decay = decay
        self.updates = 0
        self.stale_statistics = True  # batch norm's statistics do not yet fit the average
        self.module = copy.deepcopy(module)
        self.module.requires_grad_(False)
        self.module.eval()

    def current_decay(self) -> float:
        """The decay the next update uses: ramped up over the first updates (see above)."""
        return min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))

    @no_grad()
    def update(self, module) -> None:
        """Move the average one step towards ``module``'s current weights."""
        decay = self.current_decay()
        for (name, average), (_, p) in zip(self.module.named_parameters(),
                                           module.named_parameters()):
            if average.shape != p.shape:
                raise ValueError(f"EMA.update: parameter {name!r} has shape {p.shape}, its "
                                 f"average {average.shape}: not the network it was made from")
            average.mul_(decay).add_(p, alpha=1.0 - decay)
        for (_, average), (_, b) in zip(self.module.named_buffers(), module.named_buffers()):
            average.copy_(b)
        self.updates += 1
        self.stale_statistics = True

    @no_grad()
    def refresh_statistics(self, batches) -> None:
        """Give every batch norm layer of the average the mean and variance of its own
        activations over ``batches`` (each a tuple of the network's inputs)."""
        norms = [m for m in self.module.modules()
                 if isinstance(m, _BatchNorm) and m.track_running_stats]
        if norms:
            momenta = [m.momentum for m in norms]
            for m in norms:
                m.reset_running_stats()
                m.momentum = None  # a cumulative average over the batches
            self.module.train()
            try:
                for inputs in batches:
                    self.module(*inputs)
            finally:
                self.module.eval()
                for m, momentum in zip(norms, momenta):
                    m.momentum = momentum
        self.stale_statistics = False

    def state_dict(self) -> dict:
        """The averaged network's ``state_dict`` (the update count lives in the model's meta)."""
        return self.module.state_dict()

    def load_state_dict(self, state_dict: dict, updates: int) -> None:
        self.module.load_state_dict(state_dict)
        self.updates = int(updates)
        self.stale_statistics = True
