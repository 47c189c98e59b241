"""minigan.nn.Parameter: a Tensor that requires grad, shares the data it is given, and says so."""
import minigan as mg
from minigan import nn
from minigan.autograd import Tensor


def test_parameter_from_tensor_shares_data_and_reprs():
    t = mg.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert p.data is t.data and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert isinstance(p * 2, Tensor) and not isinstance(p * 2, nn.Parameter)
