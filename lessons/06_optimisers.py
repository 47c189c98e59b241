# %% [markdown]
# # 06. Optimisers: SGD, momentum, RMSprop, Adam, and why GANs use $\beta_1 = 0.5$
#
# Almost every GAN you will meet is trained with Adam at learning rate $2\cdot10^{-4}$ and
# $\beta_1 = 0.5$ (DCGAN's recipe; the DTU lecture adds that the default $\beta_1 = 0.9$
# "doesn't work well, sometimes"). This lesson builds the four classic update rules by hand,
# watches them on a 2-D valley, checks that `minigan.optim` does the same arithmetic, and then
# measures what the momentum coefficient does in a two-player game. You will learn:
#
# * what momentum, per-coordinate scaling (RMSprop) and their combination (Adam) each fix;
# * why Adam's first step is exactly $\text{lr}\cdot\operatorname{sign}(g)$;
# * why momentum hurts when the target moves, and how much, on the simplest game $\min_x \max_y xy$.
#
# **Prerequisites:** lesson 01 (tensors and `.backward()`); lesson 08 returns to the game in depth.
# **Run time:** a few seconds (also with `MINIGAN_FAST=1`).

# %%
import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan import optim
from lessonkit import check, pick, relative_error, show

mg.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. A valley that is steep one way and flat the other
#
# $$f(x, y) = 0.05\,x^2 + 2\,y^2, \qquad \nabla f = (0.1\,x,\; 4\,y).$$
#
# Its curvature is 40 times larger along $y$ than along $x$. This is the situation in a real
# network, where some weights feel huge gradients and others tiny ones. Plain gradient descent
# must keep its step below $2/4 = 0.5$ so that it does not blow up along $y$; with a step that
# small it crawls along $x$, where the gradient is 40 times weaker.

# %%
def f(p):
    return 0.05 * p[0] ** 2 + 2.0 * p[1] ** 2


def grad_f(p):
    return np.array([0.1 * p[0], 4.0 * p[1]])


start = np.array([-9.0, 2.0])
steps = pick(120, 60)

# %% [markdown]
# ## 2. Four update rules, by hand
#
# All of them see only the gradient $g_t$ at the current point. We write them exactly as
# PyTorch (and minigan) does, so that we can compare numbers later.
#
# * **SGD**: $p \leftarrow p - \eta\, g$.
# * **Momentum** (heavy ball): keep a velocity $b \leftarrow \mu b + g$ and step
#   $p \leftarrow p - \eta\, b$. Gradients that keep pointing the same way add up (up to
#   $1/(1-\mu)$ times: 10 times for $\mu = 0.9$); gradients that flip sign cancel.
# * **RMSprop**: keep a running mean of squared gradients $v \leftarrow \alpha v + (1-\alpha) g^2$
#   and step $p \leftarrow p - \eta\, g / (\sqrt{v} + \epsilon)$: each coordinate is divided by
#   its own typical gradient size, so steep and flat directions move at similar speeds.
# * **Adam**: both. A running mean of gradients $m$ (momentum, weight $\beta_1$) and of squared
#   gradients $v$ (weight $\beta_2$), both corrected for starting at zero:
#
# $$m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
# p \leftarrow p - \eta\, \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}.$$

# %%
def run_sgd(p, lr, n):
    path = [p.copy()]
    for _ in range(n):
        p = p - lr * grad_f(p)
        path.append(p.copy())
    return np.array(path)


def run_momentum(p, lr, mu, n):
    path, buf = [p.copy()], None
    for _ in range(n):
        g = grad_f(p)
        buf = g.copy() if buf is None else mu * buf + g     # PyTorch: first buffer = g
        p = p - lr * buf
        path.append(p.copy())
    return np.array(path)


def run_rmsprop(p, lr, n, alpha=0.99, eps=1e-8):
    path, v = [p.copy()], np.zeros_like(p)
    for _ in range(n):
        g = grad_f(p)
        v = alpha * v + (1 - alpha) * g * g
        p = p - lr * g / (np.sqrt(v) + eps)
        path.append(p.copy())
    return np.array(path)


def adam_step(p, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step (t counts from 1); returns the new p, m, v."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    p = p - lr / (1 - beta1 ** t) * m / (np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps)
    return p, m, v


def run_adam(p, lr, n, betas=(0.9, 0.999)):
    path, m, v = [p.copy()], np.zeros_like(p), np.zeros_like(p)
    for t in range(1, n + 1):
        p, m, v = adam_step(p, grad_f(p), m, v, t, lr, *betas)
        path.append(p.copy())
    return np.array(path)


settings = {   # name: (runner, learning rate, extra arguments); rates tuned by eye
    "SGD (lr 0.45)": (run_sgd, 0.45, ()),
    "momentum 0.9 (lr 0.05)": (run_momentum, 0.05, (0.9,)),
    "RMSprop (lr 0.1)": (run_rmsprop, 0.1, ()),
    "Adam (lr 0.5)": (run_adam, 0.5, ()),
}
paths = {}
for name, (runner, lr, extra) in settings.items():
    paths[name] = runner(start, lr, *extra, steps) if extra else runner(start, lr, steps)
    print(f"{name:24s} f after {steps} steps: {f(paths[name][-1]):.2e}")

# %%
xs, ys = np.meshgrid(np.linspace(-10, 3, 200), np.linspace(-3, 3, 150))
fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [1.6, 1]})
ax.contour(xs, ys, 0.05 * xs ** 2 + 2 * ys ** 2, levels=np.geomspace(0.01, 20, 14),
           colors="lightgray", linewidths=0.8)
for name, path in paths.items():
    ax.plot(path[:, 0], path[:, 1], ".-", markersize=3, linewidth=1, label=name)
    ax_loss.semilogy([f(p) for p in path], label=name)
ax.plot(0, 0, "k*", markersize=12, label="minimum")
ax.set(xlabel="x", ylabel="y", title=r"paths on $f = 0.05x^2 + 2y^2$ from (-9, 2)")
ax.legend(fontsize=8, loc="lower right")
ax_loss.set(xlabel="step", ylabel="f (log scale)", title="loss against steps")
ax_loss.legend(fontsize=8)
fig.tight_layout()
show(fig, "06_optimiser_paths")

# %% [markdown]
# What to see: SGD bounces across the steep $y$ direction and creeps along $x$; momentum
# builds up speed along the valley floor (and overshoots, since nothing brakes it); RMSprop
# and Adam divide each coordinate by its own gradient scale, so both set off diagonally, as
# far in the shallow $x$ as in the steep $y$ (Adam's first move is exactly $(+0.5, -0.5)$: see
# below). RMSprop then drops to the valley floor and runs straight along it; Adam's momentum
# carries it in slow swings across the floor and past the minimum (to $x \approx 1.4$) before
# it turns back: scale-free steps are not the same as a straight path.
#
# ## 3. minigan's optimisers do the same arithmetic
#
# `minigan.optim` holds `SGD`, `RMSprop` and `Adam` with PyTorch's signatures. We give each a
# float64 parameter, let autograd compute $\nabla f$, and compare the whole path with ours.

# %%
def minigan_path(make_optimizer, n):
    p = mg.tensor(start, dtype=np.float64, requires_grad=True)
    opt = make_optimizer([p])
    path = [p.numpy().copy()]
    for _ in range(n):
        opt.zero_grad()
        loss = 0.05 * p[0] ** 2 + 2.0 * p[1] ** 2
        loss.backward()
        opt.step()
        path.append(p.numpy().copy())
    return np.array(path)


makers = {
    "SGD (lr 0.45)": lambda ps: optim.SGD(ps, lr=0.45),
    "momentum 0.9 (lr 0.05)": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
    "RMSprop (lr 0.1)": lambda ps: optim.RMSprop(ps, lr=0.1),
    "Adam (lr 0.5)": lambda ps: optim.Adam(ps, lr=0.5),
}
for name, make in makers.items():
    err = relative_error(minigan_path(make, steps), paths[name])
    check(err < 1e-10, f"minigan.optim {name} follows the hand-written path "
          f"(relative error {err:.1e}, should be below 1e-10)")

# %% [markdown]
# ### Adam's first step is $\eta \cdot \operatorname{sign}(g)$
#
# At $t = 1$, $m = (1-\beta_1) g$ and $v = (1-\beta_2) g^2$; after the bias corrections
# $\hat m = g$ and $\sqrt{\hat v} = |g|$, so the step is $\eta\, g/|g| = \eta \operatorname{sign}(g)$
# (up to $\epsilon$). Every parameter moves by exactly the learning rate, whether its gradient is
# $10^{-3}$ or $10^{3}$: Adam does not care about the scale of the loss. We check it on gradients
# spread over six orders of magnitude.

# %%
w = mg.tensor(rng.standard_normal(6), dtype=np.float64, requires_grad=True)
scales = mg.tensor([1e-3, -1e-2, 1e-1, -1.0, 1e2, -1e3], dtype=np.float64)
w0 = w.numpy().copy()
opt = optim.Adam([w], lr=2e-4, betas=(0.5, 0.999))
(w * scales).sum().backward()                 # gradient = scales
opt.step()
step = w.numpy() - w0
print("gradient:", scales.numpy())
print("step / lr:", (step / 2e-4).round(6))
g = scales.numpy()
deviation = np.abs(step / 2e-4 + np.sign(g)).max()
err = relative_error(step, -2e-4 * g / (np.abs(g) + 1e-8))
check(deviation < 2e-5, f"Adam's first step is -lr * sign(g) for gradients from 1e-3 to 1e3 "
      f"(largest deviation {deviation:.1e} of lr, for the smallest gradient: eps / |g| = 1e-5)")
check(err < 1e-10, f"the small deviation is exactly eps's: step = -lr g / (|g| + eps) "
      f"(relative error {err:.1e})")

# %% [markdown]
# ## 4. Momentum against a moving target
#
# In a GAN the discriminator's best move depends on where the generator is *now*, and the
# generator's on where the discriminator is *now*. Momentum is a running average of past
# gradients: with weight $\beta_1$ it remembers about $1/(1-\beta_1)$ steps, 2 for
# $\beta_1 = 0.5$ and 10 for $\beta_1 = 0.9$. So a player with high momentum keeps pushing in
# the direction that was right several steps ago, after its opponent has already moved on.
#
# The simplest game that shows this is $\min_x \max_y\, xy$ (lesson 08 studies it in depth):
# player $x$ wants $xy$ small, player $y$ wants it large, and the only equilibrium is
# $(0, 0)$. Each player's gradient is the *other* player's coordinate, so the target moves
# with every step. We train both players with Adam ($\beta_2 = 0.999$, learning rate 0.05),
# alternating as GAN training does ($y$, the "discriminator", then $x$, the "generator"), from
# $(1, 1)$, for three values of $\beta_1$.

# %%
def adam_game(beta1, lr=0.05, n=1000):
    """Alternating Adam on V(x, y) = xy: y ascends V, then x descends it. Returns the path."""
    x, y = np.array([1.0]), np.array([1.0])
    mx, vx, my, vy = (np.zeros(1) for _ in range(4))
    path = [(x[0], y[0])]
    for t in range(1, n + 1):
        y, my, vy = adam_step(y, -x, my, vy, t, lr, beta1)   # dV/dy = x, ascend: descend -x
        x, mx, vx = adam_step(x, y, mx, vx, t, lr, beta1)    # dV/dx = y, with the new y
        path.append((x[0], y[0]))
    return np.array(path)


game_steps = pick(1000, 300)
betas1 = [0.0, 0.5, 0.9]
games = {b: adam_game(b, n=game_steps) for b in betas1}
radius = {b: np.hypot(*games[b].T) for b in betas1}
for b in betas1:
    print(f"beta1 = {b}: distance from the equilibrium after {game_steps} steps "
          f"{radius[b][-1]:.2f} (largest {radius[b].max():.2f})")

# %% [markdown]
# The same game, checked against minigan's `Adam` (two scalar parameters, alternating steps):

# %%
def minigan_game(beta1, lr=0.05, n=50):
    x = mg.tensor([1.0], dtype=np.float64, requires_grad=True)
    y = mg.tensor([1.0], dtype=np.float64, requires_grad=True)
    opt_x = optim.Adam([x], lr=lr, betas=(beta1, 0.999))
    opt_y = optim.Adam([y], lr=lr, betas=(beta1, 0.999))
    path = [(1.0, 1.0)]
    for _ in range(n):
        opt_y.zero_grad()
        (-(x.detach() * y)).sum().backward()      # y maximises xy
        opt_y.step()
        opt_x.zero_grad()
        (x * y.detach()).sum().backward()         # x minimises xy
        opt_x.step()
        path.append((x.item(), y.item()))
    return np.array(path)


err = relative_error(minigan_game(0.5), adam_game(0.5, n=50))
check(err < 1e-10, f"minigan's Adam plays the game exactly like the hand-written Adam "
      f"(relative error {err:.1e} over 50 rounds)")
print("minigan's Adam: adam_step in minigan/kernels/reference.py (the formula above) and in "
      "kernels/fast.py (PyTorch's in-place form)")

# %% [markdown]
# ### How fast does each $\beta_1$ drift away? An exact answer
#
# Replace Adam by its momentum part alone (an exponential average of gradients,
# $b \leftarrow \beta b + (1-\beta) g$, step $-\eta b$). On the bilinear game every update is
# linear in the state $(x, y, b_x, b_y)$, so one round is a $4\times4$ matrix $M$, and after $t$
# rounds the distance from the equilibrium grows like $\rho(M)^t$, where $\rho$ is the largest
# eigenvalue modulus. $\rho = 1$ means the players circle forever; $\rho > 1$ means they spiral
# out. We compute $\rho$ for a range of $\beta$.

# %%
def round_matrix(beta, lr, alternating=True):
    """One round of EMA-momentum gradient play on V = xy, state (x, y, b_x, b_y)."""
    d = 1.0 - beta
    y_move = np.eye(4)                        # y's velocity sees -x, then y steps
    y_move[3] = [-d, 0, 0, beta]
    y_move[1] = np.array([0, 1, 0, 0]) - lr * y_move[3]
    x_move = np.eye(4)                        # x's velocity sees y, then x steps
    x_move[2] = [0, d, beta, 0]
    x_move[0] = np.array([1, 0, 0, 0]) - lr * x_move[2]
    if alternating:
        return x_move @ y_move
    both = np.eye(4)                          # simultaneous: both read the old state
    both[2], both[3] = [0, d, beta, 0], [-d, 0, 0, beta]
    both[0] = np.array([1, 0, 0, 0]) - lr * both[2]
    both[1] = np.array([0, 1, 0, 0]) - lr * both[3]
    return both


def growth(beta, lr=0.1, alternating=True):
    return np.abs(np.linalg.eigvals(round_matrix(beta, lr, alternating))).max()


beta_grid = np.linspace(0, 0.98, 50)
for b in (0.0, 0.5, 0.9):
    print(f"beta = {b}: growth per round {growth(b):.4f} (alternating), "
          f"{growth(b, alternating=False):.4f} (simultaneous)")
check(abs(growth(0.0) - 1) < 1e-12 < growth(0.5) - 1 < growth(0.9) - 1,
      f"alternating play without momentum circles (growth {growth(0.0):.6f}); momentum makes it "
      f"spiral out, faster for beta 0.9 ({growth(0.9):.4f}) than 0.5 ({growth(0.5):.4f})")

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
colours = {0.0: "tab:green", 0.5: "tab:blue", 0.9: "tab:red"}
for b in betas1:
    axes[0].plot(*games[b].T, linewidth=0.8, color=colours[b], label=rf"$\beta_1$ = {b}")
    axes[1].plot(radius[b], color=colours[b], label=rf"$\beta_1$ = {b}")
axes[0].plot(0, 0, "k*", markersize=12, label="equilibrium")
axes[0].set(xlabel="x (minimises xy)", ylabel="y (maximises xy)", aspect="equal",
            title=f"alternating Adam on min_x max_y xy, lr 0.05, {game_steps} rounds")
axes[0].legend(fontsize=8)
axes[1].set(xlabel="round", ylabel="distance from (0, 0)", title="how far the players drift")
axes[1].legend(fontsize=8)
axes[2].plot(beta_grid, [growth(b) for b in beta_grid], label="alternating")
axes[2].plot(beta_grid, [growth(b, alternating=False) for b in beta_grid], "--",
             label="simultaneous")
axes[2].axhline(1, color="gray", linewidth=0.8)
for b in (0.5, 0.9):
    axes[2].axvline(b, color=colours[b], linewidth=0.8, linestyle=":")
axes[2].set(xlabel=r"momentum $\beta$", ylabel=r"growth per round $\rho(M)$",
            title="momentum-only play, lr 0.1: exact growth rate")
axes[2].legend(fontsize=8)
fig.tight_layout()
show(fig, "06_momentum_in_a_game")

# %%
check(radius[0.9][-1] > radius[0.5][-1] > radius[0.0][-1],
      f"after {game_steps} rounds of Adam, beta1 0.9 ends furthest from the equilibrium "
      f"({radius[0.9][-1]:.2f}), then 0.5 ({radius[0.5][-1]:.2f}), then 0 "
      f"({radius[0.0][-1]:.2f})")

# %% [markdown]
# ## What we measured, honestly
#
# * On $\min_x\max_y xy$, no Adam setting converges: the game has no "downhill" to follow
#   (lesson 08). But momentum makes it worse, and more momentum makes it worse faster: with
#   $\beta_1 = 0.9$ the players end roughly three times further from the equilibrium than with
#   $\beta_1 = 0.5$, and the exact growth rate of momentum-only play rises steeply with $\beta$
#   from 0 up to about 0.9; its excess over 1 is three times larger at 0.9 than at 0.5. (Beyond
#   $\beta \approx 0.9$ it falls again at this learning rate: a very long memory averages the
#   rotation away as well as the signal. Nobody trains a GAN there.)
# * On this toy, $\beta_1 = 0$ (RMSprop-like Adam) is best of all. Real GANs still keep
#   *some* momentum because their gradients are noisy minibatch estimates, and averaging two
#   or so steps smooths them. $\beta_1 = 0.5$ is the compromise DCGAN found by trial:
#   short memory, so little lag behind a moving opponent; some smoothing. It is a rule of thumb,
#   not a theorem, which is what "doesn't work well (sometimes)" in the lecture means.
#
# ## Exercises
#
# 1. Run `run_momentum` on the valley with $\mu = 0.5$ and $\mu = 0.99$ (same learning rate).
#    Which reaches $f < 10^{-3}$ first, and what does the $\mu = 0.99$ path look like?
#    *Expected: 0.99 spirals around the minimum for hundreds of steps.*
# 2. Replace alternating play by simultaneous play in `adam_game` (both players read the old
#    $x, y$). Does the order of the three $\beta_1$ values change? *Hint: compare with the
#    dashed curve of the last panel.*
# 3. Scale $f$ by 1000 and rerun Adam and SGD with the same learning rates. Which path
#    changes? *Expected: Adam's path is the same up to $\epsilon$; SGD blows up.*
# Write-it-yourself exercises: lessons/exercises/06_optimisers.py, checked by python lessons/check.py 06
