"""The image-to-image networks: ResNet generator (CycleGAN), U-Net generator (pix2pix) and
the PatchGAN discriminator. Shapes at several sizes, clear errors, the receptive field both
from the formula and measured as the support of one logit's input gradient, the U-Net's skips
and dropout placement, the residual block's identity, float64 gradient checks of tiny
versions, state_dict keys and the repository's parameter counts."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from minigan import autograd, nn
from minigan.autograd import Tensor
from minigan.gan.models.patchgan import (PatchGANDiscriminator, patchgan_layers,
                                         patchgan_receptive_field, receptive_field)
from minigan.gan.models.resnet_generator import (ResnetBlock, ResnetGenerator, conv_bias,
                                                 init_weights, norm_layer)
from minigan.gan.models.unet import UnetGenerator, UnetSkipConnectionBlock
from minigan.gradcheck import gradcheck


def _randn(*shape, seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape))


def _count(module):
    return sum(p.numel() for p in module.parameters())


# ---------------------------------------------------------------- shared helpers


def test_norm_layer_kinds_and_bias_rule():
    inst = norm_layer("instance", 5)
    assert isinstance(inst, nn.InstanceNorm2d) and not inst.affine
    assert not inst.track_running_stats and inst.weight is None
    assert isinstance(norm_layer("batch", 5), nn.BatchNorm2d)
    assert isinstance(norm_layer("none", 5), nn.Identity)
    assert (conv_bias("instance"), conv_bias("batch"), conv_bias("none")) == (True, False, True)
    with pytest.raises(ValueError, match="norm_layer.*'group'"):
        norm_layer("group", 5)


@pytest.mark.parametrize("make", [lambda: ResnetGenerator(1, 1, 4, 1),
                                  lambda: UnetGenerator(1, 1, 5, 4),
                                  lambda: PatchGANDiscriminator(1, 4, 3)])
def test_initialisation_is_the_repositories_normal_002_and_seeded(make):
    minigan.manual_seed(3)
    net = make()
    minigan.manual_seed(3)
    again = make()
    for (key, a), b in zip(net.state_dict().items(), again.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=key)
    convs = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    weights = np.concatenate([m.weight.numpy().ravel() for m in convs])
    assert abs(weights.mean()) < 0.002 and 0.018 < weights.std() < 0.022
    assert all(m.bias is None or not m.bias.numpy().any() for m in convs)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            assert not m.bias.numpy().any() and abs(m.weight.numpy() - 1).max() < 0.1
            assert m.weight.numpy().std() > 0  # drawn, not PyTorch's default ones


# ---------------------------------------------------------------- ResNet generator


@pytest.mark.parametrize("h,w", [(16, 16), (32, 32), (64, 64), (16, 32), (24, 40)])
def test_resnet_generator_shapes(h, w):
    minigan.manual_seed(0)
    net = ResnetGenerator(3, 2, ngf=4, n_blocks=2)
    y = net(minigan.randn(2, 3, h, w))
    assert y.shape == (2, 2, h, w)
    assert np.abs(y.numpy()).max() <= 1  # tanh


def test_resnet_generator_layout_and_keys():
    net = ResnetGenerator(3, 3, ngf=4, n_blocks=9)
    kinds = [type(m).__name__ for m in net.model]
    assert kinds[:10] == ["ReflectionPad2d", "Conv2d", "InstanceNorm2d", "ReLU",
                          "Conv2d", "InstanceNorm2d", "ReLU", "Conv2d", "InstanceNorm2d", "ReLU"]
    assert kinds[10:19] == ["ResnetBlock"] * 9
    assert kinds[19:] == ["ConvTranspose2d", "InstanceNorm2d", "ReLU"] * 2 + \
        ["ReflectionPad2d", "Conv2d", "Tanh"]
    assert net.model[1].kernel_size == (7, 7) and net.model[26].kernel_size == (7, 7)
    for i in (4, 7):
        assert (net.model[i].kernel_size, net.model[i].stride, net.model[i].padding) == \
            ((3, 3), (2, 2), (1, 1))
    for i in (19, 22):
        t = net.model[i]
        assert (t.kernel_size, t.stride, t.padding, t.output_padding) == \
            ((3, 3), (2, 2), (1, 1), (1, 1))
    block = [type(m).__name__ for m in net.model[10].conv_block]
    assert block == ["ReflectionPad2d", "Conv2d", "InstanceNorm2d", "ReLU",
                     "ReflectionPad2d", "Conv2d", "InstanceNorm2d"]
    keys = list(net.state_dict())
    # The repository's names: CycleGAN checkpoints end in model.26.weight / model.26.bias.
    assert keys[:6] == ["model.1.weight", "model.1.bias", "model.4.weight", "model.4.bias",
                        "model.7.weight", "model.7.bias"]
    assert keys[6:10] == ["model.10.conv_block.1.weight", "model.10.conv_block.1.bias",
                          "model.10.conv_block.5.weight", "model.10.conv_block.5.bias"]
    assert keys[-6:] == ["model.19.weight", "model.19.bias", "model.22.weight", "model.22.bias",
                         "model.26.weight", "model.26.bias"]
    assert net.state_dict()["model.10.conv_block.1.weight"].shape == (16, 16, 3, 3)


def test_resnet_generator_batch_norm_convs_have_no_bias_and_dropout_in_blocks():
    net = ResnetGenerator(1, 1, ngf=2, n_blocks=2, norm="batch", use_dropout=True)
    convs = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    assert [m.bias is not None for m in convs] == [False] * (len(convs) - 1) + [True]
    assert "model.2.running_mean" in net.state_dict()
    for block in net.model:
        if isinstance(block, ResnetBlock):
            assert isinstance(block.conv_block[4], nn.Dropout) and block.conv_block[4].p == 0.5
    assert sum(isinstance(m, nn.Dropout) for m in net.modules()) == 2


@pytest.mark.parametrize("norm", ["instance", "batch", "none"])
def test_resnet_block_is_the_identity_when_its_last_conv_is_zero(norm):
    minigan.manual_seed(1)
    block = ResnetBlock(3, norm=norm)
    x = minigan.randn(2, 3, 6, 5)
    assert not np.allclose(block(x).numpy(), x.numpy())
    last = block.conv_block[5]
    last.weight.data[...] = 0
    if last.bias is not None:
        last.bias.data[...] = 0
    np.testing.assert_array_equal(block(x).numpy(), x.numpy())


@pytest.mark.parametrize("shape,match", [
    ((1, 3, 18, 16), r"multiples of 4"), ((1, 3, 16, 30), r"multiples of 4"),
    ((1, 2, 16, 16), r"\(N, 3, H, W\)"), ((3, 16, 16), r"got shape \(3, 16, 16\)"),
    ((1, 3, 4, 4), r"at least 8")])
def test_resnet_generator_rejects_bad_inputs(shape, match):
    net = ResnetGenerator(3, 3, ngf=2, n_blocks=1)
    with pytest.raises(ValueError, match="ResnetGenerator.*" + match):
        net(minigan.randn(*shape))
    with pytest.raises(TypeError, match="ResnetGenerator"):
        net(np.zeros((1, 3, 16, 16)))


def test_resnet_generator_rejects_bad_settings():
    with pytest.raises(ValueError, match="ResnetGenerator: norm"):
        ResnetGenerator(norm="layer")
    with pytest.raises(ValueError, match="ResnetGenerator needs"):
        ResnetGenerator(3, 3, ngf=0)


def test_resnet_generator_other_downsampling_depths():
    for n_down, size in [(0, 4), (1, 6), (3, 16)]:
        net = ResnetGenerator(1, 1, ngf=2, n_blocks=1, n_downsampling=n_down)
        assert net(minigan.randn(1, 1, size, size)).shape == (1, 1, size, size)


# ---------------------------------------------------------------- U-Net generator


@pytest.mark.parametrize("num_downs,h,w", [(4, 16, 16), (4, 32, 32), (4, 64, 64), (4, 16, 48),
                                           (5, 32, 32), (5, 32, 64), (2, 4, 8)])
def test_unet_shapes(num_downs, h, w):
    minigan.manual_seed(0)
    net = UnetGenerator(3, 2, num_downs=num_downs, ngf=2)
    y = net(minigan.randn(2, 3, h, w))
    assert y.shape == (2, 2, h, w)
    assert np.abs(y.numpy()).max() <= 1


def test_unet_structure_outermost_innermost_and_keys():
    net = UnetGenerator(3, 2, num_downs=5, ngf=2, norm="batch")
    outer = net.model
    assert outer.outermost and [type(m).__name__ for m in outer.model] == [
        "Conv2d", "UnetSkipConnectionBlock", "ReLU", "ConvTranspose2d", "Tanh"]
    up = outer.model[3]
    # The outermost layer maps the concatenation [skip | inner result] to out_channels.
    assert (up.in_channels, up.out_channels, up.bias is not None) == (4, 2, True)
    assert (outer.model[0].in_channels, outer.model[0].out_channels) == (3, 2)
    blocks = [outer.model[1]]
    while len(blocks[-1].model) != 5:
        blocks.append(blocks[-1].model[3])
    innermost = blocks[-1]
    assert len(blocks) == 4
    assert [type(m).__name__ for m in innermost.model] == [
        "LeakyReLU", "Conv2d", "ReLU", "ConvTranspose2d", "BatchNorm2d"]  # no norm going down
    for block in blocks[:-1]:
        assert [type(m).__name__ for m in block.model] == [
            "LeakyReLU", "Conv2d", "BatchNorm2d", "UnetSkipConnectionBlock", "ReLU",
            "ConvTranspose2d", "BatchNorm2d"]
    assert all(m.negative_slope == 0.2 for m in net.modules() if isinstance(m, nn.LeakyReLU))
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            assert (m.kernel_size, m.stride, m.padding) == ((4, 4), (2, 2), (1, 1))
    widths = [(b.model[1].in_channels, b.model[1].out_channels) for b in blocks]
    assert widths == [(2, 4), (4, 8), (8, 16), (16, 16)]  # ngf * min(2**i, 8)
    keys = list(net.state_dict())
    assert keys[0] == "model.model.0.weight"
    assert "model.model.1.model.1.weight" in keys and "model.model.1.model.2.running_var" in keys
    deep = "model.model.1.model.3.model.3.model.3.model."
    assert deep + "1.weight" in keys and deep + "3.weight" in keys and deep + "4.weight" in keys
    assert keys[-2:] == ["model.model.3.weight", "model.model.3.bias"]


@pytest.mark.parametrize("num_downs", [5, 6, 7, 8])
def test_unet_dropout_only_in_the_inner_decoder_layers(num_downs):
    with_dropout = UnetGenerator(1, 1, num_downs=num_downs, ngf=1, use_dropout=True)
    without = UnetGenerator(1, 1, num_downs=num_downs, ngf=1, use_dropout=False)
    assert not any(isinstance(m, nn.Dropout) for m in without.modules())
    holders = [b for b in with_dropout.modules() if isinstance(b, UnetSkipConnectionBlock)
               and isinstance(b.model[-1], nn.Dropout)]
    assert len(holders) == num_downs - 5
    assert sum(isinstance(m, nn.Dropout) for m in with_dropout.modules()) == num_downs - 5
    for block in holders:  # ngf*8 wide on both sides, neither innermost nor outermost
        up = block.model[-3]
        assert (up.in_channels, up.out_channels) == (16, 8) and block.model[-1].p == 0.5


def test_unet_dropout_is_random_in_training_and_off_in_eval():
    minigan.manual_seed(0)
    net = UnetGenerator(1, 1, num_downs=6, ngf=1, norm="instance")
    x = minigan.randn(1, 1, 64, 64)
    assert not np.array_equal(net(x).numpy(), net(x).numpy())
    net.eval()
    np.testing.assert_array_equal(net(x).numpy(), net(x).numpy())


def test_unet_skips_carry_the_input_past_a_dead_bottleneck():
    """With the innermost block's up-convolution zeroed, nothing crosses the bottleneck; the
    output still follows the input, through the skips alone (an encoder-decoder would give a
    constant)."""
    minigan.manual_seed(0)
    net = UnetGenerator(1, 1, num_downs=4, ngf=2, norm="none", use_dropout=False)
    (innermost,) = [b for b in net.modules() if isinstance(b, UnetSkipConnectionBlock)
                    and not any(isinstance(m, UnetSkipConnectionBlock) for m in b.model)]
    innermost.model[3].weight.data[...] = 0
    innermost.model[3].bias.data[...] = 0
    x = _randn(1, 1, 16, 16).to(dtype=minigan.get_default_dtype())
    assert not np.allclose(net(x).numpy(), net(x * 2.0).numpy())
    # and the innermost's contribution is indeed nothing: its half of the concat is zeros
    inner_in = minigan.randn(1, 8, 2, 2)  # (ngf * 4, 16 / 2**3, 16 / 2**3)
    assert not innermost(inner_in).numpy()[:, 8:].any()


@pytest.mark.parametrize("shape,match", [
    ((1, 3, 16, 16), r"multiples of 32"), ((1, 3, 32, 48), r"multiples of 32"),
    ((1, 1, 32, 32), r"\(N, 3, H, W\)"), ((3, 32, 32), r"got shape \(3, 32, 32\)")])
def test_unet_rejects_bad_inputs(shape, match):
    net = UnetGenerator(3, 3, num_downs=5, ngf=1)
    with pytest.raises(ValueError, match="UnetGenerator.*" + match):
        net(minigan.randn(*shape))


def test_unet_rejects_bad_settings():
    with pytest.raises(ValueError, match="num_downs >= 2"):
        UnetGenerator(num_downs=1, ngf=1)
    with pytest.raises(ValueError, match="UnetGenerator: norm"):
        UnetGenerator(norm="group", ngf=1)


# ---------------------------------------------------------------- PatchGAN


def test_receptive_field_formula():
    assert [patchgan_receptive_field(n) for n in (1, 2, 3, 4)] == [16, 34, 70, 142]
    assert patchgan_layers(3) == [(4, 2)] * 3 + [(4, 1)] * 2
    assert receptive_field([]) == 1 and receptive_field([(3, 1)] * 3) == 7
    assert receptive_field([(2, 2)] * 4) == 16  # non-overlapping windows tile exactly
    # 3x3 kernels, two stride-2 layers: 1 -> 3 -> 5 -> 11 -> 23
    assert patchgan_receptive_field(2, kernel=3) == 23
    with pytest.raises(ValueError, match="n_layers"):
        patchgan_receptive_field(0)


@pytest.mark.parametrize("n_layers,size", [(1, 32), (2, 64), (3, 112), (4, 192)])
def test_receptive_field_measured_from_one_logits_gradient(n_layers, size):
    """The input pixels whose change moves the centre logit (its gradient's support) form a
    receptive_field x receptive_field square, away from the image's edges."""
    minigan.manual_seed(n_layers)
    net = PatchGANDiscriminator(1, ndf=2, n_layers=n_layers, norm="none").double()
    assert net.receptive_field == patchgan_receptive_field(n_layers)
    x = Tensor(np.random.default_rng(0).standard_normal((1, 1, size, size)), requires_grad=True)
    out = net(x)
    _, _, oh, ow = out.shape
    (g,) = autograd.grad(out[0, 0, oh // 2, ow // 2], [x])
    rows, cols = np.nonzero(g.numpy()[0, 0])
    assert rows.min() > 0 and cols.min() > 0 and rows.max() < size - 1 and cols.max() < size - 1
    assert rows.max() - rows.min() + 1 == net.receptive_field
    assert cols.max() - cols.min() + 1 == net.receptive_field
    assert len(rows) == net.receptive_field ** 2  # a full square, no holes


def test_receptive_field_with_batch_norm_in_eval_mode():
    minigan.manual_seed(0)
    net = PatchGANDiscriminator(1, ndf=2, n_layers=2, norm="batch").double().eval()
    x = Tensor(np.random.default_rng(1).standard_normal((2, 1, 64, 64)), requires_grad=True)
    (g,) = autograd.grad(net(x)[1, 0, 7, 7], [x])
    assert not g.numpy()[0].any()  # eval mode: no batch statistics coupling the images
    rows, cols = np.nonzero(g.numpy()[1, 0])
    assert (np.ptp(rows) + 1, np.ptp(cols) + 1) == (34, 34)


@settings(max_examples=12, deadline=None)
@given(n_layers=st.integers(1, 3), h=st.integers(16, 48), w=st.integers(16, 48),
       norm=st.sampled_from(["batch", "instance", "none"]))
def test_patchgan_output_shape_matches_forward(n_layers, h, w, norm):
    minigan.manual_seed(0)
    net = PatchGANDiscriminator(2, ndf=2, n_layers=n_layers, norm=norm)
    try:
        expected = net.output_shape(h, w)
    except ValueError:
        with pytest.raises(ValueError, match="too small"):
            net(minigan.randn(2, 2, h, w))
        return
    assert net(minigan.randn(2, 2, h, w)).shape == (2, *expected)


@pytest.mark.parametrize("size,grid", [(24, 1), (32, 2), (64, 6), (256, 30)])
def test_patchgan_grid_sizes(size, grid):
    assert PatchGANDiscriminator(3, ndf=2).output_shape(size, size) == (1, grid, grid)
    assert PatchGANDiscriminator(3, ndf=2).output_shape(size, 2 * size)[1] == grid
    assert PatchGANDiscriminator(3, ndf=2, n_layers=2).output_shape(16, 16) == (1, 2, 2)


def test_patchgan_layout_keys_and_description():
    net = PatchGANDiscriminator(3, ndf=4, n_layers=3, norm="batch")
    assert [type(m).__name__ for m in net.model] == [
        "Conv2d", "LeakyReLU"] + ["Conv2d", "BatchNorm2d", "LeakyReLU"] * 3 + ["Conv2d"]
    convs = [m for m in net.model if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.stride[0]) for c in convs] == [
        (3, 4, 2), (4, 8, 2), (8, 16, 2), (16, 32, 1), (32, 1, 1)]
    assert [c.bias is not None for c in convs] == [True, False, False, False, True]
    assert list(net.state_dict())[:3] == ["model.0.weight", "model.0.bias", "model.2.weight"]
    assert "model.3.running_mean" in net.state_dict() and "model.11.bias" in net.state_dict()
    assert PatchGANDiscriminator(1, 4, n_layers=5).model[14].out_channels == 32  # capped at 8x
    assert net.describe() == "PatchGAN: each logit sees a 70x70 patch"
    assert net.summary(256) == \
        "PatchGAN: each logit sees a 70x70 patch (a 256x256 image gives 30x30 logits)"
    assert "receptive_field=70" in repr(net)


def test_patchgan_rejects_bad_inputs_and_settings():
    net = PatchGANDiscriminator(3, ndf=2, n_layers=3)
    with pytest.raises(ValueError, match=r"PatchGANDiscriminator.*\(N, 3, H, W\).*\(1, 1, 32"):
        net(minigan.randn(1, 1, 32, 32))
    with pytest.raises(ValueError, match="PatchGANDiscriminator.*8x8 input is too small"):
        net(minigan.randn(1, 3, 8, 8))
    with pytest.raises(ValueError, match="n_layers"):
        PatchGANDiscriminator(3, n_layers=0)
    with pytest.raises(ValueError, match="PatchGANDiscriminator: norm"):
        PatchGANDiscriminator(3, norm="layer")


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("name,make,shape", [
    ("resnet", lambda: ResnetGenerator(2, 2, ngf=2, n_blocks=1, n_downsampling=1), (1, 2, 4, 6)),
    ("unet", lambda: UnetGenerator(2, 1, num_downs=3, ngf=2, norm="instance",
                                   use_dropout=False), (1, 2, 8, 8)),
    ("unet-batch", lambda: UnetGenerator(1, 1, num_downs=2, ngf=2, use_dropout=False),
     (2, 1, 4, 4)),
    ("patchgan", lambda: PatchGANDiscriminator(2, ndf=2, n_layers=1), (2, 2, 8, 8))])
def test_gradcheck_tiny_networks(name, make, shape):
    """Input gradients by minigan.gradcheck, and every parameter's gradient along one random
    direction by a central difference of the same scalar."""
    minigan.manual_seed(0)
    net = make().double()
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal(shape))
    assert gradcheck(net, [x])
    v = Tensor(rng.standard_normal(net(x).shape))
    params = list(net.parameters())
    loss = (net(x) * v).sum()
    grads = autograd.grad(loss, params)
    directions = [rng.standard_normal(p.shape) for p in params]
    analytic = sum(float((g.numpy() * d).sum()) for g, d in zip(grads, directions))
    # A small step: the direction moves every weight at once, and a pre-activation closer to
    # its ReLU kink than the step would make the central difference meaningless (with 1e-6,
    # the PatchGAN's first layer has one 3e-6 from zero and the difference is off by 2.5).
    eps, values = 1e-7, []
    for sign in (1, -1):
        for p, d in zip(params, directions):
            p.data += sign * eps * d
        values.append(float((net(x) * v).sum().item()))
        for p, d in zip(params, directions):
            p.data -= sign * eps * d
    numerical = (values[0] - values[1]) / (2 * eps)
    assert abs(analytic - numerical) <= 1e-6 + 1e-5 * abs(numerical), (name, analytic, numerical)


# ---------------------------------------------------------------- the repository's sizes


def test_parameter_counts_equal_the_repositories():
    """Counted from the default-size networks' shapes (no forward pass). The U-Net's count is
    that of the repository's code (54,413,955: its outermost down-convolution and innermost
    up-convolution have no bias under batch norm)."""
    assert _count(ResnetGenerator(3, 3, 64, 9)) == 11_378_179
    assert _count(UnetGenerator(3, 3, 8, 64)) == 54_413_955
    assert _count(PatchGANDiscriminator(3, 64, 3, norm="instance")) == 2_764_737
    assert _count(PatchGANDiscriminator(3, 64, 3, norm="batch")) == 2_765_633


def test_init_weights_is_reusable_on_any_module():
    minigan.manual_seed(0)
    seq = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.Linear(4, 4))
    init_weights(seq, gain=0.5)
    assert 0.2 < seq[0].weight.numpy().std() < 0.8 and not seq[2].bias.numpy().any()


@pytest.mark.skipif(not minigan.cuda_is_available(), reason="CuPy and a GPU are needed")
def test_networks_run_on_cuda():
    minigan.manual_seed(0)
    for net, shape in [(ResnetGenerator(1, 1, 4, 2), (2, 1, 32, 32)),
                       (UnetGenerator(1, 1, 5, 4), (2, 1, 32, 32)),
                       (PatchGANDiscriminator(1, 4, 3), (2, 1, 32, 32))]:
        x = minigan.randn(*shape)
        expected = net.eval()(x).numpy()
        got = net.to("cuda")(x.to("cuda"))
        assert got.device == "cuda"
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- against PyTorch


def _torch_twin(module):
    """The same module tree built from torch.nn layers (same names, so the same state_dict)."""
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    class Wrapper(tnn.Module):
        def __init__(self, source, **children):
            super().__init__()
            self.source = type(source).__name__
            self.outermost = getattr(source, "outermost", False)
            for name, child in children.items():
                setattr(self, name, child)

        def forward(self, x):
            if self.source == "ResnetBlock":
                return x + self.conv_block(x)
            if self.source == "UnetSkipConnectionBlock" and not self.outermost:
                return torch.cat([x, self.model(x)], 1)
            return self.model(x)

    if isinstance(module, nn.Sequential):
        return tnn.Sequential(*[_torch_twin(m) for m in module])
    if isinstance(module, nn.Conv2d):
        return tnn.Conv2d(module.in_channels, module.out_channels, module.kernel_size,
                          module.stride, module.padding, bias=module.bias is not None)
    if isinstance(module, nn.ConvTranspose2d):
        return tnn.ConvTranspose2d(module.in_channels, module.out_channels, module.kernel_size,
                                   module.stride, module.padding, module.output_padding,
                                   bias=module.bias is not None)
    if isinstance(module, nn.BatchNorm2d):
        return tnn.BatchNorm2d(module.num_features)
    if isinstance(module, nn.InstanceNorm2d):
        return tnn.InstanceNorm2d(module.num_features)
    if isinstance(module, nn.ReflectionPad2d):
        return tnn.ReflectionPad2d(module.padding)
    if isinstance(module, nn.LeakyReLU):
        return tnn.LeakyReLU(module.negative_slope)
    simple = {nn.ReLU: tnn.ReLU, nn.Tanh: tnn.Tanh, nn.Identity: tnn.Identity,
              nn.Dropout: tnn.Dropout}
    if type(module) in simple:
        return simple[type(module)]()
    return Wrapper(module, **{name: _torch_twin(child)
                              for name, child in module.named_children()})


@pytest.mark.parametrize("make,shape", [
    (lambda: ResnetGenerator(2, 3, ngf=3, n_blocks=2), (2, 2, 12, 16)),
    (lambda: ResnetGenerator(1, 1, ngf=2, n_blocks=1, norm="batch", use_dropout=True),
     (2, 1, 8, 8)),
    (lambda: UnetGenerator(3, 2, num_downs=6, ngf=2), (2, 3, 64, 64)),
    (lambda: UnetGenerator(1, 1, num_downs=3, ngf=2, norm="instance"), (1, 1, 8, 16)),
    (lambda: PatchGANDiscriminator(3, ndf=3, n_layers=3, norm="instance"), (2, 3, 40, 36)),
    (lambda: PatchGANDiscriminator(2, ndf=2, n_layers=2), (2, 2, 32, 32))])
def test_networks_equal_their_torch_twins(make, shape):
    """Same tree in torch.nn, same weights through load_state_dict: same outputs (float64,
    evaluation mode so that dropout is off and batch norm reads its running statistics)."""
    torch = pytest.importorskip("torch")
    minigan.manual_seed(0)
    net = make().double().eval()
    for m in net.modules():  # non-trivial running statistics, so eval mode is really tested
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.data[...] = np.linspace(-0.1, 0.1, m.num_features)
            m.running_var.data[...] = np.linspace(0.5, 2.0, m.num_features)
    state = net.state_dict()
    twin = _torch_twin(net).double().eval()
    assert list(twin.state_dict()) == list(state)
    twin.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})
    x = np.random.default_rng(0).standard_normal(shape)
    ours = net(Tensor(x)).numpy()
    theirs = twin(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
