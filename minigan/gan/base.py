"""What every GAN model in minigan is: the protocol between a model and the shared training loop.

The loop (:func:`minigan.gan.trainer.train`) knows nothing about generators or discriminators.
It only calls what :class:`GANModel` defines:

    logs = model.train_step(batch)         # one batch: update the networks, return floats
    images = model.sample_grid()           # the fixed-noise grid drawn after each epoch
    arrays, meta = model.state()           # everything a checkpoint must hold...
    model.load_state(arrays, meta)         # ...and putting it back

A model owns its networks (``self.networks``: name -> Module) and their optimizers
(``self.optimizers``: name -> optimizer), and writes one method, :meth:`GANModel.update`, that
trains on one batch. ``k`` discriminator updates per generator update are scheduled here: every
batch updates the discriminator, and the generator is updated on batches 0, k, 2k, ... (as in
PyTorch-GAN's WGAN), so the logged generator loss is always the latest one computed.
"""
from __future__ import annotations

import contextlib
import json

import numpy as np

from minigan import backend, randn
from minigan.autograd import Tensor, no_grad
from minigan.checkpoint import prefixed, subtree
from minigan.gan import losses
from minigan.gan.augment import diff_augment
from minigan.gan.ema import EMA
from minigan.gan.recipe import lr_factor
from minigan.viz import to_uint8

FIXED_NOISE_KEY = "noise/fixed"
EMA_PREFIX = "model/G_ema"


def sample_images(images) -> np.ndarray:
    """Generated images (N, C, H, W) in [-1, 1] as a samples file holds them: uint8, (N, H, W)
    for grey images, (N, H, W, 3) for colour ones."""
    images = to_uint8(images)
    return images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)


class GANModel:
    """Base class of minigan's GANs. Subclasses set ``name`` and write :meth:`update` and
    :meth:`generate`; a GAN of two networks builds them and calls :meth:`set_networks`, sets
    ``self.game`` (:mod:`minigan.gan.games`) and plays it with :meth:`adversarial_update`.
    Others (pix2pix, CycleGAN) register their networks and optimizers in ``self.networks``
    and ``self.optimizers`` themselves.

    Attributes:
        name: the key of the model in :mod:`minigan.gan.models`' registry (checkpoints use it).
        config: the JSON-able constructor arguments that rebuild the model: ``cls(**config)``;
            its ``recipe`` (:mod:`minigan.gan.recipe`) says what the update adds to the game.
        k: discriminator updates per generator update.
        step: batches trained on so far.
        ema: the moving average of G's weights (:mod:`minigan.gan.ema`) if the recipe keeps
            one; it draws the samples.
        conditional: whether samples come with labels (conditional GANs).
        draws_images: whether the model draws images from noise (not points, not translations).
        grid_nrow: images per row of the fixed-noise grid.
    """

    name: str = ""
    conditional: bool = False
    draws_images: bool = True  # images from noise, what ``python -m minigan sample`` writes
    grid_nrow: int = 8  # images per row of the per-epoch grid (a cGAN: one digit per row)

    def __init__(self, config: dict, k: int = 1, device=None):
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"{type(self).__name__}: k (discriminator updates per generator "
                             f"update) must be a positive integer, got {k!r}")
        # JSON round trip now, so the config equals what a checkpoint will give back.
        self.config = json.loads(json.dumps(config))
        self.k = k
        self.device = backend.check_device(device or backend.get_default_device())
        self.step = 0
        self.networks: dict = {}
        self.optimizers: dict = {}
        self.fixed_noise: Tensor | None = None
        self.ema: EMA | None = None
        self.total_iterations: int | None = None  # the run's length, for the recipe's lr_decay
        self._base_lrs: dict = {}  # optimizer name -> its rate before any decay
        self._logs: dict = {}

    # ---------------------------------------------------------------- what subclasses write

    def update(self, batch, update_generator: bool) -> dict:
        """Train on one batch: always the discriminator, the generator if ``update_generator``.

        Returns floats: the losses computed (``loss_d``; ``loss_g`` only when the generator was
        updated) and diagnostics such as ``d_real`` = mean D(x) and ``d_fake`` = mean D(G(z)).
        """
        raise NotImplementedError

    def generate(self, noise: Tensor, labels=None) -> Tensor:
        """Images (N, C, H, W) in [-1, 1] from ``noise``; called under no_grad in eval mode."""
        raise NotImplementedError

    def begin_epoch(self, epoch: int) -> None:
        """Called by the trainer before epoch ``epoch`` (counted from 0); models with a
        learning-rate schedule set their rates here from the epoch count alone, so a resumed
        run gets the rates an uninterrupted one would."""

    def begin_training(self, total_iterations: int | None) -> None:
        """Called by the trainer before its first epoch with the number of batches the whole
        run trains on (every epoch, those before a resume too), or None when the loader has no
        length. The recipe's ``lr_decay`` schedules the rates over it (so a run resumed with
        more epochs than it was started with plans its decay over the new length: its rates
        go back up to where that schedule puts them)."""
        self.total_iterations = total_iterations

    def noise(self, n: int) -> Tensor:
        """``n`` latent vectors from minigan's seeded generator."""
        return randn(n, self.config["latent_dim"], device=self.device)

    # ---------------------------------------------------------------- setting up G and D

    def set_networks(self, G, D, optimizer, lr: float, n_fixed: int | None = None) -> None:
        """The end of a GAN's constructor: move G and D to the device, give each an optimizer
        (``optimizer(parameters, lr)``; D's rate is the recipe's ``lr_d`` if set), start the
        recipe's moving average of G, and draw the fixed noise of the per-epoch grids."""
        self.G, self.D = G.to(self.device), D.to(self.device)
        recipe = self.config.get("recipe", {})
        self.opt_g = optimizer(self.G.parameters(), lr)
        self.opt_d = optimizer(self.D.parameters(), recipe.get("lr_d") or lr)
        self.networks = {"G": self.G, "D": self.D}
        self.optimizers = {"G": self.opt_g, "D": self.opt_d}
        self._base_lrs = {"G": lr, "D": recipe.get("lr_d") or lr}
        if recipe.get("ema"):
            self.ema = EMA(self.G, recipe["ema"])
        if n_fixed is not None:
            self.fixed_noise = self.noise(n_fixed)

    def drawing_networks(self) -> dict:
        """The networks that make the model's pictures, by name: what a shipped file holds
        (:mod:`minigan.pretrained`). Here ``{"G": sampling_generator}``; a translation model
        has its generators instead."""
        return {"G": self.sampling_generator}

    @property
    def sampling_generator(self):
        """The generator that draws samples and pictures: the moving average of G's weights if
        the recipe keeps one (its batch norm statistics measured afresh when the weights moved),
        else G itself."""
        if self.ema is None:
            return self.networks["G"]
        if self.ema.stale_statistics:
            self.ema.refresh_statistics(self.statistics_batches())
        return self.ema.module

    def statistics_batches(self, batches: int = 8, size: int = 64) -> list:
        """Fixed inputs of G for measuring batch norm statistics: noise from a generator of
        their own (so measuring draws nothing from minigan's, and a resumed run is unchanged);
        a conditional G gets every label in turn."""
        rng = np.random.default_rng(0)
        out = []
        for _ in range(batches):
            z = backend.to_device(rng.standard_normal((size, self.config["latent_dim"]))
                                  .astype(backend.get_default_dtype()), self.device)
            inputs = (Tensor(z),)
            if self.conditional:
                labels = np.arange(size) % self.config["n_classes"]
                inputs += (Tensor(backend.to_device(labels, self.device)),)
            out.append(inputs)
        return out

    # ---------------------------------------------------------------- the update

    def optimizer_step(self, name: str, loss: Tensor, read: bool = True) -> float | None:
        """One update of network ``name`` on ``loss``: zero its gradients, backward, step.
        Returns the loss's value, or None with ``read=False`` (for a caller that logs parts of
        the loss instead: on a GPU every value read back waits for the queued work)."""
        optimizer = self.optimizers[name]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item() if read else None

    def generator_step(self, loss_fn) -> float:
        """Update G on ``loss_fn()`` (which scores fakes with D) while D's weights are frozen:
        the backward pass then skips D's weight gradients, which G's step does not use."""
        discriminator = self.networks["D"]
        discriminator.requires_grad_(False)
        try:
            return self.optimizer_step("G", loss_fn())
        finally:
            discriminator.requires_grad_(True)

    def augment(self, images: Tensor) -> Tensor:
        """What D sees of ``images``: the recipe's differentiable augmentation, or themselves."""
        policy = self.config.get("recipe", {}).get("augment")
        if not policy:
            return images
        return diff_augment(images, policy, image_shape=getattr(self, "image_shape", None))

    def adversarial_update(self, real: Tensor, update_generator: bool, cond=()) -> dict:
        """One round of ``self.game`` on a real batch; ``cond`` (labels, for a conditional GAN)
        goes to both networks.

        1. D: score the real batch and a batch of fakes, separately (so each batch-norm layer
           normalises a pure batch, as in the DCGAN paper), and step on the game's loss plus
           its penalty (WGAN-GP) and the recipe's R1. The fakes keep their graph only if G is
           about to learn from them; D sees them detached.
        2. G (when ``update_generator``): the updated D scores the same fakes; D is frozen.
        """
        G, D, game = self.networks["G"], self.networks["D"], self.game
        z = self.noise(real.shape[0])
        if update_generator:
            fake = G(z, *cond)
        else:
            with no_grad():
                fake = G(z, *cond)
        real_seen = self.augment(real)
        real_out, fake_out = D(real_seen, *cond), D(self.augment(fake.detach()), *cond)
        loss_d, logs = game.d_loss(real_out, fake_out), {}
        penalty = game.critic_penalty(lambda x: D(x, *cond), real, fake)
        if penalty is not None:
            loss_d, logs["gp"] = loss_d + penalty, penalty.item()
        gamma = self.config.get("recipe", {}).get("r1")
        if gamma:
            r1 = losses.r1_penalty(lambda x: D(x, *cond), real_seen, gamma)
            loss_d, logs["r1"] = loss_d + r1, r1.item()
        logs = {"loss_d": self.optimizer_step("D", loss_d), **logs,
                **game.d_logs(real_out, fake_out)}
        game.after_d_step(D)
        if update_generator:
            logs["loss_g"] = self.adversarial_generator_step(fake, real, cond)
        return logs

    def adversarial_generator_step(self, fake: Tensor, real: Tensor, cond=()) -> float:
        """G's step in :meth:`adversarial_update`: the updated D scores the same fakes (as
        augmented as the reals it learnt from) while D is frozen. (The unrolled GAN replaces
        it: its D looks ahead on ``real``.)"""
        D = self.networks["D"]
        return self.generator_step(lambda: self.game.g_loss(D(self.augment(fake), *cond)))

    # ---------------------------------------------------------------- the protocol

    def train_step(self, batch) -> dict:
        """One batch of training; returns the latest value of every logged figure (the same
        keys for every batch, which is what the trainer's per-iteration history expects)."""
        update_generator = self.step % self.k == 0
        decay = self.config.get("recipe", {}).get("lr_decay")
        if decay:
            self.decay_learning_rates(decay)
        logs = self.update(batch, update_generator=update_generator)
        if update_generator and self.ema is not None:
            self.ema.update(self.networks["G"])
        self.step += 1
        self._logs.update(logs)
        return dict(self._logs)

    def decay_learning_rates(self, decay: float) -> None:
        """Set both optimizers' rates for this step from the step count and the run's length
        (:func:`minigan.gan.recipe.lr_factor`): nothing is carried from step to step, so a
        resumed run of the same length gets exactly the rates of an uninterrupted one."""
        if not self.total_iterations:
            raise RuntimeError(f"{type(self).__name__}: recipe lr_decay {decay} decays the "
                               "learning rates over the run's length, which is unknown: train "
                               "with minigan.gan.train (on a loader with a length), or call "
                               "model.begin_training(total_iterations) first")
        factor = lr_factor(self.step, self.total_iterations, decay)
        for name, base in self._base_lrs.items():
            for group in self.optimizers[name].param_groups:
                group["lr"] = base * factor

    def train(self, mode: bool = True) -> "GANModel":
        for net in self.networks.values():
            net.train(mode)
        return self

    def eval(self) -> "GANModel":
        return self.train(False)

    @contextlib.contextmanager
    def evaluating(self):
        """Every network in eval mode inside the block, each back in its own mode after it."""
        modes = {name: net.training for name, net in self.networks.items()}
        self.eval()
        try:
            yield self
        finally:
            for name, net in self.networks.items():
                net.train(modes[name])

    def sample(self, n: int | None = None, noise: Tensor | None = None, labels=None) -> Tensor:
        """Generated images (N, C, H, W) in [-1, 1]: from ``noise`` if given, else ``n`` fresh
        latent vectors (drawn from minigan's generator). No graph is recorded, and dropout and
        batch norm run in eval mode."""
        if noise is None:
            if n is None:
                raise ValueError("sample() needs n or noise")
            noise = self.noise(n)
        with no_grad(), self.evaluating():
            return self.generate(noise, labels)

    def fixed_labels(self):
        """The labels that go with ``fixed_noise`` (conditional models override this)."""
        return None

    def sample_grid(self) -> np.ndarray:
        """Images from the fixed noise, as a NumPy array: the same latent points every epoch,
        so the grids show how the generator's picture of them changes. Draws no random numbers.
        """
        return self.sample(noise=self.fixed_noise, labels=self.fixed_labels()).numpy()

    def iter_samples(self, n: int, batch_size: int = 1000):
        """``n`` samples, ``batch_size`` at a time: one dict per batch as :meth:`export_samples`
        gives them, so a caller can write each batch away and hold only one in memory."""
        for start in range(0, n, batch_size):
            yield {"images": sample_images(self.sample(min(batch_size, n - start)))}

    def export_samples(self, n: int, batch_size: int = 1000) -> dict:
        """``n`` samples as NumPy arrays ready for ``np.savez``: ``images`` uint8 (N, H, W) for
        grey images, (N, H, W, 3) for colour ones; conditional models add ``labels``."""
        chunks = list(self.iter_samples(n, batch_size))
        if not chunks:
            return {"images": np.zeros((0, 28, 28), np.uint8)}
        return {key: np.concatenate([chunk[key] for chunk in chunks]) for key in chunks[0]}

    # ---------------------------------------------------------------- checkpoints

    def state(self) -> tuple[dict, dict]:
        """``(arrays, meta)``: every network's ``state_dict`` under ``model/<name>/``, every
        optimizer's state under ``optim/<name>/``, the fixed noise, and the counters (JSON)."""
        from minigan.optim import flatten_state

        arrays, meta = {}, {"step": self.step, "logs": self._logs}
        for name, net in self.networks.items():
            arrays.update(prefixed(f"model/{name}", net.state_dict()))
        for name, opt in self.optimizers.items():
            arrays.update(prefixed(f"optim/{name}", flatten_state(opt.state_dict())))
        if self.fixed_noise is not None:
            arrays[FIXED_NOISE_KEY] = self.fixed_noise.numpy()
        if self.ema is not None:
            arrays.update(prefixed(EMA_PREFIX, self.ema.state_dict()))
            meta["ema_updates"] = self.ema.updates
        return arrays, meta

    def load_state(self, arrays: dict, meta: dict) -> None:
        """Put back what :meth:`state` returned (arrays may come from a checkpoint file)."""
        for name, net in self.networks.items():
            part = subtree(arrays, f"model/{name}")
            if not part:
                raise ValueError(f"{type(self).__name__}.load_state: no arrays for network "
                                 f"{name!r} (expected keys under 'model/{name}/')")
            net.load_state_dict(part)
        for name, opt in self.optimizers.items():
            part = subtree(arrays, f"optim/{name}")
            if not part:
                raise ValueError(f"{type(self).__name__}.load_state: no state for optimizer "
                                 f"{name!r} (expected keys under 'optim/{name}/')")
            opt.load_state_dict(part)  # the flat form of minigan.optim.flatten_state
        if FIXED_NOISE_KEY in arrays:
            self.fixed_noise = Tensor(backend.to_device(
                np.asarray(arrays[FIXED_NOISE_KEY]), self.device))
        if self.ema is not None:
            part = subtree(arrays, EMA_PREFIX)
            if not part:
                raise ValueError(f"{type(self).__name__}.load_state: its recipe keeps a moving "
                                 f"average of G, but there are no arrays under '{EMA_PREFIX}/'")
            self.ema.load_state_dict(part, meta.get("ema_updates", 0))
        self.step = int(meta.get("step", 0))
        self._logs = dict(meta.get("logs", {}))

    def __repr__(self) -> str:
        nets = "\n".join(f"  ({name}): " + repr(net).replace("\n", "\n  ")
                         for name, net in self.networks.items())
        return f"{type(self).__name__}(k={self.k}, step={self.step}\n{nets}\n)"
