"""Gradient checks on "cuda" tensors, and WGAN-GP's penalty of a convolutional critic (a double
backward through convolutions, normalisation and activations) equal on "cpu" and "cuda".

Runs on a GPU, or on the CuPy stand-in with ``MINIGAN_TEST_FAKE_GPU=1``.
"""
import numpy as np
import pytest

import minigan as mg
from minigan import nn
from minigan.gan import losses
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops import conv as C
from minigan.ops import norm as N
from minigan.ops import pad as P
from minigan.ops import pool as Pool

pytestmark = pytest.mark.skipif(
    not mg.cuda_is_available(),
    reason="needs CuPy and a GPU, or the CuPy stand-in (MINIGAN_TEST_FAKE_GPU=1)")

_rng = np.random.default_rng(3)
X = _rng.normal(size=(2, 2, 5, 5))

CHECKS = {
    "conv2d": (lambda x, w, b: C.conv2d(x, w, b, stride=2, padding=1),
               [X, _rng.normal(size=(3, 2, 3, 3)), _rng.normal(size=3)]),
    "conv_transpose2d": (lambda x, w: C.conv_transpose2d(x, w, stride=2, padding=1,
                                                          output_padding=1),
                         [X, _rng.normal(size=(2, 3, 3, 3))]),
    "batch_norm": (lambda x, w, b: N.batch_norm(x, None, None, w, b, training=True),
                   [X, _rng.uniform(0.5, 1.5, 2), _rng.normal(size=2)]),
    "instance_norm": (lambda x: N.instance_norm(x), [X]),
    "pad_reflect": (lambda x: P.pad(x, (2, 1, 1, 2), mode="reflect"), [X]),
    "avg_pool_upsample": (lambda x: Pool.upsample(Pool.avg_pool2d(x, 2, padding=1),
                                                  scale_factor=2), [X]),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_gradcheck_and_gradgradcheck_pass_on_cuda_tensors(name):
    fn, inputs = CHECKS[name]
    tensors = [mg.tensor(a, dtype=np.float64, device="cuda") for a in inputs]
    assert gradcheck(fn, tensors)
    assert gradgradcheck(fn, tensors)


def _critic():
    return nn.Sequential(nn.Conv2d(1, 4, 4, 2, 1), nn.LeakyReLU(0.2),
                         nn.Conv2d(4, 8, 4, 2, 1), nn.InstanceNorm2d(8, affine=True),
                         nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(8 * 7 * 7, 1))


def _penalty(device):
    """The penalty and the critic's weight gradients (None for a bias added after the last
    place the input's gradient depends on), from the same weights and draws."""
    mg.manual_seed(0)
    critic = _critic().double().to(device)
    images = np.random.default_rng(4).uniform(-1, 1, (2, 3, 1, 28, 28))
    real, fake = (mg.tensor(a, dtype=np.float64, device=device) for a in images)
    mg.manual_seed(1)  # the mixing weights of real and fake
    penalty = losses.gradient_penalty(critic, real, fake, weight=10.0)
    penalty.backward()
    assert penalty.device == device
    return [penalty.numpy()] + [None if p.grad is None else p.grad.numpy()
                                for p in critic.parameters()]


def test_the_gradient_penalty_of_a_conv_critic_is_the_same_on_cuda():
    cpu, cuda = _penalty("cpu"), _penalty("cuda")
    assert cpu[0] > 0 and sum(g is not None and np.abs(g).sum() > 0 for g in cpu[1:]) == 6
    assert [g is None for g in cuda] == [g is None for g in cpu]
    for i, (a, b) in enumerate(zip(cpu, cuda)):
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12, err_msg=f"result {i}")
