"""CycleGAN (Zhu et al. 2017): translation between two image domains without paired examples.

Two generators, G_AB: A -> B and G_BA: B -> A, and two discriminators, D_A (real A or
G_BA's fake?) and D_B. With no pairs to compare against, three losses shape the generators:

    adversarial   D_B(G_AB(a)) and D_A(G_BA(b)) should look real      (least squares, as LSGAN)
    cycle         G_BA(G_AB(a)) = a and G_AB(G_BA(b)) = b             (L1, weight lambda_cycle)
    identity      G_AB(b) = b and G_BA(a) = a                         (L1, lambda_identity * lambda_cycle)

The adversarial loss alone would let G_AB map every digit to the same convincing printed "7";
the cycle loss forbids that, because G_BA could not get the original back. The identity loss
keeps a generator from changing what already belongs to its target domain (in the paper, it
keeps colours). The discriminators see fakes drawn from a pool of the last 50
(:class:`~minigan.gan.image_pool.ImagePool`), and their loss is halved so that they learn
more slowly than the generators, as in the authors' code.
"""
from __future__ import annotations

import itertools

import numpy as np

from minigan import optim
from minigan.autograd import Tensor, no_grad
from minigan.backend import get_array_module
from minigan.gan.image_pool import ImagePool
from minigan.gan.models.patchgan import PatchGANDiscriminator
from minigan.gan.models.resnet_generator import ResnetGenerator
from minigan.gan.models.translation import TranslationModel
from minigan.ops.loss import l1, mse

POOL_KEY = "pool/"


def lsgan_loss(scores: Tensor, real: bool) -> Tensor:
    """Least-squares adversarial loss: mean (D - 1)^2 for "real", mean D^2 for "fake"."""
    return mse(scores, get_array_module(scores.data).full(scores.shape, float(real),
                                                          scores.dtype))


def cycle_consistency_loss(reconstructed: Tensor, original: Tensor) -> Tensor:
    """Mean absolute difference between an image and its round trip through both generators."""
    return l1(reconstructed, original)


def identity_loss(same: Tensor, original: Tensor) -> Tensor:
    """Mean absolute change a generator makes to an image already in its target domain."""
    return l1(same, original)


class CycleGAN(TranslationModel):
    """CycleGAN with the paper's ResNet generators and PatchGAN discriminators.

    Args:
        channels_a, channels_b: image channels of the two domains (1 grey, 3 colour).
        ngf, n_blocks, n_downsampling: the generators' width, residual blocks and
            downsamplings (the paper: 64, 9 at 256x256 or 6 at 128x128, 2).
        ndf, n_layers: the discriminators' width and strided layers (3: 70x70 patches).
        norm: ``"instance"`` (the paper's) or ``"batch"``.
        lambda_cycle: weight of the cycle-consistency L1 (10).
        lambda_identity: weight of the identity L1 relative to ``lambda_cycle`` (0.5); needs
            ``channels_a == channels_b`` unless it is 0.
        pool_size: past fakes kept for the discriminators (50; 0 = no pool).
        lr, betas: Adam's (2e-4, (0.5, 0.999)).
        lr_constant_epochs, lr_decay_epochs: the learning-rate schedule (the paper: 100, 100).
    """

    name = "cyclegan"

    def __init__(self, channels_a: int = 3, channels_b: int = 3, ngf: int = 64,
                 n_blocks: int = 9, n_downsampling: int = 2, ndf: int = 64, n_layers: int = 3,
                 norm: str = "instance", lambda_cycle: float = 10.0,
                 lambda_identity: float = 0.5, pool_size: int = 50, lr: float = 2e-4,
                 betas=(0.5, 0.999), lr_constant_epochs: int = 100, lr_decay_epochs: int = 100,
                 device=None):
        if lambda_identity and channels_a != channels_b:
            raise ValueError(f"CycleGAN: the identity loss feeds domain B's images to G_AB, "
                             f"which needs channels_a == channels_b (got {channels_a} and "
                             f"{channels_b}); set lambda_identity=0")
        super().__init__(dict(channels_a=channels_a, channels_b=channels_b, ngf=ngf,
                              n_blocks=n_blocks, n_downsampling=n_downsampling, ndf=ndf,
                              n_layers=n_layers, norm=norm, lambda_cycle=lambda_cycle,
                              lambda_identity=lambda_identity, pool_size=pool_size, lr=lr,
                              betas=list(betas), lr_constant_epochs=lr_constant_epochs,
                              lr_decay_epochs=lr_decay_epochs), device=device)
        generator = dict(ngf=ngf, n_blocks=n_blocks, n_downsampling=n_downsampling, norm=norm)
        self.networks = {
            "G_AB": ResnetGenerator(channels_a, channels_b, **generator),
            "G_BA": ResnetGenerator(channels_b, channels_a, **generator),
            "D_A": PatchGANDiscriminator(channels_a, ndf=ndf, n_layers=n_layers, norm=norm),
            "D_B": PatchGANDiscriminator(channels_b, ndf=ndf, n_layers=n_layers, norm=norm),
        }
        for net in self.networks.values():
            net.to(self.device)
        n = self.networks
        # One optimizer per side, as in the authors' code: the two generators share a loss.
        self.optimizers = {
            "G": optim.Adam(itertools.chain(n["G_AB"].parameters(), n["G_BA"].parameters()),
                            lr=lr, betas=tuple(betas)),
            "D": optim.Adam(itertools.chain(n["D_A"].parameters(), n["D_B"].parameters()),
                            lr=lr, betas=tuple(betas)),
        }
        self.add_schedules(lr_constant_epochs, lr_decay_epochs)
        self.pools = {"A": ImagePool(pool_size), "B": ImagePool(pool_size)}
        self.lambda_cycle, self.lambda_identity = lambda_cycle, lambda_identity

    def update(self, batch, update_generator: bool) -> dict:
        real_a, real_b = batch
        n = self.networks
        logs = {}
        if update_generator:
            fake_b, fake_a = n["G_AB"](real_a), n["G_BA"](real_b)
            logs.update(self._generator_update(real_a, real_b, fake_a, fake_b))
        else:
            with no_grad():
                fake_b, fake_a = n["G_AB"](real_a), n["G_BA"](real_b)

        # The discriminators: real images towards 1, pooled fakes towards 0, halved.
        fake_a_seen = self.pools["A"].query(fake_a.detach())
        fake_b_seen = self.pools["B"].query(fake_b.detach())
        real_a_out, real_b_out = n["D_A"](real_a), n["D_B"](real_b)
        fake_a_out, fake_b_out = n["D_A"](fake_a_seen), n["D_B"](fake_b_seen)
        loss_d_a = 0.5 * (lsgan_loss(real_a_out, True) + lsgan_loss(fake_a_out, False))
        loss_d_b = 0.5 * (lsgan_loss(real_b_out, True) + lsgan_loss(fake_b_out, False))
        self.optimizer_step("D", loss_d_a + loss_d_b, read=False)  # its parts are logged
        logs.update(loss_d_a=loss_d_a.item(), loss_d_b=loss_d_b.item(),
                    d_real=(0.5 * (real_a_out.mean() + real_b_out.mean())).item(),
                    d_fake=(0.5 * (fake_a_out.mean() + fake_b_out.mean())).item())
        return logs

    def _generator_update(self, real_a, real_b, fake_a, fake_b) -> dict:
        n = self.networks
        adversarial = lsgan_loss(n["D_B"](fake_b), True) + lsgan_loss(n["D_A"](fake_a), True)
        cycle = (cycle_consistency_loss(n["G_BA"](fake_b), real_a)
                 + cycle_consistency_loss(n["G_AB"](fake_a), real_b))
        loss = adversarial + self.lambda_cycle * cycle
        logs = {"loss_g_adv": adversarial.item(), "loss_cycle": cycle.item()}
        if self.lambda_identity:
            identity = identity_loss(n["G_AB"](real_b), real_b) + \
                identity_loss(n["G_BA"](real_a), real_a)
            loss = loss + self.lambda_cycle * self.lambda_identity * identity
            logs["loss_identity"] = identity.item()
        # The discriminators are frozen: G's step needs no gradient for their weights.
        for name in ("D_A", "D_B"):
            n[name].requires_grad_(False)
        try:
            logs["loss_g"] = self.optimizer_step("G", loss)
        finally:
            for name in ("D_A", "D_B"):
                n[name].requires_grad_(True)
        return logs

    # ------------------------------------------------------------------ using the model

    def translate(self, images, direction: str = "AtoB", batch_size: int = 256) -> Tensor:
        """``images`` translated to the other domain (``"AtoB"`` by G_AB, ``"BtoA"`` by G_BA),
        in eval mode without a graph; a Tensor (N, C, H, W) in [-1, 1]."""
        if direction not in ("AtoB", "BtoA"):
            raise ValueError(f"CycleGAN.translate: direction must be 'AtoB' or 'BtoA', "
                             f"got {direction!r}")
        return self.run_network("G_AB" if direction == "AtoB" else "G_BA", images, batch_size)

    def round_trip(self, images, direction: str = "AtoB") -> tuple[Tensor, Tensor]:
        """``(translated, reconstructed)``: ``images`` taken to the other domain and back."""
        back = "BtoA" if direction == "AtoB" else "AtoB"
        translated = self.translate(images, direction)
        return translated, self.translate(translated, back)

    def sample_grid(self):
        """Rows of 8: A, G_AB(A), G_BA(G_AB(A)), then B, G_BA(B), G_AB(G_BA(B)) for the
        fixed held-out images (only the A rows, or B rows, when one side is set)."""
        if not self.fixed_inputs:
            raise ValueError("CycleGAN.sample_grid: call set_fixed_inputs(a=..., b=...) first")
        rows = []
        for side, direction in (("a", "AtoB"), ("b", "BtoA")):
            if side in self.fixed_inputs:
                images = self.fixed_inputs[side]
                translated, reconstructed = self.round_trip(images, direction)
                rows += [images.numpy(), translated.numpy(), reconstructed.numpy()]
        channels = max(r.shape[1] for r in rows)
        return np.concatenate([np.repeat(r, channels // r.shape[1], axis=1) for r in rows])

    # ------------------------------------------------------------------ checkpoints

    def state(self) -> tuple[dict, dict]:
        arrays, meta = super().state()
        for side, pool in self.pools.items():
            arrays[POOL_KEY + side] = pool.state()
        return arrays, meta

    def load_state(self, arrays: dict, meta: dict) -> None:
        super().load_state(arrays, meta)
        for side, pool in self.pools.items():
            if POOL_KEY + side in arrays:
                pool.load_state(arrays[POOL_KEY + side], self.device)
