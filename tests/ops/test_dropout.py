"""minigan.ops.dropout: inverted dropout driven by minigan's seeded generator."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan as mg
from minigan import backend
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.ops.dropout import dropout


def seeded_dropout(p, seed):
    """Dropout with the same mask at every call, so finite differences see one function."""
    def fn(t):
        mg.manual_seed(seed)
        return dropout(t, p)
    return fn


@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
       p=st.sampled_from([0.0, 0.2, 0.5, 0.9, 1.0]), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_dropout_gradcheck_and_mask(shape, p, seed):
    x = np.random.default_rng(seed).uniform(1, 2, shape)  # never 0, so a zero means dropped
    fn = seeded_dropout(p, seed)
    assert gradcheck(fn, [x])
    assert gradgradcheck(lambda t: fn(t) * t, [x])
    out = fn(mg.tensor(x, dtype=np.float64)).numpy()
    kept = out != 0
    if p < 1:
        np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-15)
    else:
        assert not kept.any()


def test_dropout_of_a_0d_tensor():
    x = np.array(1.5)
    assert gradcheck(seeded_dropout(0.5, 0), [x])
    assert dropout(mg.tensor(1.0), 0.5).shape == ()


def test_dropout_is_the_identity_in_eval_mode_and_for_p_0():
    x = mg.randn(5, 5)
    state = backend.rng_state()
    assert dropout(x, 0.5, training=False) is x
    assert dropout(x, 0.0) is x
    assert backend.rng_state() == state  # and draws nothing, so it does not shift the sequence


def test_dropout_drops_a_fraction_p_and_keeps_the_mean():
    mg.manual_seed(0)
    x = mg.ones(200, 500)
    out = dropout(x, 0.3).numpy()
    assert abs((out == 0).mean() - 0.3) < 0.01  # 5 standard deviations of 100000 draws
    assert abs(out.mean() - 1.0) < 0.02
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.7)}
    assert out.dtype == np.float32


def test_dropout_masks_repeat_under_manual_seed_and_rng_state():
    x = mg.ones(4, 6)
    mg.manual_seed(123)
    first = dropout(x, 0.5).numpy()
    state = backend.rng_state()
    second = dropout(x, 0.5).numpy()
    assert not np.array_equal(first, second)  # a fresh mask each call
    mg.manual_seed(123)
    np.testing.assert_array_equal(dropout(x, 0.5).numpy(), first)
    backend.set_rng_state(state)
    np.testing.assert_array_equal(dropout(x, 0.5).numpy(), second)


def test_dropout_gradient_is_the_scaled_mask():
    mg.manual_seed(7)
    x = mg.ones(3, 8, requires_grad=True)
    out = dropout(x, 0.25)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.numpy())  # x = 1, so out is the mask


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_a_probability_outside_0_1(p):
    with pytest.raises(ValueError, match="dropout"):
        dropout(mg.ones(2), p)
