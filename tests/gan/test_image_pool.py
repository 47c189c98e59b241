"""The image pool: fills up first, then mixes past and new fakes half the time, and survives a
checkpoint."""
import numpy as np
import pytest

import minigan as mg
from minigan.gan.image_pool import ImagePool


def batch(values):
    """A batch of 1x1x1 images whose single pixel is each value: easy to trace."""
    return mg.tensor(np.asarray(values, np.float32).reshape(-1, 1, 1, 1))


def pixels(t):
    return t.numpy().reshape(-1).tolist()


def test_size_zero_shows_the_batch_as_it_is():
    pool = ImagePool(0)
    assert pixels(pool.query(batch([1, 2, 3]))) == [1, 2, 3]
    assert len(pool) == 0


def test_while_filling_up_every_image_is_stored_and_shown():
    pool = ImagePool(4)
    assert pixels(pool.query(batch([1, 2, 3]))) == [1, 2, 3]
    assert len(pool) == 3


def test_a_full_pool_swaps_about_half_of_the_images():
    mg.manual_seed(0)
    pool = ImagePool(50)
    pool.query(batch(np.arange(50)))  # fill with 0..49
    new = np.arange(1000, 2000)
    shown = pixels(pool.query(batch(new)))
    swapped = sum(s != n for s, n in zip(shown, new))
    assert 400 < swapped < 600                  # each image: probability 1/2
    stored = pixels(mg.tensor(pool.state()))
    assert len(stored) == 50
    # Nothing is lost or duplicated: every image was either shown or kept.
    assert sorted(shown + stored) == sorted(list(range(50)) + new.tolist())


def test_the_pool_keeps_copies_not_views():
    pool = ImagePool(2)
    images = batch([1, 2])
    pool.query(images)
    images.data[:] = 7
    assert sorted(pixels(mg.tensor(pool.state()))) == [1, 2]


def test_state_round_trip_gives_the_same_future():
    mg.manual_seed(3)
    pool = ImagePool(5)
    pool.query(batch(np.arange(5)))
    saved, rng = pool.state(), mg.backend.rng_state()
    first = pixels(pool.query(batch(np.arange(10, 20))))
    restored = ImagePool(5)
    restored.load_state(saved)
    mg.backend.set_rng_state(rng)
    assert pixels(restored.query(batch(np.arange(10, 20)))) == first


def test_result_has_no_graph_and_bad_input_is_named():
    pool = ImagePool(2)
    x = mg.tensor(np.zeros((2, 1, 2, 2), np.float32), requires_grad=True)
    assert not pool.query(x * 2).requires_grad
    with pytest.raises(ValueError, match=r"ImagePool.query.*\(N, C, H, W\)"):
        pool.query(mg.tensor(np.zeros((2, 4), np.float32)))
    with pytest.raises(ValueError, match="pool of shape"):
        pool.query(mg.tensor(np.zeros((1, 1, 3, 3), np.float32)))
    with pytest.raises(ValueError, match="non-negative"):
        ImagePool(-1)
