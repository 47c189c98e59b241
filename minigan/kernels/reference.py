"""The reference kernels: every operation's array arithmetic, written as a textbook writes it.

Read these to follow the maths. Each Function in :mod:`minigan.ops` does its array work through
the active kernel set (:mod:`minigan.kernels`); :mod:`minigan.kernels.fast` computes the same
results, to float rounding (``tests/kernels`` holds the two equal), with memory layouts and
threads chosen for speed. Arrays are NumPy's or CuPy's: ``xp = xp_of(x)`` picks the module, and
only functions the two share are used.

Every ``*_grads`` function is a first-order backward on arrays: what a Function's
``backward_once`` returns when no graph of the backward is recorded. Each equals that Function's
differentiable ``backward``, which is written with Functions so that it can be differentiated
again (a gradient penalty); ``needs`` says which gradients are wanted (None for the others).
"""
from __future__ import annotations

from minigan.backend import xp_of
from minigan.kernels.sizes import conv_output_size, conv_transpose_output_size

# ---------------------------------------------------------------- matrix products


def matmul(a, b):
    """a @ b, with NumPy's rules for batch dimensions."""
    return a @ b


def matmul_grads(a, b, g, needs):
    """The two gradients of a 2-D product y = a @ b: dL/da = g @ b^T, dL/db = a^T @ g."""
    return (g @ b.T if needs[0] else None,
            a.T @ g if needs[1] else None)


def linear(x, w, b):
    """A linear layer's y = x @ w^T + b: x (N, in), w (out, in), b (out,) or None."""
    y = x @ w.T
    return y if b is None else y + b


def linear_grads(x, w, g, needs):
    """dL/dx = g @ w, dL/dw = g^T @ x, dL/db = g summed over the batch."""
    return (g @ w if needs[0] else None,
            g.T @ x if needs[1] else None,
            g.sum(axis=0) if needs[2] else None)


def reshape_back(g, x):
    """A reshape's gradient: g in the shape of the reshape's input x."""
    return g.reshape(x.shape)


# ---------------------------------------------------------------- convolutions
#
# A convolution is a matrix product once each output position's window of the input is laid out
# as a column (im2col): col[n, c, i, j, oh, ow] = padded x[n, c, oh*sh + i, ow*sw + j]. Then
#
#     y[n, o, oh, ow] = sum over c, i, j of w[o, c, i, j] col[n, c, i, j, oh, ow]
#
# and every other direction is the same product with its roles changed: the transposed
# convolution (the convolution's adjoint) multiplies by w^T and adds the columns back where
# they came from (col2im, im2col's adjoint); the weight gradient correlates g with the columns.


def im2col(x, kernel, stride, padding):
    """The windows of ``x`` (N, C, H, W) as columns, shape (N, C, kh, kw, OH, OW). One strided
    slice of the padded batch per kernel offset (i, j): kh*kw copies, no loop over pixels."""
    xp = xp_of(x)
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    oh, ow = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    padded = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    col = xp.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            col[:, :, i, j] = padded[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    return col


def col2im(col, stride, padding, size):
    """The adjoint of :func:`im2col`: add every column back where its window came from, then
    crop the padding. ``col`` (N, C, kh, kw, OH, OW) -> an image (N, C, H, W), (H, W) = size."""
    xp = xp_of(col)
    n, c, kh, kw, oh, ow = col.shape
    (sh, sw), (ph, pw), (h, w) = stride, padding, size
    # Room for every window, and for rows past the last one (a transposed convolution's
    # output_padding): those stay zero.
    padded = xp.zeros((n, c, max(h + 2 * ph, sh * (oh - 1) + kh),
                       max(w + 2 * pw, sw * (ow - 1) + kw)), dtype=col.dtype)
    for i in range(kh):
        for j in range(kw):
            padded[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += col[:, :, i, j]
    return padded[:, :, ph:ph + h, pw:pw + w]


def _plus_bias(y, b):
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def conv2d(x, w, b, stride, padding, cols=None):
    """y = conv2d(x, w) + b, and x's columns (kept for the weight gradient). x (N, C, H, W),
    w (O, C, kh, kw), b (O,) or None; ``cols`` may pass x's columns when the caller has them."""
    xp = xp_of(x)
    if cols is None:
        cols = im2col(x, w.shape[2:], stride, padding)
    y = xp.tensordot(cols, w, ((1, 2, 3), (1, 2, 3)))  # (N, OH, OW, O)
    return _plus_bias(y.transpose(0, 3, 1, 2), b), cols


def conv2d_weight_grad(x, g, kernel, stride, padding, cols=None):
    """dL/dw of y = conv2d(x, w) for an output gradient g: the correlation of g with x's windows,
    gw[o, c, i, j] = sum over n, oh, ow of g[n, o, oh, ow] col[n, c, i, j, oh, ow]."""
    if cols is None:
        cols = im2col(x, kernel, stride, padding)
    return xp_of(g).tensordot(g, cols, ((0, 2, 3), (0, 4, 5)))


def conv_transpose2d(x, w, b, stride, padding, output_padding):
    """y = conv_transpose2d(x, w) + b, w laid out (in, out, kh, kw): each input pixel scatters
    w's kh x kw patch, scaled by its value, into the output. The columns are w^T x; col2im
    adds them up."""
    cin, cout, kh, kw = w.shape
    size = tuple(conv_transpose_output_size(*args) for args in
                 zip(x.shape[2:], (kh, kw), stride, padding, output_padding))
    cols = xp_of(x).tensordot(x, w, (1, 0))  # (N, H, W, Cout, kh, kw)
    return _plus_bias(col2im(cols.transpose(0, 3, 4, 5, 1, 2), stride, padding, size), b)


def conv2d_grads(x, w, g, cols, stride, padding, output_padding, needs):
    """conv2d's input, weight and bias gradients. The input's is the adjoint of the convolution,
    a transposed convolution of g (``output_padding`` gives back x's exact size); the weight's
    reads the columns the forward kept."""
    return (conv_transpose2d(g, w, None, stride, padding, output_padding) if needs[0] else None,
            conv2d_weight_grad(x, g, w.shape[2:], stride, padding, cols) if needs[1] else None,
            bias_grad(g) if needs[2] else None)


def conv_transpose2d_grads(x, w, g, stride, padding, needs):
    """conv_transpose2d's input, weight and bias gradients. Its adjoint is a convolution: the
    input's gradient is conv2d(g, w), and the weight's is conv2d's weight gradient with the
    roles of x and g swapped. Both read g's columns, built once."""
    cols = im2col(g, w.shape[2:], stride, padding) if needs[0] or needs[1] else None
    return (conv2d(g, w, None, stride, padding, cols)[0] if needs[0] else None,
            conv2d_weight_grad(g, x, w.shape[2:], stride, padding, cols) if needs[1] else None,
            bias_grad(g) if needs[2] else None)


def bias_grad(g):
    """A convolution's bias gradient: g (N, C, H, W) summed over all but the channels."""
    return g.sum(axis=(0, 2, 3))


# ---------------------------------------------------------------- normalisation


def normalize(x, weight, bias, axes, eps):
    """Standardise x over ``axes`` with the biased variance, then scale and shift:

        xhat = (x - mean) / sqrt(var + eps),   y = weight * xhat + bias

    ``weight`` and ``bias`` (either may be None) broadcast against x. Returns y and the
    statistics (mean, var, xhat, 1 / sqrt(var + eps)), the last two for the backward."""
    xp = xp_of(x)
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    invstd = 1 / xp.sqrt(var + eps)
    xhat = centred * invstd
    y = xhat if weight is None else xhat * weight
    return (y if bias is None else y + bias), (mean, var, xhat, invstd)


def normalize_grads(g, xhat, invstd, weight, axes, need_x):
    """The backward of :func:`normalize` for a weight constant over ``axes`` (batch and instance
    norm's one weight per channel, or none). With m values in each statistic::

        dx = weight * invstd * (g - sum(g) / m - xhat * sum(g xhat) / m)

    Returns dx (or None) and the two sums, sum(g xhat) and sum(g) over ``axes``: the weight's
    and the bias's gradients before they are summed over what else they broadcast along."""
    count = 1
    for a in axes:
        count *= xhat.shape[a]
    sum_g = g.sum(axis=axes, keepdims=True)
    sum_gx = (g * xhat).sum(axis=axes, keepdims=True)
    gx = None
    if need_x:
        scale = invstd if weight is None else invstd * weight
        gx = (g - sum_g / count - xhat * (sum_gx / count)) * scale
    return gx, sum_gx, sum_g


# ---------------------------------------------------------------- activations


def relu(x):
    """max(x, 0), and its slope (1 where x > 0, else 0) as a boolean mask for the backward."""
    slope = x > 0
    return x * slope, slope


def leaky_relu(x, negative_slope):
    """x where x > 0, negative_slope * x elsewhere, and that slope (1 or negative_slope)."""
    slope = xp_of(x).where(x > 0, x.dtype.type(1), x.dtype.type(negative_slope))
    return x * slope, slope


def times_slope(g, slope):
    """A piecewise-linear activation's backward: g times its slope."""
    return g * slope


# ---------------------------------------------------------------- optimiser updates


def adam_step(param, grad, m, v, v_max, lr, beta1, beta2, eps, step):
    """One Adam update in place, as Kingma and Ba write it (``step`` counts from 1)::

        m = beta1 m + (1 - beta1) g            v = beta2 v + (1 - beta2) g^2
        m_hat = m / (1 - beta1^t)              v_hat = v / (1 - beta2^t)
        p = p - lr m_hat / (sqrt(v_hat) + eps)

    With AMSGrad, ``v_max`` keeps the largest v seen and takes v's place in v_hat."""
    xp = xp_of(param)
    m[...] = beta1 * m + (1 - beta1) * grad
    v[...] = beta2 * v + (1 - beta2) * grad * grad
    if v_max is not None:
        xp.maximum(v_max, v, out=v_max)
        v = v_max
    m_hat = m / (1 - beta1 ** step)
    v_hat = v / (1 - beta2 ** step)
    param -= lr * m_hat / (xp.sqrt(v_hat) + eps)
