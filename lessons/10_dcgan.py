# %% [markdown]
# # 10. DCGAN, latent interpolation and vector arithmetic
#
# The vanilla GAN of lesson 09 sees an image as a list of 784 numbers. A convolutional GAN
# sees it as a grid, shares its weights across positions, and draws sharper digits with far
# fewer weights. Radford et al. (2016) found a recipe that made such GANs train reliably:
# **DCGAN**. You will:
#
# * build DCGAN's generator and discriminator layer by layer and follow the shapes;
# * train one for about a minute and a half and ask the judge about its samples;
# * load the DCGAN that minigan ships, trained for hours, and see what training longer buys;
# * walk its latent space: linear versus spherical interpolation, and why the straight line
#   is the wrong path between two Gaussian codes;
# * do "vector arithmetic" with codes: *bold - thin + thin 7 = bold 7*, then measure it:
#   directions that make any digit thicker or more slanted while keeping the digit.
#
# **Prerequisites:** lessons 04 (convolution and transposed convolution), 05 (batch norm),
# 06 (Adam) and 09 (the vanilla GAN and its training step).
#
# **Run time:** about 2 minutes on a quiet 2-core CPU (about 10 s with `MINIGAN_FAST=1`).

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
import minigan.pretrained
from lessonkit import FAST, SEED, check, pick, show
from minigan import nn
from minigan.data import DataLoader, load_bundled_mnist, scale_to_unit_range
from minigan.gan import attributes, latent, train
from minigan.gan.models.dcgan import DCGAN, dcgan_discriminator, dcgan_generator, dcgan_init_
from minigan.metrics import evaluate_samples, format_report, predict_proba
from minigan.viz import image_grid, to_uint8

mg.manual_seed(SEED)
started = time.perf_counter()

# %% [markdown]
# ## The recipe
#
# The DCGAN paper's guidelines, as the lecture lists them, and why each helps:
#
# | guideline | why |
# |---|---|
# | no pooling: $D$ downsamples with **strided convolutions**, $G$ upsamples with **transposed** ones | the network learns its own resampling instead of a fixed max or average, and max pooling's sparse gradients are avoided |
# | **batch norm** in both networks, but not on $G$'s output nor $D$'s input | keeps activations in range in both players, so neither saturates early; $G$'s output must stay free to set the pixels' mean and spread, and $D$'s input statistics are part of what tells real from fake |
# | **ReLU** in $G$, **tanh** on its output | tanh bounds the pixels to $[-1, 1]$, like the scaled data |
# | **LeakyReLU(0.2)** in $D$ | a small slope for negative inputs keeps gradients flowing back to $G$ everywhere |
# | no fully connected hidden layers | only one linear layer at each end: from $z$ to a small feature map, from the last map to a logit |
# | weights from $\mathcal N(0, 0.02)$, Adam(lr $2\cdot10^{-4}$, $\beta_1 = 0.5$) | the paper's settings; $\beta_1 = 0.9$ often oscillates (lesson 06) |
#
# For 28x28 MNIST the generator starts from a $2w \times 7 \times 7$ feature map and doubles
# its side twice; the discriminator mirrors it. With kernel 4, stride 2 and padding 1 a
# transposed convolution maps a side $n$ to $(n-1)\cdot 2 - 2 + 4 = 2n$ exactly, and every
# output pixel receives the same number of kernel taps, which avoids the checkerboard of
# lesson 04. The width $w$ sets the channels: the full example uses $w = 64$; to train in
# about a minute and a half on a CPU we use $w = 32$.

# %%
W = pick(32, 8)
LATENT = 100


def make_generator(w=W):
    return dcgan_init_(nn.Sequential(
        nn.Linear(LATENT, 2 * w * 7 * 7), nn.BatchNorm1d(2 * w * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (2 * w, 7, 7)),                                  # (2w, 7, 7)
        nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),  # (w, 14, 14)
        nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh()))                   # (1, 28, 28)


def make_discriminator(w=W):
    return dcgan_init_(nn.Sequential(
        nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2),                       # (w, 14, 14)
        nn.Conv2d(w, 2 * w, 4, 2, 1), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),  # (2w, 7, 7)
        nn.Flatten(), nn.Linear(2 * w * 7 * 7, 1)))                      # a logit


G, D = make_generator(), make_discriminator()


def trace_shapes(net, x, title):
    print(title)
    for layer in net:
        x = layer(x)
        print(f"  {type(layer).__name__:<16s} -> {tuple(x.shape)}")
    return x


with mg.no_grad():
    fake = trace_shapes(G, mg.randn(8, LATENT), "generator, on a batch of 8 codes:")
    trace_shapes(D, fake, "discriminator, on its 8 images:")
n_params = lambda net: sum(p.data.size for p in net.parameters())  # noqa: E731
print(f"G: {n_params(G):,} weights (vanilla GAN: 1.49M), D: {n_params(D):,} weights (vanilla: 1.46M)")

# %% [markdown]
# These are exactly minigan's `dcgan_generator` and `dcgan_discriminator` (same layers, same
# parameter names and shapes), and `dcgan_init_` drew the weights from $\mathcal N(0, 0.02)$:

# %%
def layout(net):
    return [(k, v.shape) for k, v in net.state_dict().items()]


same = (layout(G) == layout(dcgan_generator(LATENT, W))
        and layout(D) == layout(dcgan_discriminator(W)))
conv_std = float(G[4].weight.numpy().std())
check(same and tuple(fake.shape) == (8, 1, 28, 28) and abs(conv_std - 0.02) < 0.002,
      f"hand-built networks match minigan's layer for layer; G makes {tuple(fake.shape)} "
      f"images; its transposed convolution's weights have std {conv_std:.4f} (0.02 wanted)")

# %% [markdown]
# ## Training
#
# The training step is lesson 09's, unchanged: `DCGAN` differs from `VanillaGAN` only in its
# networks. Real and fake images go through $D$ in separate batches, so each batch-norm
# layer normalises a batch that is all real or all fake (the lecture's tip: "don't mix real
# and generated content in batches").

# %%
images, labels = load_bundled_mnist()
if FAST:
    images = images[np.random.default_rng(0).permutation(len(images))[:256]]
loader = DataLoader((images,), batch_size=64, shuffle=True, drop_last=True,
                    transform=lambda b: scale_to_unit_range(b, flatten=False))
mg.manual_seed(SEED)
model = DCGAN(g_width=W, d_width=W)
EPOCHS = pick(20, 1)


def report(epoch, history):
    if epoch % 5 == 0 or epoch == EPOCHS:
        last = {k: v[-1] for k, v in history["epochs"].items()}
        print(f"epoch {epoch:2d} ({history['epoch_seconds'][-1]:.1f} s): loss_d {last['loss_d']:.3f} "
              f"loss_g {last['loss_g']:.3f} D(x) {last['d_real']:.3f} D(G(z)) {last['d_fake']:.3f}")


t0 = time.perf_counter()
history = train(model, loader, EPOCHS, "runs/lessons/10_dcgan", progress=False,
                checkpoint_every=EPOCHS, on_epoch_end=report)
n_steps = sum(history["iterations_per_epoch"])
seconds = time.perf_counter() - t0
print(f"{n_steps} steps in {seconds:.0f} s ({1000 * seconds / n_steps:.0f} ms per step)")

# %%
N_JUDGE = pick(1000, 100)
samples = model.export_samples(N_JUDGE)["images"]
verdict = evaluate_samples(samples)
print(format_report(verdict))
real = evaluate_samples(load_bundled_mnist()[0][:: 5000 // N_JUDGE][:N_JUDGE])
print(f"real digits, for comparison: confident {100 * real['confident_share']:.1f}%, "
      f"classifier FID {real['classifier_fid']:.1f}")

fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
axes[0].imshow(image_grid(samples[:64], nrow=8), cmap="gray")
axes[0].set_title(f"DCGAN (w={W}) after {n_steps} steps\nconfident {100 * verdict['confident_share']:.0f}%, "
                  f"FID {verdict['classifier_fid']:.0f}", fontsize=10)
it = history["iterations"]
for key, label in (("d_real", "D(x)"), ("d_fake", "D(G(z))")):
    axes[1].plot(it[key], alpha=0.2)
    axes[1].plot(np.convolve(it[key], np.ones(25) / 25, mode="valid"),
                 color=axes[1].lines[-1].get_color(), label=label + " (smoothed)")
axes[1].axhline(0.5, color="k", ls=":", lw=1)
axes[1].set(xlabel="step", ylabel="mean D", title="the discriminator's verdicts")
axes[1].legend(fontsize=8)
axes[1].grid(alpha=0.3)
axes[0].axis("off")
fig.tight_layout()
show(fig, "10_samples")
# Normal mode, MINIGAN_SEED 0-9 with 1 and 2 threads (20 runs): 10/10 digits every time,
# 39% to 49% confident (median 44%).
check(FAST or (verdict["digits_covered"] >= 9 and verdict["confident_share"] > 0.25),
      f"after {n_steps} steps the judge reads {verdict['digits_covered']}/10 digits, "
      f"{100 * verdict['confident_share']:.0f}% confidently (real digits: "
      f"{100 * real['confident_share']:.0f}%)")

# %% [markdown]
# The full example, `python examples/dcgan_mnist.py` ($w = 64$, 2,000 steps, 4-6 minutes on
# a quiet 2-core CPU), reached 54.5% confident samples, 10/10 digits and a classifier FID of
# 141 in its reference run. Our smaller, shorter run is a little behind that; the digits are
# already recognisable, although the convolutional $D$ and $G$ together hold less than a
# sixth of the vanilla GAN's weights (counted at the top of the lesson).
#
# ## A DCGAN trained longer
#
# A minute and a half teaches the recipe; it does not make a generator worth exploring. The
# rest of this lesson walks through the latent space and does arithmetic in it, and in a
# generator whose digits are half malformed both only travel between malformed digits. So from
# here on we use the DCGAN that minigan ships, `dcgan-mnist` (`python -m minigan pretrained`
# prints the exact command that trained it and the judge's figures over three seeds). It
# differs from this lesson's run in three ways, each explained where minigan implements it:
#
# * **all-convolutional**, as in Radford et al.'s paper: the code enters as a $100 \times 1
#   \times 1$ image and a transposed convolution with a $7 \times 7$ kernel spreads it to
#   $7 \times 7$, instead of the fully connected layer and `BatchNorm1d` above
#   (`DCGAN(variant="allconv")`, `minigan/gan/models/dcgan.py`);
# * the **R1 penalty** on $D$'s gradient at real images, $\frac{\gamma}{2}\|\nabla_x D(x)\|^2$
#   with $\gamma = 0.1$, from the paper of lesson 08's Dirac GAN (Mescheder et al. 2018),
#   which showed that it makes the game converge; minigan's double backward makes it one line
#   (`minigan/gan/losses.py`);
# * samples drawn from a **moving average of $G$'s weights** (decay 0.999) rather than from
#   $G$ itself (`minigan/gan/ema.py`), and many more steps (the catalogue says how many).

# %%
shipped = minigan.pretrained.load("dcgan-mnist")
with mg.no_grad():
    trace_shapes(shipped.G, mg.randn(8, LATENT), "the shipped generator, on 8 codes:")
print(f"G: {n_params(shipped.G):,} weights")
mg.manual_seed(SEED)
shipped_verdict = evaluate_samples(shipped.export_samples(1000)["images"])  # ~1 s, fast mode too
print(format_report(shipped_verdict))

fig, axes = plt.subplots(1, 2, figsize=(8.5, 4.6))
for ax, (title, m, v) in zip(axes, [(f"this lesson's run ({n_steps} steps)", model, verdict),
                                    ("shipped dcgan-mnist", shipped, shipped_verdict)]):
    ax.imshow(image_grid(m.sample(64).numpy(), nrow=8), cmap="gray")
    ax.set_title(f"{title}\n{v['digits_covered']}/10 digits, confident "
                 f"{100 * v['confident_share']:.0f}%, FID {v['classifier_fid']:.0f}", fontsize=9)
    ax.axis("off")
fig.tight_layout()
show(fig, "10_shipped")
check(shipped_verdict["digits_covered"] == 10 and shipped_verdict["confident_share"] > 0.6,
      f"the shipped DCGAN draws all ten digits ({shipped_verdict['digits_covered']}/10) and "
      f"the judge reads {100 * shipped_verdict['confident_share']:.0f}% of its samples "
      f"confidently (over 60%; this lesson's run: "
      f"{100 * verdict['confident_share']:.0f}%)")

# %% [markdown]
# Training longer pays: over three seeds of 10,000 samples the judge reads 72% of the shipped
# model's digits confidently (72.1-72.8%; this lesson's run, about 44%), every digit between
# 7% and 14% of the samples, classifier FID 19 against the MNIST test set (18.6-19.4; real
# digits score 4.5, this lesson's run about 170). In normal mode here, 1,000 samples of seed
# 0: 72% confident, FID 19. It is not perfect: some strokes end in blots, a few digits are
# ambiguous, and real digits are still read confidently far more often (96%). It stands a
# little ahead of the shipped WGAN-GP of lesson 12 (71%, FID 21), behind the conditional GAN
# of lesson 11, which is told which digit to draw (97%, FID 16).
#
# ## Walking between two codes
#
# If $G$ has learned a smooth map rather than a lookup table of training digits, images
# along a path between two codes should morph gradually. Which path? The straight line
# $z_t = (1-t) z_0 + t z_1$ (*lerp*) is the obvious one, but in $d = 100$ dimensions a
# Gaussian code almost always has norm close to $\sqrt{d} = 10$, and two independent codes
# are nearly orthogonal, so the midpoint of the line has norm about $10/\sqrt 2 \approx 7$:
# a region the generator never saw while training. **Spherical interpolation** (*slerp*)
# follows the great circle instead:
# $$z_t = \frac{\sin((1-t)\theta)}{\sin\theta} z_0 + \frac{\sin(t\theta)}{\sin\theta} z_1,
# \qquad \cos\theta = \frac{z_0 \cdot z_1}{\|z_0\|\|z_1\|}.$$

# %%
def slerp(z0, z1, t):
    theta = np.arccos(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)))
    return (np.sin((1 - t) * theta)[:, None] * z0 + np.sin(t * theta)[:, None] * z1) / np.sin(theta)


rng = np.random.default_rng(0)
z0, z1 = rng.standard_normal(LATENT), rng.standard_normal(LATENT)
t = np.linspace(0, 1, 41)
mine, theirs = slerp(z0, z1, t), latent.slerp(z0, z1, t)
gap = np.abs(mine - theirs).max()
norms_lerp = np.linalg.norm(latent.lerp(z0, z1, t), axis=1)
norms_slerp = np.linalg.norm(mine, axis=1)
print(f"|z0| = {np.linalg.norm(z0):.2f}, |z1| = {np.linalg.norm(z1):.2f}, angle "
      f"{np.degrees(np.arccos(np.dot(z0, z1) / np.linalg.norm(z0) / np.linalg.norm(z1))):.0f} degrees")
print(f"norm at the midpoint: lerp {norms_lerp[20]:.2f}, slerp {norms_slerp[20]:.2f}")
check(gap < 1e-12 and norms_slerp.min() > 0.95 * min(norms_slerp[0], norms_slerp[-1])
      and norms_lerp[20] < 0.8 * norms_lerp[0],
      f"our slerp equals minigan.gan.latent.slerp (max difference {gap:.1e}); it keeps the norm "
      f"(min {norms_slerp.min():.2f}) where the straight line sinks to {norms_lerp[20]:.2f}")

ends = shipped.noise(12)  # 6 pairs of endpoints, shared by both kinds of path
strips = {m: latent.interpolation_strip(shipped, rows=6, steps=10, method=m, ends=ends)
          for m in ("linear", "spherical")}
fig = plt.figure(figsize=(12, 4.4))
ax = fig.add_subplot(1, 3, 1)
ax.plot(t, norms_lerp, label="lerp (straight line)")
ax.plot(t, norms_slerp, label="slerp (great circle)")
ax.axhline(np.sqrt(LATENT), color="k", ls=":", lw=1, label=r"$\sqrt{d}$")
ax.set(xlabel="t", ylabel="|z_t|", title="norm of the code along the path", ylim=(0, 12))
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
for i, m in enumerate(("linear", "spherical")):
    ax = fig.add_subplot(1, 3, i + 2)
    ax.imshow(image_grid(strips[m], nrow=10), cmap="gray")
    ax.set_title(f"{m} interpolation (t = 0 ... 1 left to right)", fontsize=10)
    ax.axis("off")
fig.tight_layout()
show(fig, "10_interpolation")

# %% [markdown]
# The rows morph from one digit into another through shapes that are mostly digits
# themselves (a 5 through an 8 into a 2, a 9 through a 1 into a 6). The two kinds of path look
# much alike here: the shipped generator copes with the shorter codes in the middle of a
# straight path (its batch norm rescales what the first layer makes of them). The difference
# grows with the latent dimension and in generators without that normalisation (washed-out or
# fainter images at the midpoints of straight paths); slerp is the safe default.
#
# Is the walk smooth? Compare how much an image changes between neighbouring steps of a path
# with how much two unrelated samples differ:

# %%
steps_apart = np.abs(np.diff(strips["spherical"].reshape(6, 10, -1), axis=1)).mean()
random_pairs = shipped.sample(40).numpy()
unrelated = np.abs(random_pairs[:20] - random_pairs[20:]).mean()
print(f"mean pixel change per step: {steps_apart:.3f}; between unrelated samples: {unrelated:.3f}")
# Normal mode, seed 0: a step changes the image 0.17 times as much (1/6.1).
check(steps_apart < 0.5 * unrelated,
      f"one step along a path changes the image {unrelated / steps_apart:.1f}x less than "
      f"jumping to an unrelated sample")

# %% [markdown]
# ## Vector arithmetic
#
# Radford et al. averaged the codes of three "smiling woman" samples, subtracted the average
# of three "neutral woman" codes, added three "neutral man" codes, and got smiling men. MNIST
# has no smiles, but it has **stroke width**. We draw a pool of codes, let the judge say which
# digit each image shows, and measure each image's ink (mean brightness). Then
#
# $$z = \bar z_{\text{bold}} - \bar z_{\text{thin}} + \bar z_{\text{thin } c}$$
#
# should be a *bold* $c$. One care is needed: bold and thin samples differ in which digits
# they show (0s and 8s carry more ink than 1s), so a naive "boldest minus thinnest" also
# moves the digit. We take the $K$ boldest and $K$ thinnest samples **of each other digit**,
# so that digit identity cancels in the difference and only the stroke width is left.

# %%
POOL, K, C_DIGIT = 1000, 8, 7  # about 60 confident samples of each digit
pool = shipped.noise(POOL).numpy().astype(np.float64)
pool_images = to_uint8(shipped.sample(noise=mg.tensor(pool.astype(np.float32))))[:, 0]
proba = predict_proba(pool_images)
digit, sure = proba.argmax(1), proba.max(1) > 0.9
ink = pool_images.mean(axis=(1, 2)) / 255


def by_ink(d):
    """Indices of the samples the judge confidently reads as d, thinnest first."""
    idx = np.flatnonzero((digit == d) & sure)
    return idx[np.argsort(ink[idx])]


bold, thin = [], []
for d in range(10):
    idx = by_ink(d)
    if d != C_DIGIT and len(idx) >= 2 * K:  # enough of this digit to tell bold from thin
        bold.append(idx[-K:])
        thin.append(idx[:K])
c_idx = by_ink(C_DIGIT)[:K]
groups = [np.concatenate(bold), np.concatenate(thin), c_idx]
result = pool[groups[0]].mean(0) - pool[groups[1]].mean(0) + pool[groups[2]].mean(0)
check(np.abs(result - latent.arithmetic_code(*(pool[g] for g in groups))).max() < 1e-12,
      "our mean(A) - mean(B) + mean(C) equals minigan.gan.latent.arithmetic_code")
variants = result + 0.25 * np.random.default_rng(1).standard_normal((3, LATENT))
out_codes = np.vstack([pool[c_idx].mean(0), result, variants])
out_images = to_uint8(shipped.sample(noise=mg.tensor(out_codes.astype(np.float32))))[:, 0]
base_ink, out_ink = out_images[0].mean() / 255, out_images[1:].mean() / 255
out_digits = predict_proba(out_images[1:]).argmax(1)
print(f"{len(bold)} digits give the bold-minus-thin direction ({len(groups[0])} codes each side)")
print(f"ink: the image of mean(thin {C_DIGIT}s) {base_ink:.3f} -> result and variants {out_ink:.3f}; "
      f"the judge reads them as {out_digits} (asked: bold {C_DIGIT}s)")

rows = [pool_images[[g[-1] for g in bold]], pool_images[[g[0] for g in thin]],
        pool_images[c_idx], out_images]
names = ["A: bold samples, one per digit", "B: thin samples, one per digit",
         f"C: thin {C_DIGIT}s", "mean(C)'s image | A - B + C | 3 variants"]
width = max(len(r) for r in rows)
fig, axes = plt.subplots(4, 1, figsize=(5, 5.2))
for ax, row, name in zip(axes, rows, names):
    padded = np.concatenate([row, np.zeros((width - len(row), 28, 28), np.uint8)])
    ax.imshow(image_grid(padded, nrow=width), cmap="gray")
    ax.set_title(name, fontsize=9)
    ax.axis("off")
fig.tight_layout()
show(fig, "10_vector_arithmetic")
# Seeds 0-4: the ink rose 1.46 to 1.81 times, and the judge read all 20 results as 7s.
check(FAST or out_ink > 1.2 * base_ink,
      f"adding the boldness direction raised the ink from {base_ink:.3f} to {out_ink:.3f}",
      hint="try another MINIGAN_SEED")

# %% [markdown]
# The arithmetic does what it promises: the image of the thin 7s' mean code is a thin 7, and
# adding "bold minus thin", learnt on the other nine digits, gives 7s with thicker strokes
# that the judge still reads as 7s, the three random variants around the result too. A
# direction learnt on other digits carries over to this one: the generator has found a
# stroke-width axis that it shares between digits, which is what "disentangled" means.
#
# ## Attribute arithmetic, measured
#
# Eight codes a side, sorted by ink, and a look at the pictures: that is the paper's method.
# `minigan.gan.attributes` makes each step a measurement, as the paper did with smiles and
# glasses:
#
# * two attributes every writer varies are measured on each image: **stroke thickness** (the
#   ink divided by half the length of its outline, so a stroke $w$ pixels wide reads $w$
#   whatever its length) and **slant** ($\mu_{11}/\mu_{02}$ of the ink, the shear that would
#   make the digit upright);
# * `survey` draws 4,000 codes and lets the judge read each image; within each digit, the
#   mean code of the thickest fifth minus that of the thinnest fifth points towards thicker
#   strokes, and the average of those differences over the digits is the direction (with
#   its components along the digits' own mean codes removed, so it does not also change
#   the digit);
# * `attribute_arithmetic` adds multiples of a direction to samples of a digit **whose own
#   samples did not build it** (learnt on the other nine), and reports how far the attribute
#   moved at +1, in units of its spread (standard deviation) over real digits, and how often
#   the judge still reads the same digit.

# %%
# The steps (+1 adds SCALES times the direction) were chosen on survey seeds 1-3 of the
# shipped model, not on the seed shown here: the largest tried that kept the digit in at least
# 93% of samples on each (thickness x0.8: 96-98% kept; x1.0 fell to 92%. slant x0.3:
# 93.5-97%; x0.4 fell to 90.5%).
SCALES = {"thickness": 0.8, "slant": 0.3}
survey = attributes.survey(shipped, n=4000, seed=SEED)
moved = [attributes.attribute_arithmetic(shipped, name, scale=SCALES[name], rows=8, seed=SEED,
                                         survey_=survey)
         for name in attributes.ATTRIBUTES]
for result in moved:
    print(attributes.describe(result))
show(attributes.attribute_figure(moved, figure=plt.figure), "10_attributes")
check(all(r["change"] >= 0.3 and r["kept"] >= 0.9 for r in moved),
      "each direction moves its attribute by at least 0.3 of real digits' spread and keeps "
      "the digit in at least 90% of samples: "
      + "; ".join(f"{r['attribute']} {r['change']:+.2f}, kept {r['kept']:.0%}" for r in moved))
print(f"lesson run time: {time.perf_counter() - started:.0f} s")

# %% [markdown]
# Each row is one sample moved along a direction learnt on the other nine digits: to the
# right the strokes thicken (left panel) or the digit leans further right (right panel),
# and it stays the same digit. At +1, thickness moved by 0.65 standard deviations of real
# digits' thickness with the digit kept in 94% of 200 samples, and slant by 0.41 with 96% kept
# (seed 0; seeds 1-4: thickness +0.58 to +0.69, 94-98% kept; slant +0.38 to +0.39, 94-97%).
# `examples/dcgan_mnist.py` draws the same figure for the generator it trains in a few
# minutes (`arithmetic.png`): there a step almost twice as large (x1.4) moved thickness by
# only 0.36 spreads, with 92% kept. A better generator has cleaner directions.
#
# ## Exercises
#
# 1. **Take out the batch norm.** Build the generator without its two `BatchNorm` layers
#    and train 10 epochs. Hint: expect slower progress and blotchier samples, and a judge's
#    confident share well below the run above; some seeds collapse to a few digits.
# 2. **A kernel of 3.** Change `G`'s transposed convolutions to `ConvTranspose2d(.., 3, 2, 1,
#    output_padding=1)` (still doubling the side). Hint: look closely at the early samples
#    for the checkerboard pattern lesson 04 predicts.
# 3. **Other directions.** Replace ink by the digit's slant (the correlation between row and
#    column of the bright pixels) and try *slanted 7 - upright 7 + upright 1*. Hint: it works
#    less reliably than boldness; does averaging more codes per group (raise `K` from 8 to
#    32) help?
# Write-it-yourself exercises: lessons/exercises/10_slerp.py, checked by python lessons/check.py 10
