"""The fast kernels' im2col and col2im: the copies that turn a convolution into one matrix product.

The reference kernels (:mod:`minigan.kernels.reference`) lay columns out (N, C, kh, kw, OH, OW),
as a textbook does. These work on NumPy or CuPy arrays laid out batch-last, (C, H, W, N) in
memory, so that every strided copy and add moves runs of N contiguous numbers instead of rows
of OW numbers (2-3x faster at DCGAN sizes), and both split their channels over minigan's
threads. ``col2im`` is the adjoint of ``im2col``: for any x and columns y,
<im2col(x), y> = <x, col2im(y)>.
"""
from __future__ import annotations

import numpy

from minigan.kernels import threads
from minigan.backend import xp_of
from minigan.kernels.sizes import conv_output_size


def host_size(array) -> int:
    """The elements of ``array`` that minigan's CPU threads may share: all of a NumPy array's,
    none of a device array's (the GPU runs its kernels in parallel already)."""
    return array.size if isinstance(array, numpy.ndarray) else 0


def batch_last(x):
    """(N, C, H, W) -> a C-contiguous (C, H, W, N) array; free when x is a view of such memory."""
    chwn = x.transpose(1, 2, 3, 0)
    if chwn.flags.c_contiguous:
        return chwn
    out = xp_of(x).empty(chwn.shape, dtype=x.dtype)

    def copy(lo, hi):  # channels lo..hi
        out[lo:hi] = chwn[lo:hi]
    threads.parallel_for(copy, out.shape[0], host_size(out))
    return out


def im2col(x, kernel, stride, padding):
    """The columns of ``x`` (N, C, H, W): a (C*kh*kw, OH*OW*N) matrix whose entry
    ((c, i, j), (oh, ow, n)) is padded x[n, c, oh*sh + i, ow*sw + j]."""
    xp = xp_of(x)
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    oh, ow = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    chwn = x.transpose(1, 2, 3, 0)
    # Without padding the windows are a view of x itself: the single copy below does the layout
    # change too. With padding, x is copied into the middle of a buffer whose border is zeroed.
    padded = xp.empty((c, h + 2 * ph, w + 2 * pw, n), dtype=x.dtype) if ph or pw else chwn
    cs, hs, ws, ns = padded.strides
    windows = xp.lib.stride_tricks.as_strided(
        padded, shape=(c, kh, kw, oh, ow, n), strides=(cs, hs, ws, hs * sh, ws * sw, ns))
    cols = xp.empty(windows.shape, dtype=x.dtype)

    def copy(lo, hi):  # channels lo..hi
        if ph or pw:
            part = padded[lo:hi]
            part[:, :ph] = part[:, ph + h:] = 0
            part[:, ph:ph + h, :pw] = part[:, ph:ph + h, pw + w:] = 0
            part[:, ph:ph + h, pw:pw + w] = chwn[lo:hi]
        cols[lo:hi] = windows[lo:hi]
    threads.parallel_for(copy, c, host_size(cols))
    return cols.reshape(c * kh * kw, oh * ow * n)


def col2im(cols, kernel, stride, padding, out_size, bias=None):
    """Add the columns back into an image: the adjoint of :func:`im2col`.

    ``cols`` is (C, kh, kw, H, W, N); the result is (C, OH, OW, N) where OH, OW = ``out_size``
    (a view into a padded buffer, cropped by ``padding``), plus ``bias`` (C,) if given: added
    to each slab of channels while it is still in the cache.
    """
    image, add = col2im_by_channels(cols.shape, cols.dtype, xp_of(cols), kernel, stride,
                                     padding, out_size, bias)
    # Split by the size of one NumPy call (one kernel offset's add), not of all kh*kw of them:
    # at batch 1 each add is a few thousand numbers, and two threads passing the GIL back and
    # forth between such small calls are slower than one.
    kh, kw = kernel
    threads.parallel_for(lambda lo, hi: add(cols, lo, hi), cols.shape[0],
                         host_size(cols) // (kh * kw))
    return image


def col2im_by_channels(shape, dtype, xp, kernel, stride, padding, out_size, bias=None):
    """col2im in two halves: the image it will fill, and ``add(cols, lo, hi)``, which fills its
    channels lo..hi from columns of ``shape``. (So that the columns can still be on their way
    when the image is set up.)"""
    c, kh, kw, h, w, n = shape
    (sh, sw), (ph, pw), (oh, ow) = stride, padding, out_size
    # The buffer holds every contribution, plus room when output_padding reaches past them.
    bh = max((h - 1) * sh + kh, ph + oh)
    bw = max((w - 1) * sw + kw, pw + ow)
    buffer = xp.empty((c, bh, bw, n), dtype=dtype)

    def add(cols, lo, hi):
        # Kernel offset (i, j) lands on the cells of one phase of the stride, (i % sh, j % sw),
        # shifted by (i // sh, j // sw) within it. Each phase's first offset is written rather
        # than added, and only the cells it misses are zeroed: the same sums, in the same order,
        # as zeroing the whole buffer and adding every offset, with fewer passes over it.
        for a in range(sh):
            for b in range(sw):
                phase = buffer[lo:hi, a::sh, b::sw]
                offsets = [(i, j) for i in range(a, kh, sh) for j in range(b, kw, sw)]
                if not offsets:  # a stride wider than the kernel leaves this phase empty
                    phase[...] = 0
                    continue
                phase[:, :h, :w] = cols[lo:hi, a, b]
                phase[:, h:] = 0
                phase[:, :h, w:] = 0
                for i, j in offsets[1:]:
                    phase[:, i // sh:i // sh + h, j // sw:j // sw + w] += cols[lo:hi, i, j]
        if bias is not None:
            buffer[lo:hi, ph:ph + oh, pw:pw + ow] += bias[lo:hi].reshape(-1, 1, 1, 1)
    return buffer[:, ph:ph + oh, pw:pw + ow, :], add
