"""The fast kernels: the reference kernels' results, laid out and threaded for speed.

Same functions, same arguments, same results to float rounding as
:mod:`minigan.kernels.reference` (read that first: it says what each computes). What these add,
and why (measured histories are in ``benchmarks/README.md``):

* Convolutions lay their buffers out batch-last, (C, H, W, N) in memory (:mod:`.batch_last`),
  so that every strided copy and add moves runs of N contiguous numbers. The convolution is one
  matrix product of the (O, C*kh*kw) weight with (C*kh*kw, OH*OW*N) columns, and results are
  returned as (N, C, H, W) *views* of (C, H, W, N) memory: NumPy's elementwise operations keep
  that layout, so the next convolution finds its input already in the order it wants.
* Every core works (:mod:`minigan.threads`): copies and adds are split by channel, large
  products into independent parts with OpenBLAS kept to one thread, and a backward's two
  gradient products run at once, one per core.
* Multi-pass elementwise work (an activation and its slope, normalisation's statistics, Adam's
  dozen passes) runs slab by slab on the threads, in place, with biases added while a slab of
  a product is still in the cache.

On CuPy arrays the threads stay out (``host_size`` is 0 for them): the GPU is parallel already.
"""
from __future__ import annotations

import math

import numpy

from minigan.kernels import threads
from minigan.backend import xp_of
from minigan.kernels import batch_last
from minigan.kernels.batch_last import host_size
from minigan.kernels.sizes import conv_output_size, conv_transpose_output_size

# ---------------------------------------------------------------- matrix products

# A product is split over the threads from 2^23 multiply-adds (DCGAN's first convolution, 12.8M),
# or from 2^22 when split along its sum, which reads half of each operand per thread
# (benchmarks/README.md, "Thresholds", has the measurements).
MIN_PARALLEL_MACS = 1 << 23
MIN_PARALLEL_SUM_MACS = 1 << 22


def _add_in_place(product, add):
    if add is not None:
        product += add
    return product


def matmul(a, b, add=None):
    """``a @ b (+ add)``; ``add`` (a bias) broadcasts against the result and is added to each
    part of it while that part is still in the cache. 2-D NumPy products run with OpenBLAS on
    one thread, a large one shared between minigan's threads in one of two ways:

    * a result at least 16 times smaller than its operands (a weight gradient: a (out,
      in*kh*kw) matrix summed over every position of every image) is split along the sum: each
      thread multiplies a slab of a's columns by the matching slab of b's rows, and the partial
      products are added in a fixed order;
    * otherwise each thread computes a slab of the result's columns, or of its rows when it is
      tall and narrow (a linear layer's weight gradient: columns would be too thin).
    """
    if (not threads.blas_controlled() or not isinstance(a, numpy.ndarray)
            or not isinstance(b, numpy.ndarray) or a.ndim != 2 or b.ndim != 2):
        return _add_in_place(a @ b, add)
    m, k = a.shape
    n = b.shape[1]
    if k == 1:  # an outer product: one multiplication per entry, no sums, and no BLAS call
        return _add_in_place(a * b, add)
    threads.note_product()
    if threads.blas_owns_the_cores():  # fully connected work: OpenBLAS's threads share it out
        with threads.blas_on_our_threads():
            return _add_in_place(a @ b, add)
    workers = threads.get_num_threads()
    with threads.blas_single_threaded():
        split_sum = 16 * m * n <= k * (m + n) and k >= workers
        if workers < 2 or m * k * n < (MIN_PARALLEL_SUM_MACS if split_sum else MIN_PARALLEL_MACS):
            return _add_in_place(a @ b, add)
        if split_sum and n > m:  # the longer side of the result as its rows: faster summed
            return matmul(b.T, a.T, None if add is None else add.T).T
        if split_sum:
            partial = {}

            def sum_slab(lo, hi):
                partial[lo] = a[:, lo:hi] @ b[lo:hi]
            threads.run_in_parts(sum_slab, k)
            total, *rest = (partial[lo] for lo in sorted(partial))
            for part in rest:
                total += part
            return _add_in_place(total, add)
        out = numpy.empty((m, n), dtype=numpy.result_type(a, b))
        by_rows = m > 4 * n
        axis = 0 if by_rows else 1
        add_varies = add is not None and numpy.ndim(add) == 2 and numpy.shape(add)[axis] > 1

        def slab(lo, hi):
            rows, columns = ((slice(lo, hi), slice(None)) if by_rows
                             else (slice(None), slice(lo, hi)))
            part = out[rows, columns]
            numpy.matmul(a[rows], b[:, columns], out=part)
            if add is not None:
                part += add[rows, columns] if add_varies else add
        threads.run_in_parts(slab, out.shape[axis])
        return out


def _product_laid_out_like(operand, left, right):
    """left @ right, in the memory order of the matrix ``operand`` (the one it is the gradient
    of). A linear layer's input is often a flattened convolution output, column-major: its
    gradient in that order flows back through the flatten and on without a transposing copy."""
    if operand.T.flags.c_contiguous and not operand.flags.c_contiguous:
        return matmul(right.T, left.T).T
    return matmul(left, right)


def matmul_grads(a, b, g, needs):
    return (_product_laid_out_like(a, g, b.T) if needs[0] else None,
            _product_laid_out_like(b, a.T, g) if needs[1] else None)


def linear(x, w, b):
    return matmul(x, w.T, add=None if b is None else b.reshape(1, -1))


def linear_grads(x, w, g, needs):
    return (_product_laid_out_like(x, g, w) if needs[0] else None,
            _product_laid_out_like(w, g.T, x) if needs[1] else None,
            g.sum(axis=0) if needs[2] else None)


def reshape_back(g, x):
    """g in x's shape and, when x was laid out in another order (a convolution's batch-last
    output, flattened for a linear layer), in x's memory order: the elementwise backward steps
    that meet it and x's saved values then walk one memory order, not two."""
    view = g.reshape(x.shape)
    if x.flags.c_contiguous or view.strides == x.strides:
        return view
    out = xp_of(x).empty_like(x)
    out[...] = view
    return out


# ---------------------------------------------------------------- convolutions

im2col = batch_last.im2col  # columns (C*kh*kw, OH*OW*N), in the order of (C, kh, kw, OH, OW, N)


def conv2d(x, w, b, stride, padding, cols=None):
    threads.note_convolution()
    o, c, kh, kw = w.shape
    n, _, h, wd = x.shape
    oh, ow = conv_output_size(h, kh, stride[0], padding[0]), conv_output_size(
        wd, kw, stride[1], padding[1])
    if cols is None:
        cols = batch_last.im2col(x, (kh, kw), stride, padding)
    out = matmul(w.reshape(o, c * kh * kw), cols, add=None if b is None else b.reshape(o, 1))
    return out.reshape(o, oh, ow, n).transpose(3, 0, 1, 2), cols


def conv2d_weight_grad(x, g, kernel, stride, padding, cols=None):
    threads.note_convolution()
    kh, kw = kernel
    o, c = g.shape[1], x.shape[1]
    if cols is None:
        cols = batch_last.im2col(x, (kh, kw), stride, padding)
    rows = batch_last.batch_last(g).reshape(o, -1)
    return matmul(cols, rows.T).T.reshape(o, c, kh, kw)


def conv_transpose2d(x, w, b, stride, padding, output_padding):
    threads.note_convolution()
    cin, cout, kh, kw = w.shape
    n, _, h, wd = x.shape
    size = tuple(conv_transpose_output_size(*args) for args in
                 zip((h, wd), (kh, kw), stride, padding, output_padding))
    cols = matmul(w.reshape(cin, cout * kh * kw).T, batch_last.batch_last(x).reshape(cin, -1))
    out = batch_last.col2im(cols.reshape(cout, kh, kw, h, wd, n), (kh, kw), stride, padding,
                            size, b)
    return out.transpose(3, 0, 1, 2)


def _row_sums(rows):
    """Each row's sum, as a matrix-vector product with ones: 5x faster here than NumPy's sum
    over three axes of a (C, H, W, N) array, which walks them one at a time."""
    return matmul(rows, xp_of(rows).ones((rows.shape[1], 1), dtype=rows.dtype)).reshape(-1)


def bias_grad(g):
    return _row_sums(batch_last.batch_last(g).reshape(g.shape[1], -1))


def conv2d_grads(x, w, g, cols, stride, padding, output_padding, needs):
    """The three gradients on two threads at once: the input's product (a transposed
    convolution's) and then its col2im here, the weight's product on the other thread, which
    then helps with the col2im; the bias's sums go with the input's product, the shorter one."""
    threads.note_convolution()
    need_x, need_w, need_b = needs
    o, c, kh, kw = w.shape
    if (need_x and tuple(stride) == (1, 1) and padding[0] < kh and padding[1] < kw
            and tuple(output_padding) == (0, 0) and 0 < host_size(x) < SMALL_IMAGES):
        return _stride_one_conv2d_grads(x, w, g, cols, padding, needs)
    if not (need_x and need_w):
        return (conv_transpose2d(g, w, None, stride, padding, output_padding) if need_x else None,
                conv2d_weight_grad(x, g, w.shape[2:], stride, padding, cols) if need_w else None,
                bias_grad(g) if need_b else None)
    rows = batch_last.batch_last(g)  # (O, OH, OW, N)
    _, oh, ow, n = rows.shape
    rows = rows.reshape(o, oh * ow * n)
    weights = w.reshape(o, c * kh * kw)
    shape = (c, kh, kw, oh, ow, n)
    image, add = batch_last.col2im_by_channels(shape, rows.dtype, xp_of(rows), (kh, kw), stride,
                                               padding, x.shape[2:])
    (_, gb), gw = threads.run_together(
        lambda: (matmul(weights.T, rows).reshape(shape), _row_sums(rows) if need_b else None),
        lambda: matmul(cols, rows.T).T,
        host_size(cols), follow_up=lambda lead, lo, hi: add(lead[0], lo, hi), length=c)
    return image.transpose(3, 0, 1, 2), gw.reshape(w.shape), gb


# Below this many input elements (a CycleGAN layer at batch 1 to 4), a stride-1 convolution's
# input gradient is computed as a convolution (see _stride_one_conv2d_grads). The measurements:
# batch 1, 7x7 layers 695 -> 435 and 1206 -> 368 us, 3x3 175 -> 90 us; but 7x7 at batch 8
# 2.5 -> 3.5 ms and 3x3 at batch 64 2.3 -> 2.7 ms, where col2im's adds are large enough.
SMALL_IMAGES = 1 << 14


def _stride_one_conv2d_grads(x, w, g, cols, padding, needs):
    """A stride-1 convolution's gradients, the input's as a convolution too: g, padded by
    k - 1 - p, convolved with the kernel turned 180 degrees and its in and out channels swapped.
    That is one im2col copy where col2im makes kh*kw strided adds, which on small images (a few
    thousand numbers each) cost more in calls than in arithmetic: 7x7 layers make 49."""
    need_x, need_w, need_b = needs
    o, c, kh, kw = w.shape
    turned = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, O, kh, kw)
    full = (kh - 1 - padding[0], kw - 1 - padding[1])
    g_cols = batch_last.im2col(g, (kh, kw), (1, 1), full)
    rows = batch_last.batch_last(g).reshape(o, -1) if need_w or need_b else None
    if need_w and cols is None:
        cols = batch_last.im2col(x, (kh, kw), (1, 1), padding)
    (gx, gb), gw = threads.run_together(
        lambda: (conv2d(g, turned, None, (1, 1), full, cols=g_cols)[0],
                 _row_sums(rows) if need_b else None),
        lambda: matmul(cols, rows.T).T.reshape(w.shape) if need_w else None,
        host_size(g_cols) if need_w else 0)
    return gx, gw, gb


def conv_transpose2d_grads(x, w, g, stride, padding, needs):
    """The input's gradient (a convolution of g) and the weight's, both from g's columns, built
    once; with both wanted, the two products at once on two threads."""
    threads.note_convolution()
    need_x, need_w, need_b = needs
    cin, cout, kh, kw = w.shape
    n, _, h, wd = x.shape
    cols = batch_last.im2col(g, (kh, kw), stride, padding) if need_x or need_w else None
    if not (need_x and need_w):
        return (conv2d(g, w, None, stride, padding, cols)[0] if need_x else None,
                conv2d_weight_grad(g, x, (kh, kw), stride, padding, cols) if need_w else None,
                bias_grad(g) if need_b else None)
    images = batch_last.batch_last(x).reshape(cin, h * wd * n)
    rows = batch_last.batch_last(g).reshape(cout, -1) if need_b else None
    (gx, gb), gw = threads.run_together(
        lambda: (matmul(w.reshape(cin, cout * kh * kw), cols),
                 _row_sums(rows) if need_b else None),
        lambda: matmul(cols, images.T).T, host_size(cols))
    return gx.reshape(cin, h, wd, n).transpose(3, 0, 1, 2), gw.reshape(w.shape), gb


# ---------------------------------------------------------------- normalisation


def _over_slabs(work, x, axes) -> None:
    """Run ``work(part)`` over slabs of x along an axis that is not normalised (the channels of
    a batch norm), at once on the threads: the statistics of one slab need no other. ``part(a)``
    gives an array's piece of the slab: the whole array where it broadcasts along that axis
    (a per-channel weight, when the slabs are images), None for None."""
    kept = [i for i in range(x.ndim) if i not in axes]
    if not kept:
        work(lambda a: a)
        return
    axis = max(kept, key=lambda i: x.strides[i])  # outermost in memory: slabs are blocks

    def part_of(lo, hi):
        def part(a):
            at = axis - (x.ndim - a.ndim) if a is not None else -1
            if at < 0 or a.shape[at] == 1:
                return a
            return a[(slice(None),) * at + (slice(lo, hi),)]
        return part
    threads.parallel_for(lambda lo, hi: work(part_of(lo, hi)), x.shape[axis], host_size(x))


def _sum_of_products(a, b, axes):
    """sum(a * b) over ``axes``, kept as axes of size 1: one pass of einsum instead of a product
    array and a sum over it, 2-3x faster at batch-norm sizes (it adds in a running order, so it
    rounds a little more than NumPy's pairwise sum: about 1e-6 of the result in float32)."""
    letters = "abcdefghijklmnopqrstuvwxyz"[:a.ndim]
    kept = "".join(letter for i, letter in enumerate(letters) if i not in axes)
    total = xp_of(a).einsum(f"{letters},{letters}->{kept}", a, b)
    return total.reshape(tuple(1 if i in axes else n for i, n in enumerate(a.shape)))


def normalize(x, weight, bias, axes, eps):
    """Slab by slab on the threads, each slab's statistics and output in a few passes."""
    xp = xp_of(x)
    count = math.prod(x.shape[a] for a in axes)
    stats_shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    mean, var, invstd = (xp.empty(stats_shape, dtype=x.dtype) for _ in range(3))
    xhat = xp.empty_like(x)
    out = xhat if weight is None and bias is None else xp.empty_like(x)

    def standardise(part):
        x_, xhat_, mean_, var_, invstd_ = map(part, (x, xhat, mean, var, invstd))
        mean_[...] = x_.mean(axis=axes, keepdims=True)
        xp.subtract(x_, mean_, out=xhat_)
        var_[...] = _sum_of_products(xhat_, xhat_, axes) / count
        invstd_[...] = 1.0 / xp.sqrt(var_ + eps)
        xhat_ *= invstd_
        if out is not xhat:
            out_, weight_, bias_ = part(out), part(weight), part(bias)
            if weight_ is None:
                out_[...] = xhat_
            else:
                xp.multiply(xhat_, weight_, out=out_)
            if bias_ is not None:
                out_ += bias_
    _over_slabs(standardise, x, axes)
    return out, (mean, var, xhat, invstd)


def normalize_grads(g, xhat, invstd, weight, axes, need_x):
    """Four passes and two sums per slab, shared by the threads, with g first copied into xhat's
    memory order (a gradient that comes back through a reshape is C-ordered, a convolution's
    output is not: one copy, instead of every pass walking two orders)."""
    xp, count = xp_of(xhat), math.prod(xhat.shape[a] for a in axes)
    if g.strides != xhat.strides:
        g = _copy_in_layout_of(g, xhat)
    scale = invstd if weight is None else invstd * weight
    sum_g, sum_gx = xp.empty_like(invstd), xp.empty_like(invstd)
    gx = xp.empty_like(xhat) if need_x else None

    def slab(part):
        g_, xhat_, scale_, sum_g_, sum_gx_ = map(part, (g, xhat, scale, sum_g, sum_gx))
        sum_g_[...] = g_.sum(axis=axes, keepdims=True)
        sum_gx_[...] = _sum_of_products(g_, xhat_, axes)
        if gx is not None:
            out = part(gx)
            xp.multiply(g_, scale_, out=out)
            out -= xhat_ * (sum_gx_ * (scale_ / count))
            out -= sum_g_ * (scale_ / count)
    _over_slabs(slab, xhat, axes)
    return gx, sum_gx, sum_g


def _copy_in_layout_of(a, layout_of):
    out = xp_of(layout_of).empty_like(layout_of)
    out[...] = a
    return out


# ---------------------------------------------------------------- activations


def relu(x):
    xp = xp_of(x)
    # The slope is a boolean mask: a quarter of the memory, and as fast to multiply by.
    slope, out = xp.empty_like(x, dtype=bool), xp.empty_like(x)

    def slab(x, slope, out):
        xp.greater(x, 0, out=slope)
        xp.multiply(x, slope, out=out)
    threads.parallel_map(slab, x, slope, out, size=host_size(x))
    return out, slope


def leaky_relu(x, negative_slope):
    xp = xp_of(x)
    a = x.dtype.type(negative_slope)
    slope, out = xp.empty_like(x), xp.empty_like(x)

    def slab(x, slope, out):  # three passes over a slab: worth sharing between threads
        if 0 <= negative_slope <= 1:  # max(1{x>0}, a): 7x faster than where() on random signs
            xp.maximum(x > 0, a, dtype=x.dtype, out=slope)
        else:
            slope[...] = xp.where(x > 0, x.dtype.type(1), a)
        xp.multiply(x, slope, out=out)
    threads.parallel_map(slab, x, slope, out, size=host_size(x))
    return out, slope


def times_slope(g, slope):
    """In the memory order of the activation's input (its slope's), on the threads."""
    xp = xp_of(g)
    out = xp.empty_like(slope, dtype=g.dtype)
    threads.parallel_map(lambda slope, g, out: xp.multiply(g, slope, out=out), slope, g, out,
                         size=host_size(out))
    return out


# ---------------------------------------------------------------- optimiser updates


def adam_step(param, grad, m, v, v_max, lr, beta1, beta2, eps, step):
    """PyTorch's arithmetic, in place, slab by slab on the threads, with one temporary and
    twelve passes over memory: m moves toward g as PyTorch's lerp does, m + (1 - beta1)(g - m);
    and sqrt(1 - beta2^t) multiplies the step and eps instead of dividing sqrt(v), one pass
    fewer for the same quotient (to the last bit or two of float32)."""
    xp = xp_of(param)
    step_size = lr / (1 - beta1 ** step)
    bias_correction2 = math.sqrt(1 - beta2 ** step)

    def update(param, grad, m, v, v_max=None):
        scratch = xp.empty_like(m)
        xp.subtract(grad, m, out=scratch)
        scratch *= 1 - beta1
        m += scratch
        xp.multiply(grad, 1 - beta2, out=scratch)
        scratch *= grad
        v *= beta2
        v += scratch
        if v_max is not None:
            xp.maximum(v_max, v, out=v_max)
            v = v_max
        xp.sqrt(v, out=scratch)
        scratch += eps * bias_correction2
        xp.divide(m, scratch, out=scratch)
        scratch *= step_size * bias_correction2
        param -= scratch
    threads.parallel_map(update, param, grad, m, v, *(() if v_max is None else (v_max,)),
                         size=host_size(param))
