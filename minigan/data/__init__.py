"""Data for minigan: MNIST/Fashion-MNIST (IDX files, download with checksums, a bundled
offline subset), an in-memory DataLoader, and 2-D toy mixtures for mode-collapse experiments.

    from minigan.data import load_mnist, DataLoader, scale_to_unit_range
    images, labels = load_mnist()
    for x, y in DataLoader((images, labels), batch_size=64, transform=scale_to_unit_range):
        ...
"""
from minigan.data.idx import read_idx, write_idx
from minigan.data.loader import DataLoader, scale_to_unit_range, to_minus1_1
from minigan.data.mnist import DownloadError, load_bundled_mnist, load_fashion_mnist, load_mnist
from minigan.data.digit_domains import (dilate, erode, mnist_split, outline, pad_to_32,
                                        paired_digits, thick_strokes, thin_strokes)
from minigan.data.image_folder import load_aligned_folder, load_unaligned_folder
from minigan.data.printed_digits import printed_font_names, render_printed_digits, unpaired_digits
from minigan.data.unpaired import UnpairedLoader
from minigan.data.toy import grid_modes, grid_of_gaussians, ring_modes, ring_of_gaussians

__all__ = [
    "read_idx", "write_idx",
    "load_mnist", "load_fashion_mnist", "load_bundled_mnist", "DownloadError",
    "DataLoader", "to_minus1_1", "scale_to_unit_range",
    "ring_of_gaussians", "grid_of_gaussians", "ring_modes", "grid_modes",
    "paired_digits", "mnist_split", "pad_to_32", "dilate", "erode", "outline", "thin_strokes",
    "thick_strokes", "render_printed_digits", "printed_font_names", "unpaired_digits",
    "load_unaligned_folder", "load_aligned_folder", "UnpairedLoader",
]
