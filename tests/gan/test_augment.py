"""minigan.gan.augment: DiffAugment's translation and cutout do what they say, are
differentiable (gradchecked) and repeat exactly under the same seed."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan.gan.augment import cutout, diff_augment, translate
from minigan.gradcheck import gradcheck


def _images(n=3, c=2, h=8, w=8, seed=0):
    return mg.tensor(np.random.default_rng(seed).uniform(-1, 1, (n, c, h, w)), dtype=np.float64)


def test_translation_shifts_each_image_and_fills_zeros():
    x = _images(n=16, c=1)
    mg.manual_seed(3)
    y = translate(x).numpy()
    for img, out in zip(x.numpy()[:, 0], y[:, 0]):
        shifts = [(dy, dx) for dy in range(-1, 2) for dx in range(-1, 2)
                  if np.array_equal(np.roll(np.pad(img, 1), (dy, dx), (0, 1))[1:-1, 1:-1], out)]
        assert len(shifts) == 1, "each output is its input shifted by at most 1/8 of 8 pixels"
    assert (y == 0).any(), "the uncovered border is zero"


def test_cutout_zeros_one_square_per_image():
    x = mg.tensor(np.ones((32, 1, 8, 8)), dtype=np.float64)
    mg.manual_seed(4)
    y = cutout(x).numpy()[:, 0]
    for out in y:
        zeros = np.argwhere(out == 0)
        assert 1 <= len(zeros) <= 16  # a 4x4 square, clipped at the border
        (r0, c0), (r1, c1) = zeros.min(0), zeros.max(0)
        assert (out[r0:r1 + 1, c0:c1 + 1] == 0).all(), "the zeros form one rectangle"


@settings(max_examples=10, deadline=None, database=None)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(4, 9), st.integers(0, 99))
def test_augmentation_is_differentiable(n, c, side, seed):
    x = _images(n, c, side, side + 1, seed)

    def augmented(images):
        mg.manual_seed(seed)  # the same shifts and squares for every probe of the check
        return diff_augment(images)

    assert gradcheck(augmented, [x])


def test_flat_batches_keep_their_shape_and_the_seed_repeats_the_draw():
    x = mg.tensor(np.random.default_rng(0).uniform(-1, 1, (4, 64)))
    mg.manual_seed(7)
    a = diff_augment(x, image_shape=(1, 8, 8))
    mg.manual_seed(7)
    b = diff_augment(x, image_shape=(1, 8, 8))
    assert a.shape == (4, 64)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert diff_augment(x, policy=()) is x


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="unknown transformation.*'colour'"):
        diff_augment(_images(), policy=("colour",))
    with pytest.raises(ValueError, match=r"vectors \(2, 10\) needs the image_shape"):
        diff_augment(mg.zeros(2, 10))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        diff_augment(mg.zeros(2, 3, 4))
