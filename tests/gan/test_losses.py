"""minigan.gan.losses: the GAN losses from logits, stable and equal to their textbook forms."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import minigan
from minigan.gan import losses


def _t(values, requires_grad=False):
    return minigan.tensor(np.asarray(values, dtype=np.float64), dtype=np.float64,
                          requires_grad=requires_grad)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


moderate = arrays(np.float64, st.integers(1, 8), elements=st.floats(-8, 8))


@settings(max_examples=30, deadline=None)
@given(real=moderate, fake=moderate)
def test_equal_to_the_naive_formulas_for_moderate_logits(real, fake):
    d_real, d_fake = _sigmoid(real), _sigmoid(fake)
    naive_d = -np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake))
    naive_minimax = np.mean(np.log(1 - d_fake))
    naive_nonsat = -np.mean(np.log(d_fake))
    np.testing.assert_allclose(losses.discriminator_loss_bce(_t(real), _t(fake)).item(),
                               naive_d, rtol=1e-10)
    np.testing.assert_allclose(losses.generator_loss_minimax(_t(fake)).item(), naive_minimax,
                               rtol=1e-10)
    np.testing.assert_allclose(losses.generator_loss_nonsaturating(_t(fake)).item(),
                               naive_nonsat, rtol=1e-10)


def test_d_loss_equals_bce_with_logits_summed():
    real, fake = _t([0.3, -2.0, 5.0]), _t([1.0, -0.5, 0.0])
    from minigan.ops.loss import bce_with_logits
    expected = (bce_with_logits(real, np.ones(3)) + bce_with_logits(fake, np.zeros(3))).item()
    assert losses.discriminator_loss_bce(real, fake).item() == pytest.approx(expected, rel=1e-12)
    assert losses.discriminator_loss_minimax is losses.discriminator_loss_bce


def test_equilibrium_value_is_two_log_two():
    zero = _t(np.zeros(4))
    assert losses.discriminator_loss_bce(zero, zero).item() == pytest.approx(2 * np.log(2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_for_huge_logits(dtype):
    big = minigan.tensor(np.array([1e4, -1e4], dtype=dtype), dtype=dtype, requires_grad=True)
    values = {
        # D sure and right: loss ~0. D sure and wrong: loss ~1e4, finite.
        "d_right": losses.discriminator_loss_bce(big[0:1], big[1:2]),
        "d_wrong": losses.discriminator_loss_bce(big[1:2], big[0:1]),
        "minimax": losses.generator_loss_minimax(big),
        "nonsat": losses.generator_loss_nonsaturating(big),
    }
    assert values["d_right"].item() == pytest.approx(0.0, abs=1e-30)
    assert values["d_wrong"].item() == pytest.approx(2e4, rel=1e-6)
    assert values["minimax"].item() == pytest.approx(-5e3, rel=1e-6)  # mean(-1e4, ~0)
    assert values["nonsat"].item() == pytest.approx(5e3, rel=1e-6)
    for loss in values.values():
        big.grad = None
        loss.backward()
        assert np.isfinite(big.grad.numpy()).all()


def test_gradients_saturate_as_the_lecture_says():
    """Where D rejects the fakes (logit << 0), the minimax loss gives G almost no gradient and
    the non-saturating one nearly its largest: the reason for the non-saturating default."""
    fake = _t([-10.0], requires_grad=True)
    losses.generator_loss_minimax(fake).backward()
    minimax_grad = abs(fake.grad.item())
    fake.grad = None
    losses.generator_loss_nonsaturating(fake).backward()
    nonsat_grad = abs(fake.grad.item())
    assert minimax_grad == pytest.approx(_sigmoid(-10.0), rel=1e-9)
    assert nonsat_grad == pytest.approx(1 - _sigmoid(-10.0), rel=1e-9)


def test_losses_pass_gradcheck():
    from minigan.gradcheck import gradcheck

    rng = np.random.default_rng(0)
    real, fake = (_t(rng.standard_normal(5), requires_grad=True) for _ in range(2))
    gradcheck(losses.discriminator_loss_bce, (real, fake))
    gradcheck(losses.generator_loss_minimax, (fake,))
    gradcheck(losses.generator_loss_nonsaturating, (fake,))


def test_generator_loss_dispatch():
    fake = _t([0.5, -1.0])
    assert losses.generator_loss(fake).item() == losses.generator_loss_nonsaturating(fake).item()
    assert losses.generator_loss(fake, "minimax").item() == \
        losses.generator_loss_minimax(fake).item()
    with pytest.raises(ValueError, match="nonsaturating"):
        losses.generator_loss(fake, "wasserstein")


def test_r1_penalty_matches_its_formula_and_is_gradchecked_once_and_twice():
    from minigan.gan.losses import r1_penalty
    from minigan.gradcheck import gradcheck, gradgradcheck

    rng = np.random.default_rng(0)
    w = minigan.tensor(rng.standard_normal((3, 1)), dtype=np.float64, requires_grad=True)
    x = minigan.tensor(rng.standard_normal((5, 3)), dtype=np.float64)

    def critic(inputs):
        return (inputs @ w).tanh()

    penalty = r1_penalty(critic, x, gamma=4.0)
    slope = (1 - np.tanh(x.numpy() @ w.numpy()) ** 2) * w.numpy().T  # d D / d x, per sample
    np.testing.assert_allclose(penalty.item(), 2.0 * (slope ** 2).sum(1).mean(), rtol=1e-12)

    def as_function_of_weights(weights):
        return r1_penalty(lambda inputs: (inputs @ weights).tanh(), x, gamma=4.0)

    assert gradcheck(as_function_of_weights, [w.numpy()])
    assert gradgradcheck(as_function_of_weights, [w.numpy()])
