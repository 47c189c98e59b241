"""minigan.ops.dims: every operation takes PyTorch's dim/keepdim, and NumPy's axis/keepdims too.

The two spellings of one call give the same tensor; naming one argument twice is refused."""
import numpy as np
import pytest

import minigan as mg
from minigan.ops import math as M
from minigan.ops.dims import normalise_dims

X = np.arange(24.0).reshape(2, 3, 4) / 7.0

# (name, PyTorch's spelling, NumPy's spelling): each a function of a (2, 3, 4) tensor.
SPELLINGS = [
    ("sum", lambda t: M.sum(t, dim=1, keepdim=True), lambda t: M.sum(t, axis=1, keepdims=True)),
    ("mean", lambda t: t.mean(dim=(0, 2)), lambda t: t.mean(axis=(0, 2))),
    ("var", lambda t: M.var(t, dim=2, keepdim=True), lambda t: M.var(t, axis=2, keepdims=True)),
    ("std", lambda t: t.std(dim=0), lambda t: t.std(axis=0)),
    ("amax", lambda t: M.amax(t, dim=(1, 2)), lambda t: M.amax(t, axis=(1, 2))),
    ("amin", lambda t: t.amin(dim=1, keepdim=True), lambda t: t.amin(axis=1, keepdims=True)),
    ("max", lambda t: t.max(dim=1).values, lambda t: t.max(axis=1).values),
    ("min", lambda t: M.min(t, dim=2, keepdim=True).indices,
     lambda t: M.min(t, axis=2, keepdims=True).indices),
    ("argmax", lambda t: t.argmax(dim=2), lambda t: t.argmax(axis=2)),
    ("logsumexp", lambda t: M.logsumexp(t, dim=1), lambda t: M.logsumexp(t, axis=1)),
    ("softmax", lambda t: t.softmax(dim=0), lambda t: t.softmax(axis=0)),
    ("log_softmax", lambda t: M.log_softmax(t, dim=1), lambda t: M.log_softmax(t, axis=1)),
    ("cat", lambda t: M.cat([t, t], dim=2), lambda t: M.cat([t, t], axis=2)),
    ("stack", lambda t: M.stack([t, t], dim=1), lambda t: M.stack([t, t], axis=1)),
    ("unsqueeze", lambda t: t.unsqueeze(dim=-1), lambda t: t.unsqueeze(axis=-1)),
    ("squeeze", lambda t: M.squeeze(t[:1], dim=0), lambda t: M.squeeze(t[:1], axis=0)),
]


@pytest.mark.parametrize("name, torch_style, numpy_style", SPELLINGS,
                         ids=[s[0] for s in SPELLINGS])
def test_numpy_names_give_the_same_result(name, torch_style, numpy_style):
    x = mg.tensor(X)
    ours, theirs = torch_style(x), numpy_style(x)
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("call", [
    lambda t: t.sum(1, axis=1), lambda t: M.mean(t, dim=0, axis=1),
    lambda t: t.amax(keepdim=True, keepdims=True), lambda t: M.cat([t, t], 0, axis=0),
], ids=["positional dim and axis", "dim and axis", "keepdim and keepdims", "cat"])
def test_both_names_of_one_argument_are_refused(call):
    with pytest.raises(TypeError, match=r"(?s)'(dim|keepdim)'.*'(axis|keepdims)'"):
        call(mg.tensor(X))


def test_an_alias_the_operation_has_no_use_for_is_refused():
    with pytest.raises(TypeError, match="keepdims"):
        M.softmax(mg.tensor(X), keepdims=True)


def test_normalise_dims():
    assert normalise_dims(None, 3) == (0, 1, 2)
    assert normalise_dims(-1, 3) == (2,)
    assert normalise_dims((2, -3), 3) == (0, 2)
    assert normalise_dims(-1, 0) == ()  # a 0-d tensor has nothing to reduce, as in PyTorch
    with pytest.raises(ValueError, match="dim 3 is out of range"):
        normalise_dims(3, 3)
