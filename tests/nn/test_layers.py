"""Dense and elementwise layers: values, gradients, initialisation and bad-input errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan import nn
from minigan.autograd import Tensor
from minigan.gradcheck import gradcheck, gradgradcheck
from minigan.nn import functional as F

sizes = st.integers(1, 5)


# ---------------------------------------------------------------- Linear

@settings(max_examples=15, deadline=None)
@given(batch=sizes, n_in=sizes, n_out=sizes, seed=st.integers(0, 2**16))
def test_linear_gradcheck(batch, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    x, w, b = (rng.standard_normal(s) for s in ((batch, n_in), (n_out, n_in), (n_out,)))
    assert gradcheck(F.linear, (x, w, b))
    assert gradcheck(lambda x, w: F.linear(x, w), (x, w))


@settings(max_examples=10, deadline=None)
@given(batch=sizes, n_in=sizes, n_out=sizes, seed=st.integers(0, 2**16))
def test_linear_gradgradcheck(batch, n_in, n_out, seed):
    # A gradient penalty differentiates a dense critic's input gradient again.
    rng = np.random.default_rng(seed)
    x, w, b = (rng.standard_normal(s) for s in ((batch, n_in), (n_out, n_in), (n_out,)))
    assert gradgradcheck(lambda x, w, b: F.linear(x, w, b) ** 2, (x, w, b))


def test_linear_refuses_a_bias_of_the_wrong_shape():
    x, w = Tensor(np.ones((4, 3))), Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\), got \(4, 2\)"):
        F.linear(x, w, Tensor(np.ones((4, 2))))


@settings(max_examples=15, deadline=None)
@given(batch=sizes, n_in=sizes, n_out=sizes, seed=st.integers(0, 2**16))
def test_linear_layer_gradients_in_closed_form(batch, n_in, n_out, seed):
    """For L = <layer(x), v>: dL/dW = v^T x, dL/db = sum of v's rows, dL/dx = v W."""
    mg.manual_seed(seed)
    layer = nn.Linear(n_in, n_out).double()
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((batch, n_in)), requires_grad=True)
    v = rng.standard_normal((batch, n_out))
    out = layer(x)
    np.testing.assert_allclose(out.data, x.data @ layer.weight.data.T + layer.bias.data,
                               rtol=1e-12, atol=1e-12)
    (out * Tensor(v)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.data, v.T @ x.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.data, v.sum(0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad.data, v @ layer.weight.data, rtol=1e-12, atol=1e-12)


def test_linear_on_extra_leading_dimensions():
    layer = nn.Linear(3, 2).double()
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    assert layer(Tensor(x)).shape == (2, 4, 2)
    assert gradcheck(F.linear, (x, layer.weight.data, layer.bias.data))


def test_linear_init_is_pytorchs_and_seeded():
    mg.manual_seed(0)
    a = nn.Linear(100, 50)
    mg.manual_seed(0)
    b = nn.Linear(100, 50)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    bound = 1 / math.sqrt(100)
    for p in (a.weight, a.bias):
        assert np.abs(p.data).max() <= bound
    # U(-b, b) has standard deviation b / sqrt(3); 5000 draws estimate it to about 1%
    assert abs(a.weight.data.std() - bound / math.sqrt(3)) < 0.05 * bound / math.sqrt(3)
    assert abs(a.weight.data.mean()) < 0.05 * bound
    assert nn.Linear(100, 50).weight.data.tolist() != a.weight.data.tolist()  # not reseeded


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and len(list(layer.parameters())) == 1
    x = mg.randn(4, 3)
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T, rtol=1e-6)


def test_linear_wrong_width_names_layer_and_shapes():
    layer = nn.Linear(784, 256)
    with pytest.raises(ValueError) as error:
        layer(mg.zeros(64, 28, 28))
    assert str(error.value) == ("Linear(in_features=784, out_features=256): expected input of "
                                "shape (*, 784), got (64, 28, 28)")
    with pytest.raises(ValueError, match=r"weight of shape \(256, 784\) expects input of shape "
                                         r"\(\*, 784\), got \(2, 3\)"):
        F.linear(mg.zeros(2, 3), layer.weight, layer.bias)


def test_linear_wrong_dtype_names_both_dtypes():
    layer = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="input dtype float64 does not match the layer's dtype "
                                        "float32"):
        layer(mg.tensor(np.zeros((4, 2)), dtype=np.float64))
    with pytest.raises(TypeError, match="Tensor"):
        layer(np.zeros((4, 2), dtype=np.float32))


# ---------------------------------------------------------------- Embedding

@settings(max_examples=15, deadline=None)
@given(rows=st.integers(1, 6), dim=sizes, n=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_embedding_gradcheck(rows, dim, n, seed):
    rng = np.random.default_rng(seed)
    index = rng.integers(0, rows, size=n)
    weight = rng.standard_normal((rows, dim))
    assert gradcheck(lambda w: F.embedding(index, w), (weight,))
    assert gradcheck(lambda w: F.embedding(index.reshape(1, -1), w), (weight,))


def test_embedding_rows_and_repeats_accumulate():
    mg.manual_seed(0)
    emb = nn.Embedding(5, 3).double()
    index = np.array([[1, 3, 1], [1, 0, 4]])
    out = emb(mg.tensor(index))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data, emb.weight.data[index])
    v = np.random.default_rng(1).standard_normal(out.shape)
    (out * Tensor(v)).sum().backward()
    expected = np.zeros((5, 3))
    np.add.at(expected, index, v)  # row 1 is picked three times: three gradients add up
    np.testing.assert_allclose(emb.weight.grad.data, expected, rtol=1e-12)
    assert not emb.weight.grad.data[2].any()


def test_embedding_init_is_standard_normal():
    mg.manual_seed(3)
    w = nn.Embedding(200, 50).weight.data
    assert abs(w.mean()) < 0.03 and abs(w.std() - 1) < 0.03


def test_embedding_bad_indices():
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match=r"Embedding\(4, 2\).*\[0, 4\)"):
        emb(mg.tensor([0, 4]))
    with pytest.raises(IndexError, match=r"\[0, 4\)"):
        emb(np.array([-1]))
    with pytest.raises(TypeError, match="indices must be integers, got dtype float32"):
        emb(mg.tensor([1.0, 2.0]))


# ---------------------------------------------------------------- Dropout

def seeded_dropout(p, seed):
    def fn(x):
        mg.manual_seed(seed)  # the same mask at every evaluation
        return F.dropout(x, p, training=True)
    return fn


@settings(max_examples=10, deadline=None)
@given(shape=st.tuples(sizes, sizes), p=st.sampled_from([0.2, 0.5, 0.9]),
       seed=st.integers(0, 2**16))
def test_dropout_train_mode_gradcheck_with_fixed_mask(shape, p, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    assert gradcheck(seeded_dropout(p, seed), (x,))


def test_dropout_train_mask_and_eval_identity():
    layer = nn.Dropout(0.25)
    x = mg.ones(40, 50)
    mg.manual_seed(7)
    a = layer(x).data
    mg.manual_seed(7)
    b = layer(x).data
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, np.float32(1 / 0.75)}
    assert 0.2 < (a == 0).mean() < 0.3
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x.data)
    assert nn.Dropout(0.0)(x) is x


def test_dropout_keeps_the_expectation():
    mg.manual_seed(0)
    x = mg.tensor(np.linspace(0.5, 2.0, 200))
    mean = np.mean([F.dropout(x, 0.5).data for _ in range(400)], axis=0)
    # each entry is a mean of 400 draws of x * {0, 2}: standard error x / 20
    assert np.abs(mean - x.data).max() < 5 * x.data.max() / 20
    assert abs(mean.mean() / x.data.mean() - 1) < 0.02


def test_dropout_rejects_bad_probability():
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


# ---------------------------------------------------------------- activations and shapes

def test_activation_modules_match_formulas():
    x = np.linspace(-4, 4, 17)
    t = mg.tensor(x, dtype=np.float64)
    cases = [
        (nn.ReLU(), np.maximum(x, 0)),
        (nn.LeakyReLU(), np.where(x > 0, x, 0.01 * x)),
        (nn.LeakyReLU(0.2, inplace=True), np.where(x > 0, x, 0.2 * x)),
        (nn.Tanh(), np.tanh(x)),
        (nn.Sigmoid(), 1 / (1 + np.exp(-x))),
        (nn.LogSigmoid(), -np.log1p(np.exp(-x))),
        (nn.Softplus(), np.log1p(np.exp(x))),
        (nn.Softplus(beta=2.0), np.log1p(np.exp(2 * x)) / 2),
        (nn.Identity(54, unused=1), x),
    ]
    for module, expected in cases:
        np.testing.assert_allclose(module(t).data, expected, rtol=1e-12, atol=1e-14,
                                   err_msg=repr(module))
    logits = mg.tensor(np.arange(6.0).reshape(2, 3), dtype=np.float64)
    np.testing.assert_allclose(nn.Softmax(dim=1)(logits).data.sum(1), [1, 1], rtol=1e-12)
    np.testing.assert_allclose(np.exp(nn.LogSoftmax(dim=1)(logits).data),
                               nn.Softmax(1)(logits).data, rtol=1e-12)


@pytest.mark.parametrize("module", [nn.ReLU(), nn.LeakyReLU(0.2), nn.Tanh(), nn.Sigmoid(),
                                    nn.Softplus(beta=0.5), nn.LogSigmoid(), nn.Softmax(-1)],
                         ids=repr)
def test_activation_gradcheck(module):
    x = np.random.default_rng(0).standard_normal((3, 4)) + 0.05  # keep away from ReLU's kink
    assert gradcheck(module, (x,))


def test_flatten_and_unflatten():
    x = mg.randn(2, 3, 4, 5, requires_grad=True)
    flat = nn.Flatten()(x)
    assert flat.shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    back = nn.Unflatten(1, (3, 4, 5))(flat)
    np.testing.assert_array_equal(back.data, x.data)
    back.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(x.shape))
    assert nn.Unflatten(-1, (2, -1))(mg.zeros(3, 8)).shape == (3, 2, 4)
    with pytest.raises(ValueError, match=r"Unflatten.*size 60.*\(7, 9\)"):
        nn.Unflatten(1, (7, 9))(flat)
