"""One update of every GAN in the package, as the examples run them: the in-place checks of
autograd (optimizer steps, weight clipping, EMA-free updates) raise no false alarm, no update
leans on a graph that a backward has freed, and no NaN appears (anomaly detection on)."""
import numpy as np
import pytest

import minigan as mg
from minigan import autograd
from minigan.gan.models.conditional import ConditionalGAN
from minigan.gan.models.cyclegan import CycleGAN
from minigan.gan.models.dcgan import DCGAN
from minigan.gan.models.lsgan import LSGAN
from minigan.gan.models.mlp import VanillaGAN
from minigan.gan.models.pix2pix import Pix2Pix
from minigan.gan.models.toy import ToyGAN
from minigan.gan.models.wgan import WGAN
from minigan.gan.remedy_game import REMEDIES


def _uniform(*shape, seed=0):
    return mg.tensor(np.random.default_rng(seed).uniform(-1, 1, shape))


def _labels(n):
    return mg.tensor(np.arange(n) % 10)


MODELS = {
    "vanilla": (lambda: VanillaGAN(latent_dim=3, g_hidden=(5,), d_hidden=(4,),
                                   image_shape=(1, 2, 3), n_fixed=2, dropout=0.3),
                lambda: _uniform(4, 6)),
    "dcgan": (lambda: DCGAN(latent_dim=4, g_width=2, d_width=2, n_fixed=2),
              lambda: _uniform(4, 1, 28, 28)),
    "lsgan": (lambda: LSGAN(latent_dim=4, g_width=2, d_width=2, image_shape=(1, 8, 8), n_fixed=2),
              lambda: _uniform(4, 1, 8, 8)),
    "cgan-mlp": (lambda: ConditionalGAN(arch="mlp", latent_dim=4, embed_dim=3, g_hidden=(8,),
                                        d_hidden=(8,), width=2, n_fixed_per_class=1),
                 lambda: (_uniform(4, 784), _labels(4))),
    "cgan-dcgan": (lambda: ConditionalGAN(arch="dcgan", latent_dim=4, embed_dim=3,
                                          g_hidden=(8,), d_hidden=(8,), width=2,
                                          n_fixed_per_class=1),
                  lambda: (_uniform(4, 1, 28, 28), _labels(4))),
    "pix2pix": (lambda: Pix2Pix(in_channels=1, out_channels=1, num_downs=4, ngf=4, ndf=4,
                                n_layers=1),
                lambda: (_uniform(2, 1, 16, 16), _uniform(2, 1, 16, 16, seed=1))),
    "cyclegan": (lambda: CycleGAN(channels_a=1, channels_b=1, ngf=4, n_blocks=1, ndf=4,
                                  n_layers=1),
                 lambda: (_uniform(1, 1, 16, 16), _uniform(1, 1, 16, 16, seed=1))),
}
for _penalty in ("clip", "gp"):
    for _arch, _shape in (("mlp", (784,)), ("dcgan", (1, 28, 28))):
        MODELS[f"wgan-{_penalty}-{_arch}"] = (
            lambda p=_penalty, a=_arch: WGAN(penalty=p, arch=a, latent_dim=4, g_hidden=(8,),
                                             d_hidden=(8,), width=2, n_fixed=2),
            lambda s=_shape: _uniform(4, *s))
for _remedy in REMEDIES:
    MODELS[f"toy-{_remedy}"] = (
        lambda r=_remedy: ToyGAN(latent_dim=3, g_hidden=(8,), d_hidden=(8,), remedy=r,
                                 pack_size=2, mb_features=3, mb_kernel_dims=2, unroll_steps=2,
                                 n_fixed=8),
        lambda: _uniform(8, 2))


@pytest.mark.parametrize("name", list(MODELS))
def test_two_updates_raise_no_false_alarm(name):
    build, batch = MODELS[name]
    mg.manual_seed(0)
    model = build()
    with autograd.detect_anomaly():
        for update_generator in (False, True, True):
            logs = model.update(batch(), update_generator=update_generator)
    assert logs and all(np.isfinite(v) for v in logs.values() if isinstance(v, float)), logs
