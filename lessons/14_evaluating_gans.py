# %% [markdown]
# # 14. Evaluating GANs: human eyes, Parzen windows, and a classifier's verdict
#
# A GAN never writes down its density: it only draws samples. So "how good is this generator?"
# has no single answer, and the lectures give three families of answers:
#
# 1. **Human judgement**: look at the samples. The most direct test of "realistic-looking",
#    but expensive, slow, subjective and not reproducible.
# 2. **An approximate likelihood**: put a small Gaussian on every generated sample (a *Parzen
#    window* estimate) and ask how likely the held-out test data are under that mixture. We
#    first see where such estimates come from: counting samples in a window, or finding the
#    nearest ones.
# 3. **A discriminative network's verdict**: a classifier trained on real data should read
#    good samples confidently, and, over many samples, should see every class.
#
# You will compute each of them, by hand first and then with `minigan.metrics`, on a line-up
# of deliberately chosen "generators" built from the bundled MNIST digits: fresh real digits
# (an ideal generator), a copy of the training data (a memoriser), blurred digits, pure noise,
# a collapsed generator that draws only ones, and k-means centroids. Each metric is fooled by
# at least one of them; seeing which is the lesson.
#
# Prerequisites: lesson 9 (a vanilla GAN on MNIST) and lesson 13 (mode collapse).
#
# Run time: about 12 seconds on a 2-core CPU; about 3 seconds with `MINIGAN_FAST=1`.

# %%
import sys
from pathlib import Path

import lessonkit
from lessonkit import FAST, SEED, check, pick, relative_error, show

sys.path.insert(0, str(Path(lessonkit.__file__).resolve().parents[1]))  # a clone, uninstalled

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from minigan.data import load_bundled_mnist  # noqa: E402
from minigan.metrics import (confident_share, digit_histogram, evaluate_samples,  # noqa: E402
                             frechet_distance, inception_score, predict_proba)
from minigan.metrics.parzen import (SIGMAS, parzen_estimate,  # noqa: E402
                                    parzen_log_likelihood, select_sigma)

print("fast mode" if FAST else "normal mode")

# %% [markdown]
# ## 1. The line-up
#
# minigan ships 5,000 MNIST training digits (500 of each). We shuffle them once and cut four
# disjoint parts: the generators' **training** set, a set of **fresh** real digits, a
# **validation** set (to choose the Parzen width) and a **test** set (to score).
#
# The "generators" (no training needed, and each one's flaw is known in advance):
#
# | name | what it outputs | its flaw |
# |---|---|---|
# | fresh real | real digits it never trained on | none: the ideal generator |
# | copy of train | its own training digits | memorises, generalises nothing |
# | blurred | training digits blurred by a Gaussian of 1 pixel | not crisp |
# | noise | uniform random pixels | not digits at all |
# | only ones | the training set's ones, over and over | total mode collapse |
# | k-means | the 10x fewer centres of a k-means clustering of the training set | averages: smooth, few |

# %%
images, labels = load_bundled_mnist()
rng = np.random.default_rng(0)
order = rng.permutation(len(images))
images, labels = images[order], labels[order]
N = pick(1500, 300)  # digits per part (normal: 1,500 + 1,500 + 1,000 + 1,000 = 5,000)
N_EVAL = pick(1000, 300)
train, fresh = images[:N], images[N:2 * N]
valid, test = images[2 * N:2 * N + N_EVAL], images[2 * N + N_EVAL:2 * N + 2 * N_EVAL]
train_labels = labels[:N]


def flat(a):
    """uint8 digits (N, 28, 28) -> float64 (N, 784) in [0, 1], the Parzen protocol's scale."""
    return a.reshape(len(a), -1).astype(np.float64) / 255.0


def to_uint8(x):
    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8).reshape(-1, 28, 28)


def blur(digits, sigma=1.0):
    """A separable Gaussian blur: the same 1-D kernel along rows, then along columns."""
    offsets = np.arange(-3, 4)
    kernel = np.exp(-offsets ** 2 / (2 * sigma ** 2))
    kernel /= kernel.sum()
    x = digits.astype(np.float64)
    for axis in (1, 2):
        x = sum(w * np.roll(x, o, axis=axis) for w, o in zip(kernel, offsets))
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def kmeans(data, k, iterations=20, seed=0):
    """Lloyd's algorithm: assign each row to its nearest centre, move each centre to its rows'
    mean; every step is one matrix product."""
    centres = data[np.random.default_rng(seed).choice(len(data), k, replace=False)].copy()
    for _ in range(iterations):
        sq = (data ** 2).sum(1)[:, None] - 2 * data @ centres.T + (centres ** 2).sum(1)[None]
        onehot = np.eye(k)[sq.argmin(axis=1)]                     # (N, k) assignments
        count = onehot.sum(axis=0)
        moved = count > 0                                        # an empty cluster stays put
        centres[moved] = (onehot.T @ data)[moved] / count[moved, None]
    return centres


ones = train[train_labels == 1]
generators = {
    "fresh real": fresh,
    "copy of train": train,
    "blurred": blur(train),
    "noise": rng.integers(0, 256, size=(N, 28, 28)).astype(np.uint8),
    "only ones": np.resize(ones, (N, 28, 28)),
    "k-means": to_uint8(kmeans(flat(train), N // 10)),
}
for name, g in generators.items():
    print(f"{name:14s} {len(g):5d} samples")

# %% [markdown]
# ## 2. Human judgement
#
# Look at one row per generator before reading on, and rank them.

# %%
COLS = 12
fig, axes = plt.subplots(len(generators), 1, figsize=(COLS * 0.75, len(generators) * 0.95))
for ax, (name, g) in zip(axes, generators.items()):
    pick_rows = np.random.default_rng(1).choice(len(g), COLS, replace=False)
    strip = np.concatenate([np.pad(d, 1, constant_values=128) for d in g[pick_rows]], axis=1)
    ax.imshow(strip, cmap="gray_r", vmin=0, vmax=255)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=10)
fig.suptitle("Six 'generators': which would you call good?", y=1.0)
show(fig, "14_human_grid")

# %% [markdown]
# You spotted the noise, the blur and the ones at once; the k-means centres look like smooth,
# slightly ghostly digits. But no human looking at samples can tell **fresh real** from
# **copy of train**: both are real digits. A memorising generator passes any test that looks
# only at its samples. (The one check that catches an exact copy compares each sample with its
# nearest training image; we do that at the end.) Beyond that, a human study needs many raters,
# many samples, a protocol, and money, and it can miss a collapse that only shows over thousands
# of samples. We want numbers.

# %% [markdown]
# ## 3. A density from counts: windows and nearest neighbours
#
# The second family of answers needs a density for the generator, which a GAN does not have:
# only samples. Estimating a density from samples, with no assumption about its shape, is
# *non-parametric* density estimation, and it rests on one observation. Let $R$ be a small
# region around $x$ with volume $V$. A sample lands in $R$ with probability
# $P = \int_R p(x')\,dx' \approx p(x)\,V$ (if $p$ hardly changes inside $R$). Of $n$ samples,
# the number $k$ that land in $R$ is binomial, $k \sim \mathrm{Bin}(n, P)$, with mean $nP$; so
# $k/n$ estimates $P$, and
#
# $$\hat p(x) = \frac{k/n}{V}.$$
#
# Two ways to pick the region as $n$ grows:
#
# * **Parzen window:** fix the volume and count. The window is a hypercube of side $h$ centred
#   on $x$, $V = h^d$; with $\varphi(u) = 1$ when every $|u_j| \le \tfrac12$ and 0 otherwise,
#   $k = \sum_i \varphi\big((x - x_i)/h\big)$ and $\hat p(x) = \frac1n \sum_i
#   \frac{1}{h^d}\varphi\big((x - x_i)/h\big)$. (A histogram counts the same way, in fixed bins
#   instead of a window centred on $x$.)
# * **$k$ nearest neighbours:** fix the count and grow the region. $V$ is the volume of the
#   smallest ball around $x$ that holds $k$ samples: in 1-D, $V = 2 r_k(x)$ with $r_k$ the
#   distance to the $k$-th nearest sample.
#
# Either estimate tends to $p(x)$ as $n \to \infty$ only if $V_n \to 0$ (the region shrinks, so
# $p$ is constant inside it), $k_n \to \infty$ (the count is large, so $k/n$ is not noise), and
# $k_n / n \to 0$ (the region holds a vanishing share of the samples, which is what lets it
# shrink). Below: windows of side $h_n = 1.5\,n^{-1/5}$ and neighbour counts $k_n = \sqrt n$
# meet all three; a fixed window $h = 2$, a fixed $k = 1$ and $k = n/2$ each break one.

# %%
def p_true(x):               # 0.6 N(-1.5, 0.5^2) + 0.4 N(1.5, 1)
    return 0.6 * np.exp(-0.5 * ((x + 1.5) / 0.5) ** 2) / (0.5 * np.sqrt(2 * np.pi)) + \
        0.4 * np.exp(-0.5 * ((x - 1.5) / 1.0) ** 2) / np.sqrt(2 * np.pi)


def draw(rng, n):
    first = rng.random(n) < 0.6
    return np.where(first, rng.normal(-1.5, 0.5, n), rng.normal(1.5, 1.0, n))


def count_within(x, sorted_samples, r):
    """How many samples lie in [x - r, x + r] (sorted samples: two binary searches)."""
    return (np.searchsorted(sorted_samples, x + r, side="right")
            - np.searchsorted(sorted_samples, x - r, side="left"))


def box_window(x, samples, h):
    """Parzen's hypercube in 1-D: (k / n) / h, k the samples within h/2 of x."""
    return count_within(x, np.sort(samples), h / 2) / len(samples) / h


def nearest_neighbours(x, samples, k):
    """(k / n) / V with V = 2 r_k(x), r_k found by bisection on the count within r."""
    s = np.sort(samples)
    lo, hi = np.zeros_like(x), np.full_like(x, s[-1] - s[0] + np.abs(x).max() + 1)
    for _ in range(50):                      # halve [lo, hi] 50 times: r_k to ~1e-14
        mid = (lo + hi) / 2
        enough = count_within(x, s, mid) >= k
        hi, lo = np.where(enough, mid, hi), np.where(enough, lo, mid)
    return k / len(samples) / (2 * hi)


xs = np.linspace(-5, 6, 1101)
dx_grid = xs[1] - xs[0]


def l1_error(estimate):
    return float(np.sum(np.abs(estimate - p_true(xs))) * dx_grid)


density_rng = np.random.default_rng(SEED)
sizes = [20, 50, 200, 500, 2000, 5000, 20000]
schedules = {
    "window h_n = 1.5 n^(-1/5)": lambda d, n: box_window(xs, d, 1.5 * n ** -0.2),
    "k_n = sqrt(n) neighbours": lambda d, n: nearest_neighbours(xs, d, round(np.sqrt(n))),
    "fixed window h = 2 (V_n does not shrink)": lambda d, n: box_window(xs, d, 2.0),
    "k = 1 (k_n does not grow)": lambda d, n: nearest_neighbours(xs, d, 1),
    "k = n/2 (k_n / n does not shrink)": lambda d, n: nearest_neighbours(xs, d, n // 2),
}
errors = {name: [] for name in schedules}
drawn = {}
for n in sizes:
    data_1d = draw(density_rng, n)
    drawn[n] = data_1d
    for name, estimate in schedules.items():
        errors[name].append(l1_error(estimate(data_1d, n)))
for name, errs in errors.items():
    print(f"{name:40s} L1 error at n = 20: {errs[0]:6.3f}, at n = 20,000: {errs[-1]:6.3f}")

# seeds 0-9 measured: L1 error at n = 20,000 of the window 0.023-0.039 and of the neighbours
# 0.073-0.083; fixed h 0.323-0.332, k = 1 4.1-24, k = n/2 0.675-0.682
mass = np.sum(box_window(np.linspace(-10, 10, 20001), drawn[200], 0.5)) * 0.001
check(abs(mass - 1) < 0.01, f"the window estimate is a density: it integrates to {mass:.4f}")
names = list(schedules)
check(errors[names[0]][-1] < 0.1 and errors[names[1]][-1] < 0.15,
      f"with all three conditions met, both estimates approach p: L1 error "
      f"{errors[names[0]][-1]:.3f} (window) and {errors[names[1]][-1]:.3f} (neighbours) at "
      f"n = 20,000, from {errors[names[0]][0]:.2f} and {errors[names[1]][0]:.2f} at n = 20")
check(errors[names[2]][-1] > 0.25 and errors[names[3]][-1] > 1 and errors[names[4]][-1] > 0.5,
      f"breaking one condition leaves an error that does not shrink: fixed h "
      f"{errors[names[2]][-1]:.2f}, k = 1 {errors[names[3]][-1]:.1f}, k = n/2 "
      f"{errors[names[4]][-1]:.2f} at n = 20,000")

# %%
fig, axes = plt.subplots(1, 4, figsize=(16, 3.5))
for ax, n in zip(axes, (20, 200, 2000)):
    data_1d, h = drawn[n], 1.5 * n ** -0.2
    ax.hist(data_1d, bins=np.arange(-5, 6 + h, h), density=True, color="lightgray",
            label=f"histogram, bins of {h:.2f}")
    ax.plot(xs, nearest_neighbours(xs, data_1d, round(np.sqrt(n))), color="tab:red", lw=0.8,
            label=f"k = {round(np.sqrt(n))} neighbours")
    ax.plot(xs, box_window(xs, data_1d, h), color="tab:blue", lw=1.2, label=f"window h = {h:.2f}")
    ax.plot(xs, p_true(xs), "k--", lw=1.2, label="true p")
    ax.set(title=f"n = {n}", xlabel="x", ylim=(0, 1.0))
    ax.legend(fontsize=7, loc="upper right")
axes[0].set_ylabel("density")
for (name, errs), style, color in zip(errors.items(), ("o-", "s-", "o:", "s:", "^:"),
                                      ("tab:blue", "tab:red", "tab:cyan", "tab:orange", "gray")):
    axes[3].loglog(sizes, errs, style, color=color, ms=3, label=name)
axes[3].set(xlabel="samples n", ylabel=r"L1 error $\int |\hat p - p|$",
            title="all three conditions, or no convergence")
axes[3].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
fig.tight_layout()
show(fig, "14_nonparametric_1d")

# %% [markdown]
# With 20 samples every estimate is crude; by 2,000 the window and the neighbour estimates
# trace both bumps. They fail differently: the window estimate is a staircase and is noisy
# where samples are few (its count $k$ is small there); the neighbour estimate spikes where
# samples bunch up ($r_k$ gets tiny) and decays only like $1/|x|$ far from the data, so it does
# not even integrate to 1. On the right, the schedules that meet all three
# conditions keep improving; a window that never shrinks stays blurred, a single neighbour stays
# noise however many samples come, and half the samples per region average the two bumps away.
# Parzen's window need not be a box: the next section replaces it with a Gaussian, which gives
# a smooth estimate, and that is the estimate used to score generators.

# %% [markdown]
# ## 4. The Parzen window, by hand on the lecture's example
#
# A Parzen window (kernel density) estimate turns $n$ samples $\mu_1, \dots, \mu_n$ into a
# density: put a Gaussian of width $\sigma$ on each and average them,
#
# $$\hat p(x) = \frac{1}{n} \sum_{i=1}^{n} \frac{1}{\sqrt{2\pi}\,\sigma}
#   \exp\!\left(-\frac{(x - \mu_i)^2}{2\sigma^2}\right).$$
#
# The lecture's example: samples 2, 2.5, 3, 1 and 6, $\sigma = 1$, and the density at
# $x = 3$. Each sample contributes the standard normal density at its distance from 3.

# %%
samples_1d = np.array([2.0, 2.5, 3.0, 1.0, 6.0])
x0, sigma = 3.0, 1.0
contrib = np.exp(-(x0 - samples_1d) ** 2 / (2 * sigma ** 2)) / (np.sqrt(2 * np.pi) * sigma)
for mu, c in zip(samples_1d, contrib):
    print(f"  sample {mu:3.1f}: distance {abs(x0 - mu):3.1f}, kernel value {c:.4f}")
p3 = contrib.mean()
print(f"p(3) = ({' + '.join(f'{c:.4f}' for c in contrib)}) / 5 = {p3:.4f}")
check(np.allclose(np.round(contrib, 4), [0.2420, 0.3521, 0.3989, 0.0540, 0.0044]),
      "each kernel value matches the lecture's to 4 decimals")
check(round(p3, 4) == 0.2103, f"p(3) = {p3:.6f}, the lecture's 0.2103")

# minigan works with log-densities (next section shows why): exp of its answer is the same.
p3_minigan = float(np.exp(parzen_log_likelihood([[x0]], samples_1d[:, None], sigma)[0]))
err = relative_error(p3_minigan, p3)
check(err < 1e-12, f"minigan.metrics.parzen agrees: {p3_minigan:.6f}, relative error "
      f"{err:.1e} (should be below 1e-12)")

# %%
xs = np.linspace(-2, 9, 400)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for mu in samples_1d:
    kernel = np.exp(-(xs - mu) ** 2 / 2) / np.sqrt(2 * np.pi) / len(samples_1d)
    axes[0].plot(xs, kernel, "--", color="gray", lw=1)
density = np.mean([np.exp(-(xs - mu) ** 2 / 2) / np.sqrt(2 * np.pi) for mu in samples_1d], 0)
axes[0].plot(xs, density, color="black", lw=2, label=r"$\hat p(x)$, $\sigma = 1$")
axes[0].plot(samples_1d, np.zeros(5), "o", color="tab:red", label="samples")
axes[0].plot([x0], [p3], "s", color="tab:blue", label=f"$\\hat p(3) = {p3:.4f}$")
axes[0].set_title("Each sample adds a Gaussian / 5 (dashed)")
for s in (0.2, 1.0, 3.0):
    d = np.mean([np.exp(-(xs - mu) ** 2 / (2 * s * s)) / (np.sqrt(2 * np.pi) * s)
                 for mu in samples_1d], 0)
    axes[1].plot(xs, d, label=f"$\\sigma = {s}$")
axes[1].plot(samples_1d, np.zeros(5), "o", color="tab:red")
axes[1].set_title("The width decides everything")
for ax in axes:
    ax.set_xlabel("$x$")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
show(fig, "14_parzen_1d")

# %% [markdown]
# ## 5. Parzen windows on MNIST: logs, the width, and the protocol
#
# Goodfellow et al. (2014) scored GANs this way: 10,000 generated digits as centres, pixels in
# $[0, 1]$, $d = 784$, and for every test digit $x$
#
# $$\log \hat p(x) = \log \frac{1}{n}\sum_i \exp\!\left(-\frac{\lVert x - \mu_i\rVert^2}
#   {2\sigma^2}\right) - d \log\!\left(\sigma\sqrt{2\pi}\right).$$
#
# **Why logs.** Even the nearest training digit is typically 5 or more away from a test digit
# (pixels in $[0, 1]$), so with $\sigma = 0.1$, the smallest width the protocol tries, the
# largest kernel value is about $\exp(-25/0.02) = e^{-1250}$ or smaller, and float64 stops at
# about $e^{-745}$: the plain average is exactly 0. The log-sum-exp trick subtracts the largest
# exponent first: $\log\sum_i e^{a_i} = a_{\max} + \log\sum_i e^{a_i - a_{\max}}$.

# %%
X, C = flat(test[:1]), flat(train)
sq = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)[0]         # (n,) squared distances
s = 0.1
a = -sq / (2 * s * s)
naive = np.mean(np.exp(a))
stable = a.max() + np.log(np.mean(np.exp(a - a.max())))
print(f"nearest training digit at distance {np.sqrt(sq.min()):.2f}; exponents from "
      f"{a.min():.0f} to {a.max():.0f}")
print(f"naive mean of exp: {naive}   log-sum-exp: {stable:.2f}")
ll_hand = stable - 784 * np.log(s * np.sqrt(2 * np.pi))
ll_minigan = float(parzen_log_likelihood(X, C, s)[0])
check(naive == 0.0 and np.isfinite(stable), "the plain average underflows to 0; the log form "
      "does not")
check(abs(ll_hand - ll_minigan) < 1e-8, f"hand log-likelihood {ll_hand:.4f} nats equals "
      f"minigan's {ll_minigan:.4f}")

# %% [markdown]
# **The width.** Too small a $\sigma$ and a test digit gets almost no mass unless a centre
# sits right on it; too large and all mass is smeared over pixel space. The protocol picks
# $\sigma$ from `logspace(-1, 0, 10)` (0.1 to 1) by the mean log-likelihood of a
# **validation** set, then reports the **test** mean with its standard error.
# `minigan.metrics.parzen.parzen_estimate` does exactly that.

# %%
parzen = {}
for name, g in generators.items():
    parzen[name] = parzen_estimate(flat(g), flat(test), flat(valid))
    r = parzen[name]
    print(f"{name:14s} log-likelihood {r['mean']:8.1f} +- {r['se']:4.1f} nats  "
          f"(sigma {r['sigma']:.3f}, {r['n_samples']} kernels)")
best, means = select_sigma(flat(valid), flat(train))
check(best == parzen["copy of train"]["sigma"] and means.argmax() == list(SIGMAS).index(best),
      f"select_sigma picks the width with the best validation mean ({best:.3f})")

# A memoriser scored on its own training digits: every test point has a kernel on it.
on_train = parzen_log_likelihood(flat(train[:N_EVAL]), flat(train), SIGMAS).mean(axis=1)
print(f"copy of train scored on its training digits: {on_train[0]:.0f} nats at sigma 0.1 "
      f"(validation would pick {best:.3f} and {parzen['copy of train']['mean']:.0f} on test)")

fig, ax = plt.subplots(figsize=(7, 4))
for name in generators:
    vm = np.array(list(parzen[name]["valid_means"].values()))
    ax.plot(SIGMAS, vm, "o-", label=name, ms=3)
ax.set_xscale("log")
ax.set_ylim(-900, 400)
ax.set_xlabel(r"kernel width $\sigma$")
ax.set_ylabel("mean validation log-likelihood (nats)")
ax.set_title("Choosing the Parzen width on the validation set")
ax.legend(fontsize=8)
show(fig, "14_parzen_sigma")

# %% [markdown]
# Now read the table above (numbers from our normal-mode run):
#
# - **Blurred digits beat real ones, by a wide margin** (about 237 nats against 153). Blurring
#   moves mass from crisp strokes to the grey halo between them, where test digits, which
#   never match a training digit stroke for stroke, also have their pixels.
# - **k-means matches real digits with a tenth of the kernels** (about 158 nats against 153,
#   within one standard error; Theis et al., with more centroids, found k-means clearly
#   ahead): each centroid is the average of a group of similar digits, close to all of them.
# - The memoriser and the ideal generator score the same: the estimate cannot tell them
#   apart. (Scored on its own training digits the memoriser reaches hundreds of nats more:
#   that is why the protocol holds data out.)
# - The collapsed generator is heavily punished (a test 7 is far from every one), and noise
#   is hopeless.
#
# This is the argument of Theis, van den Oord and Bethge ("A note on the evaluation of
# generative models", ICLR 2016): a k-means model scores better than samples from the true
# distribution; the estimate in 784 dimensions stays far from the true log-likelihood even with
# millions of samples; and likelihood and sample quality are largely independent. It depends
# strongly on $\sigma$, on the number of kernels and on pixel scaling, so numbers from different
# protocols cannot be compared (ours use 1,500 kernels, not the paper's 10,000, so they are not
# comparable with Table 1 of Goodfellow et al.: adversarial nets 225 +- 2). Report it as the
# historical measure it is.

# %% [markdown]
# ## 6. A classifier's verdict
#
# minigan ships a small convolutional digit classifier, the **judge** (trained on the bundled
# digits; 98.4% on the MNIST test set). It yields four numbers for a set of samples:
#
# - **confident share**: the fraction it reads with probability above 0.9 (crisp digits);
# - **digits covered**: how many digits it predicts for at least 1% of the samples (variety);
# - **Inception-Score-like**: $\exp\big(\mathbb{E}_x\,\mathrm{KL}(p(y|x)\,\|\,p(y))\big)$,
#   large when each $p(y|x)$ is peaked *and* the average $p(y)$ is flat; between 1 and 10;
# - **classifier Fréchet distance** (FID with the judge in place of Inception): fit a Gaussian
#   to the judge's 128 penultimate features of the samples and one to those of the real MNIST
#   test set (shipped as statistics) and measure
#   $\lVert\mu_1 - \mu_2\rVert^2 + \mathrm{tr}(\Sigma_1 + \Sigma_2 - 2(\Sigma_1\Sigma_2)^{1/2})$.
#
# First the formulas by hand, on the judge's probabilities for the fresh real digits.

# %%
probs = predict_proba(fresh[:pick(500, 200)])
conf_hand = float((probs.max(axis=1) > 0.9).mean())
marginal = probs.mean(axis=0)
kl = (probs * (np.log(np.maximum(probs, 1e-300)) - np.log(marginal))).sum(axis=1)
is_hand = float(np.exp(kl.mean()))
print(f"confident share {conf_hand:.3f}, Inception-like score {is_hand:.3f}, predicted digits "
      f"{digit_histogram(probs).tolist()}")
check(conf_hand == confident_share(probs), "confident share by hand equals minigan's")
check(relative_error(is_hand, inception_score(probs)) < 1e-10,
      f"Inception-like score by hand {is_hand:.4f} equals minigan's")
check(abs(inception_score(np.eye(10)) - 10.0) < 1e-12 and
      abs(inception_score(np.tile(np.eye(10)[3], (10, 1))) - 1.0) < 1e-12,
      "ten perfectly confident, different digits score 10; ten identical ones score 1")
# In one dimension the Fréchet distance is (mu1 - mu2)^2 + (s1 - s2)^2:
fd = frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([3.0]), np.array([[9.0]]))
check(abs(fd - ((1 - 3) ** 2 + (2 - 3) ** 2)) < 1e-12,
      f"1-D Fréchet distance {fd:.6f} = (1-3)^2 + (2-3)^2 = 5")

# %%
verdicts = {name: evaluate_samples(g) for name, g in generators.items()}
train_flat = flat(train)


def nearest_training_distance(g):
    """Median over samples of the distance to the nearest training digit (pixels in [0, 1])."""
    G = flat(g)
    sq = (G ** 2).sum(1)[:, None] - 2 * G @ train_flat.T + (train_flat ** 2).sum(1)[None]
    return float(np.median(np.sqrt(np.maximum(sq.min(axis=1), 0))))


nearest = {name: nearest_training_distance(g) for name, g in generators.items()}
header = (f"{'generator':14s} {'Parzen (nats)':>14s} {'confident':>9s} {'digits':>6s} "
          f"{'IS-like':>7s} {'FID':>8s} {'to train':>8s}")
print(header)
print("-" * len(header))
for name in generators:
    v, p = verdicts[name], parzen[name]
    print(f"{name:14s} {p['mean']:8.1f} +-{p['se']:4.1f} {100 * v['confident_share']:8.1f}% "
          f"{v['digits_covered']:6d} {v['inception_score']:7.2f} {v['classifier_fid']:8.1f} "
          f"{nearest[name]:8.2f}")
print(f"(FID from {N} samples, k-means from its {N // 10} centres, against the MNIST test "
      "set's shipped statistics; 'to train':")
print(" median distance from a sample to its nearest training digit)")

check(verdicts["only ones"]["digits_covered"] <= 2 and
      verdicts["only ones"]["inception_score"] < 1.5,
      f"collapse: the ones cover {verdicts['only ones']['digits_covered']} digit(s), "
      f"IS-like {verdicts['only ones']['inception_score']:.2f}")
check(verdicts["blurred"]["classifier_fid"] > 5 * verdicts["fresh real"]["classifier_fid"],
      f"FID sees the blur: {verdicts['blurred']['classifier_fid']:.1f} against "
      f"{verdicts['fresh real']['classifier_fid']:.1f} for real digits")
check(parzen["blurred"]["mean"] > parzen["fresh real"]["mean"],
      f"Parzen prefers blur: {parzen['blurred']['mean']:.0f} > "
      f"{parzen['fresh real']['mean']:.0f} nats (Theis et al.'s warning)")
check(nearest["copy of train"] == 0.0 and nearest["fresh real"] > 1.0,
      "only the nearest-neighbour check exposes the copy (distance 0)")

# %%
metrics = [
    ("Parzen log-likelihood (nats)", lambda n: parzen[n]["mean"], "higher is better"),
    ("confident share (%)", lambda n: 100 * verdicts[n]["confident_share"], "higher is better"),
    ("Inception-like score", lambda n: verdicts[n]["inception_score"], "higher is better"),
    ("classifier FID (log scale)", lambda n: verdicts[n]["classifier_fid"], "lower is better"),
    ("distance to nearest training digit", lambda n: nearest[n], "0: an exact copy"),
]
names = list(generators)
colours = plt.cm.tab10(np.arange(len(names)))
fig, axes = plt.subplots(1, len(metrics), figsize=(17, 3.8))
for ax, (title, value, better) in zip(axes, metrics):
    vals = [value(n) for n in names]
    ax.barh(names, vals, color=colours)
    if "FID" in title:
        ax.set_xscale("log")
    if "Parzen" in title:
        ax.set_xlim(-700, 300)
        ax.axvline(0, color="black", lw=0.5)
    ax.set_title(f"{title}\n({better})", fontsize=9)
    ax.invert_yaxis()
for ax in axes[1:]:
    ax.set_yticklabels([])
fig.suptitle("What each measure rewards (normal-mode run)")
fig.tight_layout()
show(fig, "14_metrics")

# %% [markdown]
# What each measure rewards, and what fools it:
#
# | measure | rewards | fooled by |
# |---|---|---|
# | human eyes | realistic single samples | memorisation; collapse that shows only over many samples |
# | Parzen log-likelihood | mass near the test points, at the chosen $\sigma$ | blur, averages (k-means); says little about quality |
# | confident share | crisp, readable digits | collapse (the ones are as confident as real digits), memorisation |
# | digits covered / IS-like | confidence *and* variety over classes | memorisation; variety *within* a class (a single 1 repeated still covers "1") |
# | classifier FID | matching feature statistics: quality and variety together | memorisation (a copy of real data has real statistics); small sample sizes |
# | distance to training set | novelty | anything but an exact copy: a blurred or shifted copy is "novel" |
#
# So in practice report several: an FID (at a fixed number of samples: with 1,500 samples even
# real digits score about 7, not 0, because the covariance estimate is noisy), a coverage
# measure, sample grids for human eyes, and a nearest-neighbour check against the training set.
# The judge itself was trained on the bundled digits, so on them it is at its most confident:
# another reason to judge real generators against held-out data.
#
# ## Exercises
#
# 1. **FID and the sample count.** Compute `evaluate_samples(fresh[:n])["classifier_fid"]` for
#    n = 100, 300, 1000. Real digits are close to the reference, yet the estimate is far from
#    0 at small n and shrinks as n grows (its bias falls roughly like 1/n). Why must two models
#    be compared at the same n?
# 2. **Theis's mixture.** Give the ideal generator 90% garbage: centres
#    `np.concatenate([fresh, rng.integers(0, 256, (9 * N, 28, 28)).astype(np.uint8)])`. At a
#    fixed sigma its Parzen density is at least a tenth of the ideal one (the real kernels keep
#    1/10 of the mass), so its log-likelihood falls by at most $\log 10 \approx 2.3$ nats,
#    while nine samples in ten are noise. Check it with `parzen_estimate`, then ask the judge.
# 3. **Score a real GAN.** Train one (`python examples/vanilla_mnist.py --epochs 5 --out
#    runs/lessons/14_vanilla`), draw samples (`python -m minigan sample
#    runs/lessons/14_vanilla/checkpoint.npz -n 1500 -o runs/lessons/14_vanilla/samples.npz`),
#    load `np.load(...)["images"]` and add it to the line-up. Where does it land between
#    "blurred" and "fresh real" on each measure?
# Write-it-yourself exercises: lessons/exercises/14_inception_score.py, checked by python lessons/check.py 14
