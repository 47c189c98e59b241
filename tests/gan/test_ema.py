"""minigan.gan.ema: the moving average equals its formula, step by step."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn, optim
from minigan.gan.ema import EMA


def test_the_average_follows_its_formula_with_the_ramp():
    mg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).double()
    ema = EMA(net, decay=0.9)
    expected = {k: v.copy() for k, v in net.state_dict().items()}
    opt = optim.Adam(net.parameters(), lr=0.1)
    x = mg.randn(8, 3).double()
    for t in range(5):
        opt.zero_grad()
        (net(x) ** 2).mean().backward()
        opt.step()
        decay = min(0.9, (1 + t) / (10 + t))
        assert ema.current_decay() == decay
        ema.update(net)
        for name, p in net.named_parameters():
            expected[name] = decay * expected[name] + (1 - decay) * p.numpy()
        for name, b in net.named_buffers():
            expected[name] = b.numpy().copy()
    averaged = ema.state_dict()
    for name, value in expected.items():
        np.testing.assert_allclose(averaged[name], value, rtol=1e-12, atol=1e-14)
    assert ema.updates == 5


def test_the_average_is_a_separate_frozen_network_in_eval_mode():
    net = nn.Linear(2, 2)
    ema = EMA(net)
    assert not ema.module.training and not any(p.requires_grad for p in ema.module.parameters())
    assert all(a.data is not b.data for a, b in zip(ema.module.parameters(), net.parameters()))
    with pytest.raises(ValueError, match="decay"):
        EMA(net, decay=1.0)
    with pytest.raises(ValueError, match="not the network"):
        EMA(nn.Linear(2, 3)).update(net)


def test_state_round_trip():
    net = nn.Linear(2, 2)
    ema = EMA(net, decay=0.5)
    ema.update(net)
    other = EMA(nn.Linear(2, 2), decay=0.5)
    other.load_state_dict(ema.state_dict(), updates=ema.updates)
    assert other.updates == 1
    for a, b in zip(other.module.parameters(), ema.module.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
