# %% [markdown]
# # 12. LSGAN, WGAN and WGAN-GP: changing what the discriminator measures
#
# Lesson 07 showed that, with an optimal discriminator, the original GAN minimises the
# Jensen-Shannon divergence, and that JSD stops changing once the two distributions no
# longer overlap: the generator gets no gradient. Three fixes change the loss:
#
# * **LSGAN** replaces cross-entropy with squared errors towards target values $a, b, c$;
# * **WGAN** makes the discriminator a *critic* that estimates the Wasserstein (earth mover)
#   distance, which keeps a slope however far apart the distributions are, provided the
#   critic is 1-Lipschitz, enforced by **clipping** its weights;
# * **WGAN-GP** enforces the Lipschitz constraint with a **gradient penalty**, a loss built
#   from the critic's gradient, whose own gradient is a second derivative.
#
# You will compute the Wasserstein distance by hand in 1-D, write the gradient penalty by hand
# and check it (and its double backward) against minigan, and train a WGAN with clipping and
# one with the penalty, looking at the clipped weights pile up at $\pm c$.
#
# **Prerequisites:** lessons 02 (gradient checks), 07 (the GAN game, JSD) and 09 (the
# vanilla GAN on MNIST).
#
# **Run time:** about 2 minutes on a quiet 2-core CPU (under 10 s with `MINIGAN_FAST=1`).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
import minigan.pretrained
from lessonkit import FAST, SEED, check, pick, relative_error, show
from minigan import autograd, backend
from minigan.data import DataLoader, load_bundled_mnist, scale_to_unit_range
from minigan.gan import losses, train
from minigan.gan.models.wgan import WGAN
from minigan.gradcheck import gradcheck
from minigan.metrics import evaluate_samples
from minigan.nn import functional as F
from minigan.viz import image_grid, smooth

mg.manual_seed(SEED)
started = time.perf_counter()

# %% [markdown]
# ## Why a distance with a slope helps: JSD versus Wasserstein in 1-D
#
# Take the data $P = \mathcal N(0, 1)$ and a "generator" $Q_\theta = \mathcal N(\theta, 1)$
# whose only parameter is its mean. The JSD between them (computed on a grid) climbs to
# $\log 2$ and then stays flat: for $\theta$ beyond about 12 its derivative is below $10^{-6}$
# (the overlap decays like $e^{-\theta^2/8}$). The **Wasserstein-1** distance is the least average distance mass must travel to turn
# one distribution into the other. In 1-D the optimal plan matches quantiles, so for two
# samples of equal size it is the mean gap between their sorted values; here it equals
# $|\theta|$, a slope of 1 everywhere.

# %%
grid = np.linspace(-12, 42, 20001)
dx = grid[1] - grid[0]


def jsd_gaussians(mean_p, mean_q):
    """JSD of N(mean_p, 1) and N(mean_q, 1) by quadrature, in log space (no 0/0 in the tails)."""
    log_p = -0.5 * (grid - mean_p) ** 2 - 0.5 * np.log(2 * np.pi)
    log_q = -0.5 * (grid - mean_q) ** 2 - 0.5 * np.log(2 * np.pi)
    log_m = np.logaddexp(log_p, log_q) - np.log(2)
    kl_pm = np.sum(np.exp(log_p) * (log_p - log_m)) * dx
    kl_qm = np.sum(np.exp(log_q) * (log_q - log_m)) * dx
    return 0.5 * kl_pm + 0.5 * kl_qm


def earth_mover_1d(x, y):
    """W1 between two equal-size samples: match sorted values (quantiles), average the gaps."""
    return np.abs(np.sort(x) - np.sort(y)).mean()


thetas = np.linspace(0, 30, 61)
js = np.array([jsd_gaussians(0, t) for t in thetas])
rng = np.random.default_rng(0)
base = rng.standard_normal(20000)
w1 = np.array([earth_mover_1d(base, rng.standard_normal(20000) + t) for t in thetas])
slope_js = np.gradient(js, thetas)
slope_w = np.gradient(w1, thetas)
far = thetas >= 12
print(f"JSD at theta = 10: {js[thetas == 10][0]:.6f} (log 2 = {np.log(2):.6f}); "
      f"largest |dJSD/dtheta| beyond 12: {np.abs(slope_js[far]).max():.1e}")
print(f"W1 at theta = 10: {w1[thetas == 10][0]:.3f}; dW1/dtheta beyond 12 in "
      f"[{slope_w[far].min():.2f}, {slope_w[far].max():.2f}]")
check(np.abs(slope_js[far]).max() < 1e-6 and np.abs(slope_w[far] - 1).max() < 0.1
      and np.abs(w1 - thetas).max() < 0.05,
      f"JSD is flat far away (slope < 1e-6) while the hand-computed W1 tracks |theta| "
      f"(max error {np.abs(w1 - thetas).max():.3f}) with slope 1")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
axes[0].plot(thetas, js, label="JSD(P, Q$_θ$)")
axes[0].axhline(np.log(2), color="k", ls=":", lw=1, label="log 2")
axes[0].set(xlabel="θ (mean of Q)", ylabel="JSD", title="Jensen-Shannon: saturates")
axes[1].plot(thetas, w1, label="W$_1$ from sorted samples")
axes[1].plot(thetas, thetas, "k:", lw=1, label="|θ|")
axes[1].set(xlabel="θ (mean of Q)", ylabel="W$_1$", title="Wasserstein-1: a slope everywhere")
for ax in axes:
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
fig.tight_layout()
show(fig, "12_jsd_vs_wasserstein")

# %% [markdown]
# ## LSGAN: least squares towards target values
#
# Mao et al. (2017) keep the two-player structure but let $D$ output a raw score and
# regress it onto targets: $b$ for real data, $a$ for fakes; the generator wants its fakes
# scored $c$:
#
# $$L_D = \tfrac12 \mathbb E_x[(D(x) - b)^2] + \tfrac12 \mathbb E_z[(D(G(z)) - a)^2], \qquad
#   L_G = \tfrac12 \mathbb E_z[(D(G(z)) - c)^2].$$
#
# | coding | $a$ | $b$ | $c$ | what it gives |
# |---|---|---|---|---|
# | `"-11"` | -1 | 1 | 0 | $b - c = 1$, $b - a = 2$: the game minimises the Pearson $\chi^2$ divergence between $p_d + p_g$ and $2 p_g$ |
# | `"01"` | 0 | 1 | 1 | $G$ wants its fakes scored as real; the common practical choice |
#
# The point is the gradient. With cross-entropy, a fake that $D$ already scores as "real"
# (a large logit) gets almost no gradient, even if it is far from the data. The squared error
# pulls every fake towards $c$ in proportion to its distance from $c$; it vanishes only at
# $c$ itself, so the generator keeps learning from all its samples for longer. (The figure
# puts both on one axis: the logit for BCE, the raw score for LSGAN.)

# %%
scores = mg.tensor(np.array([[-2.0], [0.0], [0.5], [3.0]]), requires_grad=True)
real_scores = mg.tensor(np.array([[0.8], [1.2], [1.0], [0.3]]))
for coding, (a, b, c) in losses.LSGAN_CODINGS.items():
    by_hand_d = 0.5 * ((real_scores.numpy() - b) ** 2).mean() + 0.5 * ((scores.numpy() - a) ** 2).mean()
    by_hand_g = 0.5 * ((scores.numpy() - c) ** 2).mean()
    lib_d = losses.discriminator_loss_lsgan(real_scores, scores, a=a, b=b).item()
    lib_g = losses.generator_loss_lsgan(scores, c=c).item()
    check(abs(by_hand_d - lib_d) < 1e-6 and abs(by_hand_g - lib_g) < 1e-6,
          f"coding {coding!r} (a={a:g}, b={b:g}, c={c:g}): L_D {by_hand_d:.4f} and L_G "
          f"{by_hand_g:.4f} by hand equal minigan's losses")

s = np.linspace(-4, 6, 400)
fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.plot(s, 1 / (1 + np.exp(s)), label="BCE, non-saturating: |d/ds -log σ(s)|")
ax.plot(s, np.abs(s - 1), label="LSGAN '01': |d/ds ½(s - 1)²|")
ax.axvline(1, color="k", ls=":", lw=1, label="LSGAN's target c = 1")
ax.set(xlabel="D's score s of a fake (logit for BCE)", ylabel="|gradient sent to G|",
       title="how hard each fake is pulled, by its score", ylim=(0, 3))
ax.legend(fontsize=7)
ax.grid(alpha=0.3)
show(fig, "12_lsgan_gradient")

# %% [markdown]
# ## WGAN: a critic that estimates the earth mover distance
#
# In high dimension we cannot sort. The **Kantorovich-Rubinstein duality** turns the
# transport problem into a search over functions:
#
# $$W_1(P, Q) = \sup_{\|f\|_L \le 1} \; \mathbb E_{x \sim P}[f(x)] - \mathbb E_{x \sim Q}[f(x)],$$
#
# the supremum over all **1-Lipschitz** functions ($|f(x) - f(y)| \le \|x - y\|$). WGAN
# (Arjovsky et al., 2017) trains a network $f$, the *critic* (no sigmoid: an unbounded score),
# to maximise $\overline{f(x)} - \overline{f(G(z))}$, and the generator to minimise
# $-\overline{f(G(z))}$. The critic is trained $k = 5$ times per generator step, so that its
# estimate is close to the supremum when $G$ asks it for directions.
#
# Without the Lipschitz constraint the critic could push the two scores apart without bound.
# The WGAN paper's way of keeping it Lipschitz: after every critic update, **clip every
# weight** to $[-c, c]$ with $c = 0.01$. A network with bounded weights has a bounded
# Lipschitz constant, so $f$ estimates $W_1$ up to a (unknown) constant factor. The paper
# itself calls this "a clearly terrible way to enforce a Lipschitz constraint": with $c$ too
# small the critic's gradients vanish; too large, it trains slowly; and, as we will see, the
# weights end up piled at $\pm c$, a critic of very limited shape.
#
# We train minigan's `WGAN` (MLP generator and critic, RMSprop with learning rate
# $5\cdot10^{-5}$, as in the paper) and, for comparison, the gradient-penalty version
# described next.

# %%
images, _ = load_bundled_mnist()
if FAST:
    images = images[np.random.default_rng(0).permutation(len(images))[:256]]
loader = DataLoader((images,), batch_size=64, shuffle=True, drop_last=True,
                    transform=lambda b: scale_to_unit_range(b, flatten=True))
EPOCHS = pick(30, 1)


def critic_weights(model):
    return np.concatenate([p.numpy().ravel() for p in model.D.parameters()])


def outer_share(model):
    """The share of the critic's weights in the outer tenth of [-c, c]."""
    return float(np.mean(np.abs(critic_weights(model)) > 0.9 * model.clip_value))


models, histories = {}, {}
for penalty in ("clip", "gp"):
    mg.manual_seed(SEED)
    models[penalty] = WGAN(penalty=penalty, arch="mlp")
    model = models[penalty]
    # The clipped critic's weights, watched after each epoch (reading them changes nothing).
    outer_by_epoch = [outer_share(model)] if penalty == "clip" else None
    t0 = time.perf_counter()
    histories[penalty] = train(
        model, loader, EPOCHS, f"runs/lessons/12_wgan_{penalty}", progress=False,
        checkpoint_every=EPOCHS,
        on_epoch_end=(lambda epoch, history: outer_by_epoch.append(outer_share(model)))
        if penalty == "clip" else None)
    if penalty == "clip":
        outer_over_training = outer_by_epoch
    n_steps = sum(histories[penalty]["iterations_per_epoch"])
    seconds = time.perf_counter() - t0
    w = histories[penalty]["epochs"]["wasserstein"]
    print(f"WGAN-{penalty}: {n_steps} critic steps ({(n_steps + 4) // 5} generator steps) in "
          f"{seconds:.0f} s ({1000 * seconds / n_steps:.0f} ms per step); Wasserstein estimate "
          f"per epoch: first {w[0]:.3f}, peak {max(w):.3f}, last {w[-1]:.3f}")

# %% [markdown]
# ### Where clipping leaves the critic's weights

# %%
c = models["clip"].clip_value
w_clip, w_gp = critic_weights(models["clip"]), critic_weights(models["gp"])
outer = np.mean(np.abs(w_clip) > 0.9 * c)
at_edge = np.mean(np.abs(w_clip) >= 0.999 * c)
print(f"clipped critic: {100 * outer:.0f}% of its {w_clip.size:,} weights lie in the outer tenth "
      f"of [-c, c] (|w| > {0.9 * c:.3f}; an even spread would put 10% there), "
      f"{100 * at_edge:.0f}% exactly at ±{c}")
print(f"  before any training step (the initial weights, clipped): "
      f"{100 * outer_over_training[0]:.0f}%; after each epoch: "
      + ", ".join(f"{100 * share:.0f}" for share in outer_over_training[1:]) + "%")
print(f"gradient-penalty critic: weights spread over [{w_gp.min():.3f}, {w_gp.max():.3f}], "
      f"standard deviation {w_gp.std():.3f}")
fig, axes = plt.subplots(1, 3, figsize=(14, 3.2))
axes[0].hist(w_clip, bins=np.linspace(-c, c, 81), color="C3")
axes[0].set(xlabel="weight", ylabel="count", xticks=np.linspace(-c, c, 5),
            title=f"WGAN critic, clipped to ±{c}: {100 * outer:.0f}% in the outer tenth")
steps_per_epoch = histories["clip"]["iterations_per_epoch"][0]
axes[1].plot(np.arange(len(outer_over_training)) * steps_per_epoch,
             100 * np.array(outer_over_training), "o-", color="C3", markersize=3)
axes[1].axhline(10, color="gray", linestyle="--", label="an even spread (10%)")
axes[1].set(xlabel="critic step", ylabel="% of weights in the outer tenth", ylim=(0, 100),
            title="the pile-up comes from clipping the initialisation")
axes[1].legend(fontsize=8)
axes[2].hist(w_gp, bins=101, color="C0")
axes[2].set(xlabel="weight", ylabel="count", title="WGAN-GP critic: bell-shaped, no pile-up")
for ax in axes:
    ax.grid(alpha=0.3)
fig.tight_layout()
show(fig, "12_critic_weights")
# Normal mode, MINIGAN_SEED 0-9 with 1 and 2 threads: 20% to 54% (median 30%) in the outer tenth.
check(outer > 0.15 and np.abs(w_clip).max() <= c,
      f"clipping piles the critic's weights against ±{c}: {100 * outer:.0f}% of them lie within "
      f"{0.1 * c:g} of the bounds, more than the 10% an even spread would put there",
      hint="try another MINIGAN_SEED")
# The start is set by the initialisation's spread: 76% for any seed; the end, 20% to 54%.
check(outer_over_training[0] > outer,
      f"the share is highest before training ({100 * outer_over_training[0]:.0f}%, the clipped "
      f"initial weights) and training lowers it ({100 * outer:.0f}% at the end)")

# %% [markdown]
# Read the middle panel before blaming training for the pile-up. The default initialisation
# draws the first layer's weights from $U(\pm 1/\sqrt{784}) = U(\pm 0.036)$, so clipping them
# to $\pm 0.01$ before the first step already puts about three quarters of them in the outer
# tenth, most exactly at $\pm c$: the share is highest at step 0. Training first moves weights
# *inward* (in our run down to about 13% around step 1,400), and then, as the critic sharpens,
# pushes them back against the box (35% at the end). So the final histogram mixes what the
# box did to the initial weights with what training does; either way the weights are not
# free to take the values the task wants.

# %% [markdown]
# ## WGAN-GP: penalise the critic's gradient instead
#
# A differentiable function is 1-Lipschitz exactly when its gradient has norm at most 1
# everywhere, and the optimal critic has gradient norm 1 on the lines joining data points to
# generated points. Gulrajani et al. (2017) therefore drop the clipping and add to the
# critic's loss
#
# $$\lambda\, \mathbb E_{\hat x}\big[(\|\nabla_{\hat x} f(\hat x)\|_2 - 1)^2\big], \qquad
#   \hat x = \epsilon x + (1 - \epsilon) G(z), \; \epsilon \sim U[0, 1], \; \lambda = 10,$$
#
# with no batch norm in the critic (the penalty is per sample). The penalty is a function of
# a *gradient*. To train the critic on it we need its gradient with respect to the critic's
# weights: the derivative of a derivative. `autograd.grad(..., create_graph=True)` records
# the backward pass itself as a graph, so one more `.backward()` differentiates through it.
# By hand:

# %%
def gradient_penalty_by_hand(critic, real, fake, weight=10.0):
    n = real.shape[0]
    eps = mg.rand(n, 1)                                        # one mixing weight per sample
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)  # df/dx_hat, a graph
    norms = ((grad ** 2).sum(axis=1)).sqrt()
    return weight * ((norms - 1) ** 2).mean()


critic = models["gp"].D
real = next(iter(loader))[0]
with mg.no_grad():
    fake = models["gp"].G(mg.randn(real.shape[0], 100))
state = backend.rng_state()                                    # the same eps for both
mine = gradient_penalty_by_hand(critic, real, fake)
backend.set_rng_state(state)
theirs = losses.gradient_penalty(critic, real, fake, 10.0)
check(abs(mine.item() - theirs.item()) <= 1e-5 * max(1.0, abs(theirs.item())),
      f"the hand-written penalty {mine.item():.6f} equals minigan.gan.losses.gradient_penalty "
      f"{theirs.item():.6f}")

# %% [markdown]
# Now the double backward. On a tiny smooth critic in float64, compare the penalty's
# gradient with respect to the critic's weights (autograd through the recorded gradient
# graph) with central finite differences along a random direction (lesson 02):

# %%
g = np.random.default_rng(1)
W1 = mg.tensor(g.standard_normal((8, 5)), dtype=np.float64, requires_grad=True)
b1 = mg.tensor(g.standard_normal(8), dtype=np.float64, requires_grad=True)
W2 = mg.tensor(g.standard_normal((1, 8)), dtype=np.float64, requires_grad=True)
x_hat_fixed = g.standard_normal((6, 5))


def penalty_of_weights(W1, b1, W2):
    x = mg.tensor(x_hat_fixed, dtype=np.float64, requires_grad=True)
    f = F.linear(mg.tanh(F.linear(x, W1, b1)), W2)
    (grad,) = autograd.grad(f.sum(), x, create_graph=True)
    return 10.0 * ((((grad ** 2).sum(axis=1)).sqrt() - 1) ** 2).mean()


penalty_of_weights(W1, b1, W2).backward()                     # the double backward
direction = [g.standard_normal(p.shape) for p in (W1, b1, W2)]
analytic = sum((p.grad.numpy() * d).sum() for p, d in zip((W1, b1, W2), direction))
h = 1e-6
shifted = lambda s: penalty_of_weights(*[mg.tensor(p.numpy() + s * h * d, dtype=np.float64)  # noqa: E731
                                         for p, d in zip((W1, b1, W2), direction)]).item()
numeric = (shifted(+1) - shifted(-1)) / (2 * h)
err = relative_error(analytic, numeric)
print(f"directional derivative of the penalty: autograd {analytic:.10f}, finite differences "
      f"{numeric:.10f}")
check(err < 1e-6 and gradcheck(penalty_of_weights, [W1, b1, W2]),
      f"the penalty's gradient through create_graph=True is right: relative error {err:.1e} "
      f"(should be below 1e-6), and minigan.gradcheck agrees element by element")

# %% [markdown]
# ### The two critics, compared
#
# What does each critic's gradient look like on real data and on samples? The penalty holds
# its norm near 1, the value the optimal critic has. The clipped critic's norm is several
# times smaller, and nobody chose it: it is whatever the box $[-c, c]$ happens to allow. Its
# Wasserstein estimate is therefore off by an unknown factor, and its weak slope gives the
# generator less to learn from.

# %%
def input_gradient_norms(critic, x):
    x = x.detach().requires_grad_(True)
    (grad,) = autograd.grad(critic(x).sum(), x)
    return np.linalg.norm(grad.numpy(), axis=1)


norms = {}
for penalty, model in models.items():
    with mg.no_grad():
        fakes = model.G(mg.randn(real.shape[0], 100))
    norms[penalty] = (input_gradient_norms(model.D, real).mean(),
                      input_gradient_norms(model.D, fakes).mean())
    print(f"WGAN-{penalty}: mean ||grad_x f|| on real digits {norms[penalty][0]:.3f}, "
          f"on samples {norms[penalty][1]:.3f}")
# Seeds 0-9, 1 and 2 threads: the penalised norm 1.27 to 1.32; the clipped one 0.08 to 0.21
# times it.
check(norms["clip"][0] < 0.5 * norms["gp"][0] and (FAST or 0.5 < norms["gp"][0] < 2),
      f"the penalised critic's gradient norm is near 1 ({norms['gp'][0]:.3f}); the clipped "
      f"critic's is {norms['gp'][0] / norms['clip'][0]:.1f}x smaller ({norms['clip'][0]:.3f})")

N_JUDGE = pick(1000, 100)
verdicts = {p: evaluate_samples(m.export_samples(N_JUDGE)["images"]) for p, m in models.items()}


def grid_panel(ax, model, title, v, count=36):
    """The model's fixed-noise grid, titled with what the judge says of its samples."""
    ax.imshow(image_grid(model.sample_grid()[:count], nrow=int(count ** 0.5)), cmap="gray")
    ax.set_title(f"{title}\n{v['digits_covered']}/10 digits, confident "
                 f"{100 * v['confident_share']:.0f}%, FID {v['classifier_fid']:.0f}", fontsize=9)
    ax.axis("off")


fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), gridspec_kw={"width_ratios": [1.4, 1, 1]})
for penalty, color in (("clip", "C3"), ("gp", "C0")):
    wass = np.array(histories[penalty]["iterations"]["wasserstein"])
    axes[0].plot(wass, color=color, alpha=0.15)
    axes[0].plot(smooth(wass), color=color, label=f"WGAN-{penalty}")
axes[0].set(xlabel="critic step", ylabel="mean f(x) - mean f(G(z))",
            title="the critic's Wasserstein estimate", yscale="symlog")
axes[0].legend(fontsize=8)
axes[0].grid(alpha=0.3)
for ax, (penalty, model) in zip(axes[1:], models.items()):
    grid_panel(ax, model, f"WGAN-{penalty}", verdicts[penalty])
fig.tight_layout()
show(fig, "12_wgan_runs")
for penalty, v in verdicts.items():
    print(f"WGAN-{penalty}: judge's verdict on {v['n']} samples: confident "
          f"{100 * v['confident_share']:.1f}%, digits covered {v['digits_covered']}/10, "
          f"classifier FID {v['classifier_fid']:.1f}")

# %% [markdown]
# Read the estimate with care: the clipped critic's values are smaller, scaled by whatever
# Lipschitz constant the clipping happens to allow, so only their *trend* means something;
# the penalised critic's values are on the scale of a true $W_1$. In our run the penalised
# estimate shoots up while the critic learns to separate noise from digits, dips and climbs
# again as the generator starts to move, and from about step 1,000 declines slowly while the
# samples improve; over a long run that decline is the "better measurement of progress" the
# lecture promises, which the vanilla GAN's losses never give. The clipped estimate hovers
# near zero for most of the run: its critic has too little slope to measure much. After the same few hundred generator steps, the penalised WGAN
# already draws varied digits (in our run the judge read 36% of them confidently, all ten
# digits present) while the clipped one still draws one blurred average digit, the same blob
# for every code (the judge reads it as one digit, often "confidently": a confident share
# means little when nine digits are missing): its weak, box-bound critic gives the generator
# little to go on. Neither is
# finished; `python examples/wgan_mnist.py` trains 20,000 critic steps (about 10 minutes)
# and `--penalty clip` runs the clipped version.
#
# ### Is it the clipping, or the optimiser?
#
# The two runs above differ in two ways, not one: each uses its own paper's optimiser,
# RMSprop at $5\cdot10^{-5}$ for clipping and Adam at $10^{-4}$ with $\beta = (0.5, 0.9)$ for the
# penalty. So the gap between them cannot be blamed on clipping alone. To separate the two,
# train the clipped WGAN once more, this time with the penalty run's Adam (`optimizer="adam"`),
# from the same seed and for the same steps.

# %%
mg.manual_seed(SEED)
clip_adam = WGAN(penalty="clip", arch="mlp", optimizer="adam")
train(clip_adam, loader, EPOCHS, "runs/lessons/12_wgan_clip_adam", progress=False,
      checkpoint_every=EPOCHS)
verdicts["clip, Adam"] = evaluate_samples(clip_adam.export_samples(N_JUDGE)["images"])
rows = [("clip", "RMSprop", models["clip"], verdicts["clip"]),
        ("clip", "Adam", clip_adam, verdicts["clip, Adam"]),
        ("penalty", "Adam", models["gp"], verdicts["gp"])]
fig, axes = plt.subplots(1, 3, figsize=(11, 4))
for ax, (constraint, optimiser, model, v) in zip(axes, rows):
    grid_panel(ax, model, f"{constraint} + {optimiser}", v)
    print(f"{constraint:7s} + {optimiser:7s}: digits covered {v['digits_covered']}/10, "
          f"confident {100 * v['confident_share']:.1f}%, classifier FID "
          f"{v['classifier_fid']:.1f}")
fig.suptitle("The same steps, three settings: which change buys the digits?", fontsize=10)
fig.tight_layout(rect=(0, 0, 1, 0.93))
show(fig, "12_clip_or_optimiser")

# %% [markdown]
# Changing only the optimiser does not rescue clipping. In our runs (seeds 0 and 1), with Adam
# the clipped critic's generator again drew one blurred blob for every code, as with RMSprop:
# one digit of ten, a classifier FID above 1,000. Only the penalty, with the very same Adam,
# gave varied digits. So the gap is the constraint's, not the optimiser's: the lecture's reason
# for WGAN-GP holds with the optimiser held fixed. (One run per setting, not a measurement over
# seeds: exercise 4 asks you to repeat it.)
#
# ## Trained longer: what the penalty draws
#
# The clipped WGAN above has **collapsed**: every code gives the same blurred digit, the
# failure lesson 13 studies. Its fix is the penalty, and a few hundred generator steps only
# begin to show it. minigan ships a WGAN-GP with the very networks of this lesson (the fully
# connected generator of lesson 09, a fully connected critic), trained much longer and sampled
# from the moving average of the generator's weights (`minigan/gan/ema.py`). `python -m
# minigan pretrained` prints the exact command that trained it and the judge's figures over
# three seeds. Here it is beside this lesson's clipped run:

# %%
shipped = minigan.pretrained.load("wgan-gp-mnist")
mg.manual_seed(SEED)
v = evaluate_samples(shipped.export_samples(N_JUDGE)["images"])
rarest = min(v["digit_histogram"]) / v["n"]
print(f"shipped wgan-gp-mnist: confident {100 * v['confident_share']:.1f}%, digits covered "
      f"{v['digits_covered']}/10 (rarest {100 * rarest:.1f}%), classifier FID "
      f"{v['classifier_fid']:.1f}")
fig, axes = plt.subplots(1, 2, figsize=(8.5, 4.6))
grid_panel(axes[0], models["clip"], "this lesson's WGAN-clip: collapsed", verdicts["clip"], 64)
grid_panel(axes[1], shipped, "shipped wgan-gp-mnist", v, 64)
fig.tight_layout()
show(fig, "12_trained_longer")
check(v["digits_covered"] == 10 and v["confident_share"] > 0.6,
      f"the shipped wgan-gp-mnist draws all ten digits ({v['digits_covered']}/10) and the judge "
      f"reads {100 * v['confident_share']:.0f}% of its samples confidently (over 60%)")
print(f"lesson run time: {time.perf_counter() - started:.0f} s")

# %% [markdown]
# The same networks, the same penalty and optimiser as this lesson's WGAN-GP run; only the
# budget differs: 12,600 generator steps instead of 468, and samples drawn from the moving
# average of $G$. The judge reads about 71% of its samples confidently (70.2-71.1% over three
# seeds of 10,000 samples; classifier FID 21 against the test set, every digit between 8.5%
# and 12%). Its strokes are rougher than the shipped conditional GAN's of lesson 11, but every
# code gives a different digit: the penalty did not collapse where clipping did. In normal
# mode here, 1,000 samples from seed 0: 71.8% confident, all ten digits, FID 27.
#
# ## Exercises
#
# 1. **The clipping constant.** Train `WGAN(penalty="clip", clip_value=0.1)` and
#    `clip_value=0.001` for the same epochs. Hint: with 0.001 the critic's gradients and its
#    estimate shrink by about another factor 10 per layer's worth and $G$ barely moves; with
#    0.1 the weights pile at the edges less, and training may become unstable.
# 2. **No penalty at all.** Train `WGAN(penalty="gp", gp_weight=0.0)`. Hint: the
#    Wasserstein estimate grows without bound (the critic is no longer Lipschitz) and the
#    samples do not improve.
# 3. **LSGAN on MNIST.** Run `python examples/lsgan_mnist.py --epochs 10` with both codings
#    (`--coding 01` and `--coding -11`) and compare the judge's figures with lesson 10's
#    DCGAN. Hint: similar quality; look at $D$'s logged scores against the targets $a$ and
#    $b$ of each coding.
# 4. **Clipping or optimiser, over seeds.** Repeat the last comparison for `MINIGAN_SEED` 0 to
#    4 and tabulate the judge's digits covered for each setting. Then try RMSprop for the
#    penalty (`WGAN(penalty="gp", optimizer="rmsprop", lr=1e-4)`): does the penalty still win
#    with the clipping run's optimiser?
# Write-it-yourself exercises: lessons/exercises/12_gradient_penalty.py, checked by python lessons/check.py 12
