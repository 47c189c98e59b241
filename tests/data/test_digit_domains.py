"""Digit domains for pix2pix: grey-scale morphology on hand-made images (against a naive
per-pixel version), and paired_digits' pairs, splits and held-out rule."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from minigan.data import digit_domains
from minigan.data.digit_domains import (dilate, erode, low_resolution, mnist_split, outline,
                                        pad_to_32, paired_digits, structuring_offsets,
                                        thick_strokes, thin_strokes, upper_half)
from minigan.data.mnist import DownloadError, load_bundled_mnist


def naive_morphology(image, radius, shape, dilation):
    """Per-pixel max/min over the structuring element, ignoring pixels outside the image."""
    h, w = image.shape
    out = np.empty_like(image)
    for y in range(h):
        for x in range(w):
            values = [image[y + dy, x + dx] for dy, dx in structuring_offsets(radius, shape)
                      if 0 <= y + dy < h and 0 <= x + dx < w]
            out[y, x] = max(values) if dilation else min(values)
    return out


def square_image(h, w, top, left, side):
    image = np.zeros((h, w), dtype=np.uint8)
    image[top:top + side, left:left + side] = 255
    return image


# ---------------------------------------------------------------- morphology

@pytest.mark.parametrize("shape, expected", [
    ("square", np.ones((3, 3), bool)),
    ("disk", np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)),
])
def test_single_pixel_dilated_by_radius_one_is_the_structuring_element(shape, expected):
    image = np.zeros((7, 7), dtype=np.uint8)
    image[3, 3] = 200
    out = dilate(image, 1, shape)
    mask = np.zeros((7, 7), bool)
    mask[2:5, 2:5] = expected
    np.testing.assert_array_equal(out, np.where(mask, 200, 0))


def test_disk_of_radius_two_and_square_of_radius_two():
    image = np.zeros((9, 9), dtype=np.uint8)
    image[4, 4] = 255
    assert (dilate(image, 2, "square") > 0).sum() == 25
    assert (dilate(image, 2, "disk") > 0).sum() == 13  # dy^2 + dx^2 <= 4


@settings(max_examples=30, deadline=None)
@given(h=st.integers(3, 9), w=st.integers(3, 9), radius=st.integers(0, 3),
       shape=st.sampled_from(["square", "disk"]), seed=st.integers(0, 2**16))
def test_matches_naive_morphology(h, w, radius, shape, seed):
    image = np.random.default_rng(seed).integers(0, 256, (h, w)).astype(np.uint8)
    np.testing.assert_array_equal(dilate(image, radius, shape),
                                  naive_morphology(image, radius, shape, True))
    np.testing.assert_array_equal(erode(image, radius, shape),
                                  naive_morphology(image, radius, shape, False))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), h=st.integers(2, 10), w=st.integers(2, 10), radius=st.integers(0, 3),
       shape=st.sampled_from(["square", "disk"]), seed=st.integers(0, 2**16))
def test_erosion_is_dual_to_dilation_and_batches_are_independent(n, h, w, radius, shape, seed):
    images = np.random.default_rng(seed).integers(0, 256, (n, h, w)).astype(np.uint8)
    np.testing.assert_array_equal(erode(images, radius, shape),
                                  255 - dilate(255 - images, radius, shape))
    one_by_one = np.stack([dilate(image, radius, shape) for image in images])
    np.testing.assert_array_equal(dilate(images, radius, shape), one_by_one)
    assert (dilate(images, radius, shape) >= images).all()
    assert (erode(images, radius, shape) <= images).all()


@settings(max_examples=30, deadline=None)
@given(side=st.integers(3, 8), top=st.sampled_from([0, 3, 5, 8]),
       left=st.sampled_from([0, 3, 5, 8]), radius=st.integers(1, 2))
def test_erode_inverts_dilate_on_a_big_square(side, top, left, radius):
    # Closing (dilate then erode) gives a square back, also where it touches the border. (A
    # square 1..radius pixels off the border is not closed: closing fills that gap.)
    image = square_image(20, 20, top, left, side)
    np.testing.assert_array_equal(erode(dilate(image, radius), radius), image)
    if side > 2 * radius:  # opening: erode then dilate, too
        np.testing.assert_array_equal(dilate(erode(image, radius), radius), image)


def test_outline_of_a_filled_square_is_the_ring_around_it():
    image = square_image(12, 12, 3, 4, 5)
    ring = (square_image(12, 12, 2, 3, 7) > 0) & (image == 0)
    np.testing.assert_array_equal(outline(image), np.where(ring, 255, 0))


def test_thin_and_thick_strokes_of_a_square():
    image = square_image(12, 12, 3, 4, 5)
    # thin: 2x2 erosion takes one pixel off the bottom and right sides
    np.testing.assert_array_equal(thin_strokes(image), square_image(12, 12, 3, 4, 4))
    np.testing.assert_array_equal(thick_strokes(image), square_image(12, 12, 2, 3, 7))


def test_thin_strokes_stretches_each_image_to_full_brightness():
    images = np.zeros((2, 8, 8), dtype=np.uint8)
    images[0, 2:6, 2:6] = 100  # a dim square: brightest pixel back to 255
    images[1, 2:6, 2:6] = 255
    out = thin_strokes(images)
    assert out[0].max() == 255 and out[1].max() == 255
    np.testing.assert_array_equal(out[0] > 0, out[1] > 0)
    assert thin_strokes(np.zeros((1, 5, 5), np.uint8)).max() == 0  # blank stays blank
    with pytest.raises(TypeError, match="thin_strokes"):
        thin_strokes(images.astype(np.float32))


def test_other_dtypes():
    image = square_image(8, 8, 2, 2, 3)
    np.testing.assert_array_equal(dilate(image > 0, 1), dilate(image, 1) > 0)
    as_float = image.astype(np.float64) / 255
    np.testing.assert_allclose(erode(as_float, 1) * 255, erode(image, 1))


def test_bad_arguments_raise():
    image = np.zeros((5, 5), np.uint8)
    with pytest.raises(ValueError, match="radius"):
        dilate(image, -1)
    with pytest.raises(ValueError, match="shape"):
        erode(image, 1, "triangle")
    with pytest.raises(ValueError, match="dilate"):
        dilate(np.zeros(5, np.uint8), 1)
    with pytest.raises(ValueError, match=r"pad_to_32.*\(3, 30, 30\)"):
        pad_to_32(np.zeros((3, 30, 30), np.uint8))


def test_pad_to_32():
    images = np.random.default_rng(0).integers(1, 256, (3, 28, 28)).astype(np.uint8)
    padded = pad_to_32(images)
    assert padded.shape == (3, 32, 32) and padded.dtype == np.uint8
    np.testing.assert_array_equal(padded[:, 2:30, 2:30], images)
    assert padded.sum() == images.astype(np.int64).sum()


@pytest.mark.skipif(not minigan.cuda_is_available(), reason="CuPy/CUDA not available")
def test_morphology_on_cupy_matches_numpy():
    from minigan import backend
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28)).astype(np.uint8)
    on_gpu = backend.to_device(pad_to_32(images), "cuda")
    for fn in (outline, thin_strokes, thick_strokes, lambda x: erode(x, 2, "disk")):
        np.testing.assert_array_equal(backend.to_numpy(fn(on_gpu)), fn(pad_to_32(images)))


# ---------------------------------------------------------------- paired_digits (offline)

@pytest.fixture
def offline(tmp_path):
    """load_mnist with an empty cache and no mirrors: the offline rule, whatever the machine."""
    return {"root": tmp_path, "mirrors": []}


def _keys(images):
    return {image.tobytes() for image in images}


def test_offline_splits_hold_out_50_per_digit_and_never_overlap(offline):
    train_images, train_labels = mnist_split("train", **offline)
    test_images, test_labels = mnist_split("test", **offline)
    bundled, _ = load_bundled_mnist()
    assert len(test_images) == 500 and len(train_images) == len(bundled) - 500
    np.testing.assert_array_equal(np.bincount(test_labels, minlength=10), np.full(10, 50))
    np.testing.assert_array_equal(np.bincount(train_labels, minlength=10), np.full(10, 450))
    assert not _keys(train_images) & _keys(test_images)


@pytest.mark.parametrize("kind", ["edges", "thickness"])
def test_paired_digits_shapes_and_pairs(offline, kind):
    inputs, targets, labels = paired_digits(kind, split="test", **offline)
    _, test_labels = mnist_split("test", **offline)
    assert inputs.shape == targets.shape == (500, 32, 32)
    assert inputs.dtype == targets.dtype == labels.dtype == np.uint8
    np.testing.assert_array_equal(labels, test_labels)
    # a black frame: 2 pixels around the digit, 1 left after a radius-1 dilation
    frame = 2 if kind == "edges" else 1
    assert max(targets[:, :frame].max(), targets[:, -frame:].max(), targets[:, :, :frame].max(),
               targets[:, :, -frame:].max()) == 0
    changed = (inputs != targets).reshape(len(inputs), -1).any(axis=1)
    assert changed.all()
    if kind == "edges":
        # the outline lies inside the dilated digit and mostly off the digit's bright core
        assert ((inputs > 0) <= (dilate(targets, 1) > 0)).all()
        assert inputs[targets == 255].max() == 0
        np.testing.assert_array_equal(targets[:, 2:30, 2:30], mnist_split("test", **offline)[0])
    else:
        # thin strokes sit inside the digit, which sits inside the thick strokes
        digits = pad_to_32(mnist_split("test", **offline)[0])
        assert ((inputs > 0) <= (digits > 0)).all() and (targets >= digits).all()
        ink = lambda x: (x > 127).sum()  # noqa: E731
        assert ink(inputs) < ink(digits) < ink(targets)


def test_paired_digits_subset_is_fixed_and_balanced(offline):
    a = paired_digits("edges", split="train", n=300, **offline)
    b = paired_digits("edges", split="train", n=300, **offline)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert len(a[0]) == 300 and set(np.unique(a[2])) == set(range(10))
    with pytest.raises(ValueError, match="n must be"):
        paired_digits("edges", split="test", n=501, **offline)
    with pytest.raises(ValueError, match="kind"):
        paired_digits("outline", **offline)
    with pytest.raises(ValueError, match="split"):
        paired_digits("edges", split="val", **offline)


# ---------------------------------------------------------------- the rule when online

def _fake_loader(test_available, train):
    fake_test = (np.full((20, 28, 28), 7, np.uint8), np.arange(20, dtype=np.uint8) % 10)

    def load(root=None, split="train", mirrors=None):
        if split == "test":
            if not test_available:
                raise DownloadError("offline", offline=True)
            return fake_test
        return train
    return load, fake_test


def test_real_test_set_is_used_when_it_loads(monkeypatch):
    bundled = load_bundled_mnist()
    load, fake_test = _fake_loader(True, bundled)
    monkeypatch.setattr(digit_domains, "load_mnist", load)
    assert mnist_split("test")[0] is fake_test[0]
    assert len(mnist_split("train")[0]) == 5000  # nothing held out: the test set is real


def test_offline_splits_are_the_bundled_ones_even_where_mnist_loads(monkeypatch, offline):
    expected = {split: mnist_split(split, **offline) for split in ("train", "test")}
    load, fake_test = _fake_loader(True, load_bundled_mnist())
    monkeypatch.setattr(digit_domains, "load_mnist", load)
    assert mnist_split("test")[0] is fake_test[0]  # what a machine with MNIST would use ...
    for split in ("train", "test"):  # ... and what offline=True uses there all the same
        for got, want in zip(mnist_split(split, offline=True), expected[split]):
            np.testing.assert_array_equal(got, want)


def test_full_train_set_drops_the_held_out_images_when_the_test_set_is_missing(monkeypatch):
    # a stand-in for the 60,000 training images: the bundled ones (a subset) plus others
    images, labels = load_bundled_mnist()
    others = np.random.default_rng(0).integers(0, 256, (100, 28, 28)).astype(np.uint8)
    full = (np.concatenate([others, images]), np.concatenate([labels[:100], labels]))
    load, _ = _fake_loader(False, full)
    monkeypatch.setattr(digit_domains, "load_mnist", load)
    train_images, _ = mnist_split("train")
    test_images, _ = mnist_split("test")
    assert len(train_images) == 100 + 4500 and not _keys(train_images) & _keys(test_images)


def test_a_corrupt_mirror_is_not_mistaken_for_offline(monkeypatch):
    def load(root=None, split="train", mirrors=None):
        raise DownloadError("SHA-256 mismatch", offline=False)
    monkeypatch.setattr(digit_domains, "load_mnist", load)
    with pytest.raises(DownloadError, match="mismatch"):
        mnist_split("test")


@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from([1, 2, 4]), st.integers(0, 10**6))
def test_low_resolution_is_each_blocks_mean(rows, cols, block, seed):
    image = np.random.default_rng(seed).integers(0, 256, (rows * block, cols * block))
    image = image.astype(np.uint8)
    mosaic = low_resolution(image, block)
    for r in range(rows):
        for c in range(cols):
            tile = image[r * block:(r + 1) * block, c * block:(c + 1) * block]
            got = mosaic[r * block:(r + 1) * block, c * block:(c + 1) * block]
            assert (got == np.rint(tile.mean())).all()


def test_low_resolution_refuses_a_size_the_block_does_not_divide():
    with pytest.raises(ValueError, match="30x32 is not a multiple of the block 4"):
        low_resolution(np.zeros((30, 32), np.uint8))


def test_upper_half_keeps_the_top_and_blanks_the_bottom():
    image = np.arange(1, 17, dtype=np.uint8).reshape(4, 4)
    kept = upper_half(image)
    np.testing.assert_array_equal(kept[:2], image[:2])
    assert (kept[2:] == 0).all() and image[2:].all()  # the input is not changed


@pytest.mark.parametrize("kind, make_input", [("superres", low_resolution),
                                              ("completion", upper_half)])
def test_the_tasks_with_several_answers_pair_a_reduced_digit_with_the_digit(offline, kind,
                                                                            make_input):
    inputs, targets, labels = paired_digits(kind, split="test", **offline)
    test_images, test_labels = mnist_split("test", **offline)
    np.testing.assert_array_equal(targets, pad_to_32(test_images))
    np.testing.assert_array_equal(inputs, make_input(targets))
    np.testing.assert_array_equal(labels, test_labels)
    # several digits fit one input: the input has lost what the target holds
    assert (inputs != targets).reshape(len(inputs), -1).any(axis=1).all()
