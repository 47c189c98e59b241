# %% [markdown]
# # 07. The GAN game: value, optimal discriminator, Jensen-Shannon
#
# A GAN is a game between a generator $G$, which turns noise $z$ into samples, and a
# discriminator $D$, which outputs the probability that its input is real. This lesson works
# through the game's mathematics in one dimension, where every quantity can be computed on a
# grid and plotted, then trains a tiny GAN with minigan and watches the discriminator learn.
# You will learn:
#
# * where GANs sit among generative models (explicit and implicit densities; PixelCNN, VAE,
#   GAN), and that maximum likelihood minimises $\mathrm{KL}(p_\text{data}\|p_\text{model})$;
# * the value $V(D, G)$ and why it is a (negated) binary cross-entropy;
# * the optimal discriminator $D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))$;
# * that against $D^*$ the generator minimises $C(G) = 2\,\mathrm{JSD}(p_\text{data}\|p_g) - \log 4$;
# * why generators use $-\log D(G(z))$ instead of $\log(1 - D(G(z)))$, and that this loss
#   descends a *reverse* KL, which seeks one mode where maximum likelihood covers all;
# * the training loop with $k$ discriminator steps per generator step;
# * why JSD gives no gradient when the two distributions do not overlap, and what a
#   discriminator trained too well does to each generator loss.
#
# **Prerequisites:** lessons 01-03 (autodiff, dense layers, losses) and 06 (Adam).
# **Run time:** about 10 seconds (about 3 seconds with `MINIGAN_FAST=1`).

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan import nn, optim
from minigan.checkpoint import prefixed, save_checkpoint
from minigan.gan import losses
from lessonkit import SEED, check, pick, relative_error, show

mg.manual_seed(SEED)
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. Generative models, densities, and maximum likelihood
#
# A *discriminative* model learns $p(y \mid x)$: given an image, which digit? A *generative*
# model learns the data themselves, $p(x)$ (or $p(x \mid y)$, a conditional model: lesson 11),
# and can draw new $x$. That is the harder task: a label is one of ten values, an image is 784
# numbers that must all agree with each other. A model can hold its distribution in two ways.
#
# * **Explicit density:** a formula $p_\theta(x)$ you can evaluate at any $x$. A *PixelCNN*
#   writes an image's density as a product over pixels, $p_\theta(x) = \prod_i
#   p_\theta(x_i \mid x_1, \dots, x_{i-1})$: exact and tractable, but a sample is drawn one
#   pixel at a time. A *VAE* writes $p_\theta(x) = \int p(z)\, p_\theta(x \mid z)\, dz$, an
#   integral nobody can compute, so it trains an encoder $q(z \mid x)$ beside the decoder and
#   maximises a lower bound on $\log p_\theta(x)$ instead.
# * **Implicit density:** only a sampler, $x = G(z)$ with $z \sim \mathcal N(0, I)$. There is
#   no $p_\theta(x)$ to evaluate, so a GAN cannot be trained by likelihood (nor scored by it:
#   lesson 14). It replaces the likelihood by a second network that judges samples.
#
# | | PixelCNN | VAE | GAN |
# |---|---|---|---|
# | density | exact | a lower bound | none: samples only |
# | trained by | maximum likelihood | maximising the bound | a game against $D$ |
# | drawing a sample | slow, pixel by pixel | one pass | one pass |
# | an encoder $x \to z$ | no | yes | no |
# | samples | good likelihood | blurry (a pixel loss averages, lesson 03) | sharp, may miss modes |
# | training | stable | stable | delicate (lesson 08) |
#
# **Maximum likelihood is a KL divergence.** With $N$ training points, the average
# log-likelihood $\frac1N \sum_i \log p_\theta(x_i)$ tends to
#
# $$\mathbb E_{p_\text{data}}[\log p_\theta(x)] = -H(p_\text{data})
#   - \mathrm{KL}(p_\text{data} \,\|\, p_\theta),$$
#
# and the entropy $H(p_\text{data})$ does not depend on $\theta$: the most likely model is the
# one nearest the data in $\mathrm{KL}(p_\text{data}\|p_\theta)$, the *forward* KL. It
# averages $\log(p_\text{data}/p_\theta)$ over the data, so a model that puts almost no mass
# where some data live pays without limit: maximum likelihood must cover every mode. We check
# the equivalence on a two-bump density, $p = \frac12\mathcal N(-3, 1) + \frac12\mathcal N(3,
# 1)$, fitted by one Gaussian $\mathcal N(\mu, \sigma^2)$: the maximiser of the sample's
# log-likelihood (over a grid of $\mu, \sigma$) against the minimiser of the forward KL,
# computed without samples. Expectations under Gaussians are taken by Gauss-Hermite quadrature
# (80 nodes: exact for polynomials of degree 159, and very accurate for smooth functions).

# %%
NODES, WEIGHTS = np.polynomial.hermite.hermgauss(80)


def expect(f, mean, std):
    """E[f(x)] for x ~ N(mean, std^2) by Gauss-Hermite quadrature; mean and std broadcast."""
    mean, std = np.asarray(mean, float)[..., None], np.asarray(std, float)[..., None]
    return (WEIGHTS * f(mean + np.sqrt(2) * std * NODES)).sum(axis=-1) / np.sqrt(np.pi)


def log_normal(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - np.log(std * np.sqrt(2 * np.pi))


BUMPS = (-3.0, 3.0)                 # p_bumps = (N(-3, 1) + N(3, 1)) / 2


def log_p_bumps(x):
    return np.logaddexp(log_normal(x, BUMPS[0], 1), log_normal(x, BUMPS[1], 1)) - np.log(2)


def expect_bumps(f):
    return 0.5 * expect(f, BUMPS[0], 1.0) + 0.5 * expect(f, BUMPS[1], 1.0)


mu_grid, sigma_grid = np.arange(-5, 5.001, 0.05), np.arange(0.5, 4.001, 0.025)
MU, SIGMA = np.meshgrid(mu_grid, sigma_grid, indexing="ij")
# forward KL(p || N(mu, sigma^2)) = E_p[log p] - E_p[log q]; E_p[log q] needs p's mean and
# variance only (0 and 1 + 3^2): a Gaussian fit by forward KL matches those two moments
forward_kl = (expect_bumps(log_p_bumps) + np.log(SIGMA * np.sqrt(2 * np.pi))
              + (10.0 + MU ** 2) / (2 * SIGMA ** 2))
i_fwd = np.unravel_index(forward_kl.argmin(), forward_kl.shape)

data_rng = np.random.default_rng(SEED + 1)
sample = np.where(data_rng.random(50_000) < 0.5, BUMPS[0], BUMPS[1]) + \
    data_rng.standard_normal(50_000)
# average log-likelihood of the sample under every N(mu, sigma^2) on the grid, from its moments
s1, s2 = sample.mean(), (sample ** 2).mean()
avg_loglik = -np.log(SIGMA * np.sqrt(2 * np.pi)) - (s2 - 2 * MU * s1 + MU ** 2) / (2 * SIGMA ** 2)
i_ml = np.unravel_index(avg_loglik.argmax(), avg_loglik.shape)
print(f"forward-KL fit: mu = {mu_grid[i_fwd[0]]:+.2f}, sigma = {sigma_grid[i_fwd[1]]:.3f} "
      f"(the moments: 0, sqrt(10) = {np.sqrt(10):.3f})")
print(f"maximum-likelihood fit to 50,000 samples: mu = {mu_grid[i_ml[0]]:+.2f}, "
      f"sigma = {sigma_grid[i_ml[1]]:.3f}")
check(abs(mu_grid[i_fwd[0]]) < 0.03 and abs(sigma_grid[i_fwd[1]] - np.sqrt(10)) < 0.03,
      "the forward-KL fit is the moment match N(0, 10): one wide bell over both bumps")
check(abs(mu_grid[i_ml[0]] - mu_grid[i_fwd[0]]) < 0.1
      and abs(sigma_grid[i_ml[1]] - sigma_grid[i_fwd[1]]) < 0.1,
      "maximum likelihood on samples lands on the forward-KL fit (within 0.1 in mu and sigma)")

# %% [markdown]
# Maximum likelihood puts its bell *between* the bumps, right where there are no data: it
# covers both modes at the price of sampling the empty valley. Keep this fit in mind; section 6
# shows which divergence a GAN's generator descends instead, and where it lands.

# %% [markdown]
# ## 2. The value of the game
#
# $$V(D, G) = \mathbb{E}_{x\sim p_\text{data}}[\log D(x)] + \mathbb{E}_{z\sim p_z}[\log(1 - D(G(z)))]
# = \int p_\text{data}(x)\log D(x) + p_g(x)\log(1 - D(x))\,dx .$$
#
# $D$ wants $V$ large: $D(x) \to 1$ on real data, $D(x) \to 0$ on fakes. $G$ wants it small.
# The second form writes the fakes through their density $p_g$. Read as a classifier's loss,
# $-V$ is the binary cross-entropy of $D$ with label 1 for real and 0 for fake, summed over the
# two halves: exactly `minigan.gan.losses.discriminator_loss_bce`, which takes $D$'s logits.

# %%
def gauss(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


logits_real = rng.standard_normal(1000) + 1.0      # some discriminator's logits on real data
logits_fake = rng.standard_normal(1000) - 1.0      # ... and on fakes
D_real, D_fake = 1 / (1 + np.exp(-logits_real)), 1 / (1 + np.exp(-logits_fake))
V_by_hand = np.mean(np.log(D_real)) + np.mean(np.log(1 - D_fake))
loss_D = losses.discriminator_loss_bce(mg.tensor(logits_real, dtype=np.float64),
                                       mg.tensor(logits_fake, dtype=np.float64)).item()
print(f"V by hand {V_by_hand:.6f};  minigan's discriminator loss {loss_D:.6f}")
check(abs(V_by_hand + loss_D) < 1e-12, f"discriminator_loss_bce = -V (V = {V_by_hand:.4f})")

# %% [markdown]
# ## 3. The optimal discriminator
#
# Fix $G$. $V$ is an integral over $x$ of $a \log D + b \log(1 - D)$ with $a = p_\text{data}(x)$
# and $b = p_g(x)$, and $D(x)$ can be chosen separately at every $x$. Setting the derivative to
# zero, $a/D - b/(1-D) = 0$, gives
#
# $$D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)} .$$
#
# Where only real data lives $D^* = 1$, where only fakes live $D^* = 0$, and where the two
# densities are equal $D^* = 1/2$. We take $p_\text{data} = \mathcal{N}(0, 1)$ and
# $p_g = \mathcal{N}(2, 0.7^2)$, and check the formula against a brute-force search of
# $D \in (0, 1)$ at every grid point.

# %%
x = np.linspace(-8, 10, 4001)
dx = x[1] - x[0]
p_data, p_g = gauss(x, 0, 1), gauss(x, 2, 0.7)
D_star = p_data / (p_data + p_g)

candidates = np.linspace(1e-4, 1 - 1e-4, 2001)
sub = x[::200]                     # a few points: the search is a 2-D table
a, b = gauss(sub, 0, 1)[:, None], gauss(sub, 2, 0.7)[:, None]
best = candidates[np.argmax(a * np.log(candidates) + b * np.log(1 - candidates), axis=1)]
err = np.abs(best - D_star[::200]).max()
check(err < 1e-3, f"brute-force maximiser of p_data log D + p_g log(1-D) matches D* at every "
      f"point (largest gap {err:.1e}, the search's grid step is 5e-4)")

fig, ax = plt.subplots(figsize=(8, 3.6))
ax.plot(x, p_data, label=r"$p_\mathrm{data} = \mathcal{N}(0, 1)$")
ax.plot(x, p_g, label=r"$p_g = \mathcal{N}(2, 0.7^2)$")
ax.plot(x, D_star, "k", label=r"$D^* = p_\mathrm{data}/(p_\mathrm{data} + p_g)$")
ax.axhline(0.5, color="gray", linewidth=0.6, linestyle=":")
ax.set(xlim=(-4, 5), xlabel="x", ylabel="density / probability",
       title="the optimal discriminator for two 1-D Gaussians")
ax.legend(fontsize=8)
show(fig, "07_optimal_discriminator")

# %% [markdown]
# Note the right edge: $D^*$ climbs again beyond $x \approx 4$. The generator's bell is
# narrower than the data's, so its tail dies faster, and far enough out a sample is again more
# likely to be real. $D^*$ compares densities, not distances to the data.

# %% [markdown]
# ## 4. The generator's objective at $D^*$ is a Jensen-Shannon divergence
#
# Put $D^*$ back into $V$:
#
# $$C(G) = \max_D V = \int p_\text{data}\log\frac{p_\text{data}}{p_\text{data}+p_g}
#   + p_g\log\frac{p_g}{p_\text{data}+p_g}\,dx .$$
#
# With the mixture $m = (p_\text{data}+p_g)/2$, each fraction is $\tfrac12 \cdot$ (density over
# $m$), so each integral is a KL divergence minus $\log 2$:
#
# $$C(G) = \mathrm{KL}(p_\text{data}\|m) + \mathrm{KL}(p_g\|m) - \log 4
#        = 2\,\mathrm{JSD}(p_\text{data}\|p_g) - \log 4 .$$
#
# JSD is zero exactly when $p_g = p_\text{data}$, and positive otherwise; so the best generator
# copies the data, where $D^* = 1/2$ and $C = -\log 4 \approx -1.386$. We integrate both sides
# on the grid with a plain Riemann sum (very accurate for smooth,
# fast-decaying integrands), working with log-densities so that no $\log 0$ appears in the tails.

# %%
def integral(values):
    return float(np.sum(values) * dx)


def log_gauss(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - np.log(std * np.sqrt(2 * np.pi))


def jsd(log_p, log_q):
    """JSD from log-densities on the grid (logs keep the far tails finite: no log 0)."""
    log_m = np.logaddexp(log_p, log_q) - np.log(2)
    return 0.5 * integral(np.exp(log_p) * (log_p - log_m)) + \
        0.5 * integral(np.exp(log_q) * (log_q - log_m))


# log D* and log(1 - D*) from log-densities, for the same reason
log_pd, log_pg = log_gauss(x, 0, 1), log_gauss(x, 2, 0.7)
log_D = log_pd - np.logaddexp(log_pd, log_pg)
log_1mD = log_pg - np.logaddexp(log_pd, log_pg)
C = integral(p_data * log_D + p_g * log_1mD)
J = jsd(log_pd, log_pg)
print(f"C(G) = {C:.10f};  2 JSD - log 4 = {2 * J - np.log(4):.10f};  JSD = {J:.4f}")
check(abs(C - (2 * J - np.log(4))) < 1e-10,
      f"C(G) = 2 JSD - log 4 on the grid (gap {abs(C - (2 * J - np.log(4))):.1e})")
C_same = integral(p_data * np.log(0.5) * 2)
check(abs(C_same + np.log(4)) < 1e-6,
      f"when p_g = p_data, D* = 1/2 and C = -log 4 = {-np.log(4):.4f} (grid: {C_same:.6f})")

# %% [markdown]
# ## 5. Saturating versus non-saturating generator loss
#
# The game tells $G$ to minimise $\log(1 - D(G(z)))$. Early in training the fakes are bad,
# $D(G(z)) \approx 0$, and this curve is flat there: $G$ learns nothing exactly when it has most
# to learn. With $D = \sigma(\ell)$ for a logit $\ell$,
#
# $$\frac{\partial}{\partial \ell}\log(1 - \sigma(\ell)) = -\sigma(\ell) = -D, \qquad
#   \frac{\partial}{\partial \ell}\big(-\log \sigma(\ell)\big) = -(1 - D).$$
#
# The *non-saturating* loss $-\log D(G(z))$ has the same fixed point ($G$ wants $D \to 1$
# either way) but its gradient is largest where $D \approx 0$. minigan's
# `generator_loss_minimax` and `generator_loss_nonsaturating` are these two; autograd confirms
# the gradients.

# %%
D_values = np.array([1e-3, 0.01, 0.1, 0.5, 0.9])
logit = mg.tensor(np.log(D_values / (1 - D_values)), dtype=np.float64, requires_grad=True)
losses.generator_loss_minimax(logit).backward()
g_sat = logit.grad.numpy() * len(D_values)              # undo the mean
logit.grad = None
losses.generator_loss_nonsaturating(logit).backward()
g_ns = logit.grad.numpy() * len(D_values)
for d, s, n in zip(D_values, g_sat, g_ns):
    print(f"D(G(z)) = {d:<6}: d/dlogit log(1-D) = {s:+.4f},  d/dlogit -log D = {n:+.4f}")
err = max(relative_error(g_sat, -D_values), relative_error(g_ns, -(1 - D_values)))
check(err < 1e-10, f"gradients are -D (saturating) and -(1 - D) (non-saturating); "
      f"relative error {err:.1e}")
check(abs(g_ns[0] / g_sat[0]) > 900, f"at D = 0.001 the non-saturating gradient is "
      f"{abs(g_ns[0] / g_sat[0]):.0f} times larger")

# %%
d = np.linspace(1e-3, 1 - 1e-3, 500)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
ax1.plot(d, np.log(1 - d), label=r"saturating: $\log(1 - D)$")
ax1.plot(d, -np.log(d), label=r"non-saturating: $-\log D$")
ax1.set(xlabel="D(G(z))", ylabel="generator loss (minimised)",
        title="two generator losses, same goal D -> 1")
ax1.legend(fontsize=8)
ax2.loglog(d, d, label="saturating: |gradient| = D")
ax2.loglog(d, 1 - d, label="non-saturating: |gradient| = 1 - D")
ax2.axvspan(1e-3, 0.05, color="tab:red", alpha=0.1, label="early training: D rejects fakes")
ax2.set(xlabel="D(G(z))", ylabel="|d loss / d logit|", title="gradient reaching the generator")
ax2.legend(fontsize=8)
fig.tight_layout()
show(fig, "07_saturating_losses")

# %% [markdown]
# ## 6. What the non-saturating loss minimises: a reverse KL
#
# Swapping the generator's loss changes the game: section 4's JSD no longer describes it.
# Arjovsky and Bottou (2017) worked out what the non-saturating loss descends. Train $D$ to
# the optimum for the current generator $\theta_0$, $D^* = p_\text{data} / (p_\text{data} +
# p_{\theta_0})$, and hold it fixed while $G$ takes its step. Then
#
# $$\mathbb E_z\big[-\nabla_\theta \log D^*(G_\theta(z))\big]_{\theta_0}
#   = \nabla_\theta\big[\mathrm{KL}(p_\theta \,\|\, p_\text{data})
#     - 2\,\mathrm{JSD}(p_\theta \,\|\, p_\text{data})\big]_{\theta_0}.$$
#
# The reason fits in two lines. $\log\frac{1 - D^*}{D^*} = \log\frac{p_{\theta_0}}{p_\text{data}}$,
# so $\mathbb E_{p_\theta}[\log(1 - D^*) - \log D^*]$ has, at $\theta_0$, the gradient of
# $\mathrm{KL}(p_\theta\|p_\text{data})$ (the part $\mathbb E_{p_\theta}[\nabla_\theta \log
# p_\theta]$ that differs is zero). And the minimax loss $\mathbb E_{p_\theta}[\log(1 - D^*)]$
# has the gradient of $2\,\mathrm{JSD}$ (section 4). Subtract the second from the first. We check
# both statements with $p_\text{data}$ the two bumps of section 1 and $p_\theta = \mathcal
# N(\theta, 1.5^2)$ at $\theta_0 = 1$, by central differences.

# %%
def log_q(x, mean, std):
    return log_normal(x, np.asarray(mean, float)[..., None], np.asarray(std, float)[..., None])


def kl_q_bumps(mean, std):
    """KL(N(mean, std^2) || p_bumps): the reverse KL, an average over the model's samples."""
    return expect(lambda x: log_q(x, mean, std) - log_p_bumps(x), mean, std)


def jsd_q_bumps(mean, std):
    def log_m(x):
        return np.logaddexp(log_q(x, mean, std), log_p_bumps(x)) - np.log(2)
    over_q = expect(lambda x: log_q(x, mean, std) - log_m(x), mean, std)
    over_p = sum(0.5 * expect(lambda x: log_p_bumps(x) - log_m(x), np.full_like(mean, b, float),
                              np.ones_like(std, float)) for b in BUMPS)
    return 0.5 * over_q + 0.5 * over_p


theta0, width, h = 1.0, 1.5, 1e-4


def log_d_star(x):            # D* for the generator theta0, as log D* and log(1 - D*)
    return log_p_bumps(x) - np.logaddexp(log_p_bumps(x), log_normal(x, theta0, width))


def log_1m_d_star(x):
    return log_normal(x, theta0, width) - np.logaddexp(log_p_bumps(x), log_normal(x, theta0, width))


def slope(f):
    return float((f(theta0 + h) - f(theta0 - h)) / (2 * h))


ns_loss = slope(lambda t: expect(lambda x: -log_d_star(x), t, width))
mm_loss = slope(lambda t: expect(log_1m_d_star, t, width))
kl_minus_2jsd = slope(lambda t: kl_q_bumps(t, width)
                      - 2 * jsd_q_bumps(np.array(t), np.array(width)))
two_jsd = slope(lambda t: 2 * jsd_q_bumps(np.array(t), np.array(width)))
print(f"d/dtheta E[-log D*(G)] = {ns_loss:+.7f};  "
      f"d/dtheta [KL(p_g||p) - 2 JSD] = {kl_minus_2jsd:+.7f}")
print(f"d/dtheta E[log(1 - D*(G))] = {mm_loss:+.7f};  d/dtheta 2 JSD = {two_jsd:+.7f}")
check(relative_error(ns_loss, kl_minus_2jsd) < 1e-5,
      f"the non-saturating loss's gradient at D* is that of KL(p_g||p_data) - 2 JSD (relative "
      f"error {relative_error(ns_loss, kl_minus_2jsd):.1e})")
check(relative_error(mm_loss, two_jsd) < 1e-5,
      f"the minimax loss's gradient at D* is that of 2 JSD (relative error "
      f"{relative_error(mm_loss, two_jsd):.1e})")

# %% [markdown]
# $\mathrm{KL}(p_g\|p_\text{data})$ is maximum likelihood's divergence turned around. It averages
# $\log(p_g/p_\text{data})$ over the *generator's* samples: a sample where no data live costs
# without limit, while data the generator never produces cost nothing. A generator descending it
# may settle on one mode and make excellent samples of it: sharp, but less varied. This is the
# *mode-seeking* behaviour behind the usual verdict on GANs ("sharper than a VAE, less diverse"),
# and one root of the mode collapse of lesson 13. Fit one Gaussian to the two bumps again, now
# by each divergence, over the grid of section 1.

# %%
reverse_kl = kl_q_bumps(MU, SIGMA)
jsd_fit = jsd_q_bumps(MU, SIGMA)
ns_objective = reverse_kl - 2 * jsd_fit
fits = {}
for name, surface in (("forward KL (maximum likelihood)", forward_kl), ("JSD", jsd_fit),
                      ("reverse KL", reverse_kl), ("KL(p_g||p) - 2 JSD (non-saturating)",
                                                   ns_objective)):
    i = np.unravel_index(surface.argmin(), surface.shape)
    fits[name] = (round(mu_grid[i[0]], 2) + 0.0, sigma_grid[i[1]])    # + 0.0: no "-0.00"
    print(f"{name:38s}: mu = {fits[name][0]:+.2f}, sigma = {fits[name][1]:.3f}")

for name in ("reverse KL", "KL(p_g||p) - 2 JSD (non-saturating)"):
    mu, sigma = fits[name]
    check(abs(abs(mu) - 3) < 0.1 and abs(sigma - 1) < 0.1,
          f"the {name} fit sits on one bump: mu = {mu:+.2f} (a bump's centre is +-3), "
          f"sigma = {sigma:.3f} (the bump's 1)")
check(abs(fits["JSD"][0]) < 0.1 and fits["JSD"][1] > 2.5,
      f"JSD alone, like maximum likelihood, spans both bumps (sigma {fits['JSD'][1]:.3f})")
cover = kl_q_bumps(0.0, np.sqrt(10.0))
one_mode = kl_q_bumps(*fits["reverse KL"])
check(one_mode < cover - 0.2, f"reverse KL prefers one bump ({one_mode:.3f}) to maximum "
      f"likelihood's wide bell ({cover:.3f})")

xs = np.linspace(-8, 8, 801)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11.5, 3.8))
ax1.fill_between(xs, np.exp(log_p_bumps(xs)), color="tab:blue", alpha=0.25,
                 label=r"$p_\mathrm{data}$: two bumps")
styles = ("tab:green", "tab:olive", "tab:red", "k")
for (name, (mu, sigma)), color in zip(fits.items(), styles):
    ax1.plot(xs, np.exp(log_normal(xs, mu, sigma)), color=color,
             linestyle={"JSD": ":", "KL(p_g||p) - 2 JSD (non-saturating)": "--"}.get(name, "-"),
             label=f"{name}: N({mu:+.1f}, {sigma:.2f}²)")
ax1.set(xlabel="x", ylabel="density", title="one Gaussian fitted four ways", ylim=(0, 0.5))
ax1.legend(fontsize=7, loc="upper left")
for (name, surface), color in zip((("forward KL", forward_kl), ("JSD", jsd_fit),
                                   ("reverse KL", reverse_kl),
                                   ("KL - 2 JSD", ns_objective)), styles):
    profile = surface.min(axis=1)               # the best sigma for each mu
    ax2.plot(mu_grid, profile - profile.min(), color=color,
             linestyle=":" if name == "JSD" else "-", label=name)
ax2.set(xlabel=r"the fit's mean $\mu$ (best $\sigma$ for each)", ylabel="divergence - its minimum",
        title="forward KL: one valley between the bumps; reverse: one on each bump", ylim=(0, 1.2))
ax2.legend(fontsize=8)
fig.tight_layout()
show(fig, "07_forward_reverse_kl")

# %% [markdown]
# Maximum likelihood and JSD spread one bell over both bumps; reverse KL and the non-saturating
# objective each pick a bump (which one depends on where the generator starts: the two valleys
# on the right are equally deep). The $-2\,\mathrm{JSD}$ term cannot pull the generator back
# over: JSD saturates at $\log 2$ (section 8). Arjovsky and Bottou add a warning: with a
# near-perfect discriminator this gradient is large and noisy, which makes the updates unstable
# (section 9 measures its size).

# %% [markdown]
# ## 7. A 1-D GAN, trained with minigan
#
# Data: $\mathcal{N}(4, 1.25^2)$. Generator: an MLP from one noise number $z \sim
# \mathcal{N}(0,1)$ to one output, with tanh hidden units (a smooth map from noise to samples;
# exercise 2 tries LeakyReLU). Discriminator: an MLP from one number to a logit, with
# LeakyReLU(0.2). Both train with Adam, learning rate $10^{-3}$, $\beta_1 = 0.5$ (lesson 06).
# The loop is Goodfellow's algorithm:
#
# > repeat: **$k$ times**, draw a batch of real samples and a batch of fakes and take a
# > discriminator step on them (fakes detached, so only $D$ learns); then take **one** generator
# > step with the non-saturating loss.
#
# $D$ should stay near its optimum $D^*$ for the current $G$, since that is when $G$'s loss means
# what sections 4 and 6 say; more $D$ steps per $G$ step keep it closer, at more cost per $G$
# step. Goodfellow's experiments used $k = 1$, the cheapest; the DTU lecture suggests $k = 2$
# (or $k = 1$ with a larger learning rate for $D$). We train with $k = 1$ first and keep
# snapshots of $D$'s curve, together with the optimal discriminator for the generator of that
# moment ($p_g$ estimated by a kernel density estimate of 4,000 fakes), to see $D$ chase $D^*$.

# %%
MEAN, STD, BATCH = 4.0, 1.25, 128
steps = pick(1500, 150)
snapshot_at = sorted({0, pick(100, 30), pick(400, 80), steps})

grid = np.linspace(-3, 10, 300)


def make_networks():
    G = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
    D = nn.Sequential(nn.Linear(1, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32), nn.LeakyReLU(0.2),
                      nn.Linear(32, 1))
    return G, D


def snapshot(G, D):
    with mg.no_grad():
        fakes = G(mg.randn(4000, 1)).numpy().ravel()
        d_curve = mg.sigmoid(D(mg.tensor(grid.reshape(-1, 1).astype(np.float32)))).numpy().ravel()
    bandwidth = 1.06 * fakes.std() * len(fakes) ** -0.2 + 1e-3   # Silverman's rule
    p_fake = gauss(grid[:, None], fakes[None, :], bandwidth).mean(axis=1)
    p_real = gauss(grid, MEAN, STD)
    return dict(fakes=fakes, d=d_curve, d_star=p_real / (p_real + p_fake + 1e-12))


def train_gan_1d(k, data_rng, n_steps, snapshot_at=()):
    """Goodfellow's loop: k discriminator steps, then one generator step, n_steps times.
    Returns G, D, the snapshots and, per generator step, (loss_D, loss_G, the mean and the
    spread of the last batch of fakes)."""
    G, D = make_networks()
    opt_G = optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_D = optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    snaps, log = {}, []
    for step in range(n_steps + 1):
        if step in snapshot_at:
            snaps[step] = snapshot(G, D)
        for _ in range(k):                       # k discriminator steps ...
            real = mg.tensor(data_rng.normal(MEAN, STD, (BATCH, 1)).astype(np.float32))
            fake = G(mg.randn(BATCH, 1))
            opt_D.zero_grad()
            loss_d = losses.discriminator_loss_bce(D(real), D(fake.detach()))
            loss_d.backward()
            opt_D.step()
        opt_G.zero_grad()                        # ... then one generator step
        loss_g = losses.generator_loss_nonsaturating(D(fake))
        loss_g.backward()
        opt_G.step()
        batch = fake.numpy()
        log.append((loss_d.item(), loss_g.item(), batch.mean(), batch.std()))
    return G, D, snaps, log


started = time.perf_counter()
G, D, snaps, loss_log = train_gan_1d(1, rng, steps, snapshot_at)
seconds_k1 = time.perf_counter() - started

run_dir = os.path.join("runs", "lessons", "07_the_gan_game")
os.makedirs(run_dir, exist_ok=True)
save_checkpoint(os.path.join(run_dir, "gan_1d.npz"),
                {**prefixed("G", G.state_dict()), **prefixed("D", D.state_dict()),
                 "losses": np.array(loss_log)[:, :2]}, {"steps": steps})
print(f"saved the trained networks and losses in {run_dir}")

# %%
fig, axes = plt.subplots(1, len(snaps), figsize=(4 * len(snaps), 3.4), sharey=True)
for ax, (step, s) in zip(axes, snaps.items()):
    ax.hist(s["fakes"], bins=np.linspace(-3, 10, 80), density=True, color="tab:orange",
            alpha=0.5, label="fakes G(z)")
    ax.plot(grid, gauss(grid, MEAN, STD), "tab:blue", label="p_data")
    ax.plot(grid, s["d"], "k", label="D(x)")
    ax.plot(grid, s["d_star"], "k:", label="D* for this G")
    ax.set(title=f"step {step}", xlabel="x", ylim=(0, 1.05))
axes[0].set_ylabel("density / probability")
axes[0].legend(fontsize=7, loc="upper left")
fig.suptitle("A 1-D GAN: the discriminator (black) follows the generator (orange) to the data",
             y=1.03)
show(fig, "07_gan_1d_training")

# %%
final = snaps[steps]["fakes"]
start_gap = abs(snaps[0]["fakes"].mean() - MEAN)
end_gap = abs(final.mean() - MEAN)
inside = (grid > MEAN - STD) & (grid < MEAN + STD)
d_inside = snaps[steps]["d"][inside]
print(f"fakes: mean {final.mean():.2f} (data {MEAN}), std {final.std():.2f} (data {STD}); "
      f"D(x) within one std of the data mean: {d_inside.min():.2f}..{d_inside.max():.2f}")
print(f"last 100 steps: mean loss_D {np.mean([l[0] for l in loss_log[-100:]]):.3f} "
      f"(2 log 2 = {2 * np.log(2):.3f} at equilibrium)")
# seeds 0-9, 1 and 2 threads (normal mode): the gap in the mean ended at 0.006-0.044 of where
# it started, 0.027-0.187; the spread's gap 0.010-0.084; D over the data 0.476-0.515
check(end_gap < 0.5 * start_gap, f"the generator's mean moved from {MEAN - start_gap:.2f} "
      f"to {final.mean():.2f}, more than halfway to the data's {MEAN}")
if steps >= 1000:
    check(end_gap < 0.3 and abs(final.std() - STD) < 0.35,
          f"after {steps} steps the fakes' mean ({final.mean():.2f}) and spread "
          f"({final.std():.2f}) are close to the data's ({MEAN}, {STD})")
    check(0.3 < d_inside.min() and d_inside.max() < 0.7,
          f"D is near 1/2 over the data ({d_inside.min():.2f}..{d_inside.max():.2f})")

# %% [markdown]
# The generator matches the mean within a few hundred steps, and the spread soon after. Its
# spread keeps wobbling a little from step to step, because the game never settles exactly
# (lesson 08). The discriminator ends flat near $1/2$ over the data and its loss near
# $2 \log 2$: it can no longer tell the two apart, as $D^*$ predicts when the densities agree.
# (The dotted $D^*$ is noisy in the tails, where the kernel estimate of $p_g$ rests on a handful
# of fakes.) A discriminator near $1/2$ does not by itself prove the match is perfect: a small
# network cannot represent every $D^*$, and it sees only 128 samples at a time.
#
# **Two discriminator steps per generator step.** The same networks (same seed, so the same
# starting weights), now with $k = 2$: each generator step costs three forward-backward passes
# instead of two. The interesting part is the approach, so this run stops after 700 generator
# steps. We follow the mean and the spread of each batch of fakes, and the discriminator's loss,
# beside the first 700 steps of the $k = 1$ run.

# %%
mg.manual_seed(SEED)                  # the same starting networks as the k = 1 run
started = time.perf_counter()
k2_steps = pick(700, 100)
G2, D2, _, log_k2 = train_gan_1d(2, np.random.default_rng(SEED + 1), k2_steps)
seconds_k2 = time.perf_counter() - started
with mg.no_grad():
    final_k2 = G2(mg.randn(4000, 1)).numpy().ravel()
log_k1, log_k2 = np.array(loss_log)[:k2_steps + 1], np.array(log_k2)
print(f"k = 1: {seconds_k1 * k2_steps / steps:.1f} s per {k2_steps} generator steps; "
      f"k = 2: {seconds_k2:.1f} s, fakes' mean {final_k2.mean():.2f}, spread {final_k2.std():.2f}")
overshoot = {name: log[:, 2].max() - MEAN for name, log in (("k = 1", log_k1), ("k = 2", log_k2))}
print(f"largest overshoot of the batch mean past the data's: k = 1 {overshoot['k = 1']:.2f}, "
      f"k = 2 {overshoot['k = 2']:.2f}")
for name, log in (("k = 1", log_k1), ("k = 2", log_k2)):
    near = np.nonzero(np.abs(log[:, 2] - MEAN) < 0.5)[0]
    print(f"{name}: first generator step with the batch mean within 0.5 of the data's: "
          f"{near[0] if len(near) else 'never'}; mean loss_D over the last 100 steps "
          f"{log[-100:, 0].mean():.3f}")
if steps >= 1000:
    # seeds 0-9, 1 and 2 threads: mean 3.93-4.17, spread 1.08-1.15; the overshoot, k = 1
    # 1.11-1.42 and k = 2 0.56-0.85, k = 2's smaller by 0.37 or more
    check(abs(final_k2.mean() - MEAN) < 0.3 and abs(final_k2.std() - STD) < 0.35,
          f"with k = 2, after {k2_steps} generator steps the fakes' mean "
          f"({final_k2.mean():.2f}) and spread ({final_k2.std():.2f}) are close to the data's "
          f"({MEAN}, {STD})")
    check(overshoot["k = 2"] < overshoot["k = 1"] - 0.2,
          f"with k = 2 the fakes overshoot the data's mean less ({overshoot['k = 2']:.2f} "
          f"against {overshoot['k = 1']:.2f})", hint="try another MINIGAN_SEED")

fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
for name, log, color in (("k = 1", log_k1, "tab:blue"), ("k = 2", log_k2, "tab:red")):
    for ax, column in zip(axes, (2, 3, 0)):
        ax.plot(log[:, column], color=color, lw=0.8, alpha=0.8, label=name)
for ax, target, title in zip(axes, (MEAN, STD, 2 * np.log(2)),
                             ("mean of each batch of fakes", "spread of each batch of fakes",
                              "discriminator loss")):
    ax.axhline(target, color="k", linestyle=":", lw=1)
    ax.set(xlabel="generator step", title=title)
axes[0].legend(fontsize=8)
axes[2].set_ylim(1.2, 1.5)
fig.suptitle("k discriminator steps per generator step (dotted: the data's value, and 2 log 2)",
             y=1.03)
show(fig, "07_k_steps")

# %% [markdown]
# With $k = 2$ the discriminator is the stronger player during the approach (its loss dips
# lower between steps 200 and 600), so it pushes back sooner when the fakes run past the data:
# the batch mean overshoots by about 0.7 instead of 1.3, and the spread opens up about 100 steps
# earlier (seeds 0-9 all agree). Both runs end in the same place, and each generator step
# costs half as much work again. On this small problem $k = 1$ is enough, which is why it is
# the usual choice (lessons 09-15 use it). More discriminator steps, or a larger learning rate
# for $D$, help when the discriminator falls behind the generator; they do not help when it is
# already winning (section 9 shows what a too-strong discriminator does to the generator).
#
# ## 8. JSD's vanishing gradient
#
# The generator's objective at $D^*$ is a JSD. How much does it tell a generator that is far
# off? Take $p = \mathcal{N}(0, 1)$ and $q = \mathcal{N}(\mu, 1)$ and move $\mu$ from 0 to 30, as
# in the NTUST lecture. Once the two bells stop overlapping, JSD sits at its ceiling $\log 2$
# whatever $\mu$ is: its derivative, the signal that would tell $G$ which way to move, is zero.

# %%
mus = np.linspace(0, 30, pick(121, 31))
xg = np.linspace(-10, 40, 20001)
dx = xg[1] - xg[0]
js = np.array([jsd(log_gauss(xg, 0, 1), log_gauss(xg, mu, 1)) for mu in mus])
slope = np.gradient(js, mus)
print("mu:   ", mus[::len(mus) // 6].round(1))
print("JSD:  ", js[::len(mus) // 6].round(6))
print("slope:", slope[::len(mus) // 6].round(8))
check(abs(js[-1] - np.log(2)) < 1e-9, f"JSD between N(0,1) and N(30,1) is log 2 = 0.693147 "
      f"({js[-1]:.9f})")
far = mus >= 12
check(np.abs(slope[far]).max() < 1e-6, f"for means 12 or more apart the JSD's slope is "
      f"below 1e-6 (largest {np.abs(slope[far]).max():.1e}): no gradient for the generator")

fig, ax = plt.subplots(figsize=(8, 3.6))
ax.plot(mus, js, label=r"JSD$(\mathcal{N}(0,1)\,\|\,\mathcal{N}(\mu,1))$")
ax.plot(mus, slope, "--", label=r"its slope d JSD / d$\mu$")
ax.axhline(np.log(2), color="gray", linestyle=":", label="log 2")
ax.set(xlabel=r"distance between the means $\mu$", ylabel="nats",
       title="JSD saturates at log 2: a distant generator gets no gradient")
ax.legend(fontsize=8)
show(fig, "07_jsd_vanishing_gradient")

# %% [markdown]
# In high dimensions this is the normal case, not a curiosity: real images and early fakes lie
# on thin, almost never overlapping sets, so a well-trained discriminator separates them
# perfectly and the JSD is stuck at $\log 2$. The non-saturating loss (section 5) is one answer;
# the Wasserstein distance, whose slope here would be 1 at every $\mu$, is another (lesson 12).
#
# ## 9. A discriminator trained too well
#
# Arjovsky and Bottou's experiment (shown in the NTUST lecture): freeze the generator, train a
# discriminator from scratch against it for many steps, and measure the gradient each generator
# loss would send back, $\|\nabla_\theta\, \text{loss}\|$ over all of $G$'s weights. We do it in
# 1-D with a fresh generator whose output bias is moved down by 4, so that its fakes sit near
# $-4$, far from the data at $4$: the two hardly overlap, as in high dimensions. $D$ trains with
# Adam at learning rate $5 \cdot 10^{-3}$ for 500 steps; every 25 steps we backpropagate both
# losses through $D$ into $G$ on one fixed batch of 512 codes (without updating $G$).

# %%
def grad_norm(module):
    return float(np.sqrt(sum((p.grad.numpy().astype(np.float64) ** 2).sum()
                             for p in module.parameters() if p.grad is not None)))


mg.manual_seed(SEED + 2)
freeze_rng = np.random.default_rng(SEED + 2)
G_frozen, D_fresh = make_networks()
with mg.no_grad():
    G_frozen[4].bias.data[...] -= 4.0          # fakes near -4, the data near +4
opt_fresh = optim.Adam(D_fresh.parameters(), lr=5e-3, betas=(0.5, 0.999))
z_fixed = mg.randn(512, 1)
d_steps, every = pick(500, 100), pick(25, 10)
watch = []                                      # (D step, |grad| minimax, |grad| non-sat., D(G(z)))
for step in range(d_steps + 1):
    if step % every == 0:
        row = [step]
        for generator_loss in (losses.generator_loss_minimax, losses.generator_loss_nonsaturating):
            for p in G_frozen.parameters():
                p.grad = None
            generator_loss(D_fresh(G_frozen(z_fixed))).backward()
            row.append(grad_norm(G_frozen))
        with mg.no_grad():
            row.append(float(mg.sigmoid(D_fresh(G_frozen(z_fixed))).numpy().mean()))
        watch.append(row)
    real = mg.tensor(freeze_rng.normal(MEAN, STD, (BATCH, 1)).astype(np.float32))
    with mg.no_grad():
        fake = G_frozen(mg.randn(BATCH, 1))
    opt_fresh.zero_grad()
    losses.discriminator_loss_bce(D_fresh(real), D_fresh(fake)).backward()
    opt_fresh.step()
watch = np.array(watch)
for row in watch[::max(1, len(watch) // 5)]:
    print(f"D step {row[0]:4.0f}: D(G(z)) {row[3]:.1e};  |grad G| minimax {row[1]:.2e}, "
          f"non-saturating {row[2]:.2e}")
if d_steps >= 500:
    # seeds 0-9, 1 and 2 threads: minimax end/start 0.0004-0.011; non-saturating / minimax at
    # the end 22,000-60,000
    check(watch[-1, 1] < 0.05 * watch[0, 1],
          f"the minimax loss's gradient vanished as D learned: {watch[0, 1]:.1e} -> "
          f"{watch[-1, 1]:.1e} (below 1/20 of where it started)",
          hint="train D longer (d_steps) or try another MINIGAN_SEED")
    check(watch[-1, 2] > 1000 * watch[-1, 1],
          f"at the end the non-saturating gradient ({watch[-1, 2]:.1e}) is over 1000 times the "
          f"minimax one ({watch[-1, 1]:.1e})", hint="train D longer (d_steps)")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
ax1.semilogy(watch[:, 0], watch[:, 1], "o-", ms=3, label=r"minimax: $\log(1 - D(G(z)))$")
ax1.semilogy(watch[:, 0], watch[:, 2], "s-", ms=3, label=r"non-saturating: $-\log D(G(z))$")
ax1.set(xlabel="discriminator steps (G frozen)", ylabel=r"$\|\nabla_\theta$ loss$\|$ for G",
        title="the gradient each loss sends to a frozen G")
ax1.legend(fontsize=8)
ax2.semilogy(watch[:, 0], watch[:, 3], "k.-")
ax2.set(xlabel="discriminator steps (G frozen)", ylabel="mean D(G(z))",
        title="the discriminator rejects the fakes ever more surely")
fig.tight_layout()
show(fig, "07_frozen_generator")

# %% [markdown]
# As the discriminator becomes sure, $D(G(z)) \to 0$ and the minimax loss's gradient, which is
# proportional to $D(G(z))$ (section 5), dies: a generator trained against this discriminator
# with the loss of the original game would not move. The non-saturating gradient does the
# opposite and grows, because the discriminator's logit gets steeper as it trains: the generator
# keeps a signal, but a large one that swings with the discriminator, which is Arjovsky and
# Bottou's explanation of unstable updates. Neither loss is comfortable against a perfect
# discriminator; lesson 12's Wasserstein critic is built to give a useful gradient there.
#
# ## Exercises
#
# 1. Repeat section 4 for $p_g = \mathcal{N}(0, \sigma^2)$ with $\sigma$ from 0.2 to 3 and plot
#    $C(G)$. *Expected: a minimum of $-\log 4$ at $\sigma = 1$.*
# 2. Give the generator LeakyReLU(0.2) hidden units instead of tanh and retrain. Look at the
#    histogram of the fakes at the end. *Expected (seed 0): the mean is still right but the
#    fakes pile up against a sharp left edge near 3.3, a spread of about 0.7 instead of 1.25,
#    and the discriminator does not notice.*
# 3. Train with `generator_loss_minimax` instead, after setting the generator's output bias to
#    $-6$ (far from the data). How many steps until the fakes' mean passes 2, compared with the
#    non-saturating loss? *Hint: D rejects the fakes confidently, so $D(G(z))$ is tiny.*
# 4. In section 8 replace $q$ by $\mathcal{N}(\mu, 5^2)$ (wider). Where does the JSD's slope
#    vanish now, and why? *Expected: much further out; wider bells overlap longer.*
# 5. In section 6 move the bumps closer, to $\pm 2$, $\pm 1.5$, $\pm 1$. Below which separation
#    does the reverse-KL fit stop sitting on one bump? Compare with the separation at which the
#    mixture itself stops having two humps ($\pm 1$ for unit bumps).
# 6. In section 7 try $k = 5$, and $k = 1$ with the discriminator's learning rate doubled (the
#    DTU lecture's alternative to $k = 2$). Which overshoots least, and what does each cost per
#    generator step?
# Write-it-yourself exercises: lessons/exercises/07_gan_losses.py, checked by python lessons/check.py 07
