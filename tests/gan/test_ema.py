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


def test_batch_norm_statistics_are_measured_on_the_average_itself():
    mg.manual_seed(2)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
    ema = EMA(net, decay=0.5)
    with mg.no_grad():
        net[0].weight.mul_(3.0)  # the average's weights now differ from the copied statistics
    ema.update(net)
    assert ema.stale_statistics
    batches = [(mg.randn(16, 3).double(),) for _ in range(3)]
    ema.refresh_statistics(batches)
    assert not ema.stale_statistics and not ema.module.training
    hidden = np.concatenate([ema.module[0](x).numpy() for (x,) in batches])
    bn = ema.module[1]
    np.testing.assert_allclose(bn.running_mean.numpy(), hidden.mean(0), rtol=1e-10)
    unbiased = np.mean([h.var(0, ddof=1) for h in np.split(hidden, 3)], axis=0)
    np.testing.assert_allclose(bn.running_var.numpy(), unbiased, rtol=1e-10)
    assert bn.momentum == 0.1, "the layer's own momentum is back"


def test_a_dcgan_average_samples_with_its_own_statistics():
    from minigan.gan.models.dcgan import DCGAN

    mg.manual_seed(0)
    model = DCGAN(latent_dim=4, g_width=2, d_width=2, image_shape=(1, 8, 8), n_fixed=2,
                  recipe={"ema": 0.5})
    real = mg.tensor(np.random.default_rng(0).uniform(-1, 1, (8, 1, 8, 8)))
    for _ in range(2):
        model.train_step(real)
    state = mg.backend.rng_state()
    model.sample_grid()
    assert mg.backend.rng_state() == state, "measuring statistics draws nothing"
    copied = [b.numpy() for b in model.G.buffers()]
    measured = [b.numpy() for b in model.ema.module.buffers()]
    assert any(not np.allclose(a, b) for a, b in zip(copied, measured))
