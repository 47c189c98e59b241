"""pix2pix (Isola et al. 2017): translation learned from paired examples (input x, target y).

The generator is a U-Net (an encoder-decoder whose skip connections carry the input's fine
detail straight across), the discriminator a PatchGAN that sees (x, image) side by side and says
for every patch whether the image is x's real target or the generator's. The generator's loss:

    loss_G = BCE(D(x, G(x)), real) + lambda_l1 * |G(x) - y|_1          (lambda_l1 = 100)

The L1 term alone already learns the mapping, but a pixel loss is minimised by the average of
all plausible outputs, which is blurry; the adversarial term penalises what a sharp real image
would not look like. ``adversarial=False`` trains the generator on the L1 term alone (no
discriminator): the baseline that shows the difference.
"""
from __future__ import annotations

import numpy as np

from minigan import optim
from minigan.autograd import Tensor, no_grad
from minigan.backend import get_array_module
from minigan.gan.models.patchgan import PatchGANDiscriminator
from minigan.gan.models.unet import UnetGenerator
from minigan.gan.models.translation import TranslationModel
from minigan.ops.activation import sigmoid
from minigan.ops.loss import bce_with_logits, l1
from minigan.ops.math import concat


class Pix2Pix(TranslationModel):
    """pix2pix with the paper's U-Net generator and PatchGAN discriminator.

    Args:
        in_channels, out_channels: channels of the input and target images.
        num_downs: the U-Net's halvings (8 at 256x256; images must be divisible by 2**num_downs).
        ngf, ndf: generator and discriminator widths (64 in the paper).
        n_layers: the discriminator's strided layers (3: 70x70 patches).
        norm: ``"batch"`` (the paper's) or ``"instance"``.
        use_dropout: dropout 0.5 in the U-Net's inner decoder layers (the paper's noise).
        lambda_l1: weight of the L1 term (100).
        adversarial: False trains G on the L1 term alone (the baseline; no discriminator).
        lr, betas, lr_constant_epochs, lr_decay_epochs: Adam and the learning-rate schedule.
    """

    name = "pix2pix"

    def __init__(self, in_channels: int = 3, out_channels: int = 3, num_downs: int = 8,
                 ngf: int = 64, ndf: int = 64, n_layers: int = 3, norm: str = "batch",
                 use_dropout: bool = True, lambda_l1: float = 100.0, adversarial: bool = True,
                 lr: float = 2e-4, betas=(0.5, 0.999), lr_constant_epochs: int = 100,
                 lr_decay_epochs: int = 100, device=None):
        super().__init__(dict(in_channels=in_channels, out_channels=out_channels,
                              num_downs=num_downs, ngf=ngf, ndf=ndf, n_layers=n_layers,
                              norm=norm, use_dropout=use_dropout, lambda_l1=lambda_l1,
                              adversarial=adversarial, lr=lr, betas=list(betas),
                              lr_constant_epochs=lr_constant_epochs,
                              lr_decay_epochs=lr_decay_epochs), device=device)
        self.networks = {"G": UnetGenerator(in_channels, out_channels, num_downs=num_downs,
                                            ngf=ngf, norm=norm, use_dropout=use_dropout)}
        if adversarial:
            # D judges (input, image) pairs: a conditional discriminator.
            self.networks["D"] = PatchGANDiscriminator(in_channels + out_channels, ndf=ndf,
                                                       n_layers=n_layers, norm=norm)
        for net in self.networks.values():
            net.to(self.device)
        self.optimizers = {name: optim.Adam(net.parameters(), lr=lr, betas=tuple(betas))
                           for name, net in self.networks.items()}
        self.add_schedules(lr_constant_epochs, lr_decay_epochs)
        self.lambda_l1, self.adversarial = lambda_l1, adversarial

    def update(self, batch, update_generator: bool) -> dict:
        x, y = batch
        G = self.networks["G"]
        if not self.adversarial:
            loss_l1 = l1(G(x), y)
            return {"loss_l1": self.optimizer_step("G", self.lambda_l1 * loss_l1) /
                    self.lambda_l1}
        D = self.networks["D"]
        if update_generator:
            fake = G(x)
        else:
            with no_grad():
                fake = G(x)
        real_out = D(concat([x, y], axis=1))
        fake_out = D(concat([x, fake.detach()], axis=1))
        loss_d = 0.5 * (_towards(real_out, 1.0) + _towards(fake_out, 0.0))
        logs = {"loss_d": self.optimizer_step("D", loss_d),
                "d_real": sigmoid(real_out.detach()).mean().item(),
                "d_fake": sigmoid(fake_out.detach()).mean().item()}
        if update_generator:
            def generator_loss():
                adversarial = _towards(D(concat([x, fake], axis=1)), 1.0)
                loss_l1 = l1(fake, y)
                logs.update(loss_g_adv=adversarial.item(), loss_l1=loss_l1.item())
                return adversarial + self.lambda_l1 * loss_l1
            logs["loss_g"] = self.generator_step(generator_loss)
        return logs

    # ------------------------------------------------------------------ using the model

    def translate(self, images, batch_size: int = 256) -> Tensor:
        """G's outputs for ``images`` in eval mode (dropout off, running batch statistics),
        without a graph; a Tensor (N, C, H, W) in [-1, 1]."""
        return self.run_network("G", images, batch_size)

    def sample_grid(self):
        """Rows: the fixed held-out inputs, their translations, and their targets."""
        if "x" not in self.fixed_inputs:
            raise ValueError("Pix2Pix.sample_grid: call set_fixed_inputs(x=..., y=...) first")
        x = self.fixed_inputs["x"]
        rows = [x.numpy(), self.translate(x).numpy()]
        if "y" in self.fixed_inputs:
            rows.append(self.fixed_inputs["y"].numpy())
        channels = max(r.shape[1] for r in rows)
        return np.concatenate([np.repeat(r, channels // r.shape[1], axis=1) for r in rows])


def _towards(logits: Tensor, value: float) -> Tensor:
    """BCE from logits against a constant target (1 real, 0 fake) for every patch."""
    xp = get_array_module(logits.data)
    return bce_with_logits(logits, Tensor(xp.full(logits.shape, value, logits.dtype)))
