# %% [markdown]
# # 16. Running on a GPU with CuPy, and what changes (nothing in the model code)
#
# Every lesson so far ran on NumPy. minigan runs unchanged on an NVIDIA GPU through CuPy, a
# library that copies NumPy's interface (`cupy.exp`, `cupy.matmul`, `a.sum(axis=1)`, ...) and
# runs each call as a GPU kernel. This lesson shows how one code base serves both, and what
# you, the user, do differently: almost nothing.
#
# You will learn:
# - the one idea that makes it work: every operation asks its input for its *array module*
#   (`xp`, NumPy or CuPy) and uses only functions both share;
# - how to move tensors and modules (`tensor.to("cuda")`, `module.to("cuda")`, `device=`) and
#   how the examples take `--device cuda`;
# - why minigan draws every random number on the CPU, so that a seed gives the same numbers on
#   both devices;
# - what really differs on a GPU: asynchronous kernels, launch overhead, transfers and
#   rounding; and a timing of matrix products and convolutions on the devices you have.
#
# **This lesson runs on any machine.** Without CuPy or a GPU it runs the same device-agnostic
# code on `"cpu"` and says, at each step, what would differ on `"cuda"`.
#
# Prerequisites: lesson 1 (tensors and autodiff), lesson 4 (convolutions), lesson 9 (a vanilla
# GAN).
#
# Run time: about 10 seconds on a 2-core CPU; about 2 seconds with `MINIGAN_FAST=1`.

# %%
import os

# The timings below use one CPU thread for matrix products unless you say otherwise: on a
# machine shared with other jobs, a multi-threaded BLAS waits for busy cores and its timings
# jump by 100x. Set OPENBLAS_NUM_THREADS (before starting Python) to time more cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
BLAS_THREADS = os.environ["OPENBLAS_NUM_THREADS"]

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import lessonkit  # noqa: E402
from lessonkit import FAST, SEED, check, pick, relative_error, show  # noqa: E402

sys.path.insert(0, str(Path(lessonkit.__file__).resolve().parents[1]))  # a clone, uninstalled

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import minigan as mg  # noqa: E402
from minigan import backend, nn, optim  # noqa: E402
from minigan.autograd import Function  # noqa: E402
from minigan.gradcheck import gradcheck  # noqa: E402

print("fast mode" if FAST else "normal mode")

# %% [markdown]
# ## 1. Which devices do we have?
#
# `minigan.cuda_is_available()` is true when CuPy is installed *and* sees a GPU. The usual
# pattern, as in PyTorch, is to decide once and pass the name around:

# %%
cupy_installed = backend.cupy is not None  # backend.py is the only module that imports CuPy
device = "cuda" if mg.cuda_is_available() else "cpu"
devices = ["cpu", "cuda"] if device == "cuda" else ["cpu"]
print(f"CuPy installed: {cupy_installed};  GPU visible: {mg.cuda_is_available()};  "
      f"this lesson runs on: {device}")
if device == "cpu":
    print("No GPU here: every cell below runs on 'cpu'. With `pip install -e \".[gpu]\"` on a "
          "machine with an NVIDIA GPU, the same cells run on 'cuda'.")

# %% [markdown]
# ## 2. The whole trick: ask the array for its module
#
# NumPy and CuPy have the same functions under the same names. So an operation never writes
# `np.exp(x)`: it writes `xp = get_array_module(x)` and then `xp.exp(x)`. For a NumPy array
# `xp` is `numpy`, for a CuPy array it is `cupy`, and the same line runs on either device.
# (DeZero and Chainer use the same idea; minigan enforces it with a test that scans
# `minigan/ops` for NumPy calls on data.)
#
# Let us write our own operation that way: $\log\cosh x$, a smooth absolute value. Its
# forward works on raw arrays (computed stably as $|x| + \log(1 + e^{-2|x|}) - \log 2$); its
# backward, $\tanh(x)\,g$, is written with Tensor operations, as every backward in minigan is,
# so it can itself be differentiated.

# %%
class LogCosh(Function):
    @staticmethod
    def forward(ctx, x):
        xp = backend.get_array_module(x)  # numpy on 'cpu', cupy on 'cuda'
        ax = xp.abs(x)
        return (ax + xp.log1p(xp.exp(-2 * ax)) - np.log(2.0)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.inputs
        return g * x.tanh()


def logcosh(x):
    return LogCosh.apply(x)


x = mg.tensor([-100.0, -1.0, 0.0, 0.5, 100.0], device=device, requires_grad=True)
y = logcosh(x)
y.sum().backward()
print("array module of x.data:", backend.get_array_module(x.data).__name__)
print("logcosh(x) =", y.numpy(), "\nd/dx      =", x.grad.numpy())
reference = np.log(np.cosh(np.array([-1.0, 0.0, 0.5])))
diff = np.abs(y.numpy()[1:4] - reference).max()
check(diff < 1e-6, f"logcosh agrees with np.log(np.cosh(x)) to {diff:.1e} in float32 "
      "(should be below 1e-6)")
check(abs(y.numpy()[4] - (100 - np.log(2))) < 1e-4,
      f"and stays finite at x = 100 ({y.numpy()[4]:.4f} = 100 - log 2), where cosh overflows "
      "float32")

x64 = mg.tensor(np.random.default_rng(0).normal(size=(3, 4)), dtype=np.float64,
                device=device, requires_grad=True)
check(gradcheck(logcosh, [x64]), "gradcheck passes for our op (float64, central differences)")

# %% [markdown]
# ## 3. Moving data and models
#
# - `mg.tensor(data, device=device)`, `mg.randn(..., device=device)`, `mg.zeros(...,
#   device=device)` create tensors on a device;
# - `t.to("cuda")` returns a copy on the GPU (gradients flow back through the move);
#   `t.numpy()` and `t.item()` always hand you NumPy / Python numbers, copying from the GPU;
# - `module.to("cuda")` moves every parameter and buffer *in place*: the Parameter objects stay
#   the same, so an optimizer built before the move still holds them, and its state (Adam's
#   moving averages) follows each parameter to its new device at the next step;
# - the examples and the command line take `--device cuda`:
#   `python examples/dcgan_mnist.py --device cuda`,
#   `python -m minigan sample runs/dcgan/checkpoint.npz --device cuda`;
# - tensors on two devices never mix silently: an operation on one CPU and one GPU tensor
#   raises an error that names both. Constants you make inside your own code must be created
#   on the input's device: `mg.tensor(0.5, device=x.device)`.
#
# On this machine a move to `"cuda"` is refused with a clear message:

# %%
a = np.arange(6, dtype=np.float32).reshape(2, 3)
print("device_of(numpy array):", backend.device_of(a))
same = backend.to_device(a, "cpu")
check(same is a, "to_device(array, 'cpu') on a CPU array is a no-op: no copy")
if device == "cpu":
    try:
        mg.tensor(a).to("cuda")
        moved = True
    except RuntimeError as err:
        moved = False
        print("tensor.to('cuda') ->", type(err).__name__ + ":", err)
    check(not moved, "asking for 'cuda' without a GPU fails loudly instead of running on the CPU")
else:
    t = mg.tensor(a).to("cuda")
    print("on the GPU:", t, "->", type(t.data).__module__)
    check(np.array_equal(t.numpy(), a), "a round trip CPU -> GPU -> CPU returns the same numbers")

# %% [markdown]
# ## 4. The same training code on either device
#
# Here is a complete little training run: a two-layer network fitting $y = \sin(3x)$ with Adam.
# The *only* mention of a device is the argument: data are created on it and the model is
# moved to it. Everything else (layers, losses, backward, optimizer) is the code of the earlier
# lessons. On a GPU machine, call it with `"cuda"`.

# %%
def fit_sine(device, seed=SEED, steps=pick(300, 100)):
    mg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 1)).to(device)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    x = mg.rand(256, 1, device=device) * 4 - 2           # drawn on the CPU, then moved
    y = mg.tensor(np.sin(3 * x.numpy()), device=device)  # targets: minigan has no sin op
    losses = []
    for _ in range(steps):
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())                        # .item(): a copy back to the CPU
    return np.array(losses), model


losses, model = fit_sine(device)
print(f"on {device}: loss {losses[0]:.4f} -> {losses[-1]:.4f} after {len(losses)} steps; "
      f"parameters live on {next(iter(model.parameters())).device}")
# Seeds 0-9, 1 and 2 threads: the last loss is 0.006 to 0.04 of the first.
check(losses[-1] < 0.5 * losses[0], f"the network learns on {device} "
      f"(loss {losses[0]:.3f} -> {losses[-1]:.3f})")
again, _ = fit_sine(device)
check(np.array_equal(losses, again), "the same seed on the same device repeats every loss "
      "exactly")
if "cuda" in devices:
    on_gpu, _ = fit_sine("cuda")
    on_cpu, _ = fit_sine("cpu")
    first = relative_error(on_gpu[0], on_cpu[0])
    print(f"GPU versus CPU: first loss relative error {first:.1e}, last loss "
          f"{relative_error(on_gpu[-1], on_cpu[-1]):.1e}")
    check(first < 1e-5, "same seed, same start: the first losses agree to float32 rounding")

# %% [markdown]
# minigan's GAN models take the device too, and the training loop moves each batch:
# `VanillaGAN(device=device)`, `DCGAN(device=device)`. One step of the vanilla GAN:

# %%
from minigan.data import load_bundled_mnist  # noqa: E402
from minigan.gan.models.mlp import VanillaGAN  # noqa: E402

mg.manual_seed(0)
gan = VanillaGAN(device=device)
digits = load_bundled_mnist()[0][:64].astype(np.float32) / 127.5 - 1.0   # [-1, 1]
logs = gan.train_step(mg.tensor(digits.reshape(64, 1, 28, 28), device=device))
print(f"vanilla GAN on {device}: one step, " + ", ".join(f"{k} {v:.3f}" for k, v in
                                                        logs.items()))
check(gan.sample(4).device == device, f"its samples come out on {device}")

# %% [markdown]
# ## 5. One random generator, on the CPU
#
# Initial weights, noise vectors, dropout masks and shuffling all come from **one** NumPy
# generator, `backend.get_rng()`, seeded by `mg.manual_seed`. A tensor on the GPU is drawn on
# the CPU and then copied over. That costs a transfer, but random draws are small next to the
# matrix products that consume them, and it buys two things: a seed draws *the same numbers*
# on a laptop and on a GPU server (CuPy's own generator would give different ones), and a
# checkpoint stores one generator state, so a resumed run continues the same sequence.
#
# We can check that the generator is exactly NumPy's, seeded the same way:

# %%
mg.manual_seed(42)
z = mg.randn(2, 3, device=device)
expected = np.random.default_rng(42).standard_normal((2, 3)).astype(np.float32)
print("mg.randn after manual_seed(42):\n", z.numpy())
check(np.array_equal(z.numpy(), expected), f"mg.randn on {device} equals "
      "numpy.random.default_rng(42).standard_normal, bit for bit")
state = backend.rng_state()
first = mg.randn(4).numpy()
backend.set_rng_state(state)
check(np.array_equal(mg.randn(4).numpy(), first), "restoring the generator state repeats the "
      "draws (how a resumed run stays on course)")

# %% [markdown]
# ## 6. What does differ on a GPU
#
# The model code does not change, but the *behaviour* does, in ways worth knowing:
#
# - **Kernels are asynchronous.** `cupy.exp(x)` queues work on the GPU and returns at once.
#   A timer around it measures the queueing, not the work: synchronise first
#   (`backend.cupy.cuda.Device().synchronize()`), as the timing below does. `.item()` and
#   `.numpy()` synchronise implicitly, which is also why calling `.item()` every step slows a
#   GPU loop: log every few hundred steps instead.
# - **Every kernel launch costs a few microseconds**, however small the array. The toy GAN of
#   lesson 13 (matrices of 256 x 128) runs no faster on a GPU than on a CPU. A GPU pays off for
#   large matrix products and convolutions: DCGAN with batches of 128 and more.
# - **Transfers are slow** compared with GPU arithmetic. Keep the data set and the model on
#   the GPU; move only what must cross (a batch, if the data live on the CPU; a grid of
#   samples for a picture).
# - **Rounding differs.** A GPU sums in a different order (and cuBLAS picks algorithms by
#   size), so float32 results agree with the CPU's to about $10^{-6}$ relative, not bit for
#   bit. Gradient checks still use float64, which many GPUs run much more slowly than float32.
# - **Memory is fixed** (the GPU's own), and an out-of-memory error means a smaller batch.
#
# ## 7. Timing: where a device pays off
#
# We time a square matrix product (the core of `Linear`) and a DCGAN-sized convolution,
# forward and backward, on every device we have. For the product we also time NumPy directly:
# the gap is minigan's own overhead (building the graph node), which matters only for tiny
# arrays.

# %%
def synchronize(dev):
    if dev == "cuda":
        backend.cupy.cuda.Device().synchronize()


def best_time(fn, dev, repeats, budget=pick(0.3, 0.05)):
    """The fastest of at least ``repeats`` calls (more while under ``budget`` seconds): the
    minimum is the least disturbed by other programs sharing the machine."""
    fn()
    synchronize(dev)                      # warm-up: the first call allocates (and compiles)
    times, spent = [], 0.0
    while len(times) < repeats or spent < budget:
        start = time.perf_counter()
        fn()
        synchronize(dev)
        times.append(time.perf_counter() - start)
        spent += times[-1]
    return min(times)


sizes = pick([64, 128, 256, 512, 1024, 2048], [32, 64, 128])
batches = pick([8, 16, 32, 64, 128], [4, 8])
REPEATS = pick(3, 2)
matmul, conv, raw = {}, {}, []
for n in sizes:  # raw NumPy, for comparison
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    raw.append(best_time(lambda: a @ a, "cpu", REPEATS))
for dev in devices:
    matmul[dev] = []
    for n in sizes:
        a = mg.randn(n, n, device=dev)
        t = best_time(lambda: a @ a, dev, REPEATS)
        matmul[dev].append(t)
        print(f"{dev}: {n:4d} x {n:<4d} matmul {1e3 * t:8.3f} ms  "
              f"{2 * n ** 3 / t / 1e9:7.1f} GFLOP/s")
    conv[dev] = []
    layer = nn.Conv2d(64, 128, 4, stride=2, padding=1).to(dev)   # a DCGAN discriminator layer
    for b in batches:
        xb = mg.randn(b, 64, 14, 14, device=dev, requires_grad=True)

        def step():
            layer(xb).sum().backward()

        t = best_time(step, dev, REPEATS)
        conv[dev].append(t)
        print(f"{dev}: conv 64->128, 4x4 stride 2, batch {b:3d} (14x14 in), forward + "
              f"backward {1e3 * t:8.2f} ms")
overhead = np.array(matmul["cpu"]) / np.array(raw)
print("minigan / raw NumPy time for the matmul, by size:", np.round(overhead, 2))
a = np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32)
check(relative_error((mg.tensor(a) @ mg.tensor(a)).numpy(), a @ a) < 1e-6,
      "minigan's product is NumPy's product (same numbers, float32)")
# Not a check: a timing depends on what else the machine is doing (0.89x to 1.52x measured
# on a shared 2-core machine). On a quiet one the largest product costs about what NumPy's does.
print(f"for the largest product minigan takes {overhead[-1]:.2f}x NumPy's time")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
flops = [2 * n ** 3 for n in sizes]
for dev in devices:
    axes[0].plot(sizes, np.array(flops) / np.array(matmul[dev]) / 1e9, "o-",
                 label=f"minigan on {dev}" + (f" ({BLAS_THREADS} BLAS thread(s))"
                                              if dev == "cpu" else ""))
axes[0].plot(sizes, np.array(flops) / np.array(raw) / 1e9, "x--", color="gray",
             label="raw NumPy")
axes[0].set_xscale("log", base=2)
axes[0].set_xlabel("matrix size n (n x n times n x n)")
axes[0].set_ylabel("GFLOP/s (higher is faster)")
axes[0].set_title("Matrix product, float32")
for dev in devices:
    axes[1].plot(batches, 1e3 * np.array(conv[dev]) / np.array(batches), "o-",
                 label=f"minigan on {dev}" + (f" ({BLAS_THREADS} BLAS thread(s))"
                                              if dev == "cpu" else ""))
axes[1].set_xscale("log", base=2)
axes[1].set_xlabel("batch size")
axes[1].set_ylabel("ms per image (lower is faster)")
axes[1].set_title("Conv2d(64, 128, 4, stride 2), forward + backward")
for ax in axes:
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    if "cuda" in devices:
        ax.set_yscale("log")  # the devices differ by orders of magnitude
    else:
        ax.set_ylim(bottom=0)
fig.suptitle(f"Measured on: {', '.join(devices)}" + ("" if "cuda" in devices else
             " (no GPU on this machine)"), y=1.02)
show(fig, "16_timing")

# %% [markdown]
# On one thread of our CPU (a 2-core server shared with other jobs: timings are noisy, which
# is why we keep the fastest of several calls) the product reaches about 110 GFLOP/s from
# n = 128 on and stays there; beyond that size minigan adds nothing measurable to raw NumPy.
# The convolution costs about 0.5 ms per image at every batch size: one core is saturated
# already by a batch of 8, so a bigger batch buys nothing on a CPU.
# On a GPU the curves have a different shape: at small sizes the launch overhead makes every
# call cost about the same few microseconds (far below the CPU's throughput), and from a few
# hundred upwards the throughput climbs towards the GPU's peak, typically tens of TFLOP/s in
# float32, hundreds of times these CPU numbers. Run this lesson on a GPU machine to see your
# own curves appear beside the CPU ones.
#
# ## Exercises
#
# 1. **An op of your own.** Write `Softsign` ($x / (1 + |x|)$, derivative $1/(1 + |x|)^2$)
#    as a `Function` with `xp` in its forward and Tensor operations in its backward, and pass
#    `gradcheck` and `gradgradcheck`. Then break the rule on purpose: use `np.abs` instead of
#    `xp.abs`. On the CPU nothing changes; on a GPU, NumPy would try to turn a CuPy array into a
#    NumPy one and raise a `TypeError`. That is why minigan's test scans `minigan/ops` for `np.`
#    calls.
# 2. **Overhead.** Extend `sizes` down to 4 and 8. At what size does minigan's overhead over raw
#    NumPy fall below 1.5x? (Each operation builds a graph node; expect tens of microseconds.)
#    Time `with mg.no_grad(): a @ a` too.
# 3. **Same seed, same numbers.** On a machine with a GPU, run `fit_sine("cpu")` and
#    `fit_sine("cuda")`: the initial weights and data are identical (one CPU generator), so the
#    first losses agree to float32 rounding. Do the last losses after 300 steps agree as well?
#    Why might a GAN's trajectories drift apart further than this regression's?
# Write-it-yourself exercises: lessons/exercises/16_array_module.py, checked by python lessons/check.py 16
