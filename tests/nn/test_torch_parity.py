"""The issue's MLP against PyTorch: weights moved by state_dict as NumPy arrays give the same
outputs, loss, gradients and Adam trajectory."""
import numpy as np
import pytest

import minigan as mg
from minigan import nn, optim

torch = pytest.importorskip("torch")

TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def twin_models(dtype, seed=0):
    """A torch MLP and a minigan MLP holding the same weights (copied via state_dict)."""
    torch.manual_seed(seed)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.LeakyReLU(0.2),
                                 torch.nn.Linear(64, 1)).to(TORCH_DTYPE[dtype])
    ours = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1)).to(dtype=dtype)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def batch(dtype, seed=1, n=32):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2)).astype(dtype)
    y = (rng.random((n, 1)) > 0.5).astype(dtype)
    return x, y


def close(ours, theirs, dtype, what):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    scale = max(1.0, float(np.abs(theirs).max()))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOLERANCE[dtype] * scale, err_msg=what)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_outputs_loss_and_gradients_match(dtype):
    ours, theirs = twin_models(dtype)
    x, y = batch(dtype)

    out = ours(mg.tensor(x, dtype=dtype))
    loss = nn.BCEWithLogitsLoss()(out, mg.tensor(y, dtype=dtype))
    loss.backward()
    t_out = theirs(torch.from_numpy(x))
    t_loss = torch.nn.BCEWithLogitsLoss()(t_out, torch.from_numpy(y))
    t_loss.backward()

    assert out.dtype == dtype and loss.dtype == dtype
    close(out.data, t_out, dtype, "outputs")
    close(loss.data, t_loss, dtype, "loss")
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert p.grad.dtype == dtype
        close(p.grad.data, t_params[name].grad, dtype, f"gradient of {name}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_twenty_adam_steps_match(dtype):
    ours, theirs = twin_models(dtype, seed=3)
    opt = optim.Adam(ours.parameters(), lr=2e-3, betas=(0.5, 0.999))
    t_opt = torch.optim.Adam(theirs.parameters(), lr=2e-3, betas=(0.5, 0.999))
    x, y = batch(dtype, seed=4, n=64)
    losses = []
    for _ in range(20):
        loss = nn.BCEWithLogitsLoss()(ours(mg.tensor(x, dtype=dtype)), mg.tensor(y, dtype=dtype))
        opt.zero_grad()
        loss.backward()
        opt.step()
        t_loss = torch.nn.BCEWithLogitsLoss()(theirs(torch.from_numpy(x)), torch.from_numpy(y))
        t_opt.zero_grad()
        t_loss.backward()
        t_opt.step()
        losses.append((loss.item(), t_loss.item()))
    ours_loss, theirs_loss = np.array(losses).T
    assert ours_loss[-1] < ours_loss[0]  # it trained
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=10 * TOLERANCE[dtype])
    # Each step rounds every weight once, and the two libraries may round differently: allow
    # one float32 ulp of the weight per step (measured: about 1 ulp after 20 steps).
    for name, t_param in theirs.named_parameters():
        expected = t_param.detach().numpy()
        ulp = np.finfo(dtype).eps * np.abs(expected).max()
        atol = 1e-12 if dtype == np.float64 else 20 * ulp
        np.testing.assert_allclose(ours.state_dict()[name], expected, rtol=0, atol=atol,
                                   err_msg=name)


def test_our_weights_load_into_torch():
    mg.manual_seed(5)
    ours = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.LeakyReLU(0.2),
                                 torch.nn.Linear(64, 1)).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x, _ = batch(np.float64)
    np.testing.assert_allclose(ours(mg.tensor(x, dtype=np.float64)).data,
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-12)
