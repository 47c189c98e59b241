# %% [markdown]
# # 07. The GAN game: value, optimal discriminator, Jensen-Shannon
#
# A GAN is a game between a generator $G$, which turns noise $z$ into samples, and a
# discriminator $D$, which outputs the probability that its input is real. This lesson works
# through the game's mathematics in one dimension, where every quantity can be computed on a
# grid and plotted, then trains a tiny GAN with minigan and watches the discriminator learn.
# You will learn:
#
# * the value $V(D, G)$ and why it is a (negated) binary cross-entropy;
# * the optimal discriminator $D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))$;
# * that against $D^*$ the generator minimises $C(G) = 2\,\mathrm{JSD}(p_\text{data}\|p_g) - \log 4$;
# * why generators use $-\log D(G(z))$ instead of $\log(1 - D(G(z)))$;
# * why JSD gives no gradient when the two distributions do not overlap.
#
# **Prerequisites:** lessons 01-03 (autodiff, dense layers, losses) and 06 (Adam).
# **Run time:** about 5 seconds (about 2 seconds with `MINIGAN_FAST=1`).

# %%
import os

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
# ## 1. The value of the game
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
# ## 2. The optimal discriminator
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
# ## 3. The generator's objective at $D^*$ is a Jensen-Shannon divergence
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
# ## 4. Saturating versus non-saturating generator loss
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
# ## 5. A 1-D GAN, trained with minigan
#
# Data: $\mathcal{N}(4, 1.25^2)$. Generator: an MLP from one noise number $z \sim
# \mathcal{N}(0,1)$ to one output, with tanh hidden units (a smooth map from noise to samples;
# exercise 2 tries LeakyReLU). Discriminator: an MLP from one number to a logit, with
# LeakyReLU(0.2). Both train with Adam, learning rate $10^{-3}$, $\beta_1 = 0.5$ (lesson 06). Each
# step takes one discriminator step on a batch of real and fake samples (fakes detached, so only
# $D$ learns), then one generator step with the non-saturating loss. We keep snapshots of $D$'s
# curve, together with the optimal discriminator for the generator of that moment ($p_g$ estimated
# by a kernel density estimate of 4,000 fakes), to see $D$ chase $D^*$.

# %%
MEAN, STD, BATCH = 4.0, 1.25, 128
steps = pick(1500, 150)
snapshot_at = sorted({0, pick(100, 30), pick(400, 80), steps})

G = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
D = nn.Sequential(nn.Linear(1, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32), nn.LeakyReLU(0.2),
                  nn.Linear(32, 1))
opt_G = optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
opt_D = optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
grid = np.linspace(-3, 10, 300)


def snapshot():
    with mg.no_grad():
        fakes = G(mg.randn(4000, 1)).numpy().ravel()
        d_curve = mg.sigmoid(D(mg.tensor(grid.reshape(-1, 1).astype(np.float32)))).numpy().ravel()
    bandwidth = 1.06 * fakes.std() * len(fakes) ** -0.2 + 1e-3   # Silverman's rule
    p_fake = gauss(grid[:, None], fakes[None, :], bandwidth).mean(axis=1)
    p_real = gauss(grid, MEAN, STD)
    return dict(fakes=fakes, d=d_curve, d_star=p_real / (p_real + p_fake + 1e-12))


snaps, loss_log = {}, []
for step in range(steps + 1):
    if step in snapshot_at:
        snaps[step] = snapshot()
    real = mg.tensor(rng.normal(MEAN, STD, (BATCH, 1)).astype(np.float32))
    fake = G(mg.randn(BATCH, 1))
    opt_D.zero_grad()
    loss_d = losses.discriminator_loss_bce(D(real), D(fake.detach()))
    loss_d.backward()
    opt_D.step()
    opt_G.zero_grad()
    loss_g = losses.generator_loss_nonsaturating(D(fake))
    loss_g.backward()
    opt_G.step()
    loss_log.append((loss_d.item(), loss_g.item()))

run_dir = os.path.join("runs", "lessons", "07_the_gan_game")
os.makedirs(run_dir, exist_ok=True)
save_checkpoint(os.path.join(run_dir, "gan_1d.npz"),
                {**prefixed("G", G.state_dict()), **prefixed("D", D.state_dict()),
                 "losses": np.array(loss_log)}, {"steps": steps})
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
# ## 6. JSD's vanishing gradient
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
# perfectly and the JSD is stuck at $\log 2$. The non-saturating loss (section 4) is one answer;
# the Wasserstein distance, whose slope here would be 1 at every $\mu$, is another (lesson 12).
#
# ## Exercises
#
# 1. Repeat section 3 for $p_g = \mathcal{N}(0, \sigma^2)$ with $\sigma$ from 0.2 to 3 and plot
#    $C(G)$. *Expected: a minimum of $-\log 4$ at $\sigma = 1$.*
# 2. Give the generator LeakyReLU(0.2) hidden units instead of tanh and retrain. Look at the
#    histogram of the fakes at the end. *Expected (seed 0): the mean is still right but the
#    fakes pile up against a sharp left edge near 3.3, a spread of about 0.7 instead of 1.25,
#    and the discriminator does not notice.*
# 3. Train with `generator_loss_minimax` instead, after setting the generator's output bias to
#    $-6$ (far from the data). How many steps until the fakes' mean passes 2, compared with the
#    non-saturating loss? *Hint: D rejects the fakes confidently, so $D(G(z))$ is tiny.*
# 4. In section 6 replace $q$ by $\mathcal{N}(\mu, 5^2)$ (wider). Where does the JSD's slope
#    vanish now, and why? *Expected: much further out; wider bells overlap longer.*
# Write-it-yourself exercises: lessons/exercises/07_gan_losses.py, checked by python lessons/check.py 07
