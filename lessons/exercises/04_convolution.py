"""Lesson 04, write it yourself: a convolution's output size, and the convolution as loops.

Lesson 04 computed convolutions with minigan. Here you write the formula for the output size
and a convolution as plain loops (slow, but every index is in front of you), in NumPy. Then run

    python lessons/check.py 04
"""
import numpy as np


def conv_output_size(n, k, stride=1, padding=0):
    """The side of a convolution's output for an input side `n`, a kernel side `k`, a `stride`
    and a zero `padding` on each side: how many positions the kernel fits in the padded input,
    stepping by `stride`. (A 28-pixel side, k = 4, stride 2, padding 1 gives 14.)"""
    raise NotImplementedError


def conv2d_loops(x, w, b, stride=1, padding=0):
    """A 2-D convolution (PyTorch's: a cross-correlation, the kernel is not flipped) by loops.

    x (N, C, H, W), w (O, C, kh, kw), b (O,). Pad x with `padding` zeros on each side of H
    and W (`np.pad`), then for every image n, output channel o and output position (i, j):

        out[n, o, i, j] = b[o] + sum over c, p, q of
                          x_padded[n, c, i * stride + p, j * stride + q] * w[o, c, p, q]

    Return out of shape (N, O, OH, OW), with OH, OW given by `conv_output_size`.
    """
    raise NotImplementedError
