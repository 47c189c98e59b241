# %% [markdown]
# # 05. Batch normalisation and its relatives
#
# DCGAN's generator and discriminator put a batch normalisation layer after almost every
# convolution; CycleGAN and pix2pix use instance normalisation instead; a WGAN-GP critic must
# not use batch norm at all. This lesson explains what each of them computes, so that those
# choices make sense. You will:
#
# * write batch normalisation by hand: the batch's mean and variance, the standardised values,
#   the learnt scale and shift; then check that `minigan.nn.BatchNorm2d` computes the same;
# * follow the *running* statistics that batch norm keeps for inference (momentum 0.1, unbiased
#   variance), and check minigan's evaluation mode against them;
# * see that in training mode a sample's output depends on the other samples in its batch;
# * meet layer, instance and group normalisation, which differ from batch norm only in the axes
#   they average over, and build group norm yourself from tensor operations.
#
# **Prerequisites:** lessons 01-02 (tensors, `.backward()`, gradient checks).
# **Run time:** about 5 seconds (under 5 seconds with `MINIGAN_FAST=1`).

# %%
import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan import nn
from minigan.gradcheck import gradcheck
from lessonkit import check, pick, relative_error, show

mg.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. A batch of activations
#
# Take the output of some convolution in the middle of a network: a tensor of shape
# $(N, C, H, W)$ = (batch, channels, height, width). Each channel has its own scale and offset,
# and they drift while the layers below it learn. We fake such a tensor: channel 0 sits around
# $-4$ with spread 0.5, channel 1 around $+1$ with spread 3, channel 2 around $+6$ with spread 1.

# %%
N, C, H, W = pick(32, 8), 3, 6, 6
centres = np.array([-4.0, 1.0, 6.0]).reshape(1, C, 1, 1)
spreads = np.array([0.5, 3.0, 1.0]).reshape(1, C, 1, 1)
x_np = centres + spreads * rng.standard_normal((N, C, H, W))
print("per-channel mean:", x_np.mean(axis=(0, 2, 3)).round(2))
print("per-channel std: ", x_np.std(axis=(0, 2, 3)).round(2))

# %% [markdown]
# ## 2. Batch norm by hand
#
# For each channel $c$, batch norm pools all $m = N H W$ values of that channel in the batch
# and computes
#
# $$\mu_c = \frac1m \sum_i x_i, \qquad \sigma_c^2 = \frac1m \sum_i (x_i - \mu_c)^2, \qquad
# \hat x_i = \frac{x_i - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}}, \qquad y_i = \gamma_c \hat x_i + \beta_c .$$
#
# The variance here is the *biased* one (divide by $m$): it is the variance of exactly the
# numbers being standardised, so $\hat x$ has mean 0 and variance 1 (up to $\epsilon$, which
# is $10^{-5}$ and only guards against dividing by zero). $\gamma$ and $\beta$ are learnt: if
# the network prefers another scale or offset, it can undo the standardisation.

# %%
def batch_norm_by_hand(x, gamma, beta, eps=1e-5):
    """Training-mode batch norm on a NumPy array of shape (N, C, H, W)."""
    mean = x.mean(axis=(0, 2, 3), keepdims=True)           # one number per channel
    var = ((x - mean) ** 2).mean(axis=(0, 2, 3), keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, -1, 1, 1) * xhat + beta.reshape(1, -1, 1, 1), mean, var


gamma = np.array([1.0, 2.0, 0.5])
beta = np.array([0.0, -1.0, 3.0])
y_hand, batch_mean, batch_var = batch_norm_by_hand(x_np, gamma, beta)
xhat_hand = (y_hand - beta.reshape(1, -1, 1, 1)) / gamma.reshape(1, -1, 1, 1)
print("xhat mean per channel:", xhat_hand.mean(axis=(0, 2, 3)).round(6))
print("xhat var  per channel:", xhat_hand.var(axis=(0, 2, 3)).round(6))
check(np.abs(xhat_hand.mean(axis=(0, 2, 3))).max() < 1e-9
      and np.abs(xhat_hand.var(axis=(0, 2, 3)) - 1).max() < 1e-4,
      "the standardised batch has mean 0 and variance 1 in every channel")

# %% [markdown]
# Now minigan's layer. `nn.BatchNorm2d(C)` holds $\gamma$ as `weight` (ones at first) and
# $\beta$ as `bias` (zeros); we copy our values in. A new layer is in training mode, so it uses
# the batch's statistics. We compute in float64 so that the comparison is exact to ~1e-15.
# (Inside, the layer calls `normalize` in `minigan/kernels/reference.py`, these same lines, or
# its threaded twin in `kernels/fast.py`; the backward, `normalize_grads`, is beside it.)

# %%
mg.set_default_dtype(np.float64)
bn = nn.BatchNorm2d(C)
bn.weight.data[...] = gamma
bn.bias.data[...] = beta
x = mg.tensor(x_np)
y_mg = bn(x)
err = relative_error(y_mg.numpy(), y_hand)
print(f"relative error, minigan vs by hand: {err:.1e}")
check(err < 1e-10, f"BatchNorm2d in training mode equals the hand-written formula "
      f"(relative error {err:.1e}, should be below 1e-10)")

# %% [markdown]
# ### Before and after
#
# The left panel shows the three channels of the batch as they arrive; the right one after
# batch norm with $\gamma = 1, \beta = 0$. Whatever each channel's offset and scale, the next
# layer sees values of the same size: it no longer has to chase the layers below.

# %%
xhat_only, _, _ = batch_norm_by_hand(x_np, np.ones(C), np.zeros(C))
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
bins_before = np.linspace(x_np.min(), x_np.max(), 60)
for c, colour in zip(range(C), ["tab:blue", "tab:orange", "tab:green"]):
    axes[0].hist(x_np[:, c].ravel(), bins=bins_before, alpha=0.6, color=colour,
                 label=f"channel {c}")
    axes[1].hist(xhat_only[:, c].ravel(), bins=np.linspace(-4, 4, 50), alpha=0.45,
                 color=colour, label=f"channel {c}")
axes[0].set_title(f"before: a batch of {N} x {H}x{W} activations per channel")
axes[1].set_title("after batch norm: mean 0, variance 1 per channel")
for ax in axes:
    ax.set_xlabel("activation value")
    ax.set_ylabel("count")
    ax.legend()
fig.tight_layout()
show(fig, "05_batchnorm_before_after")

# %% [markdown]
# ## 3. Inference: the running statistics
#
# At test time there may be no batch (one image at a time), and we want a sample's output to
# depend on that sample only. So during training batch norm also keeps an exponential moving
# average of the statistics it saw, starting from mean 0 and variance 1:
#
# $$\text{running\_mean} \leftarrow (1 - m)\,\text{running\_mean} + m\, \mu_B, \qquad
# \text{running\_var} \leftarrow (1 - m)\,\text{running\_var} + m\, \tfrac{n}{n-1}\sigma_B^2,$$
#
# with momentum $m = 0.1$ (PyTorch's convention: the weight of the *new* value) and $n = NHW$.
# The running variance uses the *unbiased* batch variance, $\frac{n}{n-1}\sigma_B^2$: it is an
# estimate of the population's variance, not the variance of the numbers in hand. After
# `model.eval()` the layer normalises with these averages, which makes it a fixed affine map:
#
# $$y = \frac{\gamma}{\sqrt{\text{running\_var} + \epsilon}}\, x + \Big(\beta -
# \frac{\gamma\, \text{running\_mean}}{\sqrt{\text{running\_var} + \epsilon}}\Big).$$
#
# Mind the minus sign: the NTUST slide on inference writes $\beta + \gamma E_x /
# \sqrt{Var_x + \epsilon}$, which adds the mean where it must be subtracted. Expanding
# $\gamma (x - \mu)/\sqrt{\sigma^2 + \epsilon} + \beta$ gives the minus, and the check below
# (minigan's eval mode against this formula) would fail with a plus.
#
# (The lecture's slide averages the batch statistics with equal weights instead; PyTorch and
# minigan do that with `momentum=None`. Exercise 1 checks it.)
#
# We feed batches from the same distribution through the layer and do the same arithmetic by
# hand alongside.

# %%
momentum, n_batches = 0.1, pick(30, 10)
running_mean, running_var = np.zeros(C), np.ones(C)
bn = nn.BatchNorm2d(C)                         # momentum 0.1 by default
bn.weight.data[...] = gamma
bn.bias.data[...] = beta
for step in range(n_batches):
    xb = centres + spreads * rng.standard_normal((N, C, H, W))
    bn(mg.tensor(xb))                           # training mode: updates the buffers
    n = N * H * W
    mu = xb.mean(axis=(0, 2, 3))
    var_unbiased = xb.var(axis=(0, 2, 3)) * n / (n - 1)
    running_mean = (1 - momentum) * running_mean + momentum * mu
    running_var = (1 - momentum) * running_var + momentum * var_unbiased

err_mean = relative_error(bn.running_mean.numpy(), running_mean)
err_var = relative_error(bn.running_var.numpy(), running_var)
print("running_mean by hand:", running_mean.round(3), " minigan:", bn.running_mean.numpy().round(3))
print("running_var  by hand:", running_var.round(3), " minigan:", bn.running_var.numpy().round(3))
print("true channel means:", centres.ravel(), " true variances:", (spreads ** 2).ravel())
check(max(err_mean, err_var) < 1e-10,
      f"minigan's running statistics follow the moving average with momentum 0.1 and the "
      f"unbiased variance (relative errors {err_mean:.1e}, {err_var:.1e})")
check(int(bn.num_batches_tracked.item()) == n_batches,
      f"num_batches_tracked counts the {n_batches} training batches")

# %% [markdown]
# The averages start at (0, 1) and approach the true statistics geometrically: after $k$
# batches the initial value still carries weight $0.9^k$ (0.04 after 30 batches). That is why a
# freshly trained network evaluated after only a few steps can look very different in `eval()`
# mode: its running statistics have not caught up yet.
#
# Now evaluation mode, on a single image (a batch of one):

# %%
bn.eval()
one = centres + spreads * rng.standard_normal((1, C, H, W))
y_eval = bn(mg.tensor(one)).numpy()
scale = gamma / np.sqrt(running_var + 1e-5)
shift = beta - scale * running_mean
y_eval_hand = scale.reshape(1, -1, 1, 1) * one + shift.reshape(1, -1, 1, 1)
err = relative_error(y_eval, y_eval_hand)
print(f"eval mode: relative error vs the affine map by hand {err:.1e}")
check(err < 1e-10, f"BatchNorm2d in eval mode is the fixed affine map built from the running "
      f"statistics (relative error {err:.1e})")
before = bn.running_mean.numpy().copy()
bn(mg.tensor(one))
check(np.array_equal(before, bn.running_mean.numpy()),
      "evaluation mode reads the running statistics and never changes them")
bn.train()

# %% [markdown]
# ## 4. In training mode, a sample depends on its batch
#
# Because $\mu_B$ and $\sigma_B$ are computed from the whole batch, the same image gives a
# different output depending on which other images share its batch. For a GAN this matters:
# a discriminator that sees an all-real batch and then an all-fake batch normalises each with
# different statistics (DCGAN's recipe does exactly this), and a generator's samples are not
# independent draws in training mode. It is also why a WGAN-GP critic, whose penalty is a
# per-sample gradient, must not use batch norm (lesson 12).

# %%
sample = x_np[:1]
batch_a = np.concatenate([sample, x_np[1:8]])
batch_b = np.concatenate([sample, x_np[1:8] + 2.0])       # the same image, other neighbours
bn_fresh = nn.BatchNorm2d(C)
out_a = bn_fresh(mg.tensor(batch_a)).numpy()[0]
out_b = bn_fresh(mg.tensor(batch_b)).numpy()[0]
gap = np.abs(out_a - out_b).max()
print(f"largest change in sample 0's output when its batch-mates change: {gap:.3f}")
check(gap > 0.1, f"in training mode a sample's output depends on the rest of its batch "
      f"(changes by {gap:.2f})")

# %% [markdown]
# ## 5. Layer, instance and group normalisation
#
# All four methods compute $\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}$; they only disagree
# on *which values share one $\mu$ and $\sigma$*:
#
# | method | statistics over | one $(\mu, \sigma)$ per | used by |
# |---|---|---|---|
# | batch norm | $N, H, W$ | channel | DCGAN |
# | layer norm | $C, H, W$ | sample | transformers, WGAN-GP critics |
# | instance norm | $H, W$ | sample and channel | CycleGAN, pix2pix, style transfer |
# | group norm | $C/G$ channels $\times H, W$ | sample and group of channels | small batches |
#
# Only batch norm mixes samples; the other three treat each sample on its own, so they behave
# the same in training and evaluation and work with a batch of one. Instance norm removes each
# image's own contrast per channel, which suits style transfer: the "style" of an image lives
# largely in those per-channel statistics.
#
# The picture below is the classic one from the group-norm paper: the cube is one batch of
# activations with the batch axis $N$, the channel axis $C$ and the spatial axes $H, W$
# flattened into one. The blue cells share one mean and one variance.

# %%
def norm_cube(ax, title, mask):
    """Draw an (N, C, HW) cube of cells; cells where mask is True are blue."""
    colours = np.empty(mask.shape, dtype=object)
    colours[mask] = "#3b7dd8"
    colours[~mask] = "#f2f2f2"
    # voxels(x, y, z): x = C (to the right), y = N (into the page), z = H,W (up)
    ax.voxels(np.ones(mask.shape, bool), facecolors=colours, edgecolor="#555555",
              linewidth=0.3)
    ax.set_xlabel("C", labelpad=-12)
    ax.set_ylabel("N", labelpad=-12)
    ax.set_zlabel("H, W", labelpad=-12)
    ax.set_xticks([]), ax.set_yticks([]), ax.set_zticks([])
    ax.set_title(title)
    ax.view_init(elev=20, azim=-60)
    ax.set_box_aspect((1, 1, 1))


n_c, n_n, n_hw = 6, 6, 6                   # cells along C, N and HW
cube = np.zeros((n_c, n_n, n_hw), bool)    # index order (C, N, HW) matches the voxel axes
masks = {
    "Batch norm": cube.copy(), "Layer norm": cube.copy(),
    "Instance norm": cube.copy(), "Group norm (G = 2)": cube.copy(),
}
masks["Batch norm"][0, :, :] = True         # one channel, every sample, every pixel
masks["Layer norm"][:, 0, :] = True         # one sample, every channel and pixel
masks["Instance norm"][0, 0, :] = True      # one sample, one channel
masks["Group norm (G = 2)"][:3, 0, :] = True  # one sample, one group of channels
fig = plt.figure(figsize=(12, 3.6))
for k, (title, mask) in enumerate(masks.items()):
    norm_cube(fig.add_subplot(1, 4, k + 1, projection="3d"), title, mask)
fig.suptitle("Which activations share one mean and variance (blue)", y=1.02)
show(fig, "05_normalisation_axes")

# %% [markdown]
# ### Layer and instance norm in minigan, checked by hand
#
# `nn.LayerNorm((C, H, W))` normalises each sample over its trailing axes $(C, H, W)$;
# `nn.InstanceNorm2d(C)` normalises each (sample, channel) over $(H, W)$ and, as in PyTorch,
# has no learnt affine part and no running statistics by default.

# %%
def standardise(x, axes, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


ln = nn.LayerNorm((C, H, W))
inorm = nn.InstanceNorm2d(C)
err_ln = relative_error(ln(x).numpy(), standardise(x_np, (1, 2, 3)))
err_in = relative_error(inorm(x).numpy(), standardise(x_np, (2, 3)))
print(f"layer norm vs by hand: {err_ln:.1e};  instance norm vs by hand: {err_in:.1e}")
check(err_ln < 1e-10, f"LayerNorm((C, H, W)) standardises each sample over C, H, W "
      f"(relative error {err_ln:.1e})")
check(err_in < 1e-10, f"InstanceNorm2d standardises each sample's channels over H, W "
      f"(relative error {err_in:.1e})")

# %% [markdown]
# ### Group norm, built from tensor operations
#
# minigan has no `GroupNorm` layer, so we write one. Split the $C$ channels into $G$ groups
# of $C/G$: reshape $(N, C, H, W) \to (N, G, C/G, H, W)$, standardise over the last three
# axes, reshape back, then apply a per-channel $\gamma, \beta$. Written with minigan's Tensor
# operations (`reshape`, `mean`, `var`, arithmetic), autograd differentiates it for free.
#
# Its two extremes are the others: $G = 1$ is layer norm over $(C, H, W)$, and $G = C$ is
# instance norm.

# %%
def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation of an (N, C, H, W) Tensor (PyTorch's F.group_norm)."""
    n, c, h, w = x.shape
    if c % num_groups:
        raise ValueError(f"group_norm: {c} channels do not split into {num_groups} groups")
    g = x.reshape(n, num_groups, c // num_groups, h, w)
    mean = g.mean(axis=(2, 3, 4), keepdims=True)
    var = g.var(axis=(2, 3, 4), keepdims=True, correction=0)   # biased, as in batch norm
    out = ((g - mean) / (var + eps).sqrt()).reshape(n, c, h, w)
    if weight is not None:
        out = out * weight.reshape(1, c, 1, 1)
    if bias is not None:
        out = out + bias.reshape(1, c, 1, 1)
    return out


x6 = mg.tensor(rng.standard_normal((4, 6, 5, 5)) * 3 + 1)
err_g1 = relative_error(group_norm(x6, 1).numpy(), nn.LayerNorm((6, 5, 5))(x6).numpy())
err_gc = relative_error(group_norm(x6, 6).numpy(), nn.InstanceNorm2d(6)(x6).numpy())
print(f"group norm G=1 vs LayerNorm: {err_g1:.1e};  G=C vs InstanceNorm2d: {err_gc:.1e}")
check(err_g1 < 1e-10 and err_gc < 1e-10,
      f"group norm with G = 1 is layer norm ({err_g1:.1e}) and with G = C is instance norm "
      f"({err_gc:.1e})")

grouped = group_norm(x6, 3).numpy().reshape(4, 3, 2, 5, 5)
check(np.abs(grouped.mean(axis=(2, 3, 4))).max() < 1e-9,
      "with G = 3, every (sample, group of 2 channels) has mean 0")

# %% [markdown]
# And its gradient, checked by central differences in float64 (lesson 02), including the
# learnt scale and shift:

# %%
xs = mg.tensor(rng.standard_normal((2, 4, 3, 3)), requires_grad=True)
ws = mg.tensor(rng.standard_normal(4), requires_grad=True)
bs = mg.tensor(rng.standard_normal(4), requires_grad=True)
ok = gradcheck(lambda a, b, c: group_norm(a, 2, b, c), (xs, ws, bs))
check(ok, "group norm's gradients (input, weight, bias) pass minigan.gradcheck in float64")
mg.set_default_dtype(np.float32)

# %% [markdown]
# ## What to remember
#
# * Batch norm standardises each channel with the batch's mean and biased variance, then
#   scales and shifts with learnt $\gamma, \beta$.
# * It keeps running averages (momentum 0.1, unbiased variance) and uses them after
#   `model.eval()`: call `eval()` before sampling from a trained DCGAN generator.
# * In training mode a sample's output depends on its batch-mates; layer, instance and group
#   norm do not mix samples, which is why CycleGAN (batch size 1) and WGAN-GP critics use them.
#
# ## Exercises
#
# 1. Build `nn.BatchNorm2d(3, momentum=None)` and feed it five batches. Check that its
#    `running_mean` is now the plain average of the five batch means (the lecture's inference
#    formula), not the exponential average. *Expected: relative error ~1e-16.*
# 2. Put the layer in `eval()` mode right after creating it (running mean 0, variance 1) and
#    feed it `x`. How far is the output from `x` itself? Explain the number with $\epsilon$.
#    *Expected: the output is $x/\sqrt{1 + 10^{-5}}$, a relative change of about $5\cdot10^{-6}$.*
# 3. Make a batch of 8 images in which every image is a constant (each pixel the same value,
#    different per image). What does instance norm output, and why? What does batch norm
#    output? *Hint: instance norm sees zero variance in every (image, channel) and returns
#    zeros; batch norm still sees the spread between images.*
# Write-it-yourself exercises: lessons/exercises/05_batch_norm.py, checked by python lessons/check.py 05
