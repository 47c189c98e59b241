"""Users' own images, in the folder layouts of the CycleGAN and pix2pix repositories.

Unaligned (CycleGAN): two folders of unpaired images per phase::

    root/trainA/*.png   root/trainB/*.jpg   root/testA/...   root/testB/...

    a, b = load_unaligned_folder("datasets/horse2zebra", phase="train", size=64)

Aligned (pix2pix): one folder per phase of side-by-side pairs, A on the left half, B on the
right half of each image (as pix2pix's facades, edges2shoes, maps ...)::

    root/train/*.jpg    root/test/*.jpg    root/val/*.jpg

    inputs, targets = load_aligned_folder("datasets/facades", phase="train", size=64)

What is read: files ending in ``IMAGE_EXTENSIONS`` (any case), sorted by name; anything else
(notes, hidden files, sub-folders) is skipped. Each image is read with Pillow and converted to
RGB (``channels=3``) or grey ``L`` (``channels=1``). With ``size=N`` it is resized (bicubic,
anti-aliased) so its SHORTER side is N, keeping its aspect ratio, and then centre-cropped to
N x N (for pairs, each half separately). With ``size=None`` images keep their size, so all of
them must share one: a folder of mixed sizes raises ``ValueError`` naming two files and sizes.

Returns uint8 arrays like ``load_mnist``: (N, H, W, 3) for colour, (N, H, W) for grey; models
scale them to [-1, 1] themselves.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".tif", ".tiff",
                    ".webp")
PHASES_UNALIGNED = "root/trainA, root/trainB (and root/testA, root/testB for phase='test')"
PHASES_ALIGNED = ("root/train/*.png|jpg: side-by-side pairs, A on the left half, B on the right "
                  "(root/test for phase='test')")


def image_files(folder) -> list[Path]:
    """The image files of ``folder`` (extensions ``IMAGE_EXTENSIONS``, any case), by name."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in IMAGE_EXTENSIONS)


def _check_args(size, channels, who: str):
    if channels not in (1, 3):
        raise ValueError(f"{who}: channels must be 1 (grey) or 3 (RGB), got {channels!r}")
    if size is not None and (not isinstance(size, (int, np.integer)) or size < 1):
        raise ValueError(f"{who}: size must be a positive integer or None, got {size!r}")


def _files_or_error(folder: Path, layout: str, who: str) -> list[Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"{who}: folder {folder} does not exist; expected the layout "
                                f"{layout}")
    files = image_files(folder)
    if not files:
        raise ValueError(f"{who}: folder {folder} holds no images (read: "
                         f"{', '.join(IMAGE_EXTENSIONS)}); expected the layout {layout}")
    return files


def resize_and_crop(image, size: int):
    """A Pillow image resized so its shorter side is ``size`` (aspect kept), then the central
    ``size`` x ``size`` square cut out."""
    from PIL import Image
    w, h = image.size
    scale = size / min(w, h)
    new = (max(size, round(w * scale)), max(size, round(h * scale)))
    if new != (w, h):
        image = image.resize(new, resample=Image.BICUBIC, reducing_gap=None)
    left, top = (new[0] - size) // 2, (new[1] - size) // 2
    return image.crop((left, top, left + size, top + size))


def _open(path: Path, channels: int):
    from PIL import Image
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its pixel limit, and then decodes: a file of a few
            # kilobytes could still ask for gigabytes. Refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return image.convert("RGB" if channels == 3 else "L")
    except (OSError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        # Pillow's UnidentifiedImageError is an OSError; a decompression bomb is neither.
        raise ValueError(f"could not read image {path}: {e}") from None


def _stack(images, files, who: str) -> np.ndarray:
    """Stack uint8 arrays, or say which two files differ in size."""
    first = images[0].shape
    for array, path in zip(images, files):
        if array.shape != first:
            raise ValueError(
                f"{who}: with size=None all images must share one size, but {files[0]} is "
                f"{first[1]}x{first[0]} and {path} is {array.shape[1]}x{array.shape[0]} "
                "(width x height); pass size= to resize and crop them")
    return np.stack(images)


def _read_folder(folder: Path, size, channels: int, layout: str, who: str) -> np.ndarray:
    files = _files_or_error(folder, layout, who)
    images = []
    for path in files:
        image = _open(path, channels)
        if size is not None:
            image = resize_and_crop(image, int(size))
        images.append(np.asarray(image, dtype=np.uint8))
    return _stack(images, files, who)


def load_unaligned_folder(root, phase: str = "train", size=64, channels: int = 3):
    """Two unpaired domains from ``root/<phase>A`` and ``root/<phase>B`` (CycleGAN layout).

    Returns ``(A, B)`` uint8, (N_A, size, size, 3) and (N_B, size, size, 3) for ``channels=3``,
    or (N, size, size) for ``channels=1``; see the module docstring for resizing and cropping.
    """
    who = "load_unaligned_folder"
    _check_args(size, channels, who)
    root = Path(root).expanduser()
    return tuple(_read_folder(root / f"{phase}{side}", size, channels, PHASES_UNALIGNED, who)
                 for side in ("A", "B"))


def load_aligned_folder(root, phase: str = "train", size=64, channels: int = 3,
                        direction: str = "AtoB"):
    """Paired images from the side-by-side files of ``root/<phase>`` (pix2pix layout).

    Each file is split at half its width: left = A, right = B (an odd width leaves the middle
    column out). Returns ``(inputs, targets)`` uint8: (A, B) for ``direction="AtoB"``, (B, A)
    for ``"BtoA"``; each half is resized and cropped to ``size`` as the module docstring says.
    """
    who = "load_aligned_folder"
    _check_args(size, channels, who)
    if direction not in ("AtoB", "BtoA"):
        raise ValueError(f"{who}: direction must be 'AtoB' or 'BtoA', got {direction!r}")
    files = _files_or_error(Path(root).expanduser() / phase, PHASES_ALIGNED, who)
    halves_a, halves_b = [], []
    for path in files:
        image = _open(path, channels)
        w, h = image.size
        if w < 2:
            raise ValueError(f"{who}: {path} is {w} pixel wide, too narrow to hold a pair")
        a, b = image.crop((0, 0, w // 2, h)), image.crop((w - w // 2, 0, w, h))
        if size is not None:
            a, b = resize_and_crop(a, int(size)), resize_and_crop(b, int(size))
        halves_a.append(np.asarray(a, dtype=np.uint8))
        halves_b.append(np.asarray(b, dtype=np.uint8))
    a, b = _stack(halves_a, files, who), _stack(halves_b, files, who)
    return (a, b) if direction == "AtoB" else (b, a)
