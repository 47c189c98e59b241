"""Lesson 04, reference solutions: the output size and a convolution by loops."""
import numpy as np


def conv_output_size(n, k, stride=1, padding=0):
    """(n + 2 padding - k) // stride + 1."""
    return (n + 2 * padding - k) // stride + 1


def conv2d_loops(x, w, b, stride=1, padding=0):
    """Cross-correlation by loops over images, output channels and output positions."""
    N, C, H, W = x.shape
    O, _, kh, kw = w.shape
    oh, ow = conv_output_size(H, kh, stride, padding), conv_output_size(W, kw, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = np.zeros((N, O, oh, ow))
    for n in range(N):
        for o in range(O):
            for i in range(oh):
                for j in range(ow):
                    patch = xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    out[n, o, i, j] = b[o] + np.sum(patch * w[o])
    return out
