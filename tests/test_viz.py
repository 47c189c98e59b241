"""minigan.viz: grids, GIFs and loss plots, drawn to files without a display."""
import sys

import numpy as np
import pytest
from PIL import Image

import minigan
from minigan.viz import image_grid, plot_losses, save_gif, save_image_grid, smooth, to_uint8


def test_to_uint8_maps_the_tanh_range_to_pixels():
    x = np.array([-1.0, 0.0, 1.0, -3.0, 2.0], dtype=np.float32)
    np.testing.assert_array_equal(to_uint8(x), [0, 128, 255, 0, 255])
    u = np.array([0, 7, 255], dtype=np.uint8)
    assert to_uint8(u) is u
    np.testing.assert_array_equal(to_uint8(minigan.tensor([-1.0, 1.0])), [0, 255])
    with pytest.raises(TypeError):
        to_uint8(np.array([1, 2], dtype=np.int32))


def test_grid_places_each_image_in_its_cell():
    images = np.stack([np.full((1, 3, 2), i, dtype=np.uint8) for i in range(5)])  # (5,1,3,2)
    grid = image_grid(images, nrow=2, padding=1, pad_value=99)
    assert grid.dtype == np.uint8 and grid.shape == (3 * 4 + 1, 2 * 3 + 1)
    for i in range(5):
        r, c = divmod(i, 2)
        cell = grid[1 + 4 * r:1 + 4 * r + 3, 1 + 3 * c:1 + 3 * c + 2]
        assert (cell == i).all()
    assert (grid[0] == 99).all() and (grid[-4:, 4:] == 99).all()  # border and the empty cell


def test_grid_accepts_three_dims_floats_and_colour():
    floats = np.linspace(-1, 1, 4 * 5 * 5).reshape(4, 5, 5)
    assert image_grid(floats, nrow=4, padding=0).shape == (5, 20)
    assert image_grid(floats[:, None]).shape == image_grid(floats).shape
    colour = np.zeros((2, 3, 4, 4), dtype=np.uint8)
    assert image_grid(colour, nrow=2).shape == (8, 14, 3)


@pytest.mark.parametrize("shape", [(2, 2, 4, 4), (4,), (3, 1, 2, 4, 4)])
def test_grid_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match="image_grid"):
        image_grid(np.zeros(shape, dtype=np.uint8))


def test_save_image_grid_upscales(tmp_path):
    images = np.random.default_rng(0).uniform(-1, 1, (10, 1, 28, 28)).astype(np.float32)
    path = save_image_grid(images, tmp_path / "sub" / "grid.png", nrow=5)
    with Image.open(path) as im:
        assert im.size == (2 * (5 * 30 + 2), 2 * (2 * 30 + 2))
        assert np.asarray(im)[4:4 + 56:2, 4:4 + 56:2].tolist() == \
            image_grid(images, nrow=5)[2:30, 2:30].tolist()


def test_gif_from_paths_and_arrays(tmp_path):
    frames = [np.full((6, 8), 40 * i, dtype=np.uint8) for i in range(4)]
    paths = []
    for i, f in enumerate(frames):
        paths.append(tmp_path / f"f{i}.png")
        Image.fromarray(f).save(paths[-1])
    for source in (frames, paths):
        out = save_gif(source, tmp_path / "anim.gif", duration_ms=50)
        with Image.open(out) as im:
            assert im.n_frames == 4 and im.size == (8, 6)
            im.seek(2)
            assert np.asarray(im.convert("L"))[0, 0] == 80
    with pytest.raises(ValueError):
        save_gif([], tmp_path / "none.gif")


def test_smooth_is_a_trailing_mean():
    np.testing.assert_allclose(smooth([1, 3, 5, 7], window=2), [1, 2, 4, 6])
    assert smooth([], window=3).size == 0


def _history(iterations=30, epochs=3):
    rng = np.random.default_rng(0)
    per = iterations // epochs
    its = {"loss_d": rng.random(iterations).tolist(), "loss_g": rng.random(iterations).tolist(),
           "d_real": rng.random(iterations).tolist(), "d_fake": rng.random(iterations).tolist()}
    return {"iterations": its,
            "epochs": {k: [float(np.mean(v[i * per:(i + 1) * per])) for i in range(epochs)]
                       for k, v in its.items()},
            "iterations_per_epoch": [per] * epochs}


def test_plot_losses_writes_a_png_without_pyplot(tmp_path):
    had_pyplot = "matplotlib.pyplot" in sys.modules
    path = plot_losses(_history(), tmp_path / "losses.png", title="t")
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] > 300 and im.size[1] > 300
    assert ("matplotlib.pyplot" in sys.modules) == had_pyplot


def test_plot_losses_needs_something_to_plot(tmp_path):
    with pytest.raises(ValueError, match="plot_losses"):
        plot_losses({"iterations": {"lr": [1.0]}}, tmp_path / "x.png")
    plot_losses({"iterations": {"loss_d": [1.0, 2.0]}}, tmp_path / "only_losses.png")
