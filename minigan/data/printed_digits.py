"""Printed digits rendered with the fonts matplotlib ships: the second domain for CycleGAN.

    from minigan.data.printed_digits import render_printed_digits, unpaired_digits
    images, labels = render_printed_digits(5000, seed=0)    # (5000, 32, 32) uint8, (5000,) uint8
    mnist, mnist_labels, printed, printed_labels = unpaired_digits("train")

Nothing is downloaded: matplotlib installs its TrueType fonts (DejaVu, STIX, Computer Modern)
under ``mpl-data/fonts/ttf``, and Pillow (a dependency of matplotlib) rasterises them.

How a digit is made, white on black like MNIST:
1. Each (font, digit) glyph is rasterised ONCE at a high resolution (``MASTER_SIZE`` points),
   and thinned/thickened there into a few stroke weights (Pillow's min/max filters), then cached.
2. For each sample (all choices from ``numpy.random.default_rng(seed)``): a random font, stroke
   weight, rotation (uniform in +-15 degrees), size (the longer side of the bounding box between
   15 and 20 pixels), and shift (up to +-1.5 pixels off centre).
3. MNIST's framing: the rotated glyph is cropped to its bounding box, resized (anti-aliased) so
   its longer side takes the drawn size (MNIST's is 20), placed in a 28x28 frame with its centre
   of mass at the centre (plus the shift), and padded by 2 pixels to 32x32.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

# Regular, bold and slanted faces of each family that draws all ten digits as digits. (The
# symbol fonts - cmex10, cmsy10, STIXSiz*, STIXNonUni* - and cmmi10's old-style figures are
# left out; a font file this matplotlib lacks, or one that fails the check, is skipped.)
CANDIDATE_FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf",
    "DejaVuSerif-BoldItalic.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
    "DejaVuSansMono-BoldOblique.ttf",
    "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
    "cmr10.ttf", "cmb10.ttf", "cmti10.ttf", "cmss10.ttf", "cmtt10.ttf",
)
MASTER_SIZE = 96            # points (= pixels) of the master rasterisation
# Stroke weights, in master pixels, by which strokes grow on every side (one master pixel is
# about a quarter of a final pixel, so up to one final pixel a side): printed faces are thinner
# than pen strokes, and eroding the thinnest ones made them ghostly grey at 20 pixels.
STROKE_WEIGHTS = (0, 1, 2, 3, 4)
MAX_ROTATION = 15.0         # degrees, either way
BOX_SIZES = (15.0, 20.0)    # longer side of the digit's box in the 28x28 frame (MNIST: 20)
MAX_SHIFT = 1.5             # pixels of the centre of mass off the frame's centre
FRAME = 28


def font_dir() -> Path:
    """matplotlib's folder of TrueType fonts."""
    import matplotlib
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _rasterise(path: Path, digit: str):
    """The glyph of ``digit`` in the font at ``path``: uint8 (h, w), cropped to its ink."""
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype(str(path), MASTER_SIZE)
    canvas = Image.new("L", (3 * MASTER_SIZE, 3 * MASTER_SIZE))
    ImageDraw.Draw(canvas).text((MASTER_SIZE, MASTER_SIZE), digit, fill=255, font=font)
    box = canvas.getbbox()
    return None if box is None else np.asarray(canvas.crop(box))


@functools.lru_cache(maxsize=None)
def _font_glyphs(path: str):
    """The ten digit glyphs of one font, or None if it does not draw ten distinct digits
    (a missing glyph renders as an empty or a shared 'unknown character' box)."""
    glyphs = [_rasterise(Path(path), str(d)) for d in range(10)]
    if any(g is None for g in glyphs) or len({(g.shape, g.tobytes()) for g in glyphs}) < 10:
        return None
    return glyphs


def _resolve(font) -> Path:
    path = Path(font)
    if not path.is_absolute() and not path.is_file():
        path = font_dir() / (font if str(font).endswith(".ttf") else f"{font}.ttf")
    if not path.is_file():
        raise FileNotFoundError(f"render_printed_digits: font {font!r} not found (looked for "
                                f"{path}); see printed_font_names()")
    return path


def printed_font_names() -> list[str]:
    """The fonts used by default: those of ``CANDIDATE_FONTS`` that this matplotlib ships and
    that draw all ten digits (file names without ``.ttf``)."""
    names = []
    for name in CANDIDATE_FONTS:
        path = font_dir() / name
        if path.is_file() and _font_glyphs(str(path)) is not None:
            names.append(name[:-len(".ttf")])
    return names


@functools.lru_cache(maxsize=None)
def _weighted_glyph(path: str, digit: int, weight: int):
    """The master glyph with its strokes thinned (weight < 0) or thickened (weight > 0) by
    |weight| master pixels, as a Pillow image with a margin so dilation is not clipped."""
    from PIL import Image, ImageFilter
    glyph = _font_glyphs(path)[digit]
    margin = max(STROKE_WEIGHTS) + 1
    image = Image.fromarray(np.pad(glyph, margin))
    if weight:
        size = 2 * abs(weight) + 1
        image = image.filter(ImageFilter.MaxFilter(size) if weight > 0
                             else ImageFilter.MinFilter(size))
    return image


def _frame(glyph, angle: float, box_size: float, shift) -> np.ndarray:
    """Rotate, crop, resize so the longer side is ``box_size``, centre by mass in 28x28."""
    from PIL import Image
    rotated = glyph.rotate(angle, resample=Image.BICUBIC, expand=True)
    bbox = rotated.getbbox()
    rotated = rotated.crop(bbox) if bbox is not None else rotated
    w, h = rotated.size
    scale = box_size / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(rotated.resize(size, resample=Image.LANCZOS), dtype=np.float64)
    frame = np.zeros((FRAME, FRAME), dtype=np.float64)
    mass = small.sum()
    rows, cols = np.indices(small.shape)
    com = ((rows * small).sum() / mass, (cols * small).sum() / mass) if mass > 0 else (
        small.shape[0] / 2, small.shape[1] / 2)
    top = int(round(FRAME / 2 - com[0] + shift[0]))
    left = int(round(FRAME / 2 - com[1] + shift[1]))
    # Keep the whole digit inside the frame (a shift never crops a stroke away).
    top = min(max(top, 0), FRAME - small.shape[0])
    left = min(max(left, 0), FRAME - small.shape[1])
    frame[top:top + small.shape[0], left:left + small.shape[1]] = small
    return frame


def render_printed_digits(n: int, size: int = 32, seed: int = 0, fonts=None):
    """``n`` printed digits, white on black: ``(images uint8 (n, size, size), labels uint8 (n,))``.

    Labels are balanced (each digit n // 10 or n // 10 + 1 times) in random order; font, stroke
    weight, rotation, size and shift are drawn as in this module's docstring from
    ``numpy.random.default_rng(seed)``, so a seed always gives the same digits. ``fonts``: names
    from :func:`printed_font_names` or paths to TrueType files (default: all of them).
    ``size`` 32 pads MNIST's 28x28 framing by 2 pixels a side; 28 returns the frame itself;
    other sizes resize the 32x32 image.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"render_printed_digits: n must be a non-negative integer, got {n!r}")
    if not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"render_printed_digits: size must be an integer >= 8, got {size!r}")
    names = printed_font_names() if fonts is None else list(fonts)
    if not names:
        raise ValueError("render_printed_digits: no usable fonts (fonts=[] or matplotlib ships "
                         "none of CANDIDATE_FONTS)")
    paths = []
    for font in names:
        path = str(_resolve(font))
        if _font_glyphs(path) is None:
            raise ValueError(f"render_printed_digits: font {font!r} does not draw the ten digits")
        paths.append(path)
    rng = np.random.default_rng(seed)
    n = int(n)
    labels = rng.permutation(np.arange(n) % 10).astype(np.uint8)
    font_index = rng.integers(0, len(paths), n)
    weights = rng.choice(np.array(STROKE_WEIGHTS), n)
    angles = rng.uniform(-MAX_ROTATION, MAX_ROTATION, n)
    boxes = rng.uniform(*BOX_SIZES, n)
    shifts = rng.uniform(-MAX_SHIFT, MAX_SHIFT, (n, 2))
    frames = np.empty((n, FRAME, FRAME), dtype=np.float64)
    for i in range(n):  # one small Pillow resample per digit; the glyphs are cached
        glyph = _weighted_glyph(paths[font_index[i]], int(labels[i]), int(weights[i]))
        frames[i] = _frame(glyph, float(angles[i]), float(boxes[i]), shifts[i])
    images = np.clip(np.rint(frames), 0, 255).astype(np.uint8)
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    if size != 32:
        images = _resize_all(images, int(size))
    return images, labels


def _resize_all(images: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image
    if size == FRAME:
        return images[:, 2:-2, 2:-2].copy()
    out = np.empty((len(images), size, size), dtype=np.uint8)
    for i, image in enumerate(images):
        out[i] = np.asarray(Image.fromarray(image).resize((size, size), Image.LANCZOS))
    return out


# A different stream for the test split, so printed test digits are not the training ones.
TEST_SEED_OFFSET = 1_000_003


def unpaired_digits(split: str = "train", n=None, root=None, seed: int = 0, mirrors=None,
                    n_printed=None, offline: bool = False):
    """Unpaired domains for CycleGAN: A = handwritten MNIST, B = printed digits.

    Returns ``(handwritten uint8 (N, 32, 32), handwritten_labels (N,), printed uint8 (M, 32,
    32), printed_labels (M,))``. The handwritten side follows the held-out rule of
    :mod:`minigan.data.digit_domains` (``n``: a fixed random subset of that many; ``root`` and
    ``mirrors`` go to ``load_mnist``). The printed side has ``M = n_printed`` digits (default
    ``M = N``) rendered with ``seed`` for train and ``seed + TEST_SEED_OFFSET`` for test.
    ``offline``: the bundled digits whatever is cached or downloadable (see ``mnist_split``).
    The labels are for measuring only: CycleGAN never sees which image matches which.
    """
    from minigan.data.digit_domains import _subset, mnist_split, pad_to_32
    if split not in ("train", "test"):
        raise ValueError(f"unpaired_digits: split must be 'train' or 'test', got {split!r}")
    images, labels = _subset(mnist_split(split, root, mirrors, offline=offline), n)
    m = len(images) if n_printed is None else n_printed
    printed, printed_labels = render_printed_digits(
        m, seed=seed if split == "train" else seed + TEST_SEED_OFFSET)
    return pad_to_32(images), labels, printed, printed_labels
