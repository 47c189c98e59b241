# %% [markdown]
# # 11. The conditional GAN: asking for a particular digit
#
# The GANs of lessons 09 and 10 draw *some* digit; which one is up to the noise. A
# conditional GAN (Mirza and Osindero, 2014) takes a label $y$ as a second input, to **both**
# networks, and learns to draw the digit it is asked for. You will:
#
# * see that "concatenate a one-hot label" and "concatenate a learnt label embedding" are the
#   same first layer, checked numerically;
# * see how a convolutional discriminator receives the label (as constant extra channels);
# * write the conditional training step by hand and check it against minigan's
#   `ConditionalGAN`;
# * train one, draw a grid with one row per digit, and let the judge say how often the
#   sample shows the digit that was asked for.
# * load the trained cGAN minigan ships and ask it the same questions: what the same networks
#   draw after much longer training.
#
# **Prerequisites:** lesson 09 (the vanilla GAN and its training step).
#
# **Run time:** about 2 minutes on a quiet 2-core CPU (under 10 s with `MINIGAN_FAST=1`).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
import minigan.pretrained
from lessonkit import FAST, SEED, check, pick, show
from minigan import nn
from minigan.data import DataLoader, load_bundled_mnist, scale_to_unit_range
from minigan.gan import train
from minigan.gan.models.conditional import ConditionalGAN
from minigan.metrics import evaluate_samples, format_report, predict
from minigan.nn import functional as F
from minigan.viz import image_grid

mg.manual_seed(SEED)
started = time.perf_counter()

# %% [markdown]
# ## The conditional game
#
# Both players now see the label:
#
# $$\min_G \max_D \; \mathbb E_{(x, y) \sim \text{data}}[\log D(x \mid y)]
#   + \mathbb E_{z,\, y}[\log(1 - D(G(z \mid y) \mid y))].$$
#
# $D$ is no longer asked "is this a real digit?" but "is this a real image **of digit
# $y$**?". A generator that draws a perfect 3 when asked for a 7 is caught: real 7s never
# look like that. That is what forces $G$ to obey the label. If only $G$ saw the label, $D$
# could not tell a good 3 labelled 7 from a good 7, and $G$ would be free to ignore $y$.
#
# ## Feeding the label in: one-hot or embedding?
#
# The simplest way is to concatenate a **one-hot** vector $e_y \in \{0,1\}^{10}$ to the input:
# $G$'s first layer computes $W [z; e_y] + b = W_z z + W_y e_y + b$. But $W_y e_y$ is just
# column $y$ of $W_y$: a table lookup. A **learnt embedding** `nn.Embedding(10, e)` is such a
# table, and minigan's `ConditionalGAN` concatenates $z$ with a 10-dimensional embedding (the
# table's rows are trained like any weight). The two are the same family of first layers:

# %%
LATENT, CLASSES = 100, 10
first = nn.Linear(LATENT + CLASSES, 64)          # acts on [z, one-hot(y)]
z = mg.randn(5, LATENT)
y = np.array([3, 7, 0, 9, 3])
one_hot = mg.tensor(np.eye(CLASSES, dtype=np.float32)[y])
out_concat = first(mg.cat([z, one_hot], axis=1))

W = first.weight.numpy()                          # (64, 110): [W_z | W_y]
table = nn.Embedding(CLASSES, 64)
table.weight.data[...] = W[:, LATENT:].T          # row y of the table = column y of W_y
out_table = F.linear(z, mg.tensor(W[:, :LATENT]), first.bias) + table(mg.tensor(y))
gap = np.abs(out_concat.numpy() - out_table.numpy()).max()
check(gap < 1e-5, f"Linear([z, one_hot(y)]) equals Linear(z) + Embedding(y) (max difference {gap:.1e})")

# %% [markdown]
# For an image discriminator the label must meet the pixels. An MLP discriminator simply
# appends the label's embedding to the flattened image. A convolutional one (minigan's
# `arch="dcgan"`) paints each of the $e$ embedding values as a constant $28 \times 28$
# channel and stacks them under the image, so the first convolution sees the label next to
# every pixel:

# %%
e = 3                                              # a small embedding, to print it
embed = nn.Embedding(CLASSES, e)
x = mg.randn(2, 1, 28, 28)
codes = embed(mg.tensor(np.array([4, 8])))         # (2, e)
maps = mg.broadcast_to(codes.reshape(2, e, 1, 1), (2, e, 28, 28))
stacked = mg.cat([x, maps], axis=1)
print("image", tuple(x.shape), "+ label maps", tuple(maps.shape), "->", tuple(stacked.shape))
channel = stacked.numpy()[1, 1:]
check(stacked.shape == (2, 1 + e, 28, 28) and np.ptp(channel, axis=(1, 2)).max() == 0.0,
      f"each extra channel is constant over the image (for label 8 they hold "
      f"{np.round(channel[:, 0, 0], 3)})")

# %% [markdown]
# ## The conditional training step, by hand
#
# It is lesson 09's step with the labels threaded through. The one new decision is which
# labels the fakes get: we reuse the real batch's labels, so $G$ is asked for digits as
# often as they occur in the data, and $D$ sees real and fake images of the same digits.

# %%
def conditional_step(G, D, opt_G, opt_D, real, labels):
    z = mg.randn(real.shape[0], LATENT)
    fake = G(z, labels)                            # asked for the real batch's digits
    logit_real, logit_fake = D(real, labels), D(fake.detach(), labels)
    loss_D = F.softplus(-logit_real).mean() + F.softplus(logit_fake).mean()
    opt_D.zero_grad()
    loss_D.backward()
    opt_D.step()
    loss_G = F.softplus(-D(fake, labels)).mean()   # "a real image of digit y", says D?
    opt_G.zero_grad()
    loss_G.backward()
    opt_G.step()
    return {"loss_d": loss_D.item(), "loss_g": loss_G.item(),
            "d_real": mg.sigmoid(logit_real.detach()).mean().item(),
            "d_fake": mg.sigmoid(logit_fake.detach()).mean().item()}


images, labels = load_bundled_mnist()
if FAST:
    keep = np.random.default_rng(0).permutation(len(images))[:320]
    images, labels = images[keep], labels[keep]
loader = DataLoader((images, labels), batch_size=64, shuffle=True, drop_last=True,
                    transform=lambda b: scale_to_unit_range(b, flatten=True))
batch = next(iter(loader))

EMBED = 50  # label embedding size (minigan's default is 10; see "Training" below)
HIDDEN_G, HIDDEN_D = pick(((256, 512, 1024), (1024, 512, 256)), ((32, 64, 128), (128, 64, 32)))
twins = []
for _ in range(2):  # two identical models: one trained by hand, one by the library
    mg.manual_seed(SEED + 5)
    twins.append(ConditionalGAN(g_hidden=HIDDEN_G, d_hidden=HIDDEN_D, embed_dim=EMBED))
hand, lib = twins
mg.manual_seed(SEED + 6)
mine = conditional_step(hand.G, hand.D, hand.opt_g, hand.opt_d, *batch)
mg.manual_seed(SEED + 6)
theirs = lib.train_step(batch)
print("by hand:       ", {k: round(v, 6) for k, v in mine.items()})
print("ConditionalGAN:", {k: round(theirs[k], 6) for k in mine})
check(all(abs(mine[k] - theirs[k]) < 1e-5 for k in mine),
      "the hand-written conditional step and ConditionalGAN.train_step give the same losses "
      f"(largest difference {max(abs(mine[k] - theirs[k]) for k in mine):.1e})")

# %% [markdown]
# ## Training
#
# `ConditionalGAN(arch="mlp")` is lesson 09's fully connected GAN plus two label embeddings
# (one in $G$, one in $D$). Its per-epoch grid has **one row per digit**, and the same noise
# vector runs down each column, so a column shows one "style" (slant, thickness) written as
# every digit. The full example is `python examples/cgan_mnist.py`; here we train about
# 1,500 steps.
#
# One choice differs from the default: a label embedding of 50 numbers instead of 10. In
# $D$'s first layer the label competes with 784 pixels; with only 10 label inputs, $D$ was
# slow to start checking the label, and in our runs the generator still ignored it after
# 1,560 steps (the judge read the requested digit in 14% of samples, against 10% by
# chance). With 50, the label speaks louder from the start and the conditioning is learnt
# within the same budget. With longer training the default catches up.

# %%
mg.manual_seed(SEED)
model = ConditionalGAN(g_hidden=HIDDEN_G, d_hidden=HIDDEN_D, embed_dim=EMBED)
EPOCHS = pick(20, 1)


def report(epoch, history):
    if epoch % 5 == 0 or epoch == EPOCHS:
        last = {k: v[-1] for k, v in history["epochs"].items()}
        print(f"epoch {epoch:2d} ({history['epoch_seconds'][-1]:.1f} s): loss_d {last['loss_d']:.3f} "
              f"loss_g {last['loss_g']:.3f} D(x|y) {last['d_real']:.3f} D(G(z|y)|y) {last['d_fake']:.3f}")


t0 = time.perf_counter()
history = train(model, loader, EPOCHS, "runs/lessons/11_conditional_gan", progress=False,
                checkpoint_every=EPOCHS, on_epoch_end=report)
n_steps = sum(history["iterations_per_epoch"])
seconds = time.perf_counter() - t0
print(f"{n_steps} steps in {seconds:.0f} s ({1000 * seconds / n_steps:.0f} ms per step)")

grid = model.sample_grid()                         # 10 rows (digits) x 10 columns (styles)
fig, ax = plt.subplots(figsize=(5, 5))
ax.imshow(image_grid(grid, nrow=model.grid_nrow), cmap="gray")
ax.set_yticks(2 + 30 * np.arange(10) + 14, [f"y = {d}" for d in range(10)])
ax.set_xticks([])
ax.set_title(f"one row per requested digit, one noise vector per column\n"
             f"(after {n_steps} steps)", fontsize=10)
show(fig, "11_grid")

# %% [markdown]
# ## Does it draw what it is asked for?
#
# We ask for 1,000 digits, 100 of each, and let the judge read them. Two questions: are they
# good digits at all (the figures of lesson 09), and is each the **requested** one? The
# second is new: the *conditional accuracy* $P(\text{judge reads } y \mid \text{asked for } y)$,
# 10% for a generator that ignores its label.

# %%
N_JUDGE = pick(1000, 100)
exported = model.export_samples(N_JUDGE)          # labels 0, 1, ..., 9, 0, 1, ...
samples, asked = exported["images"], exported["labels"]
read = predict(samples)
accuracy = float((read == asked).mean())
per_digit = np.array([(read[asked == d] == d).mean() for d in range(10)])
confusion = np.zeros((10, 10))
np.add.at(confusion, (asked, read), 1)
confusion /= confusion.sum(axis=1, keepdims=True)
verdict = evaluate_samples(samples)
print(format_report(verdict))
print(f"conditional accuracy: {100 * accuracy:.1f}% (chance 10%); per digit: "
      + " ".join(f"{d}:{100 * a:.0f}%" for d, a in enumerate(per_digit)))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
axes[0].bar(range(10), 100 * per_digit)
axes[0].axhline(10, color="k", ls=":", lw=1, label="chance (10%)")
axes[0].set(xticks=range(10), xlabel="requested digit y", ylabel="% read as y by the judge",
            title=f"conditional accuracy {100 * accuracy:.0f}%", ylim=(0, 100))
axes[0].legend(fontsize=8)
im = axes[1].imshow(100 * confusion, cmap="Blues", vmin=0, vmax=100)
axes[1].set(xticks=range(10), yticks=range(10), xlabel="digit the judge reads",
            ylabel="requested digit", title="what was asked vs what was drawn (% of row)")
fig.colorbar(im, ax=axes[1], fraction=0.046)
fig.tight_layout()
show(fig, "11_judge")
# Normal mode, MINIGAN_SEED 0-9 with 1 and 2 threads: 27% to 70% (median 40%); twice chance
# always held, with room.
check(FAST or accuracy > 0.2,
      f"the judge reads the requested digit in {100 * accuracy:.0f}% of samples "
      f"(a label-blind generator: 10%)",
      hint="try another MINIGAN_SEED, or train longer (examples/cgan_mnist.py)")

# %% [markdown]
# ## Obeying the label is not enough: does the noise still matter?
#
# Look again at the grid: along each row the noise vector changes from column to column.
# If the columns look alike, $G$ has learnt to ignore $z$ and draws one picture per label, a
# *mode collapse within each class* (lesson 13 studies mode collapse). A number for it: the
# mean pixel distance between two samples requested as the same digit, next to the same
# distance between two real images of that digit.

# %%
def within_class_spread(images, classes, d, n=100):
    x = images[classes == d][:n].reshape(-1, 784).astype(np.float64) / 255
    return float(np.abs(x[:, None, :] - x[None, :, :]).mean(axis=2).sum() / (len(x) * (len(x) - 1)))


real_images, real_labels = load_bundled_mnist()
spread_fake = np.array([within_class_spread(samples, asked, d) for d in range(10)])
spread_real = np.array([within_class_spread(real_images, real_labels, d) for d in range(10)])
ratio = spread_fake / spread_real
print("spread of samples / spread of real digits, per requested digit: "
      + " ".join(f"{d}:{r:.2f}" for d, r in enumerate(ratio)))
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(np.arange(10) - 0.2, spread_real, 0.4, label="real digits")
ax.bar(np.arange(10) + 0.2, spread_fake, 0.4, label="generated, same requested digit")
ax.set(xticks=range(10), xlabel="digit", ylabel="mean pixel distance\nbetween two images",
       title="variety within each class")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
show(fig, "11_within_class_variety")
check(spread_real.min() > 0.05 and np.isfinite(spread_fake).all(),
      f"within-class variety measured: real digits {spread_real.mean():.3f}, samples "
      f"{spread_fake.mean():.3f} on average ({ratio.mean():.2f} of the real variety)")

# %% [markdown]
# ## What a well-trained conditional GAN draws
#
# The run above is what a lesson can afford. minigan ships a conditional GAN with the same
# networks (and the default 10-number embedding) trained for much longer, and sampled from
# the moving average of its generator's weights (`minigan/gan/ema.py`); `python -m minigan
# pretrained` prints the exact command that trained it and its figures. The same three
# questions, asked of it:

# %%
shipped = minigan.pretrained.load("cgan-mnist")
mg.manual_seed(SEED)
exported = shipped.export_samples(N_JUDGE)
shipped_read = predict(exported["images"])
shipped_accuracy = float((shipped_read == exported["labels"]).mean())
shipped_verdict = evaluate_samples(exported["images"])
shipped_spread = np.array([within_class_spread(exported["images"], exported["labels"], d)
                           for d in range(10)])
print(f"shipped cGAN: judge reads the requested digit in {100 * shipped_accuracy:.1f}%, "
      f"{100 * shipped_verdict['confident_share']:.1f}% confidently, classifier FID "
      f"{shipped_verdict['classifier_fid']:.1f}; within-class variety "
      f"{(shipped_spread / spread_real).mean():.2f} of the real digits'")

fig, axes = plt.subplots(1, 2, figsize=(10, 5), gridspec_kw={"width_ratios": [1, 1.1]})
axes[0].imshow(image_grid(shipped.sample_grid(), nrow=shipped.grid_nrow), cmap="gray")
axes[0].set_yticks(2 + 30 * np.arange(10) + 14, [f"y = {d}" for d in range(10)])
axes[0].set_xticks([])
axes[0].set_title("the shipped cGAN: one row per requested digit", fontsize=10)
axes[1].bar(np.arange(10) - 0.2, spread_real, 0.4, label="real digits")
axes[1].bar(np.arange(10) + 0.2, shipped_spread, 0.4, label="shipped cGAN")
axes[1].bar(np.arange(10) + 0.2, spread_fake, 0.15, color="k", label="this lesson's run")
axes[1].set(xticks=range(10), xlabel="digit", ylabel="mean pixel distance between two images",
            title=f"variety within each class; the judge reads {100 * shipped_accuracy:.0f}% "
                  "as asked")
axes[1].legend(fontsize=8)
axes[1].grid(alpha=0.3)
fig.tight_layout()
show(fig, "11_shipped")
# Over its three catalogue seeds, 10,000 samples each, the judge read 98.9% to 99.0% as asked;
# in fast mode (100 samples), MINIGAN_SEED 0-2: 98% to 100%, variety 0.91 to 0.94; in normal
# mode (1,000), seed 0: 99.2%, variety 0.88.
check(shipped_accuracy > 0.95 and (shipped_spread / spread_real).mean() > 0.7,
      f"the shipped cGAN draws the requested digit ({100 * shipped_accuracy:.0f}%) and varies "
      f"within each class ({(shipped_spread / spread_real).mean():.2f} of the real variety)")

print(f"lesson run time: {time.perf_counter() - started:.0f} s")

# %% [markdown]
# Read our run's numbers honestly. After 1,560 steps the generator draws the requested digit
# for six of the ten labels (59% overall, against 10% by chance); the confusion matrix shows
# what the failing requests get instead. But its samples are rough (compare lesson 09's
# after the same number of steps), and within a class they vary about ten times less than
# real digits: $G$ leans on the label and makes little use of $z$, so each row of the grid
# repeats one picture. Conditional generators are known to drift this way (the pix2pix
# authors found theirs ignored its noise input altogether). With the default 10-number
# embedding the opposite happened in our runs: varied samples, but the label ignored. The
# full example, `examples/cgan_mnist.py`, trains 8,000 steps; exercise 4 asks you to see
# what longer training changes. The shipped cGAN answers it for one recipe: with the default
# embedding, 21,000 steps and samples drawn from the moving average of $G$'s weights, it
# draws the digit asked for 99% of the time and varies within each class nearly as much as
# real handwriting (`11_shipped.png`): neither failure above is a limit of the model.
#
# ## Exercises
#
# 1. **A label-blind discriminator.** Make $D$ ignore the label (e.g. pass
#    `labels * 0` to `D` in `conditional_step`, or give it a fixed label) and train with
#    your own loop. Hint: the samples stay digit-like, but the conditional accuracy falls
#    towards 10%: nothing makes $G$ obey $y$.
# 2. **One-hot instead of an embedding.** Write a generator that concatenates
#    `one_hot(y)` to $z$ (as in the first check) and train it with `conditional_step`.
#    Hint: the result is about as good; the first check says why.
# 3. **Interpolate the label.** The embedding makes the label a vector: feed $G$ the
#    average of the embeddings of 4 and 9 (build `G.net(cat([z, e]))` yourself) and look at
#    what it draws. Hint: often a plausible in-between digit; sometimes a blur.
# 4. **Longer training.** Run `python examples/cgan_mnist.py --embed-dim 50 --epochs 60` (about
#    5,000 steps) and recompute the conditional accuracy and the within-class variety on its
#    checkpoint (`minigan.gan.load_model`). Hint: compare both numbers with this lesson's; the
#    per-epoch grids in `runs/cgan/samples/` show when the columns start to differ.
# Write-it-yourself exercises: lessons/exercises/11_conditioning.py, checked by python lessons/check.py 11
