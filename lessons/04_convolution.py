# %% [markdown]
# # 04. Convolution and transposed convolution
#
# DCGAN's discriminator shrinks an image with strided convolutions; its generator grows noise
# into an image with *transposed* convolutions. This lesson makes both concrete. You will:
#
# * see what padding and stride do, and the output-size formula, in pictures;
# * write a convolution as plain loops on a tiny input and check minigan's `conv2d` against it;
# * see that a transposed convolution is exactly the **backward pass of a convolution**: the
#   transpose of the convolution's matrix, checked through the adjoint identity
#   $\langle \mathrm{conv}(x), y\rangle = \langle x, \mathrm{conv}^\top(y)\rangle$;
# * understand the name "fractionally strided convolution" (zeros between the input pixels);
# * see where the checkerboard artefacts of GAN images come from.
#
# **Prerequisites:** lessons 01 to 03. **Run time:** a few seconds.

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

import minigan as mg
from minigan import nn
from minigan.nn import functional as F
from lessonkit import FAST, check, pick, relative_error, show  # noqa: F401

mg.manual_seed(0)
rng = np.random.default_rng(0)
f64 = np.float64

# %% [markdown]
# ## 1. Padding, stride and the output size
#
# A convolution slides a $k \times k$ kernel over the image; at each stop it multiplies the
# kernel with the pixels under it and adds them up into one output pixel. **Padding** $p$ adds
# a border of zeros so the kernel can also be centred on edge pixels; **stride** $s$ is how far
# the kernel jumps between stops. Along one axis of $n$ pixels the padded length is $n + 2p$,
# the kernel fits at positions $0, s, 2s, \dots$ as long as it stays inside, which gives
#
# $$n_\text{out} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1.$$
#
# Below: the input in blue, padding dashed, the kernel's first stop in red and its second stop
# (one stride to the right) in orange; the output on the right, its first pixel in red.

# %%
def out_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


def draw_conv(ax, n, k, p, s):
    """Input (with padding) on the left, output on the right, two kernel stops marked."""
    total = n + 2 * p
    for i in range(total):
        for j in range(total):
            inside = p <= i < p + n and p <= j < p + n
            ax.add_patch(Rectangle((j, -i - 1), 1, 1, fc="#9ecae1" if inside else "white",
                                   ec="0.3" if inside else "0.6", ls="-" if inside else "--"))
    ax.add_patch(Rectangle((0, -k), k, k, fill=False, ec="red", lw=2.5))
    if out_size(n, k, s, p) > 1:
        ax.add_patch(Rectangle((s, -k), k, k, fill=False, ec="orange", lw=2, ls="--"))
    m, x0 = out_size(n, k, s, p), total + 1.5
    for i in range(m):
        for j in range(m):
            ax.add_patch(Rectangle((x0 + j, -i - 1), 1, 1, fc="#a1d99b", ec="0.3"))
    ax.add_patch(Rectangle((x0, -1), 1, 1, fill=False, ec="red", lw=2.5))
    ax.annotate("", xy=(x0 - 0.2, -total / 2), xytext=(total + 0.2, -total / 2),
                arrowprops=dict(arrowstyle="->"))
    ax.set_xlim(-0.5, x0 + m + 0.5)
    ax.set_ylim(-total - 0.5, 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"n={n}, k={k}, padding={p}, stride={s}\n"
                 f"out = ({n} + 2·{p} - {k}) // {s} + 1 = {m}", fontsize=9)


cases = [(4, 3, 0, 1), (5, 3, 1, 1), (5, 3, 1, 2)]  # the three classic cases of the lecture
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
for ax, (n, k, p, s) in zip(axes, cases):
    draw_conv(ax, n, k, p, s)
show(fig, "04_padding_and_stride")

shapes_agree = all(
    F.conv2d(mg.zeros(1, 1, n, n), mg.zeros(1, 1, k, k), stride=s, padding=p).shape[-1]
    == out_size(n, k, s, p)
    for n in range(3, 9) for k in (1, 2, 3, 4) for s in (1, 2, 3) for p in (0, 1, 2)
    if k <= n + 2 * p)
check(shapes_agree, "the output-size formula gives F.conv2d's output size for every n 3..8, "
      "k 1..4, stride 1..3, padding 0..2")

# %% [markdown]
# ## 2. Convolution as loops, and minigan's `conv2d`
#
# With several channels, each output channel $o$ has a kernel for every input channel $c$, and
# sums over all of them:
#
# $$y[b, o, i, j] = \text{bias}[o] + \sum_{c}\sum_{u, v} w[o, c, u, v]\;
# x_\text{pad}[b, c, s i + u, s j + v].$$
#
# (Strictly this is a cross-correlation: the kernel is not flipped. Deep learning calls it
# convolution anyway, and a learned kernel does not care.) Four loops and a sum make it obvious
# and very slow; minigan's `conv2d` does the same arithmetic as one big matrix product.

# %%
def conv2d_loops(x, w, b, stride, padding):
    n_batch, channels, h, width = x.shape
    outs, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = out_size(h, k, stride, padding), out_size(width, k, stride, padding)
    y = np.zeros((n_batch, outs, oh, ow))
    for bi in range(n_batch):
        for o in range(outs):
            for i in range(oh):
                for j in range(ow):
                    patch = xp[bi, :, i * stride:i * stride + k, j * stride:j * stride + k]
                    y[bi, o, i, j] = b[o] + (w[o] * patch).sum()  # sum over c, u, v
    return y


x = rng.standard_normal((2, 3, 7, 7))
w = rng.standard_normal((4, 3, 3, 3))
b = rng.standard_normal(4)
worst = 0.0
for stride, padding in [(1, 0), (1, 1), (2, 1), (2, 0), (3, 2)]:
    ours = conv2d_loops(x, w, b, stride, padding)
    theirs = F.conv2d(mg.tensor(x, dtype=f64), mg.tensor(w, dtype=f64), mg.tensor(b, dtype=f64),
                      stride=stride, padding=padding).numpy()
    worst = max(worst, relative_error(ours, theirs))
    print(f"stride {stride}, padding {padding}: output {ours.shape}, "
          f"relative error {relative_error(ours, theirs):.1e}")
check(worst < 1e-12, f"the loop convolution equals F.conv2d (worst relative error {worst:.1e})")

# %% [markdown]
# How does minigan avoid the four loops? Lay each output position's window out as a column
# (**im2col**): `cols[b, c, u, v, i, j]` $= x_\text{pad}[b, c, s i + u, s j + v]$, copied with
# one strided slice per kernel offset $(u, v)$. Then the sum over $c, u, v$ is a single matrix
# product with the weight. This is minigan's reference kernel, `minigan/kernels/reference.py`
# (`im2col`, `conv2d`, and `col2im`, its adjoint, for the backward): under a hundred lines
# with the gradients. What minigan runs by default, `minigan/kernels/fast.py`, computes the same with a
# memory layout and threads chosen for speed; `mg.set_kernels("reference")` runs the plain one.

# %%
from minigan.kernels import reference  # noqa: E402

cols = reference.im2col(x, (3, 3), (2, 2), (1, 1))
print(f"x {x.shape} -> columns {cols.shape}: (batch, channels, kh, kw, out h, out w)")
by_product = np.tensordot(cols, w, ((1, 2, 3), (1, 2, 3))).transpose(0, 3, 1, 2) + \
    b.reshape(1, -1, 1, 1)
err = relative_error(by_product, conv2d_loops(x, w, b, 2, 1))
check(err < 1e-12, f"im2col and one product equal the four loops (relative error {err:.1e})")

# %% [markdown]
# ## 3. A convolution is a matrix; its transpose is the transposed convolution
#
# A convolution is linear in its input, so it is a matrix $C$ acting on the flattened image:
# $y = C x$. Build $C$ by convolving each basis image (one pixel set to 1) and stacking the
# results as columns. For a 4x4 image and a 3x3 kernel $C$ is 4x16, sparse, the kernel's nine
# numbers repeated along shifted rows.
#
# Now the key fact. Backpropagation through $y = Cx$ maps the output's gradient $g$ to
# $C^\top g$, the **transpose** applied to something the size of the *output*, giving something
# the size of the *input*. That operation (spread each output value back over the input pixels
# it came from, weighted by the kernel) is the **transposed convolution**. A generator uses it
# forwards, to go from a small map to a larger one. The two are tied by the adjoint identity
#
# $$\langle C x, y \rangle = \langle x, C^\top y \rangle \quad\text{for all } x, y.$$

# %%
kernel = rng.standard_normal((1, 1, 3, 3))
k_t = mg.tensor(kernel, dtype=f64)
C = np.zeros((4, 16))
for pixel in range(16):
    basis = np.zeros(16)
    basis[pixel] = 1
    C[:, pixel] = F.conv2d(mg.tensor(basis.reshape(1, 1, 4, 4), dtype=f64), k_t).numpy().ravel()

y = rng.standard_normal((1, 1, 2, 2))
transposed = F.conv_transpose2d(mg.tensor(y, dtype=f64), k_t).numpy().ravel()
err = relative_error(transposed, C.T @ y.ravel())
check(err < 1e-12,
      f"conv_transpose2d(y) is C^T y for the convolution's matrix C (relative error {err:.1e})")

fig, axes = plt.subplots(1, 2, figsize=(10, 2.6), gridspec_kw=dict(width_ratios=[4, 1.2]))
lim = np.abs(C).max()
axes[0].imshow(C, cmap="RdBu_r", vmin=-lim, vmax=lim)
axes[0].set_title("C: 3x3 conv on a 4x4 image as a 4 x 16 matrix (row = output pixel)")
axes[0].set_xlabel("input pixel (flattened)")
axes[0].set_ylabel("output pixel")
axes[1].imshow(kernel[0, 0], cmap="RdBu_r", vmin=-lim, vmax=lim)
axes[1].set_title("the kernel")
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
show(fig, "04_conv_as_matrix")

# %% [markdown]
# The same holds for any shapes, channels, strides and paddings. Note the weight layouts:
# `conv2d` takes (out, in, k, k) and `conv_transpose2d` takes (in, out, k, k), so **the same
# weight array** serves a convolution from C to O channels and its transpose from O back to C.
# We check the identity, and that autograd's input gradient of the convolution is exactly the
# transposed convolution of the output gradient.

# %%
x = mg.tensor(rng.standard_normal((2, 3, 7, 7)), dtype=f64, requires_grad=True)
weight = mg.tensor(rng.standard_normal((4, 3, 3, 3)), dtype=f64)
cx = F.conv2d(x, weight, stride=2, padding=1)                       # (2, 4, 4, 4)
y = mg.tensor(rng.standard_normal(cx.shape), dtype=f64)
cty = F.conv_transpose2d(y, weight, stride=2, padding=1)            # (2, 3, 7, 7)
left, right = float((cx * y).sum().item()), float((x * cty).sum().item())
err = relative_error(left, right)
print(f"<conv(x), y> = {left:.12f}\n<x, conv_T(y)> = {right:.12f}\nrelative error {err:.1e}")
check(err < 1e-12, f"adjoint identity for stride 2, padding 1 (relative error {err:.1e})")

(cx * y).sum().backward()  # d<conv(x), y>/dx = C^T y
err = relative_error(x.grad.numpy(), cty.numpy())
check(err < 1e-12, f"the input gradient of conv2d is conv_transpose2d (relative error {err:.1e})")

# %% [markdown]
# ## 4. "Fractionally strided": zeros between the pixels
#
# How does a transposed convolution with stride 2 look as an ordinary sliding kernel? Insert
# $s - 1$ zeros between neighbouring input pixels, pad the result with $k - 1 - p$ zeros, and
# run a **stride-1** convolution with the kernel flipped (and its in/out axes swapped). The
# kernel now moves by one *dilated* pixel, which is half an input pixel: a stride of 1/2,
# hence the name. It is the least efficient way to compute it (most products are with zeros),
# but it explains the output size $(n - 1)s - 2p + k$ and makes the picture below.

# %%
def dilate(arr, s):
    n_b, c, h, wd = arr.shape
    out = np.zeros((n_b, c, (h - 1) * s + 1, (wd - 1) * s + 1))
    out[:, :, ::s, ::s] = arr
    return out


n, k, s, p = 3, 3, 2, 0
fig, ax = plt.subplots(figsize=(4.2, 4.2))
big = (n - 1) * s + 1 + 2 * (k - 1 - p)
for i in range(big):
    for j in range(big):
        ii, jj = i - (k - 1 - p), j - (k - 1 - p)
        pad = not (0 <= ii < (n - 1) * s + 1 and 0 <= jj < (n - 1) * s + 1)
        real = not pad and ii % s == 0 and jj % s == 0
        ax.add_patch(Rectangle((j, -i - 1), 1, 1, fc="#9ecae1" if real else "white",
                               ec="0.6" if pad else "0.3", ls="--" if pad else "-"))
ax.add_patch(Rectangle((0, -k), k, k, fill=False, ec="red", lw=2.5))
ax.add_patch(Rectangle((1, -k), k, k, fill=False, ec="orange", lw=2, ls="--"))
ax.set_xlim(-0.5, big + 0.5)
ax.set_ylim(-big - 0.5, 0.5)
ax.set_aspect("equal")
ax.axis("off")
ax.set_title(f"3x3 input, stride 2: zeros between pixels (white),\npadding {k - 1 - p} (dashed); "
             f"a 3x3 kernel at stride 1 gives {(n - 1) * s - 2 * p + k}x{(n - 1) * s - 2 * p + k}",
             fontsize=9)
show(fig, "04_fractionally_strided")

worst = 0.0
for s, p in [(2, 0), (2, 1), (3, 1)]:
    y = rng.standard_normal((1, 2, 3, 3))
    w = rng.standard_normal((2, 5, 3, 3))  # (in, out, k, k) for conv_transpose2d
    q = k - 1 - p
    zeros_between = np.pad(dilate(y, s), ((0, 0), (0, 0), (q, q), (q, q)))
    flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    as_conv = F.conv2d(mg.tensor(zeros_between, dtype=f64), mg.tensor(flipped, dtype=f64)).numpy()
    direct = F.conv_transpose2d(mg.tensor(y, dtype=f64), mg.tensor(w, dtype=f64),
                                stride=s, padding=p).numpy()
    worst = max(worst, relative_error(as_conv, direct))
check(worst < 1e-12, "transposed conv = stride-1 conv over the zero-dilated, padded input with "
      f"the flipped kernel (worst relative error {worst:.1e})")

# %% [markdown]
# ## 5. Checkerboard artefacts
#
# Read the transposed convolution the other way round: every input pixel **stamps** a copy of the
# kernel onto the output, the stamps placed $s$ pixels apart. With kernel 3 and stride 2 the
# stamps overlap unevenly: some output pixels are covered by one stamp, some by two, some by
# four. Feed a constant image through a constant kernel and the coverage is what comes out: a
# checkerboard. A learned kernel can in principle cancel it, but it starts uneven and the
# pattern tends to survive in GAN samples as a fine grid. Two cures: choose a kernel size
# divisible by the stride (DCGAN's 4 with stride 2 covers every interior pixel exactly
# $2 \times 2$ times), or upsample first (nearest neighbour) and then apply an ordinary stride-1
# convolution.

# %%
size = pick(8, 6)
ones_in = mg.ones(1, 1, size, size)
k3s2 = F.conv_transpose2d(ones_in, mg.ones(1, 1, 3, 3), stride=2).numpy()[0, 0]
k4s2 = F.conv_transpose2d(ones_in, mg.ones(1, 1, 4, 4), stride=2, padding=1).numpy()[0, 0]
upsampled = nn.Upsample(scale_factor=2, mode="nearest")(ones_in)
up_conv = F.conv2d(upsampled, mg.ones(1, 1, 3, 3), padding=1).numpy()[0, 0]

fig, axes = plt.subplots(1, 3, figsize=(12, 4))
panels = [(k3s2, "ConvTranspose k=3, stride 2"), (k4s2, "ConvTranspose k=4, stride 2, padding 1"),
          (up_conv, "Upsample x2, then Conv k=3, padding 1")]
for ax, (img, title) in zip(axes, panels):
    im = ax.imshow(img, cmap="magma", vmin=0)
    ax.set_title(f"{title}\noutput {img.shape[0]}x{img.shape[1]}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(im, ax=ax, fraction=0.046)
fig.suptitle(f"Constant {size}x{size} input, constant kernel: "
             "how many kernel taps cover each output pixel")
show(fig, "04_checkerboard")

interior3 = np.unique(k3s2[1:-1, 1:-1])
interior4 = np.unique(k4s2[1:-1, 1:-1])
interior_up = np.unique(up_conv[1:-1, 1:-1])
print("k=3, stride 2 interior values:", interior3)
print("k=4, stride 2 interior values:", interior4)
print("upsample + conv interior values:", interior_up)
check(set(interior3) == {1.0, 2.0, 4.0} and len(interior4) == 1 and len(interior_up) == 1,
      "kernel 3 / stride 2 covers pixels 1, 2 or 4 times (a checkerboard); kernel 4 / stride 2 "
      f"and upsample + conv cover the interior evenly ({interior4[0]:.0f} and "
      f"{interior_up[0]:.0f} times)")

# %% [markdown]
# ## What to remember
#
# * $n_\text{out} = \lfloor (n + 2p - k)/s \rfloor + 1$ for a convolution, and
#   $(n - 1)s - 2p + k$ (+ `output_padding`) for a transposed one.
# * A convolution is a sparse matrix $C$; the transposed convolution is $C^\top$, which is what
#   backpropagation through a convolution computes. minigan's `conv2d` backward *is* its
#   `conv_transpose2d`, and vice versa.
# * Uneven overlap of a transposed convolution's stamps makes checkerboards: prefer a kernel size
#   divisible by the stride, or upsample then convolve.
#
# ## Exercises
#
# 1. Use the basis-image trick of section 3 to build the matrix of a stride-2, padding-1, 3x3
#    convolution on a 5x5 image (9 x 25). Check that `F.conv_transpose2d(..., stride=2,
#    padding=1)` of a 3x3 `y` equals `C.T @ y`. What output size does it have, and why does
#    `output_padding` exist? (Hint: a 6x6 input gives the same 3x3 output.)
# 2. Replace the constant kernel in section 5 by a random one (`mg.randn(1, 1, 3, 3)`). Is the
#    output of a constant input still periodic with period 2? (Yes: every 2x2 block repeats.)
# 3. Write `conv_transpose2d_loops(y, w, stride)` that stamps `y[b, c, i, j] * w[c]` into the
#    output at `(i * stride, j * stride)` and check it against `F.conv_transpose2d` to 1e-12.
# Write-it-yourself exercises: lessons/exercises/04_convolution.py, checked by python lessons/check.py 04
