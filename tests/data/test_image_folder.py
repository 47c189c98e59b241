"""Image folders in the CycleGAN/pix2pix layouts, on PNGs (and a JPEG) the tests write."""
import numpy as np
import pytest
from PIL import Image

from minigan.data.image_folder import (IMAGE_EXTENSIONS, image_files, load_aligned_folder,
                                       load_unaligned_folder, resize_and_crop)


def write(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)


def solid(h, w, colour):
    return np.broadcast_to(np.array(colour, dtype=np.uint8), (h, w, 3)).copy()


def test_unaligned_rgb_and_grey(tmp_path):
    for i in range(3):
        write(tmp_path / "trainA" / f"a{i}.png", solid(30, 40, (200, 10 * i, 0)))
    for i in range(2):
        write(tmp_path / "trainB" / f"b{i}.png", solid(50, 50, (0, 0, 100 + i)))
    (tmp_path / "trainB" / "notes.txt").write_text("not an image")
    (tmp_path / "trainB" / "subfolder.png").mkdir()
    a, b = load_unaligned_folder(tmp_path, size=16)
    assert a.shape == (3, 16, 16, 3) and b.shape == (2, 16, 16, 3)
    assert a.dtype == b.dtype == np.uint8
    np.testing.assert_array_equal(a[:, 5, 5], [[200, 0, 0], [200, 10, 0], [200, 20, 0]])  # sorted
    np.testing.assert_array_equal(b[1, 8, 8], [0, 0, 101])
    grey_a, grey_b = load_unaligned_folder(tmp_path, size=16, channels=1)
    assert grey_a.shape == (3, 16, 16) and grey_b.shape == (2, 16, 16)
    expected = np.asarray(Image.fromarray(solid(1, 1, (200, 10, 0))).convert("L"))[0, 0]
    assert grey_a[1, 8, 8] == expected


def test_test_phase_and_original_size(tmp_path):
    write(tmp_path / "testA" / "x.png", solid(12, 20, (1, 2, 3)))
    write(tmp_path / "testB" / "y.jpg", solid(12, 20, (250, 250, 250)))
    a, b = load_unaligned_folder(tmp_path, phase="test", size=None)
    assert a.shape == b.shape == (1, 12, 20, 3)
    np.testing.assert_array_equal(a[0, 0, 0], [1, 2, 3])
    assert np.abs(b.astype(int) - 250).max() <= 3  # JPEG is lossy
    with pytest.raises(FileNotFoundError, match="trainA"):
        load_unaligned_folder(tmp_path)  # phase "train" has no folders


def test_resize_shorter_side_then_centre_crop(tmp_path):
    # 120 wide, 60 high: white in the middle 60 columns, black on both sides
    image = np.zeros((60, 120), dtype=np.uint8)
    image[:, 30:90] = 255
    write(tmp_path / "trainA" / "wide.png", image)
    write(tmp_path / "trainB" / "tall.png", image.T)
    a, b = load_unaligned_folder(tmp_path, size=30, channels=1)
    # shorter side 60 -> 30, then the central 30x30 is exactly the white part
    assert a.shape == b.shape == (1, 30, 30)
    assert a[0, :, 2:-2].min() >= 250 and b[0, 2:-2, :].min() >= 250
    crop = resize_and_crop(Image.fromarray(image), 60)
    assert crop.size == (60, 60) and np.asarray(crop).min() == 255  # crop only, no resize
    up = resize_and_crop(Image.fromarray(image[:10, :15]), 20)  # enlarging works too
    assert up.size == (20, 20)


def test_mixed_sizes_with_size_none_name_both_files(tmp_path):
    write(tmp_path / "trainA" / "first.png", solid(10, 10, (0, 0, 0)))
    write(tmp_path / "trainA" / "second.png", solid(12, 10, (0, 0, 0)))
    write(tmp_path / "trainB" / "b.png", solid(10, 10, (0, 0, 0)))
    with pytest.raises(ValueError, match=r"first\.png is 10x10.*second\.png is 10x12"):
        load_unaligned_folder(tmp_path, size=None)
    a, _ = load_unaligned_folder(tmp_path, size=8)  # with a size they are fine
    assert a.shape == (2, 8, 8, 3)


def test_empty_or_missing_folders_explain_the_layout(tmp_path):
    (tmp_path / "trainA").mkdir()
    (tmp_path / "trainB").mkdir()
    (tmp_path / "trainA" / "readme.md").write_text("no images here")
    with pytest.raises(ValueError, match=r"trainA holds no images.*\.png.*trainA, root/trainB"):
        load_unaligned_folder(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"nowhere/train does not exist.*side-by-side"):
        load_aligned_folder(tmp_path / "nowhere")


def test_aligned_pairs_and_direction(tmp_path):
    for i in range(2):
        pair = np.concatenate([solid(20, 20, (255, 0, i)), solid(20, 20, (0, 255, i))], axis=1)
        write(tmp_path / "train" / f"{i}.png", pair)
    inputs, targets = load_aligned_folder(tmp_path, size=None)
    assert inputs.shape == targets.shape == (2, 20, 20, 3)
    np.testing.assert_array_equal(inputs[1, 3, 3], [255, 0, 1])
    np.testing.assert_array_equal(targets[0, 3, 3], [0, 255, 0])
    back, forth = load_aligned_folder(tmp_path, size=8, direction="BtoA")
    assert back.shape == forth.shape == (2, 8, 8, 3)
    np.testing.assert_array_equal(back[0, 4, 4], [0, 255, 0])
    grey_in, grey_out = load_aligned_folder(tmp_path, size=8, channels=1)
    assert grey_in.shape == (2, 8, 8) and (grey_in != grey_out).all()


def test_aligned_odd_width_and_mixed_sizes(tmp_path):
    pair = np.zeros((6, 13), dtype=np.uint8)
    pair[:, :6], pair[:, 6], pair[:, 7:] = 10, 99, 20  # the middle column belongs to neither
    write(tmp_path / "val" / "odd.png", pair)
    a, b = load_aligned_folder(tmp_path, phase="val", size=None, channels=1)
    assert a.shape == b.shape == (1, 6, 6) and (a == 10).all() and (b == 20).all()
    write(tmp_path / "val" / "wider.png", np.zeros((6, 20), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"odd\.png is 6x6.*wider\.png is 10x6"):
        load_aligned_folder(tmp_path, phase="val", size=None, channels=1)


def test_bad_arguments_and_unreadable_files(tmp_path):
    write(tmp_path / "train" / "p.png", solid(4, 8, (0, 0, 0)))
    with pytest.raises(ValueError, match="channels"):
        load_aligned_folder(tmp_path, channels=2)
    with pytest.raises(ValueError, match="size"):
        load_aligned_folder(tmp_path, size=0)
    with pytest.raises(ValueError, match="direction"):
        load_aligned_folder(tmp_path, direction="AB")
    (tmp_path / "train" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="broken.png"):
        load_aligned_folder(tmp_path)


@pytest.mark.parametrize("side", [40, 50])  # above the pixel limit; above twice the limit
def test_a_decompression_bomb_is_refused_by_name(tmp_path, side, monkeypatch):
    """Pillow refuses an image of more than twice MAX_IMAGE_PIXELS and only warns between
    once and twice, then decodes it: minigan refuses both (here with a limit of 1,000)."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    write(tmp_path / "trainA" / "a.png", solid(4, 4, (0, 0, 0)))
    write(tmp_path / "trainB" / "bomb.png", solid(side, side, (9, 9, 9)))
    with pytest.raises(ValueError, match=r"could not read image .*bomb\.png"):
        load_unaligned_folder(tmp_path, size=4)


def test_image_files_filters_by_extension(tmp_path):
    for name in ["b.PNG", "a.jpg", "c.jpeg", "notes.txt", ".hidden.png", "d.webp"]:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in image_files(tmp_path)] == ["a.jpg", "b.PNG", "c.jpeg", "d.webp"]
    assert ".png" in IMAGE_EXTENSIONS and ".txt" not in IMAGE_EXTENSIONS
