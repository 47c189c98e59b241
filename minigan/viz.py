"""Pictures of a training run: sample grids, loss curves, and an animation over epochs.

Everything here draws into files (PNG, GIF) and never opens a window; each file is written
atomically (:func:`minigan.files.atomic_write`), so a killed run never leaves half a picture.
Loss curves are drawn on a bare ``matplotlib.figure.Figure`` rendered by the Agg canvas, without
pyplot: no display is needed (servers, CI), and a notebook's own matplotlib backend is left
alone.
"""
from __future__ import annotations

import os

import numpy as np

from minigan import backend
from minigan.autograd import Tensor
from minigan.files import atomic_write


def to_uint8(images) -> np.ndarray:
    """Images as a uint8 NumPy array: floats in [-1, 1] map to 0..255; uint8 passes unchanged.

    Accepts a Tensor, a NumPy or a CuPy array. Floats outside [-1, 1] are clipped.
    """
    array = backend.to_numpy(images.data if isinstance(images, Tensor) else images)
    if array.dtype == np.uint8:
        return array
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"to_uint8: images must be floats in [-1, 1] or uint8, got {array.dtype}")
    return np.round((np.clip(array, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def image_grid(images, nrow: int = 8, padding: int = 2, pad_value: int = 0) -> np.ndarray:
    """Tile N images into one picture, ``nrow`` images per row (torchvision's ``make_grid``).

    Args:
        images: (N, H, W), (N, 1, H, W) or (N, 3, H, W); floats in [-1, 1] or uint8.
        nrow: images per row.
        padding: pixels between images and around the border.
        pad_value: the border's grey level, 0..255.

    Returns:
        uint8 array (H', W') for grey images, (H', W', 3) for colour ones.
    """
    array = to_uint8(images)
    if array.ndim == 3:
        array = array[:, None]
    if array.ndim != 4 or array.shape[1] not in (1, 3):
        raise ValueError(f"image_grid: expected images of shape (N, H, W), (N, 1, H, W) or "
                         f"(N, 3, H, W), got {tuple(array.shape)}")
    n, c, h, w = array.shape
    if n == 0:
        raise ValueError("image_grid: no images to draw")
    if nrow < 1:
        raise ValueError(f"image_grid: nrow must be at least 1, got {nrow}")
    cols = min(nrow, n)
    rows = -(-n // cols)
    grid = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding),
                   pad_value, dtype=np.uint8)
    for i in range(n):
        top = padding + (i // cols) * (h + padding)
        left = padding + (i % cols) * (w + padding)
        grid[:, top:top + h, left:left + w] = array[i]
    return grid[0] if c == 1 else grid.transpose(1, 2, 0)


def _to_pil(picture: np.ndarray, scale: int):
    from PIL import Image

    image = Image.fromarray(picture)
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    return image


def image_format(path) -> str:
    """Pillow's name of the image format that ``path``'s extension asks for ("PNG" for .png).

    Raises ``ValueError`` naming the path for an extension Pillow cannot write.
    """
    from PIL import Image

    Image.init()
    extension = os.path.splitext(os.fspath(path))[1].lower()
    name = Image.registered_extensions().get(extension)
    if name is None or name not in Image.SAVE:
        kind = f"a {extension} file" if extension else "a file without an extension"
        raise ValueError(f"{os.fspath(path)!r}: cannot save a picture as {kind}; "
                         "name a .png file")
    return name


def save_image_grid(images, path, nrow: int = 8, scale: int = 2, padding: int = 2) -> str:
    """Save :func:`image_grid` of ``images`` as a PNG, enlarged ``scale`` times (28 px is tiny)."""
    path = os.fspath(path)
    picture = _to_pil(image_grid(images, nrow=nrow, padding=padding), scale)
    kind = image_format(path)
    with atomic_write(path) as f:
        picture.save(f, format=kind)
    return path


def save_gif(frames, path, duration_ms: int = 400, scale: int = 1, loop: int = 0) -> str:
    """An animated GIF from frames: image file paths, or uint8 pictures (H, W) / (H, W, 3).

    The last frame is held three times as long, so the loop visibly ends before it restarts.
    """
    from PIL import Image

    frames = list(frames)
    if not frames:
        raise ValueError("save_gif: no frames")
    pictures = []
    for frame in frames:
        if isinstance(frame, (str, os.PathLike)):
            with Image.open(frame) as image:
                pictures.append(image.convert("L" if image.mode in ("L", "1", "P") else "RGB"))
        else:
            pictures.append(_to_pil(to_uint8(frame), scale=1))
    if scale != 1:
        pictures = [p.resize((p.width * scale, p.height * scale), Image.NEAREST) for p in pictures]
    durations = [duration_ms] * (len(pictures) - 1) + [duration_ms * 3]
    path = os.fspath(path)
    with atomic_write(path) as f:
        pictures[0].save(f, format="GIF", save_all=True, append_images=pictures[1:],
                         duration=durations, loop=loop)
    return path


def smooth(values, window: int | None = None) -> np.ndarray:
    """A trailing moving average (shorter at the start) that keeps the curve's length."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    window = window or max(1, values.size // 50)
    csum = np.cumsum(np.insert(values, 0, 0.0))
    ends = np.arange(1, values.size + 1)
    starts = np.maximum(0, ends - window)
    return (csum[ends] - csum[starts]) / (ends - starts)


def plot_losses(history: dict, path, title: str | None = None) -> str:
    """Plot a run's losses (top) and the discriminator's mean outputs (bottom) to a PNG.

    ``history`` is the trainer's: ``history["iterations"]`` maps a metric to its per-iteration
    values, ``history["epochs"]`` to its per-epoch means. Keys starting with ``loss`` go in the
    top panel; ``d_real`` and ``d_fake`` (mean D(x), mean D(G(z))) in the bottom one. Thin lines
    are raw iterations, thick ones smoothed, dots the epoch means placed at each epoch's end.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    iterations = history.get("iterations", {})
    epochs = history.get("epochs", {})
    ends = np.cumsum(history.get("iterations_per_epoch", []))
    panels = [[k for k in iterations if k.startswith("loss")],
              [k for k in ("d_real", "d_fake") if k in iterations]]
    panels = [keys for keys in panels if keys]
    if not panels:
        raise ValueError(f"plot_losses: history has no loss* or d_real/d_fake series "
                         f"(keys: {sorted(iterations)})")
    fig = Figure(figsize=(8, 3.2 * len(panels)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)
    labels = {"d_real": "D(x)", "d_fake": "D(G(z))"}
    for ax, keys in zip(axes[:, 0], panels):
        for i, key in enumerate(keys):
            color = f"C{i}"
            values = np.asarray(iterations[key], dtype=np.float64)
            steps = np.arange(1, values.size + 1)
            ax.plot(steps, values, color=color, alpha=0.2, linewidth=0.6)
            ax.plot(steps, smooth(values), color=color, linewidth=1.6, label=labels.get(key, key))
            means = epochs.get(key, [])
            if len(means) and len(ends) >= len(means):
                ax.plot(ends[:len(means)], means, "o", color=color,
                        markersize=4 if len(means) <= 40 else 2,
                        markeredgecolor="black", markeredgewidth=0.5 if len(means) <= 40 else 0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    axes[0, 0].set_ylabel("loss")
    if len(panels) > 1:
        axes[1, 0].set_ylabel("mean discriminator output")
        values = np.concatenate([np.asarray(iterations[k], dtype=np.float64) for k in panels[1]])
        if values.size and values.min() >= 0 and values.max() <= 1:  # probabilities, not critics
            axes[1, 0].set_ylim(-0.02, 1.02)
    axes[-1, 0].set_xlabel("iteration (dots: epoch means)")
    if title:
        axes[0, 0].set_title(title)
    fig.tight_layout()
    return save_figure(fig, path, dpi=100)


def save_figure(fig, path, **savefig_kwargs) -> str:
    """Save a Matplotlib figure atomically, in the format its extension names; returns ``path``."""
    path = os.fspath(path)
    kind = os.path.splitext(path)[1].lower().lstrip(".") or "png"
    if kind not in fig.canvas.get_supported_filetypes():
        raise ValueError(f"{path!r}: Matplotlib cannot save a figure as .{kind}; name a .png file")
    with atomic_write(path) as f:
        fig.savefig(f, format=kind, **savefig_kwargs)
    return path
