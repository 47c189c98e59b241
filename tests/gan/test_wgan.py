"""WGAN and WGAN-GP: each paper's settings, clipping that holds, a penalty that equals its
formula and whose double-backward gradient matches finite differences, and a short training
in which the critic's Wasserstein estimate falls from its early peak."""
import contextlib
import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from minigan import nn
from minigan.data import DataLoader, load_bundled_mnist, scale_to_unit_range
from minigan.gan import losses
from minigan.gan.models import build_model, get_model_class
from minigan.gan.models.wgan import WGAN
from minigan.gradcheck import gradcheck
from minigan.nn import functional as F


def _tiny(penalty, arch="mlp", **kw):
    return WGAN(penalty=penalty, arch=arch, **{"latent_dim": 4, "g_hidden": (8,),
                                               "d_hidden": (8,), "width": 2, "n_fixed": 2,
                                               **kw})


def _images(n, arch, seed=0):
    shape = (n, 784) if arch == "mlp" else (n, 1, 28, 28)
    return minigan.tensor(np.random.default_rng(seed).uniform(-1, 1, shape))


@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
@pytest.mark.parametrize("penalty", ["clip", "gp"])
def test_each_paper_s_settings(penalty, arch):
    minigan.manual_seed(0)
    model = _tiny(penalty, arch)
    assert get_model_class("wgan") is WGAN and model.k == 5
    assert build_model("wgan", model.config).config == model.config
    assert model.sample(3).shape == (3, 1, 28, 28)
    assert model.D(_images(3, arch)).shape == (3, 1)
    kinds = [type(m) for m in model.D.modules()]
    assert not any(k in (nn.Sigmoid, nn.Tanh, nn.Dropout) for k in kinds)
    assert isinstance(list(model.D.modules())[-1], nn.Linear)  # the score is unbounded
    for opt in model.optimizers.values():
        group = opt.param_groups[0]
        if penalty == "clip":
            assert type(opt).__name__ == "RMSprop" and group["lr"] == 5e-5
        else:
            assert type(opt).__name__ == "Adam" and group["lr"] == 1e-4
            assert tuple(group["betas"]) == (0.5, 0.9)
    if penalty == "gp":
        # The penalty is per sample: batch norm would couple the samples of a batch.
        assert not any(k in (nn.BatchNorm1d, nn.BatchNorm2d) for k in kinds)
        assert model.gp_weight == 10.0
    else:
        assert model.clip_value == 0.01


@pytest.mark.parametrize("penalty, optimizer", [("clip", "adam"), ("gp", "rmsprop")])
def test_one_optimiser_for_both_penalties(penalty, optimizer):
    # Lesson 12 compares clipping and the penalty with the same optimiser.
    minigan.manual_seed(0)
    model = _tiny(penalty, "mlp", optimizer=optimizer)
    kind = {"adam": "Adam", "rmsprop": "RMSprop"}[optimizer]
    assert {type(opt).__name__ for opt in model.optimizers.values()} == {kind}
    assert build_model("wgan", model.config).config["optimizer"] == optimizer
    assert "optimizer" not in _tiny(penalty, "mlp").config  # the paper's: configs as before
    before = model.D.state_dict()
    model.update((_images(4, "mlp"),), update_generator=True)
    if penalty == "clip":  # clipped after the step, whatever the optimiser
        assert max(float(abs(p).max().item()) for p in model.D.parameters()) <= 0.01
    assert any((before[k] != v).any() for k, v in model.D.state_dict().items())
    with pytest.raises(ValueError, match=r"WGAN: optimizer must be one of \('rmsprop', 'adam'\)"
                                         r".*got 'sgd'"):
        WGAN(penalty=penalty, optimizer="sgd")


def test_bad_arguments():
    with pytest.raises(ValueError, match="penalty"):
        WGAN(penalty="spectral")
    with pytest.raises(ValueError, match="arch"):
        WGAN(arch="resnet")


@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
def test_clipping_keeps_every_critic_weight_within_the_bound(arch):
    minigan.manual_seed(1)
    model = _tiny("clip", arch, lr=0.5, clip_value=0.03)  # a step large enough to leave [-c, c]
    for step in range(3):
        model.update((_images(6, arch, seed=step),), update_generator=step == 0)
        weights = np.concatenate([p.numpy().ravel() for p in model.D.parameters()])
        assert np.abs(weights).max() <= 0.03
        assert np.isclose(np.abs(weights).max(), 0.03)  # the step did push some to the edge


@pytest.mark.parametrize("penalty", ["clip", "gp"])
def test_logged_wasserstein_is_the_critic_s_estimate(penalty):
    minigan.manual_seed(2)
    model = _tiny(penalty)
    logs = model.update((_images(5, "mlp"),), update_generator=True)
    assert logs["wasserstein"] == pytest.approx(logs["critic_real"] - logs["critic_fake"],
                                                rel=1e-5, abs=1e-7)
    expected = {"loss_d", "loss_g", "wasserstein", "critic_real", "critic_fake"}
    assert set(logs) == expected | ({"gp"} if penalty == "gp" else set())
    if penalty == "gp":
        assert logs["loss_d"] == pytest.approx(-logs["wasserstein"] + logs["gp"], rel=1e-5)


def test_critic_steps_leave_the_generator_alone():
    minigan.manual_seed(3)
    model = _tiny("gp")
    g0 = {k: v.copy() for k, v in model.G.state_dict().items()}
    model.update((_images(4, "mlp"),), update_generator=False)
    assert all(np.array_equal(g0[k], v) for k, v in model.G.state_dict().items())


# ---------------------------------------------------------------- the gradient penalty


@settings(max_examples=15, deadline=None)
@given(d=st.integers(1, 12), n=st.integers(1, 5), seed=st.integers(0, 2**16),
       scale=st.floats(0.05, 3.0), weight=st.floats(0.5, 20.0))
def test_penalty_of_a_linear_critic_is_lambda_times_norm_minus_one_squared(d, n, seed, scale,
                                                                           weight):
    """f(x) = <w, x> + b has gradient w everywhere, so every interpolate's penalty is
    lambda (||w|| - 1)^2, whatever the data and the random interpolation weights."""
    rng = np.random.default_rng(seed)
    critic = nn.Linear(d, 1).double()
    w = rng.standard_normal((1, d)) * scale
    critic.load_state_dict({"weight": w, "bias": rng.standard_normal(1)})
    real = minigan.tensor(rng.standard_normal((n, d)), dtype=np.float64)
    fake = minigan.tensor(rng.standard_normal((n, d)), dtype=np.float64)
    gp = losses.gradient_penalty(critic, real, fake, weight)
    assert gp.item() == pytest.approx(weight * (np.linalg.norm(w) - 1) ** 2, rel=1e-9, abs=1e-9)


def test_penalty_gradient_wrt_a_conv_critic_s_parameters_matches_finite_differences():
    """The double backward WGAN-GP needs: d/dtheta of lambda (||grad_x f_theta(x_hat)|| - 1)^2
    for a critic Conv2d -> LeakyReLU -> Linear, in float64, against central differences."""
    rng = np.random.default_rng(5)
    real = minigan.tensor(rng.uniform(-1, 1, (3, 2, 6, 6)), dtype=np.float64)
    fake = minigan.tensor(rng.uniform(-1, 1, (3, 2, 6, 6)), dtype=np.float64)
    params = [rng.standard_normal((3, 2, 3, 3)) * 0.5, rng.standard_normal(3) * 0.1,
              rng.standard_normal((1, 3 * 2 * 2)) * 0.5, rng.standard_normal(1) * 0.1]

    def penalty(conv_w, conv_b, lin_w, lin_b):
        def critic(x):
            h = F.leaky_relu(F.conv2d(x, conv_w, conv_b, stride=2), 0.2)
            return F.linear(h.reshape(h.shape[0], -1), lin_w, lin_b)

        minigan.manual_seed(0)  # the same interpolation weights eps on every call
        return losses.gradient_penalty(critic, real, fake, 10.0)

    assert penalty(*[minigan.tensor(p, dtype=np.float64) for p in params]).item() > 0
    assert gradcheck(penalty, params, eps=1e-6, atol=1e-6, rtol=1e-4)


# ---------------------------------------------------------------- smoke training


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def measure_wgan_gp_training(seed=0):
    """7 epochs (546 critic updates, 110 generator updates) of a small WGAN-GP on the bundled
    digits: the critic's epoch-mean Wasserstein estimates, the epoch of their peak and the last
    as a share of the peak. ``scripts/sweep_outcome_checks.py tests`` runs it over seeds and
    thread counts."""
    images, _ = load_bundled_mnist()
    minigan.manual_seed(seed)
    loader = DataLoader((images,), batch_size=64, drop_last=True,
                        transform=functools.partial(scale_to_unit_range, flatten=True))
    model = WGAN("gp", latent_dim=32, g_hidden=(128, 256), d_hidden=(256, 128))
    means = []
    with _one_blas_thread():
        for _ in range(7):
            means.append(float(np.mean([model.train_step(batch)["wasserstein"]
                                        for batch in loader])))
    peak = int(np.argmax(means))
    return {"means": means, "peak_epoch": peak, "last_over_peak": means[-1] / means[peak],
            "finite": bool(np.isfinite(means).all())}


def test_short_wgan_gp_training_lowers_the_wasserstein_estimate():
    """The critic's estimate rises while it learns to tell noise from digits, then falls as the
    generator improves (seed 0: epoch means 11.4, 38.8 (peak), 35.6, 28.8, 21.9, 15.7, 10.8).
    A generator that did not learn would leave it near its peak; a penalty that did not hold
    the critic Lipschitz would let it grow."""
    wgan = measure_wgan_gp_training()
    assert wgan["finite"], wgan
    assert wgan["peak_epoch"] < 7 - 2 and wgan["last_over_peak"] < 0.5, wgan
