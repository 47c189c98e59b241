"""Latent-space pictures: interpolation paths and strips, and vector arithmetic, checked on
fake generators whose images are their codes (so every image can be predicted exactly)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from minigan.autograd import Tensor
from minigan.gan import latent


class CodeAsImage:
    """A 'generator' whose image of a code z (4,) is z itself, as a 1x2x2 image."""

    device = "cpu"

    def __init__(self, latent_dim=4):
        self.latent_dim = latent_dim

    def noise(self, n):
        return minigan.randn(n, self.latent_dim)

    def sample(self, n=None, noise=None, labels=None):
        return Tensor(noise.data.reshape(len(noise.data), 1, 2, -1))


codes = st.integers(0, 2**31 - 1).map(lambda s: np.random.default_rng(s).standard_normal((2, 6)))


@settings(max_examples=30, deadline=None)
@given(codes, st.integers(2, 12), st.sampled_from(latent.METHODS))
def test_paths_start_and_end_at_the_codes(z, steps, method):
    path = latent.interpolate_codes(z[0], z[1], steps, method)
    assert path.shape == (steps, 6)
    np.testing.assert_array_equal(path[0], z[0])
    np.testing.assert_array_equal(path[-1], z[1])


@settings(max_examples=30, deadline=None)
@given(codes)
def test_slerp_keeps_the_norm_and_lerp_is_straight(z):
    z1 = z[1] * np.linalg.norm(z[0]) / np.linalg.norm(z[1])  # equal norms
    t = np.linspace(0, 1, 7)
    sph = latent.slerp(z[0], z1, t)
    np.testing.assert_allclose(np.linalg.norm(sph, axis=1), np.linalg.norm(z[0]), rtol=1e-9)
    lin = latent.lerp(z[0], z1, t)
    np.testing.assert_allclose(lin[3], (z[0] + z1) / 2, rtol=1e-12, atol=1e-12)
    # Equal-angle steps along the great circle:
    cos = [np.dot(sph[i], sph[i + 1]) / np.dot(sph[0], sph[0]) for i in range(6)]
    np.testing.assert_allclose(cos, cos[0], rtol=1e-9)


def test_slerp_of_parallel_codes_falls_back_to_a_line():
    z = np.arange(1.0, 5.0)
    np.testing.assert_allclose(latent.slerp(z, 2 * z, np.array([0.5])), [1.5 * z])


def test_interpolation_strip_rows_go_between_the_ends(tmp_path):
    minigan.manual_seed(0)
    model = CodeAsImage()
    ends = np.random.default_rng(0).standard_normal((6, 4))
    path = tmp_path / "strip.png"
    images = latent.interpolation_strip(model, rows=3, steps=5, method="linear", path=path,
                                        ends=ends)
    assert images.shape == (15, 1, 2, 2)
    flat = images.reshape(3, 5, 4)
    np.testing.assert_allclose(flat[:, 0], ends[0::2], rtol=1e-6)
    np.testing.assert_allclose(flat[:, -1], ends[1::2], rtol=1e-6)
    np.testing.assert_allclose(flat[:, 2], (ends[0::2] + ends[1::2]) / 2, rtol=1e-5, atol=1e-6)
    assert path.is_file()
    # Random ends: the right shape, and the model's own noise is used.
    assert latent.interpolation_strip(model, rows=2, steps=4).shape == (8, 1, 2, 2)
    with pytest.raises(ValueError, match="method"):
        latent.interpolation_strip(model, rows=1, steps=3, method="cubic")


def test_interpolation_strip_endpoints_are_the_generator_s_images():
    """With a real (tiny, untrained) DCGAN: each row's first and last images are exactly the
    images of the two end codes."""
    from minigan.gan.models.dcgan import DCGAN

    minigan.manual_seed(0)
    model = DCGAN(latent_dim=5, g_width=2, d_width=2, image_shape=(1, 8, 8), n_fixed=2)
    ends = model.noise(4)
    strip = latent.interpolation_strip(model, rows=2, steps=6, ends=ends)
    direct = model.sample(noise=ends).numpy()
    np.testing.assert_allclose(strip.reshape(2, 6, 1, 8, 8)[:, 0], direct[0::2], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(strip.reshape(2, 6, 1, 8, 8)[:, -1], direct[1::2], rtol=1e-5,
                               atol=1e-6)


def test_arithmetic_code_combines_group_means():
    a, b, c = np.ones((3, 2)), np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0, 5.0]])
    np.testing.assert_allclose(latent.arithmetic_code(a, b, c), [1 - 2 + 5, 1 - 3 + 5])


def test_vector_arithmetic_by_indices_on_a_fake_generator(tmp_path):
    minigan.manual_seed(0)
    model = CodeAsImage()
    out = latent.vector_arithmetic(model, [0, 1, 2], [3], [4, 5], pool=10, variants=2,
                                   spread=0.0, path=tmp_path / "va.png")
    pool = out["pool"]
    expected = pool[[0, 1, 2]].mean(0) - pool[3] + pool[[4, 5]].mean(0)
    np.testing.assert_allclose(out["code"], expected)
    # Three perturbations of zero spread are the result itself: the result row is 3 copies.
    np.testing.assert_allclose(out["result"].reshape(3, 4), np.tile(expected, (3, 1)), rtol=1e-6)
    # Figure: rows of width 4 (3 samples + mean); group B's empty cells are black (-1).
    fig = out["figure"].reshape(4, 4, 4)
    np.testing.assert_allclose(fig[0, :3], pool[[0, 1, 2]], rtol=1e-6)
    np.testing.assert_allclose(fig[0, 3], pool[[0, 1, 2]].mean(0), rtol=1e-6)
    np.testing.assert_allclose(fig[1, 0], pool[3], rtol=1e-6)
    assert (fig[1, 1:3] == -1).all()
    assert (tmp_path / "va.png").is_file()
    with pytest.raises(ValueError, match="group b"):
        latent.vector_arithmetic(model, [0], [10], [1], pool=10)


def test_vector_arithmetic_by_digit_uses_the_judge_s_most_confident_samples():
    """A fake judge that calls an image digit d with confidence growing with its first pixel
    if d == 1 and its second if d == 2: the groups must be those pixels' top samples."""
    minigan.manual_seed(0)
    model = CodeAsImage()

    def judge(images):
        x = images.reshape(len(images), -1).astype(float)
        proba = np.full((len(images), 10), 1e-3)
        proba[:, 1], proba[:, 2] = x[:, 0], x[:, 1]
        return proba

    out = latent.vector_arithmetic(model, 1, 2, [7], per_group=2, pool=50, predict=judge)
    pool = out["pool"]
    uint8 = np.round((np.clip(pool, -1, 1) + 1) * 127.5)
    top1 = set(np.argsort(-uint8[:, 0], kind="stable")[:2])
    top2 = set(np.argsort(-uint8[:, 1], kind="stable")[:2])
    assert set(out["groups"][0]) == top1 and set(out["groups"][1]) == top2
    np.testing.assert_allclose(
        out["code"], pool[list(top1)].mean(0) - pool[list(top2)].mean(0) + pool[7])
