"""Attribute arithmetic (minigan/gan/attributes.py): the two measurements on drawn shapes whose
answer is known, and the direction and the figure on tiny untrained generators with fake judges
(fast: no training, no shipped judge)."""
import numpy as np
import pytest

import minigan
from minigan.autograd import Tensor
from minigan.gan import attributes

ROWS, COLS = np.mgrid[0:28, 0:28]
UP = 27 - ROWS  # y grows upwards


def bar(width, shear=0.0, top=24, bottom=4):
    """A vertical bar ``width`` pixels wide from row ``bottom`` to ``top`` (counted upwards),
    its centre line moved ``shear`` pixels right per pixel up; floats in [-1, 1]."""
    centre = 14 + shear * (UP - 14)
    across = COLS + 0.5 - centre  # pixel centres within half a width of the centre line
    inside = (-width / 2 <= across) & (across < width / 2) & (UP >= bottom) & (UP < top)
    return np.where(inside, 1.0, -1.0)[None, None]


def test_thickness_orders_thin_and_thick_bars_and_is_about_their_width():
    images = np.concatenate([bar(1), bar(2), bar(4), bar(6)])
    t = attributes.stroke_thickness(images)
    assert (np.diff(t) > 0).all(), t
    # A w x 20 bar: ink w * 20 over half its outline 20 + w, so 20 w / (20 + w).
    np.testing.assert_allclose(t, [20 * w / (20 + w) for w in (1, 2, 4, 6)], rtol=0.03)


def test_thickness_ignores_the_stroke_s_length_and_direction():
    long, short = attributes.stroke_thickness(np.concatenate([bar(3, top=26, bottom=2),
                                                              bar(3, top=14, bottom=6)]))
    assert abs(long - short) / long < 0.2  # only the ends' share of the outline differs
    lying = np.swapaxes(bar(3), 2, 3)
    np.testing.assert_allclose(attributes.stroke_thickness(lying),
                               attributes.stroke_thickness(bar(3)), rtol=1e-12)
    # A 45-degree stroke three pixels across each row is 3 / sqrt(2) = 2.1 pixels wide; its
    # outline's staircase is not counted as length (counting pixel edges would give 1.5).
    diagonal = np.where(np.abs(COLS - ROWS) <= 1, 1.0, -1.0)[None, None]
    assert 1.9 < attributes.stroke_thickness(diagonal)[0] < 2.3


def test_uint8_and_tanh_images_measure_the_same():
    images = np.concatenate([bar(2), bar(3, shear=0.3)])
    pixels = np.round((images + 1) * 127.5).astype(np.uint8)
    for name in attributes.ATTRIBUTES:
        np.testing.assert_allclose(attributes.measure(pixels[:, 0], name),
                                   attributes.measure(images, name), rtol=1e-12)


@pytest.mark.parametrize("shear", [-0.4, -0.15, 0.0, 0.2, 0.5])
def test_slant_is_the_shear_of_a_sheared_bar(shear):
    s = attributes.slant(bar(3, shear=shear))[0]
    assert np.sign(s) == np.sign(shear)
    assert abs(s - shear) < 0.05, (s, shear)


def test_blank_images_measure_zero():
    blank = -np.ones((2, 1, 28, 28))
    assert (attributes.stroke_thickness(blank) == 0).all()
    assert (attributes.slant(blank) == 0).all()


@pytest.mark.parametrize("bad, fragment", [
    (np.zeros((28, 28)), r"stroke_thickness: expected .* got \(28, 28\)"),
    (np.zeros((2, 3, 28, 28)), r"stroke_thickness: expected .* got \(2, 3, 28, 28\)"),
    (np.full((1, 28, 28), 3.0), r"stroke_thickness: floating images must lie in \[-1, 1\]"),
])
def test_bad_images_name_the_function_and_the_shape(bad, fragment):
    with pytest.raises(ValueError, match=fragment):
        attributes.stroke_thickness(bad)


def test_unknown_attribute_is_named():
    with pytest.raises(ValueError, match=r"measure: attribute must be one of .*'weight'"):
        attributes.measure(bar(2), "weight")
    with pytest.raises(ValueError, match="attribute_direction: attribute must be one of"):
        attributes.attribute_direction(object(), "boldness")
    with pytest.raises(ValueError, match="attribute_arithmetic: quantile"):
        attributes.attribute_arithmetic(object(), "slant", quantile=0.7)


class BarsFromCodes:
    """A 'generator' whose code (thickness, shear, digit, rest...) draws a bar of that width
    and shear; the judge below reads the digit from the code's third entry, coded in the top
    left pixel. So thickness and slant depend on known coordinates of the code."""

    device = "cpu"
    latent_dim = 6

    def sample(self, noise):
        z = noise.data.astype(np.float64)
        out = []
        for code in z:
            image = bar(np.clip(3 + code[0], 1, 6), shear=0.2 * np.tanh(code[1]))
            image[0, 0, 0, 0] = np.clip(code[2], -1, 1)
            out.append(image)
        return Tensor(np.concatenate(out).astype(np.float32))


def fake_judge(images):
    """Digit 0..4 from the top-left pixel's level, read with confidence 0.95."""
    level = images.reshape(len(images), -1)[:, 0].astype(np.float64) / 255
    digit = np.minimum((level * 5).astype(int), 4)
    proba = np.full((len(images), 10), 0.05 / 9)
    proba[np.arange(len(images)), digit] = 0.95
    return proba


def test_direction_finds_the_coordinates_that_draw_the_attribute():
    model = BarsFromCodes()
    for name, axis in (("thickness", 0), ("slant", 1)):
        v = attributes.attribute_direction(model, name, n=400, quantile=0.2, predict=fake_judge,
                                           keep_digits=False)
        assert v.shape == (6,)
        assert np.argmax(np.abs(v)) == axis and v[axis] > 1.0, v
    # Within one digit only, and without a digit: both work, and differ.
    one = attributes.attribute_direction(model, "thickness", digit=0, n=400, quantile=0.2,
                                         predict=fake_judge, keep_digits=False)
    assert one[0] > 1.0
    with pytest.raises(ValueError, match="attribute_direction: too few samples of digit 7"):
        attributes.attribute_direction(model, "thickness", digit=7, n=400, predict=fake_judge)


def test_keep_digits_makes_the_direction_orthogonal_to_the_digits_mean_codes():
    model = BarsFromCodes()
    s = attributes.survey(model, n=400, predict=fake_judge)
    v = attributes.attribute_direction(model, "thickness", quantile=0.2, survey_=s)
    means = np.stack([s["codes"][s["digits"] == d].mean(axis=0) for d in range(5)])
    np.testing.assert_allclose((means - means.mean(axis=0)) @ v, 0, atol=1e-10)
    # Without a judge there is one group of samples, and nothing to remove.
    plain = attributes.attribute_direction(model, "thickness", n=400, quantile=0.2,
                                           predict=False)
    assert np.argmax(np.abs(plain)) == 0


def test_arithmetic_moves_the_attribute_keeps_the_digit_and_draws_the_figure(tmp_path):
    model = BarsFromCodes()
    path = tmp_path / "thick.png"
    real = np.concatenate([bar(w) for w in (2, 3, 4)])
    out = attributes.attribute_arithmetic(model, "thickness", n=400, quantile=0.2, rows=4,
                                          bases=20, reference=real, path=path,
                                          predict=fake_judge, keep_digits=False)
    assert out["images"].shape == (4, len(attributes.STEPS), 1, 28, 28)
    assert out["values"].shape == (20, len(attributes.STEPS))
    assert (np.diff(out["values"].mean(axis=0)) > 0).all()  # thicker column after column
    assert out["change"] > 0.3 and out["kept"] >= 0.8
    assert path.is_file() and out["path"] == str(path)
    assert "thicker: +" in attributes.describe(out)
    # The two attributes side by side in one figure.
    slanted = attributes.attribute_arithmetic(model, "slant", n=400, quantile=0.2, rows=4,
                                              bases=20, reference=0.1, predict=fake_judge,
                                              keep_digits=False)
    assert slanted["change"] > 0
    both = tmp_path / "both.png"
    attributes.save_attribute_figure([out, slanted], both)
    assert both.is_file()
    # Drawn by the figure factory it is given (a lesson passes pyplot's, to show it inline):
    # one panel per result, titled with its change and share kept.
    import matplotlib.pyplot as plt

    fig = attributes.attribute_figure([out, slanted], figure=plt.figure)
    try:
        assert plt.fignum_exists(fig.number) and len(fig.axes) == 2
        assert fig.axes[0].get_title().startswith(f"thickness: {out['change']:+.2f} sd")
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="attribute_figure: no results"):
        attributes.attribute_figure([])


def test_direction_on_a_tiny_untrained_dcgan_is_deterministic_under_a_seed():
    from minigan.gan.models.dcgan import DCGAN

    minigan.manual_seed(0)
    model = DCGAN(latent_dim=5, g_width=2, d_width=2, n_fixed=2)
    kwargs = dict(n=60, quantile=0.2, confidence=0.0, predict=fake_judge)
    v1 = attributes.attribute_direction(model, "slant", seed=3, **kwargs)
    minigan.randn(7)  # minigan's own generator moving on changes nothing
    v2 = attributes.attribute_direction(model, "slant", seed=3, **kwargs)
    v3 = attributes.attribute_direction(model, "slant", seed=4, **kwargs)
    assert v1.shape == (5,) and np.isfinite(v1).all()
    np.testing.assert_array_equal(v1, v2)
    assert not np.array_equal(v1, v3)


def test_the_dcgan_example_draws_the_attribute_figure(tmp_path, monkeypatch, capsys):
    """examples/dcgan_mnist.py's latent pictures on a tiny untrained DCGAN: with a judge that
    reads digits, arithmetic.png and one line per attribute; with the shipped judge, which
    reads none of an untrained generator's blobs confidently, one line saying why not."""
    import importlib.util
    import os

    import minigan.metrics
    from minigan.gan.models.dcgan import DCGAN

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(
        "example_dcgan_attributes", os.path.join(root, "examples", "dcgan_mnist.py"))
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    monkeypatch.setitem(example.ARITHMETIC, "n", 100)
    minigan.manual_seed(0)
    model = DCGAN(latent_dim=5, g_width=2, d_width=2, n_fixed=2)

    def hash_judge(images):  # untrained blobs all look alike: a digit from their pixel sum
        digit = images.reshape(len(images), -1).sum(axis=1) % 5
        return np.eye(10)[digit] * 0.95 + 0.005

    monkeypatch.setattr(minigan.metrics, "predict_proba", hash_judge)
    written = example.latent_pictures(model, str(tmp_path), "mnist", (0.5, 0.25))
    assert str(tmp_path / "arithmetic.png") in written
    assert (tmp_path / "arithmetic.png").is_file()
    out = capsys.readouterr().out
    assert "thicker: " in out and "slanted further right: " in out
    assert "(step x0.5)" in out and "(step x0.25)" in out

    monkeypatch.undo()
    monkeypatch.setitem(example.ARITHMETIC, "n", 100)
    (tmp_path / "arithmetic.png").unlink()
    written = example.latent_pictures(model, str(tmp_path), "mnist", (1.0, 1.0))
    assert not (tmp_path / "arithmetic.png").exists()
    assert "(no arithmetic figure: attribute_arithmetic: too few samples" in \
        capsys.readouterr().out
    assert len(written) == 2  # the interpolation strips are still drawn
