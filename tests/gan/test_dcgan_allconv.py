"""DCGAN's all-convolutional variant: its layers and shapes, and a checkpoint that remembers it
(while a lecture DCGAN's config stays what it was before the option existed)."""
import numpy as np
import pytest

import minigan
from minigan import nn
from minigan.checkpoint import load_checkpoint
from minigan.data import DataLoader
from minigan.gan import load_model, train
from minigan.gan.models.dcgan import DCGAN, allconv_discriminator, allconv_generator


def test_the_allconv_networks_have_no_linear_layer():
    minigan.manual_seed(0)
    model = DCGAN(variant="allconv")
    assert [type(m).__name__ for m in model.G] == [
        "Unflatten", "ConvTranspose2d", "BatchNorm2d", "ReLU", "ConvTranspose2d", "BatchNorm2d",
        "ReLU", "ConvTranspose2d", "Tanh"]
    assert [type(m).__name__ for m in model.D] == [
        "Conv2d", "LeakyReLU", "Conv2d", "BatchNorm2d", "LeakyReLU", "Conv2d", "Flatten"]
    g = {k: v.shape for k, v in model.G.state_dict().items() if "weight" in k}
    d = {k: v.shape for k, v in model.D.state_dict().items() if "weight" in k}
    assert g == {"1.weight": (100, 128, 7, 7), "2.weight": (128,), "4.weight": (128, 64, 4, 4),
                 "5.weight": (64,), "7.weight": (64, 1, 4, 4)}
    assert d == {"0.weight": (64, 1, 4, 4), "2.weight": (128, 64, 4, 4), "3.weight": (128,),
                 "5.weight": (1, 128, 7, 7)}
    assert (model.G[1].stride, model.G[1].padding) == ((1, 1), (0, 0))
    assert (model.D[5].stride, model.D[5].padding) == ((1, 1), (0, 0))


@pytest.mark.parametrize("width,latent_dim,shape", [(64, 100, (1, 28, 28)), (2, 4, (3, 8, 12))])
def test_allconv_shapes(width, latent_dim, shape):
    minigan.manual_seed(0)
    G, D = allconv_generator(latent_dim, width, shape), allconv_discriminator(width, shape)
    x = G(minigan.randn(5, latent_dim))
    c, h, w = shape
    assert G[1](minigan.randn(5, latent_dim, 1, 1)).shape == (5, 2 * width, h // 4, w // 4)
    assert x.shape == (5, *shape) and float(np.abs(x.numpy()).max()) <= 1.0
    assert D(x).shape == (5, 1)


def test_a_bad_variant_is_refused_by_name():
    with pytest.raises(ValueError, match="DCGAN: variant must be one of .*'allconv'.*got 'conv'"):
        DCGAN(variant="conv")


def test_the_variant_is_remembered_in_the_checkpoint(tmp_path):
    kw = dict(latent_dim=4, g_width=2, d_width=2, image_shape=(1, 8, 8), n_fixed=4)
    assert "variant" not in DCGAN(**kw).config, "a lecture DCGAN's config is as it was"
    minigan.manual_seed(0)
    model = DCGAN(variant="allconv", **kw)
    images = np.random.default_rng(0).uniform(-1, 1, (16, 1, 8, 8)).astype(np.float32)
    train(model, DataLoader((images,), batch_size=8), 1, tmp_path, progress=False)
    again = load_model(tmp_path / "checkpoint.npz")
    assert again.variant == "allconv" and again.config == model.config
    assert isinstance(again.G[1], nn.ConvTranspose2d) and isinstance(again.D[5], nn.Conv2d)
    np.testing.assert_array_equal(again.sample_grid(), model.sample_grid())
    _, meta = load_checkpoint(tmp_path / "checkpoint.npz")
    assert meta["model"]["config"]["variant"] == "allconv"
