# %% [markdown]
# # 08. Game dynamics: why GAN training circles instead of converging
#
# Training one network is descending a hill. Training a GAN is two players each descending
# *their own* hill, and each player's hill moves whenever the other one steps. This lesson
# studies the smallest such game, $\min_x \max_y\, xy$ (the NTUST lecture's example), where
# everything can be computed exactly, and then recognises the same motion in a real GAN. You
# will learn:
#
# * why simultaneous gradient descent-ascent spirals *away* from the equilibrium, by exactly a
#   factor $\sqrt{1 + \eta^2}$ per step;
# * why alternating the players' steps (what GAN code does) circles forever instead;
# * two fixes that do converge: extragradient (look ahead) and consensus optimisation;
# * that a real GAN near its equilibrium behaves the same way (the "Dirac GAN").
#
# **Prerequisites:** lesson 06 (optimisers) and 07 (the GAN game).
# **Run time:** a few seconds (also with `MINIGAN_FAST=1`).

# %%
import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan import optim
from minigan.gan import losses
from lessonkit import check, pick, relative_error, show

mg.manual_seed(0)

# %% [markdown]
# ## 1. The game $\min_x \max_y xy$
#
# Player $x$ wants $V = xy$ small, player $y$ wants it large. At $(0, 0)$ neither can gain by
# moving alone: if $y = 0$, $V = 0$ whatever $x$ does, and the same for $y$. That is a *Nash
# equilibrium*, the point a GAN's training is supposed to reach (lecture: $D^* = 1/2$,
# $p_g = p_\text{data}$). Each player follows its own gradient: $\partial V/\partial x = y$
# and $\partial V/\partial y = x$, so with step $\eta$
#
# $$x \leftarrow x - \eta\, y \quad (\text{descend}), \qquad y \leftarrow y + \eta\, x \quad (\text{ascend}).$$
#
# The field $(-y, x)$ is a pure rotation around the origin: nobody's gradient points towards
# the equilibrium. Whether the players close in, circle or fly away depends only on the
# discrete steps.

# %%
eta = 0.1
steps = pick(300, 250)
start = np.array([1.0, 0.5])


def simultaneous(z, eta):
    x, y = z
    return np.array([x - eta * y, y + eta * x])          # both read the old (x, y)


def alternating(z, eta):
    x, y = z
    y = y + eta * x                                       # the discriminator moves first
    return np.array([x - eta * y, y])                     # the generator sees the new y


def play(step, z, n, eta=eta):
    path = [z]
    for _ in range(n):
        z = step(z, eta)
        path.append(z)
    return np.array(path)


path_sim = play(simultaneous, start, steps)
path_alt = play(alternating, start, steps)

# %% [markdown]
# ## 2. Simultaneous steps spiral out: $r_{t+1} = \sqrt{1 + \eta^2}\, r_t$
#
# One simultaneous step multiplies $(x, y)$ by $\begin{pmatrix}1 & -\eta\\ \eta & 1\end{pmatrix}$,
# which is $\sqrt{1+\eta^2}$ times a rotation. Directly:
# $(x - \eta y)^2 + (y + \eta x)^2 = (1 + \eta^2)(x^2 + y^2)$, the cross terms cancel. Each step
# moves along the tangent of the circle it is on, and a tangent always leaves the circle
# outwards. However small $\eta$, the distance grows geometrically.

# %%
r_sim = np.hypot(*path_sim.T)
ratio = r_sim[1:] / r_sim[:-1]
err = relative_error(ratio, np.full_like(ratio, np.sqrt(1 + eta ** 2)))
print(f"radius: start {r_sim[0]:.3f}, after {steps} steps {r_sim[-1]:.3f}; "
      f"predicted {r_sim[0] * (1 + eta ** 2) ** (steps / 2):.3f}")
check(err < 1e-12, f"every simultaneous step multiplies the radius by sqrt(1 + eta^2) = "
      f"{np.sqrt(1 + eta ** 2):.6f} (relative error {err:.1e})")

# %% [markdown]
# ## 3. Alternating steps circle forever
#
# GAN code alternates: update $D$, then update $G$ *against the updated* $D$. For our game,
# $y$ steps first and $x$ then sees the new $y$. One round is now the product of two shears,
# a matrix of determinant exactly 1: it preserves area, so the orbit can neither shrink nor
# grow. It even keeps one quantity exactly,
#
# $$Q(x, y) = x^2 + y^2 + \eta\, x y ,$$
#
# (expand $Q$ after one round to see it), so the players run around the ellipse $Q = $ const
# forever, and since $Q \ge (1 - \eta/2)(x^2 + y^2)$ their distance from the equilibrium stays
# below $\sqrt{Q/(1 - \eta/2)}$. They never converge, but they never escape either: training
# "oscillates", exactly what the lectures report.

# %%
r_alt = np.hypot(*path_alt.T)
Q = path_alt[:, 0] ** 2 + path_alt[:, 1] ** 2 + eta * path_alt[:, 0] * path_alt[:, 1]
drift = np.abs(Q - Q[0]).max() / Q[0]
bound = np.sqrt(Q[0] / (1 - eta / 2))
print(f"alternating: radius stays in [{r_alt.min():.3f}, {r_alt.max():.3f}], bound {bound:.3f}")
check(drift < 1e-12, f"alternating play keeps Q = x^2 + y^2 + eta x y constant (relative "
      f"drift {drift:.1e} over {steps} rounds)")
check(r_alt.max() <= bound and r_alt.min() > 0.5 * r_alt[0],
      f"alternating play stays bounded (largest radius {r_alt.max():.3f} <= {bound:.3f}) "
      f"and does not converge (smallest {r_alt.min():.3f})")

# %% [markdown]
# ## 4. Two fixes that converge
#
# **Extragradient** (Korpelevich, 1976): take a trial step, read the gradients *there*, and
# apply those to the original point. The trial step reveals where the opponent is going, so the
# players aim at where the other will be instead of where it was (the opposite of momentum,
# lesson 06). For our game one step is $z \leftarrow ((1-\eta^2) I - \eta A) z$ with $A$ the
# rotation, so $r_{t+1} = \sqrt{1 - \eta^2 + \eta^4}\; r_t$: it shrinks for any $0 < \eta < 1$.
#
# **Consensus optimisation** (Mescheder et al., 2017): both players also descend
# $\gamma \cdot \tfrac12 \|\nabla V\|^2$, the squared length of the game's vector field, which is
# zero only at stationary points. Here $\tfrac12\|\nabla V\|^2 = \tfrac12(x^2 + y^2)$, so the
# extra term pulls both players towards the middle, and one step multiplies the radius by
# $\sqrt{(1 - \eta\gamma)^2 + \eta^2}$, below 1 as soon as $\gamma > \eta/2$ (about).

# %%
def extragradient(z, eta):
    half = simultaneous(z, eta)                            # look ahead ...
    x, y = z
    hx, hy = half
    return np.array([x - eta * hy, y + eta * hx])          # ... and step with its gradients


def consensus(z, eta, gamma=0.2):
    x, y = z
    # the game's field (y, -x) for (descend x, ascend y), plus gamma * grad of (x^2 + y^2) / 2
    return np.array([x - eta * (y + gamma * x), y + eta * (x - gamma * y)])


path_eg = play(extragradient, start, steps)
path_co = play(consensus, start, steps)
r_eg = np.hypot(*path_eg.T)
err = relative_error(r_eg[1:] / r_eg[:-1], np.full(steps, np.sqrt(1 - eta ** 2 + eta ** 4)))
check(err < 1e-12, f"extragradient multiplies the radius by sqrt(1 - eta^2 + eta^4) = "
      f"{np.sqrt(1 - eta ** 2 + eta ** 4):.6f} per step (relative error {err:.1e})")
r_co = np.hypot(*path_co.T)
err = relative_error(r_co[1:] / r_co[:-1],
                     np.full(steps, np.hypot(1 - eta * 0.2, eta)))
check(err < 1e-12, f"consensus (gamma 0.2) multiplies the radius by sqrt((1 - 0.2 eta)^2 + "
      f"eta^2) = {np.hypot(1 - eta * 0.2, eta):.6f} per step (relative error {err:.1e})")
check(r_eg[-1] < 0.5 * r_eg[0] and r_co[-1] < 0.1 * r_co[0],
      f"both converge: after {steps} steps extragradient is at radius {r_eg[-1]:.3f}, "
      f"consensus at {r_co[-1]:.3f} (from {r_eg[0]:.3f})")

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 5))
styles = {"simultaneous": (path_sim, "tab:red"), "alternating": (path_alt, "tab:blue"),
          "extragradient": (path_eg, "tab:green"), "consensus (gamma 0.2)": (path_co, "tab:purple")}
for name, (path, colour) in styles.items():
    axes[0].plot(*path.T, color=colour, linewidth=1, label=name)
    axes[1].semilogy(np.hypot(*path.T), color=colour, label=name)
axes[0].plot(*start, "ko", label="start")
axes[0].plot(0, 0, "k*", markersize=12, label="Nash equilibrium")
axes[0].set(xlabel="x (minimises xy)", ylabel="y (maximises xy)", aspect="equal",
            title=rf"gradient play on $\min_x \max_y xy$, $\eta$ = {eta}, {steps} steps")
axes[0].legend(fontsize=8, loc="upper left")
axes[1].set(xlabel="step", ylabel="distance from (0, 0), log scale",
            title="spiral out, circle, or converge")
axes[1].legend(fontsize=8)
fig.tight_layout()
show(fig, "08_bilinear_game")

# %% [markdown]
# ## 5. The same motion in a real GAN: the Dirac GAN
#
# Mescheder, Geiger and Nowozin (2018) reduced a GAN to two numbers. The data is a single point at
# 0; the generator outputs a single point $\theta$; the discriminator is $D(x) = \sigma(\psi x)$,
# one weight. We train them with minigan's own losses (lesson 07: the minimax generator loss
# first, then the non-saturating one) and plain `optim.SGD`. At the equilibrium $\theta = 0$ the
# discriminator has nothing to tell apart and $\psi = 0$. Near it, $\sigma(\psi\theta) \approx
# 1/2$, and the two gradients become $\partial_\theta \approx -\psi/2$, $\partial_\psi \approx
# \theta/2$: our bilinear game with half the step.

# %%
def dirac_gan(simultaneous_steps, kind="minimax", lr=0.2, n=pick(600, 300)):
    theta = mg.tensor([1.0], dtype=np.float64, requires_grad=True)   # the generator
    psi = mg.tensor([0.5], dtype=np.float64, requires_grad=True)     # the discriminator
    opt_g, opt_d = optim.SGD([theta], lr=lr), optim.SGD([psi], lr=lr)
    real = mg.tensor([0.0], dtype=np.float64)
    path = [(theta.item(), psi.item())]
    for _ in range(n):
        opt_d.zero_grad()
        opt_g.zero_grad()
        loss_d = losses.discriminator_loss_bce(psi * real, psi * theta.detach())
        loss_d.backward()
        if not simultaneous_steps:
            opt_d.step()                  # alternating: G answers the updated D
        loss_g = losses.generator_loss(psi.detach() * theta, kind)
        loss_g.backward()
        if simultaneous_steps:
            opt_d.step()                  # simultaneous: both used the old point
        opt_g.step()
        path.append((theta.item(), psi.item()))
    return np.array(path)


dirac = {(kind, sim): dirac_gan(sim, kind) for kind in ("minimax", "nonsaturating")
         for sim in (True, False)}
radii = {key: np.hypot(*path.T) for key, path in dirac.items()}
for (kind, sim), r in radii.items():
    print(f"Dirac GAN, {kind:13s} loss, {'simultaneous' if sim else 'alternating '}: radius "
          f"{r[0]:.3f} -> {r[-1]:.3f} (range {r.min():.3f}..{r.max():.3f})")
r_dsim, r_dalt = radii["minimax", True], radii["minimax", False]
check(r_dsim[-1] > 1.5 * r_dsim[0], f"simultaneous SGD on the (zero-sum) Dirac GAN spirals out "
      f"(radius {r_dsim[0]:.2f} -> {r_dsim[-1]:.2f})")
check(r_dalt.max() < 1.1 * r_dalt[0] and r_dalt.min() > 0.9 * r_dalt[0],
      f"alternating SGD on the Dirac GAN circles: neither escapes nor converges "
      f"(radius {r_dalt.min():.2f}..{r_dalt.max():.2f})")

# %%
fig, ax = plt.subplots(figsize=(6.5, 5.5))
for (kind, sim), path in dirac.items():
    ax.plot(*path.T, color="tab:red" if sim else "tab:blue", linewidth=1,
            linestyle="-" if kind == "minimax" else "--",
            label=f"{'simultaneous' if sim else 'alternating'}, {kind} G loss")
ax.plot(*dirac["minimax", True][0], "ko", label="start")
ax.plot(0, 0, "k*", markersize=12, label="equilibrium")
ax.set(xlabel=r"generator's point $\theta$", ylabel=r"discriminator's weight $\psi$",
       aspect="equal", title="the Dirac GAN trained with minigan's SGD (lr 0.2)")
ax.legend(fontsize=8)
show(fig, "08_dirac_gan")

# %% [markdown]
# With the minimax generator loss the Dirac GAN is an exact zero-sum game, and it behaves like
# $xy$: simultaneous steps spiral out, alternating steps circle. With the non-saturating loss
# (dashed) the game is no longer zero-sum: the generator's factor is $\sigma(-\psi\theta)$ and
# the discriminator's $\sigma(\psi\theta)$, and in this run that asymmetry happens to damp the
# rotation, so both orbits shrink slowly (the printout above says by how much). Do not count
# on it: at the equilibrium both losses give the same linearised dynamics, a pure rotation
# (that is Mescheder et al.'s point), so the damping comes only from higher-order terms, which
# vanish as the players approach the equilibrium and are nothing to rely on in a real network.
#
# %% [markdown]
# ## What this means for GAN training
#
# * A GAN's losses are not a landscape with a bottom; near the equilibrium the players mostly
#   *rotate* around it. Simultaneous steps spiral out, alternating steps circle, and a loss
#   curve that oscillates rather than falls is the normal picture, not a bug in your code.
# * Momentum (lesson 06) adds lag and makes the spiral worse; that is one reason GANs use Adam
#   with $\beta_1 = 0.5$ and small learning rates (the radius grows like $(1+\eta^2)^{t/2}$,
#   so a smaller $\eta$ slows the drift quadratically).
# * Methods that anticipate the opponent (extragradient, optimistic Adam), penalise the
#   rotation (consensus optimisation), or damp the discriminator near the data (gradient
#   penalties, lesson 12, which are what stabilise the Dirac GAN in Mescheder et al.) turn the
#   circling into convergence.
#
# ## Exercises
#
# 1. Run `alternating` with $\eta = 1.9$ and $\eta = 2.1$. What changes? *Hint: the round's
#    matrix has trace $2 - \eta^2$; its eigenvalues leave the unit circle when
#    $|2 - \eta^2| > 2$.*
# 2. Add momentum to simultaneous play (keep velocities $b \leftarrow \beta b + g$) and measure
#    the growth per step for $\beta = 0.5$ and $0.9$ at $\eta = 0.1$. *Expected: both grow
#    faster than $\sqrt{1 + \eta^2} \approx 1.005$, and 0.9 fastest.*
# 3. Implement *optimistic* gradient descent, $z_{t+1} = z_t - 2\eta F(z_t) + \eta F(z_{t-1})$
#    with $F(z) = (y, -x)$, and check that it converges on $xy$. *Expected: the radius shrinks
#    geometrically for small $\eta$.*
# Write-it-yourself exercises: lessons/exercises/08_game_steps.py, checked by python lessons/check.py 08
