"""One CycleGAN training step at batch 1 on 32x32 colour digits (float32): minigan against
PyTorch on this machine.

    python benchmarks/bench_translation_step.py [--steps 30] [--batch 1] [--no-torch]

The networks of ``examples/cyclegan_digits.py``'s defaults: two ResNet generators (ngf 8, two
downsamplings, two residual blocks, instance norm, reflection padding) and two PatchGAN
discriminators (ndf 16, two strided layers, instance norm). One step is the generators' update
(least-squares adversarial losses, cycle L1 x 10, identity L1 x 5, discriminators frozen), then
the discriminators' (real towards 1, the detached fakes towards 0, halved). At batch 1 every
operation works on a few thousand numbers, so the step measures each operation's fixed cost in
Python (a Function's apply, the graph walk, a module call) more than arithmetic. The timing,
the alternating rounds and the memory measurement are ``bench_dcgan_step.py``'s.
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

import numpy as np  # noqa: E402

import bench_dcgan_step as harness  # noqa: E402

CHANNELS, SIZE = 3, 32
NGF, N_BLOCKS, NDF, N_LAYERS = 8, 2, 16, 2
LAMBDA_CYCLE, LAMBDA_IDENTITY = 10.0, 0.5


def build(nn):
    """G_AB, G_BA, D_A, D_B from either library's ``nn``, laid out as minigan's
    ``ResnetGenerator`` and ``PatchGANDiscriminator`` (the same state_dict keys)."""
    class ResnetBlock(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.conv_block = nn.Sequential(
                nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim), nn.ReLU(),
                nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim))

        def forward(self, x):
            return x + self.conv_block(x)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            layers = [nn.ReflectionPad2d(3), nn.Conv2d(CHANNELS, NGF, 7), nn.InstanceNorm2d(NGF),
                      nn.ReLU()]
            for width in (NGF, 2 * NGF):
                layers += [nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),
                           nn.InstanceNorm2d(2 * width), nn.ReLU()]
            layers += [ResnetBlock(4 * NGF) for _ in range(N_BLOCKS)]
            for width in (4 * NGF, 2 * NGF):
                layers += [nn.ConvTranspose2d(width, width // 2, 3, stride=2, padding=1,
                                              output_padding=1),
                           nn.InstanceNorm2d(width // 2), nn.ReLU()]
            layers += [nn.ReflectionPad2d(3), nn.Conv2d(NGF, CHANNELS, 7), nn.Tanh()]
            self.model = nn.Sequential(*layers)

        def forward(self, x):
            return self.model(x)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [NDF * 2 ** n for n in range(N_LAYERS + 1)]
            layers = [nn.Conv2d(CHANNELS, NDF, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            for n in range(1, N_LAYERS + 1):
                layers += [nn.Conv2d(widths[n - 1], widths[n], 4, stride=2 if n < N_LAYERS else 1,
                                     padding=1),
                           nn.InstanceNorm2d(widths[n]), nn.LeakyReLU(0.2)]
            layers.append(nn.Conv2d(widths[-1], 1, 4, stride=1, padding=1))
            self.model = nn.Sequential(*layers)

        def forward(self, x):
            return self.model(x)

    return Generator(), Generator(), Discriminator(), Discriminator()


def cyclegan_step(nets, optimizers, losses, a, b, ones, zeros):
    """One step, written once for both libraries (their APIs agree); returns the losses, read
    back."""
    g_ab, g_ba, d_a, d_b = nets
    opt_g, opt_d = optimizers
    mse, l1 = losses

    def step():
        fake_b, fake_a = g_ab(a), g_ba(b)
        for d in (d_a, d_b):  # frozen: the generators' step needs no gradient for them
            d.requires_grad_(False)
        opt_g.zero_grad()
        loss_g = (mse(d_b(fake_b), ones) + mse(d_a(fake_a), ones)
                  + LAMBDA_CYCLE * (l1(g_ba(fake_b), a) + l1(g_ab(fake_a), b))
                  + LAMBDA_CYCLE * LAMBDA_IDENTITY * (l1(g_ab(b), b) + l1(g_ba(a), a)))
        loss_g.backward()
        opt_g.step()
        for d in (d_a, d_b):
            d.requires_grad_(True)
        opt_d.zero_grad()
        loss_d = 0.5 * (mse(d_a(a), ones) + mse(d_a(fake_a.detach()), zeros)) \
            + 0.5 * (mse(d_b(b), ones) + mse(d_b(fake_b.detach()), zeros))
        loss_d.backward()
        opt_d.step()
        return loss_g.item(), loss_d.item()

    return step


def _images(seed):
    rng = np.random.default_rng(seed)
    shape = (harness.BATCH, CHANNELS, SIZE, SIZE)
    return (rng.uniform(-1, 1, shape).astype(np.float32) for _ in range(2))


def _optimizers(optim, nets):
    g_ab, g_ba, d_a, d_b = nets
    return (optim.Adam(itertools.chain(g_ab.parameters(), g_ba.parameters()), lr=2e-4,
                       betas=(0.5, 0.999)),
            optim.Adam(itertools.chain(d_a.parameters(), d_b.parameters()), lr=2e-4,
                       betas=(0.5, 0.999)))


def minigan_setup(seed: int = 0, build=build, image_shape=None):
    import minigan as mg
    from minigan import nn, optim

    mg.manual_seed(seed)
    nets = build(nn)
    a, b = (mg.tensor(x) for x in _images(seed))
    patches = nets[2](a).shape
    return nets, cyclegan_step(nets, _optimizers(optim, nets), (nn.MSELoss(), nn.L1Loss()), a, b,
                               mg.ones(*patches), mg.zeros(*patches))


def torch_setup(models, seed: int = 0, build=build, image_shape=None):
    import torch

    torch.manual_seed(seed)
    nets = build(torch.nn)
    for ours, theirs in zip(models, nets):  # start from minigan's weights
        theirs.load_state_dict({k: torch.from_numpy(np.array(v))
                                for k, v in ours.state_dict().items()})
    a, b = (torch.from_numpy(x) for x in _images(seed))
    patches = nets[2](a).shape
    return cyclegan_step(nets, _optimizers(torch.optim, nets),
                         (torch.nn.MSELoss(), torch.nn.L1Loss()), a, b, torch.ones(patches),
                         torch.zeros(patches))


if __name__ == "__main__":
    harness.BATCH = 1  # the translation examples train one image at a time
    harness.main(title="CycleGAN", build=build, image_shape=None, flops=None, script=__file__,
                 doc=__doc__, setups=(minigan_setup, torch_setup))
