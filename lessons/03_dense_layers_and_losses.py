# %% [markdown]
# # 03. Dense layers, activations and losses, and why L2 makes blurry images
#
# The first GANs are built from three kinds of parts: linear layers, the nonlinearities between
# them, and a loss. This lesson takes each apart and then shows the fact that GANs exist to fix:
# **a network trained with an L2 (mean squared error) loss predicts the average of all the
# answers it finds plausible**, and the average of many sharp images is a blurry one. You will:
#
# * write a linear layer by hand and check it against `nn.Linear`;
# * plot ReLU, LeakyReLU (slope 0.2), tanh and sigmoid with their derivatives, and see where each
#   sits in a GAN;
# * see why binary cross-entropy is computed **from logits**: the naive formula returns `inf`
#   and `nan` for confident predictions, the logit form stays exact;
# * train two small regressors with MSE and watch them predict the average: a curve between two
#   branches of data, and a blurry "mean digit" for each MNIST label.
#
# **Prerequisites:** lessons 01 and 02. **Run time:** about 30 seconds (3 in fast mode).

# %%
import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan import nn, optim
from minigan.data import load_bundled_mnist
from minigan.nn import functional as F
from lessonkit import FAST, SEED, check, pick, relative_error, show  # noqa: F401

mg.manual_seed(SEED)
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## 1. The linear (dense, fully connected) layer
#
# A linear layer maps a vector of `in_features` numbers to `out_features` numbers:
# $y = x W^\top + b$, one weighted sum per output. minigan stores $W$ as (out, in), as PyTorch
# does, and a batch of inputs is a matrix with one example per row, so the whole batch is one
# matrix product. The weights start uniform in $\pm 1/\sqrt{\text{in}}$, which keeps the outputs'
# scale close to the inputs' scale however wide the layer is.

# %%
layer = nn.Linear(4, 3)
x = mg.randn(5, 4)
by_hand = x @ layer.weight.T + layer.bias
print("weight", layer.weight.shape, "bias", layer.bias.shape, "-> output", layer(x).shape)
err = relative_error(layer(x).numpy(), by_hand.numpy())
check(err < 1e-6, f"nn.Linear is x @ W.T + b (relative error {err:.1e})")
bound = float(np.abs(layer.weight.numpy()).max())
check(bound <= 1 / np.sqrt(4), f"initial weights lie within 1/sqrt(in) = 0.5 (largest {bound:.3f})")

# %% [markdown]
# ## 2. Activations
#
# Stacked linear layers are still one linear map; a nonlinearity between them is what lets a
# network bend. Four matter here:
#
# * **ReLU** $\max(x, 0)$: cheap, slope 1 or 0. The generator's hidden layers use it (DCGAN).
#   A unit whose input stays negative gets no gradient at all and can "die".
# * **LeakyReLU** with slope $\alpha = 0.2$ for $x < 0$: the discriminator's choice. A GAN's
#   generator learns *only* through the discriminator's gradient with respect to its input, so
#   the discriminator must not zero that gradient for half of its units.
# * **tanh**: squashes to $(-1, 1)$. The generator's last layer, because images are scaled to
#   $[-1, 1]$.
# * **sigmoid** $1 / (1 + e^{-x})$: squashes to $(0, 1)$, a probability: "how real is this image?"
#
# tanh and sigmoid *saturate*: far from 0 their slope is nearly zero, and so is any gradient
# that has to pass through them. Keep that in mind for the losses below and for lesson 07.

# %%
grid = mg.tensor(np.linspace(-5, 5, pick(401, 101)), requires_grad=True)
activations = {
    "ReLU": nn.ReLU(),
    "LeakyReLU(0.2)": nn.LeakyReLU(0.2),
    "tanh": nn.Tanh(),
    "sigmoid": nn.Sigmoid(),
}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
slopes = {}
for name, act in activations.items():
    grid.grad = None
    out = act(grid)
    out.sum().backward()  # elementwise: d(sum)/dx_i is the slope at x_i
    slopes[name] = grid.grad.numpy()
    style = dict(label=name, lw=3.5 if name == "ReLU" else 1.6, alpha=0.6 if name == "ReLU" else 1)
    axes[0].plot(grid.numpy(), out.numpy(), **style)
    axes[1].plot(grid.numpy(), slopes[name], **style)
axes[0].set_title("activation f(x)")
axes[1].set_title("slope f'(x), from backward()")
for ax in axes:
    ax.set_xlabel("x")
    ax.axhline(0, color="0.85", lw=0.8)
    ax.legend(fontsize=8)
axes[0].set_ylim(-1.5, 3)
show(fig, "03_activations")

xs = grid.numpy()
leaky = slopes["LeakyReLU(0.2)"]
check(np.allclose(leaky[xs < 0], 0.2) and np.allclose(leaky[xs > 0], 1.0),
      "LeakyReLU(0.2) passes 20% of the gradient for negative inputs, all of it for positive ones")
print(f"slope of sigmoid at x = 5: {slopes['sigmoid'][-1]:.4f}, of tanh: {slopes['tanh'][-1]:.5f} "
      "(saturation)")

# %% [markdown]
# ## 3. Losses, and why binary cross-entropy is computed from logits
#
# * **MSE (L2)** $\frac1n\sum (\hat y - y)^2$ and **L1** $\frac1n\sum |\hat y - y|$ compare numbers.
# * **Binary cross-entropy** scores a probability $p$ of "real" against a label $y \in \{0, 1\}$:
#   $-[y \log p + (1 - y)\log(1 - p)]$. A discriminator's loss is exactly this.
#
# The naive recipe is `p = sigmoid(logit)` followed by the formula. But in float32,
# `sigmoid(20)` is *exactly* 1.0 (1 + 2e-9 rounds to 1), so for a fake image ($y = 0$) that the
# discriminator calls real with logit 20, $\log(1 - p) = \log 0 = -\infty$: the loss is `inf`
# and its gradient `nan`, which then poisons every weight. Yet nothing about the true loss is
# extreme. Write $p = \sigma(x)$ and simplify:
#
# $$-[y \log \sigma(x) + (1-y)\log(1 - \sigma(x))] = \log(1 + e^{x}) - x y
# = \mathrm{softplus}(x) - xy,$$
#
# which for $x = 20, y = 0$ is just 20.000000002. Computed this way (with a softplus that never
# exponentiates a large positive number) the loss is finite for any logit, and its gradient is
# the tidy $\sigma(x) - y$. That is `F.binary_cross_entropy_with_logits` (`nn.BCEWithLogitsLoss`),
# and it is why minigan's discriminators output logits, not probabilities.
#
# PyTorch's and minigan's `binary_cross_entropy` on probabilities clamp the log at -100 to avoid
# the `inf`: finite, but wrong (100 instead of 30 below), and its gradient with respect to
# the logit is exactly zero there.

# %%
logits = mg.tensor([-100.0, -30.0, -5.0, 0.0, 5.0, 20.0, 30.0, 100.0], requires_grad=True)
fake = mg.zeros(8)  # target 0: these are fake images; positive logits are confident mistakes


def naive_bce(z, y):
    p = z.sigmoid()
    return -(y * p.log() + (1 - y) * (1 - p).log())


with np.errstate(divide="ignore", invalid="ignore"):  # we *want* to see the inf and nan
    naive = naive_bce(logits, fake)
    naive.sum().backward()
naive_grad, logits.grad = logits.grad.numpy(), None
clamped = F.binary_cross_entropy(logits.sigmoid(), fake, reduction="none")
stable = F.binary_cross_entropy_with_logits(logits, fake, reduction="none")
stable.sum().backward()
stable_grad = logits.grad.numpy()
exact = np.logaddexp(0.0, logits.numpy().astype(np.float64))  # softplus in float64

print(f"{'logit':>7} {'naive':>10} {'naive grad':>11} {'clamped p':>10} {'from logits':>12} "
      f"{'grad':>8} {'exact':>10}")
for i, z in enumerate(logits.numpy()):
    print(f"{z:7.0f} {naive.numpy()[i]:10.4g} {naive_grad[i]:11.4g} {clamped.numpy()[i]:10.4g} "
          f"{stable.numpy()[i]:12.6g} {stable_grad[i]:8.4f} {exact[i]:10.6g}")

check(not np.all(np.isfinite(naive.numpy())) and np.isnan(naive_grad).any(),
      "the naive BCE gives inf losses and nan gradients for confident mistakes")
err = relative_error(stable.numpy(), exact)
grad_err = relative_error(stable_grad, 1 / (1 + np.exp(-logits.numpy().astype(np.float64))))
check(err < 1e-6 and grad_err < 1e-6,
      f"BCE from logits equals softplus(x) - xy (relative error {err:.0e}) and its gradient "
      f"is sigmoid(x) - y (relative error {grad_err:.0e}) at every logit")

# %% [markdown]
# ## 4. The L2 loss predicts the average
#
# Suppose one input has several right answers: $y_1$ half of the time, $y_2$ the other half. The
# prediction $\hat y$ that minimises the expected squared error is found by setting the
# derivative of $\tfrac12 (\hat y - y_1)^2 + \tfrac12 (\hat y - y_2)^2$ to zero: $\hat y =
# (y_1 + y_2)/2$, the **mean** of the answers. In general, the minimiser of
# $\mathbb E[(\hat y - y)^2 \mid x]$ is $\mathbb E[y \mid x]$. The mean can be an answer that
# never occurs.
#
# First on a toy. For each $x$, the target is $\sin x + 1$ or $\sin x - 1$ with a coin flip. A
# small network (Linear, LeakyReLU(0.2), Linear, LeakyReLU(0.2), Linear) trained with MSE:

# %%
n_points = pick(2000, 400)
xs_toy = rng.uniform(-3, 3, size=(n_points, 1))
branch = rng.choice([-1.0, 1.0], size=(n_points, 1))
ys_toy = np.sin(xs_toy) + branch

net = nn.Sequential(nn.Linear(1, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2),
                    nn.Linear(64, 1))
opt = optim.Adam(net.parameters(), lr=3e-3)
X_toy, Y_toy = mg.tensor(xs_toy), mg.tensor(ys_toy)
toy_steps = pick(1500, 300)
for step in range(toy_steps):
    idx = rng.integers(0, n_points, size=128)
    loss = F.mse_loss(net(X_toy[idx]), Y_toy[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()

line = np.linspace(-3, 3, 200)[:, None]
with mg.no_grad():
    fit = net(mg.tensor(line)).numpy()
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.scatter(xs_toy[:, 0], ys_toy[:, 0], s=3, alpha=0.3, color="tab:blue", label="data: sin x ± 1")
ax.plot(line, fit, color="tab:red", lw=2.5, label="MSE-trained network")
ax.plot(line, np.sin(line), "k--", lw=1, label="the average, sin x")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("Two right answers for every x: L2 picks their mean, where no data lies")
ax.legend(fontsize=8, loc="upper left")
show(fig, "03_l2_toy_average")

gap_to_mean = float(np.abs(fit - np.sin(line)).mean())
# Normal mode, MINIGAN_SEED 0-9 with 1 and 2 threads: distance 0.059 to 0.106 (median 0.086).
check(gap_to_mean < pick(0.2, 0.3),
      f"the MSE fit follows the average sin x (mean distance {gap_to_mean:.3f}), about 1 away "
      "from every data point",
      hint="train longer (more steps in the loop above) or try another MINIGAN_SEED")

# %% [markdown]
# Now images. The input is only a digit's **label** (a one-hot vector of 10 numbers); the target
# is a real MNIST image with that label. Any of 500 different "3"s is a right answer for the
# input "3". A linear layer from the label to the 784 pixels, trained with MSE, can output any
# image it likes for each label; what it learns is the **average** of that label's images.

# %%
images, labels = load_bundled_mnist()
n_images = pick(5000, 1000)
keep = rng.permutation(len(images))[:n_images]
images, labels = images[keep].astype(np.float32) / 255.0, labels[keep]  # pixels in [0, 1]
pixels = mg.tensor(images.reshape(n_images, 784))
one_hot = mg.tensor(np.eye(10, dtype=np.float32)[labels])

mg.manual_seed(SEED)
painter = nn.Linear(10, 784)
opt = optim.Adam(painter.parameters(), lr=0.02)
paint_steps = pick(300, 80)
for step in range(paint_steps):  # full batch: the model is tiny, and no minibatch noise
    loss = F.mse_loss(painter(one_hot), pixels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 100 == 0 or step == paint_steps - 1:
        print(f"step {step:4d}  MSE {loss.item():.4f}")

with mg.no_grad():
    painted = painter(mg.tensor(np.eye(10, dtype=np.float32))).numpy().reshape(10, 28, 28)
class_means = np.stack([images[labels == k].mean(axis=0) for k in range(10)])
gap = float(np.abs(painted - class_means).max())
check(gap < pick(0.05, 0.25),
      f"each prediction is the average image of its label (largest pixel difference {gap:.3f})")

# %%
n_real = 4
fig, axes = plt.subplots(n_real + 1, 10, figsize=(10, 5.4))
for k in range(10):
    examples = images[labels == k][:n_real]
    for r in range(n_real):
        axes[r, k].imshow(examples[r], cmap="gray", vmin=0, vmax=1)
    axes[n_real, k].imshow(np.clip(painted[k], 0, 1), cmap="gray", vmin=0, vmax=1)
    axes[0, k].set_title(str(k))
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
for r in range(n_real):
    axes[r, 0].set_ylabel("real", fontsize=8)
axes[n_real, 0].set_ylabel("MSE net", fontsize=8, color="tab:red")
fig.suptitle("Label in, image out, trained with MSE: the network draws each label's average "
             "(bottom row)")
show(fig, "03_l2_blurry_digits")

# %% [markdown]
# ## 5. The blur wins under L2, so L2 is the wrong judge
#
# The blurry average is not a failure of training: under the L2 loss it is the *best possible*
# answer, better than any real digit. Check it: for the label 3, compare the mean squared error
# of the average image against all the 3s with that of every single real 3.

# %%
threes = images[labels == 3].reshape(-1, 784).astype(np.float64)
mean_three = threes.mean(axis=0)
mse_of_mean = float(((threes - mean_three) ** 2).mean())
# For each real 3 used as "the prediction", its MSE against all 3s (by |a-b|^2 = a.a - 2a.b + b.b).
sq = (threes ** 2).sum(axis=1)
pairwise = (sq[:, None] - 2 * threes @ threes.T + sq[None, :]) / 784
best_real = float(pairwise.mean(axis=1).min())
print(f"MSE of the average 3 against all 3s : {mse_of_mean:.4f}")
print(f"MSE of the best single real 3       : {best_real:.4f}")
check(mse_of_mean < best_real,
      f"under L2 the blurry average ({mse_of_mean:.4f}) beats every real digit ({best_real:.4f})")

# %% [markdown]
# A human sees at once that the bottom row is not handwriting. So can a network, if it is not
# linear. (A linear judge $w \cdot x + b$ cannot: its score of the average image *is* the average
# of its scores of the real images, so the average always sits in the middle of the real ones.
# Linear judges are blind to averaging, just like L2.) Train a small judge,
# Linear(784, 64), LeakyReLU(0.2), Linear(64, 1), with BCE from logits, to tell real digits
# (label 1) from the MSE network's averages (label 0):

# %%
mg.manual_seed(SEED)
judge = nn.Sequential(nn.Linear(784, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
opt = optim.Adam(judge.parameters(), lr=1e-3)
painted_flat = mg.tensor(painted.reshape(10, 784))
for step in range(pick(300, 100)):
    idx = rng.integers(0, n_images, size=64)
    batch = mg.cat([pixels[idx], painted_flat[labels[idx]]], axis=0)
    target = mg.tensor(np.r_[np.ones(64), np.zeros(64)][:, None])
    loss = F.binary_cross_entropy_with_logits(judge(batch), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
with mg.no_grad():
    p_real = judge(pixels).sigmoid().numpy()
    p_blur = judge(painted_flat).sigmoid().numpy()
accuracy = (float((p_real > 0.5).mean()) + float((p_blur < 0.5).mean())) / 2  # balanced
print(f"judge says 'real' for real digits with p = {p_real.mean():.3f}, for the averages with "
      f"p = {p_blur.mean():.3f}; balanced accuracy {accuracy:.1%}")
check(accuracy > 0.95,
      f"a learned judge tells real digits from L2 averages ({accuracy:.1%} balanced accuracy)")

# %% [markdown]
# That is the idea of a GAN in one sentence: **replace the fixed L2 loss by a learned one**. A
# discriminator learns what distinguishes real images from generated ones, and the generator is
# trained to fool it; an average that no real image resembles is then a *bad* answer, and the
# generator is pushed to commit to one sharp, plausible image. (The judge above is trained once
# against a fixed painter; in a GAN the two train in turns, lesson 07.)
#
# ## Exercises
#
# 1. Train the toy regressor of section 4 with `F.l1_loss` instead of MSE. With two equally
#    likely answers, every value between them minimises L1, so the fit wanders between the
#    branches; make one branch more likely (70/30) and the L1 fit jumps onto it (the median),
#    while MSE moves only to $\sin x + 0.4$.
# 2. Replace `nn.LeakyReLU(0.2)` by `nn.ReLU()` in the toy network and set the first layer's
#    bias to -5 (`net[0].bias.data[:] = -5`). How many of the 64 first-layer weights receive a
#    nonzero gradient after one backward? (Hint: count the nonzero entries of
#    `net[0].weight.grad`; expect 0 with ReLU, since $|wx| \le 3 < 5$, and 64 with LeakyReLU.)
# 3. In section 3, find the smallest positive logit at which `naive_bce` becomes `inf` in
#    float32, and in float64 (`dtype=np.float64`). Expect about 17 and 37.
# Write-it-yourself exercises: lessons/exercises/03_losses.py, checked by python lessons/check.py 03
