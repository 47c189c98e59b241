"""Output sizes of the convolutions: shape arithmetic that every kernel set and the checks share."""
from __future__ import annotations


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Height (or width) of ``conv2d``'s output: (size + 2 padding - kernel) // stride + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def conv_transpose_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0) -> int:
    """Height (or width) of ``conv_transpose2d``'s output:
    (size - 1) stride - 2 padding + kernel + output_padding."""
    return (size - 1) * stride - 2 * padding + kernel + output_padding


def unreached_edge(image_size, kernel, stride, padding) -> tuple:
    """The rows and columns at the far edge of an image that a strided convolution's windows
    never reach: the ``output_padding`` that makes ``conv_transpose2d`` (the convolution's
    adjoint) give back exactly the image's height and width."""
    return tuple((n + 2 * p - k) % s for n, k, s, p in zip(image_size, kernel, stride, padding))
