"""What pix2pix and CycleGAN share: image-to-image models on the shared training loop.

A translation model maps images to images instead of noise to images, so where an unconditional
GAN draws its per-epoch grid from fixed noise, a translation model translates a fixed set of
held-out images (``set_fixed_inputs``) and shows input, translation (and reconstruction) rows.
Both models use the papers' learning-rate policy: constant for ``lr_constant_epochs`` epochs,
then linearly decaying to zero over ``lr_decay_epochs``
(:class:`minigan.optim.lr_scheduler.LinearDecay`).
"""
from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.autograd import Tensor, no_grad
from minigan.gan.base import GANModel
from minigan.optim.lr_scheduler import LinearDecay

FIXED_INPUTS_PREFIX = "inputs/fixed_"


def as_model_input(images, device="cpu") -> Tensor:
    """Images as a float Tensor (N, C, H, W) in [-1, 1]: uint8 (N, H, W) or (N, H, W, 3)
    arrays are scaled from [0, 255]; Tensors and float arrays are taken as they are."""
    if isinstance(images, Tensor):
        return images
    array = np.asarray(backend.to_numpy(images))
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 127.5 - 1.0
        array = array[:, None] if array.ndim == 3 else array.transpose(0, 3, 1, 2)
    if array.ndim != 4:
        raise ValueError(f"expected images (N, H, W), (N, H, W, 3) uint8 or (N, C, H, W) "
                         f"floats, got shape {array.shape}")
    return Tensor(backend.to_device(np.ascontiguousarray(array, np.float32), device))


class TranslationModel(GANModel):
    """Base class of pix2pix and CycleGAN (see the module docstring)."""

    grid_nrow = 8
    draws_images = False  # translates images; draws nothing from noise

    def __init__(self, config: dict, device=None):
        super().__init__(config, k=1, device=device)
        self.fixed_inputs: dict = {}
        self.schedulers: dict = {}

    def add_schedules(self, constant_epochs: int, decay_epochs: int) -> None:
        """The constant-then-linear learning rate for every optimizer (call after creating
        them)."""
        self.schedulers = {name: LinearDecay(opt, constant_epochs, decay_epochs)
                           for name, opt in self.optimizers.items()}

    def begin_epoch(self, epoch: int) -> None:
        # Set from the epoch count, not stepped: a resumed run gets the same rates.
        for scheduler in self.schedulers.values():
            scheduler.last_epoch = epoch - 1
            scheduler.step()

    def learning_rates(self) -> dict:
        return {name: opt.param_groups[0]["lr"] for name, opt in self.optimizers.items()}

    def noise(self, n: int) -> Tensor:
        raise TypeError(f"{type(self).__name__} translates images and has no latent noise: "
                        "use translate(images)")

    def set_fixed_inputs(self, **images) -> None:
        """The held-out images the per-epoch grids translate, e.g. ``a=test_a[:8]``."""
        self.fixed_inputs = {name: as_model_input(batch, self.device)
                             for name, batch in images.items()}
        # One row per kind of picture: as many columns as fixed images.
        self.grid_nrow = max(batch.shape[0] for batch in self.fixed_inputs.values())

    def drawing_networks(self) -> dict:
        """The generators (``G``; CycleGAN's ``G_AB`` and ``G_BA``): what translates."""
        return {name: net for name, net in self.networks.items() if name.startswith("G")}

    def run_network(self, name: str, images, batch_size: int = 256) -> Tensor:
        """Network ``name`` applied to ``images`` (any form :func:`as_model_input` takes) in
        eval mode without a graph, in batches; a Tensor (N, C, H, W) in [-1, 1]."""
        images = as_model_input(images, self.device)
        net = self.networks[name]
        with no_grad(), self.evaluating():
            parts = [net(images[i:i + batch_size]).data
                     for i in range(0, images.shape[0], batch_size)]
        xp = backend.get_array_module(images.data)
        return Tensor(xp.concatenate(parts))

    # ------------------------------------------------------------------ checkpoints

    def state(self) -> tuple[dict, dict]:
        arrays, meta = super().state()
        for name, images in self.fixed_inputs.items():
            arrays[FIXED_INPUTS_PREFIX + name] = images.numpy()
        return arrays, meta

    def load_state(self, arrays: dict, meta: dict) -> None:
        super().load_state(arrays, meta)
        fixed = {key[len(FIXED_INPUTS_PREFIX):]: value for key, value in arrays.items()
                 if key.startswith(FIXED_INPUTS_PREFIX)}
        if fixed:
            self.set_fixed_inputs(**{k: np.asarray(v, np.float32) for k, v in fixed.items()})
