# %% [markdown]
# # 02. Checking gradients
#
# A wrong `backward` does not crash. The model still trains, a little worse, or not at all, and
# nothing tells you why. So every hand-written derivative gets checked against the one definition
# of a derivative that cannot be wrong: wiggle the input and watch the output. You will learn:
#
# * forward and central finite differences, and why the step size $h$ has a sweet spot (the
#   error-versus-$h$ "U" curve, in float32 and in float64);
# * how to compare two gradients: the relative error, in the convention of CS231n;
# * `minigan.gradcheck`, which does all this for any function of Tensors;
# * property-based tests with `hypothesis`, which try many random shapes and values and shrink a
#   failure to the smallest example, and how they catch a deliberately wrong `backward`;
# * `detect_anomaly`, which finds where a NaN was born.
#
# **Prerequisites:** lesson 01. **Run time:** about 10 seconds.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan as mg
from minigan.autograd import Function
from minigan.gradcheck import gradcheck
from lessonkit import FAST, check, pick, relative_error, show  # noqa: F401

mg.manual_seed(0)

# %% [markdown]
# ## 1. Finite differences, and the U curve
#
# The derivative is the limit of a slope. Two ways to take the slope with a small step $h$:
#
# $$\text{forward: } \frac{f(x+h) - f(x)}{h} = f'(x) + \tfrac{h}{2} f''(x) + O(h^2), \qquad
# \text{central: } \frac{f(x+h) - f(x-h)}{2h} = f'(x) + \tfrac{h^2}{6} f'''(x) + O(h^4).$$
#
# The Taylor series says the *truncation* error shrinks like $h$ (forward) or $h^2$ (central),
# so smaller $h$ looks better. But the computer stores $f(x)$ with a relative rounding error of
# about $\varepsilon$ (2.2e-16 in float64, 1.2e-7 in float32), and the difference of two nearly
# equal numbers keeps the absolute error while the division by $h$ blows it up: a *rounding*
# error of about $\varepsilon / h$. Truncation falls and rounding rises as $h$ shrinks, so the
# total has a minimum: near $h \approx \sqrt{\varepsilon}$ for forward differences and
# $h \approx \varepsilon^{1/3}$ for central ones. Let us measure it on
# $f(x) = e^x \sin x$ at $x = 1$, where $f'(x) = e^x(\sin x + \cos x)$.

# %%
def f(x):
    return np.exp(x) * np.sin(x)


x0 = 1.0
exact = np.exp(x0) * (np.sin(x0) + np.cos(x0))
steps = np.logspace(-15, -0.5, pick(88, 30))
errors = {}
for dtype in (np.float64, np.float32):
    x, fx = dtype(x0), f(dtype(x0))
    forward, central = [], []
    for h in steps:
        h = dtype(h)
        forward.append((f(x + h) - fx) / h)  # every operation in `dtype`
        central.append((f(x + h) - f(x - h)) / (dtype(2) * h))
    errors[dtype.__name__, "forward"] = np.abs(np.array(forward, np.float64) - exact) / abs(exact)
    errors[dtype.__name__, "central"] = np.abs(np.array(central, np.float64) - exact) / abs(exact)

fig, ax = plt.subplots(figsize=(7, 4.2))
styles = {"float64": "-", "float32": "--"}
colors = {"forward": "tab:blue", "central": "tab:red"}
best = {}
for (dt, kind), err in errors.items():
    ax.loglog(steps, np.maximum(err, 1e-17), styles[dt], color=colors[kind], label=f"{kind}, {dt}")
    k = int(np.argmin(err))
    best[dt, kind] = (steps[k], err[k])
    ax.plot(steps[k], max(err[k], 1e-17), "o", color=colors[kind])
for dt, eps in (("float64", np.finfo(np.float64).eps), ("float32", np.finfo(np.float32).eps)):
    ax.axvline(np.sqrt(eps), color="0.6", lw=0.8, ls=styles[dt])
    ax.axvline(eps ** (1 / 3), color="0.3", lw=0.8, ls=styles[dt])
ax.set_xlabel("step h")
ax.set_ylabel("relative error of the slope")
ax.set_title("Finite differences: truncation falls, rounding rises (dots: best h;\n"
             "grey lines: sqrt(eps) and eps^(1/3) for each dtype)", fontsize=10)
ax.legend(fontsize=8, loc="lower left")
show(fig, "02_finite_difference_u_curve")

for (dt, kind), (h, e) in sorted(best.items()):
    print(f"{dt:8s} {kind:8s}: best h = {h:.1e}, relative error {e:.1e}")

# %% [markdown]
# Read the dots. In float64, central differences reach about 1e-11 or better with $h$ around
# $10^{-5}$, forward ones about 1e-9 with $h$ around $10^{-8}$ (the exact minima are a little
# lucky: rounding errors sometimes cancel). In float32 the best central error is around 1e-6,
# at $h \approx 10^{-3}$, and at $h = 10^{-6}$ it is already percent-sized. Hence the rules every
# gradient checker follows: **central differences, in float64, with $h$ near 1e-6** (minigan's
# default). A float32 check would "fail" correct code.

# %%
c64, c32 = best["float64", "central"][1], best["float32", "central"][1]
near_1e6 = int(np.argmin(np.abs(np.log(steps / 1e-6))))
e32_at_1e6 = errors["float32", "central"][near_1e6]
print(f"float32 central difference at h = {steps[near_1e6]:.1e}: relative error {e32_at_1e6:.1e}")
check(c64 < 1e-9 and c32 > 1e3 * c64 and e32_at_1e6 > 1e-3,
      f"central differences: best error {c64:.0e} in float64, {c32:.0e} in float32, "
      f"{e32_at_1e6:.0e} in float32 at h = 1e-6")
check(best["float64", "central"][1] < best["float64", "forward"][1],
      f"central beats forward in float64 ({best['float64', 'central'][1]:.0e} vs "
      f"{best['float64', 'forward'][1]:.0e})")

# %% [markdown]
# ## 2. Comparing two gradients: the relative error
#
# An absolute difference of 1e-6 is tiny for a gradient of size 1000 and huge for one of size
# 1e-6, so we compare *relative* to the size of the numbers. The CS231n convention, which
# `lessonkit.relative_error` implements, is
#
# $$\text{rel}(a, n) = \max_i \frac{|a_i - n_i|}{\max(10^{-8}, |a_i| + |n_i|)},$$
#
# (the floor avoids 0/0 when both are zero). Rough reading, in float64 with central differences:
# above 1e-2 the gradient is wrong; 1e-4 to 1e-2, suspicious; 1e-7 to 1e-4 acceptable where the
# function has kinks (ReLU); below 1e-7, right.
#
# Now a numerical gradient for a whole array: perturb one element at a time. Compare it with
# minigan's backward for the loss of a small two-layer network.

# %%
def numerical_gradient(fun, array, h=1e-6):
    """Central differences of the scalar fun() with respect to every element of `array`."""
    grad = np.zeros_like(array)
    flat, gflat = array.reshape(-1), grad.reshape(-1)  # views: writing them changes `array`
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + h
        up = fun()
        flat[i] = saved - h
        down = fun()
        flat[i] = saved
        gflat[i] = (up - down) / (2 * h)
    return grad


rng = np.random.default_rng(0)
X = mg.tensor(rng.standard_normal((5, 3)), dtype=np.float64)
W1 = mg.tensor(rng.standard_normal((4, 3)), dtype=np.float64, requires_grad=True)
W2 = mg.tensor(rng.standard_normal((1, 4)), dtype=np.float64, requires_grad=True)


def loss():
    return ((X @ W1.T).tanh() @ W2.T).sigmoid().mean()


loss().backward()
numeric = numerical_gradient(lambda: loss().item(), W1.data)  # W1.data is the array itself
err = relative_error(W1.grad.numpy(), numeric)
print(f"dL/dW1 backward vs numerical: relative error {err:.1e} (should be below 1e-7)")
check(err < 1e-7, f"minigan's backward matches central differences (relative error {err:.1e})")

# %% [markdown]
# One trap: a kink. ReLU's slope jumps from 0 to 1 at 0. If $x$ sits closer to the kink than
# $h$, the two probes $x \pm h$ land on both sides and the slope is a blend of 0 and 1:

# %%
relu = lambda v: max(v, 0.0)  # noqa: E731
xk, h = 1e-7, 1e-6
slope = (relu(xk + h) - relu(xk - h)) / (2 * h)
print(f"ReLU at x = {xk}: numerical slope {slope:.2f}, true slope 1.00, "
      f"relative error {relative_error(slope, 1.0):.2f}")
print("with random float inputs this is rare; a check that fails only there is a false alarm")

# %% [markdown]
# ## 3. minigan's `gradcheck`
#
# `gradcheck(fn, inputs)` (`from minigan.gradcheck import gradcheck`) does the loop above for
# every floating input of `fn`, in float64
# (it converts the inputs itself). When the output is not a scalar it checks a random projection
# $\langle \text{fn}(x), v \rangle$ with a fixed random $v$: a mistake in any output element
# changes that number's gradient. It returns `True`, or raises an `AssertionError` that names the
# input and the element that is off.
#
# To see it catch something, we write our own operation, softsign $s(x) = x / (1 + |x|)$, whose
# derivative is $1/(1+|x|)^2$. A `Function` has a `forward` on raw arrays and a `backward` written
# with Tensor operations (lesson 01). The second version forgets the square: a typical slip.

# %%
class Softsign(Function):
    @staticmethod
    def forward(ctx, x):
        return x / (1 + abs(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.inputs
        return g / (1 + x.abs()) ** 2


class SoftsignWrong(Function):
    @staticmethod
    def forward(ctx, x):
        return x / (1 + abs(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.inputs
        return g / (1 + x.abs())  # BUG: the square is missing


x = rng.standard_normal((3, 4))
print("correct softsign:", gradcheck(Softsign.apply, [x]))
try:
    gradcheck(SoftsignWrong.apply, [x])
    caught = None
except AssertionError as error:
    caught = str(error)
print("wrong softsign  :", caught)
check(caught is not None and "relative error" in caught,
      "gradcheck raises for the softsign whose backward forgets the square")

# %% [markdown]
# ## 4. Property-based tests with hypothesis
#
# One hand-picked input can hide a bug: at $x = 0$ both softsign derivatives equal 1, so a
# check there passes the wrong code. A *property test* states what must hold for **every** input
# ("the backward agrees with central differences") and lets `hypothesis` draw the inputs:
# shapes, values, big and small. When a property fails, hypothesis *shrinks* the example to the
# simplest one that still fails, which is usually the clearest bug report you can get.
#
# A `@given` function is an ordinary function: calling it runs all its examples. (In minigan's
# test suite the same functions are collected by pytest.) `database=None` keeps hypothesis from
# saving examples in the current folder; `deadline=None` because a gradient check is slow-ish.

# %%
values = st.floats(-10, 10, allow_nan=False)
arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
                    elements=values)
n_examples = pick(40, 8)
seen = []


@settings(max_examples=n_examples, deadline=None, database=None)
@given(arrays)
def test_softsign_gradient(x):
    seen.append(x.shape)
    assert gradcheck(Softsign.apply, [x])


test_softsign_gradient()
print(f"{len(seen)} examples passed, shapes such as {sorted(set(seen))[:6]}")
check(len(seen) >= n_examples // 2, f"the property held on {len(seen)} random arrays")


failing = []  # every input on which the wrong backward failed, in the order hypothesis tried


# derandomize: hypothesis searches the same way on every machine, so this check cannot be
# unlucky (its first examples are often all zeros, where the two derivatives agree).
@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(arrays)
def test_wrong_softsign_gradient(x):
    try:
        gradcheck(SoftsignWrong.apply, [x])
    except AssertionError:
        failing.append(x.copy())
        raise


try:
    test_wrong_softsign_gradient()
    property_failed = False
except AssertionError:
    property_failed = True
# After shrinking, hypothesis runs the smallest failing example once more, so it is the last
# one recorded: the example it reports to you.
shrunk = failing[-1] if failing else None
print(f"hypothesis tried {len(failing)} failing inputs; it shrank them to {shrunk!r}")
check(property_failed and shrunk is not None
      and not gradcheck(SoftsignWrong.apply, [shrunk], raise_exception=False),
      "hypothesis finds (and shrinks) an input where the wrong softsign fails its gradient check")

# %% [markdown]
# The falsifying example is tiny, a single element like `array([1.])` (or `[-1.]`): the
# smallest input on which "missing square" shows, since at 0 the two formulas agree. That is
# the value of shrinking.
#
# Properties need not be finite differences. Algebraic facts are just as strong and often
# cheaper: softsign is odd, $s(-x) = -s(x)$, so its gradient must be even. One more property,
# checked on random arrays:

# %%
even_checked = []


@settings(max_examples=n_examples, deadline=None, database=None)
@given(arrays)
def test_softsign_gradient_is_even(x):
    even_checked.append(x.size)
    xs = [mg.tensor(v, dtype=np.float64, requires_grad=True) for v in (x, -x)]
    for t in xs:
        Softsign.apply(t).sum().backward()
    assert np.array_equal(xs[0].grad.numpy(), xs[1].grad.numpy())


test_softsign_gradient_is_even()
check(len(even_checked) >= n_examples // 2,
      f"softsign's gradient is even on all {len(even_checked)} drawn arrays")

# %% [markdown]
# ## 5. When a gradient is NaN: `detect_anomaly`
#
# A gradient check catches a backward that is wrong everywhere. A NaN is different: the maths is
# right, but one input makes it blow up, and by the time the loss prints `nan` the NaN has
# flowed through every layer and every weight. Where did it start?
#
# A real case, the one WGAN-GP's penalty (lesson 12) walks into: the length of a vector,
# $\|x\| = \sqrt{\sum x_i^2}$. Its gradient is $x / \|x\|$, which at $x = 0$ is $0/0$. The
# backward of `sqrt` computes $g / (2\sqrt{s})$ = $1/0$ = inf, and the backward of the square
# multiplies that inf by $2x = 0$: NaN. Under `minigan.autograd.detect_anomaly()`, every
# operation checks what it produces, forward and backward, and the first NaN or inf stops the
# program with the name of the operation and the line of *your* code that created it.

# %%
zero = mg.tensor(np.zeros(3), dtype=np.float64, requires_grad=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's divide-by-zero warning
    length = (zero * zero).sum().sqrt()
    length.backward()
    print("the gradient of |x| at x = 0, without anomaly detection:", zero.grad.numpy())
    zero.grad = None
    try:
        with mg.autograd.detect_anomaly():
            length = (zero * zero).sum().sqrt()
            length.backward()
        anomaly = None
    except RuntimeError as error:
        anomaly = str(error)
print("with detect_anomaly():\n ", anomaly)
check(anomaly is not None and "Sqrt's backward" in anomaly and "02_checking_gradients" in anomaly,
      "detect_anomaly names the operation (Sqrt) and the lesson line that made the NaN")

# %% [markdown]
# The fix for this case: keep the squared length away from zero before the root,
# $\sqrt{\max(\sum x_i^2, 10^{-30})}$. The length stays exact for every vector that is not
# (almost) zero, and the root's derivative stays finite; minigan's gradient penalty does exactly
# this (`minigan/gan/losses.py`). `detect_anomaly` costs a pass over every array, so switch it
# on to hunt a NaN, not to train.

# %% [markdown]
# ## What to remember
#
# * Check every `backward` with **central** differences in **float64**, $h \approx 10^{-6}$.
# * Compare with the relative error; below 1e-7 is right, above 1e-2 is wrong.
# * `gradcheck(fn, inputs)` does it for you, and `gradcheck` inside a hypothesis
#   `@given` test checks it on many shapes and values, shrinking any failure to a small example.
# * A NaN is found at its source with `minigan.autograd.detect_anomaly()`.
#
# ## Exercises
#
# 1. Redraw the U curve for $f(x) = x^2$ at $x = 1$. The central curve loses its right arm:
#    for a quadratic the central difference has no truncation error at all ($f''' = 0$), so only
#    rounding is left and large $h$ is exact. The forward curve keeps its $h f''/2 = h$ arm.
# 2. Change `Softsign.backward` to `g / (1 + x.abs() ** 2)` (a misplaced bracket) and run
#    `test_softsign_gradient()` again. What example does hypothesis shrink to? (Expect a single
#    element such as 1.0 or -1.0.)
# 3. Write a `Function` for $\log(1 + e^x)$ with its backward `g * x.sigmoid()`, and a property
#    test that it passes `gradcheck` for values in [-30, 30]. Then allow values up to 800 with
#    the naive forward `np.log(1 + np.exp(x))`: the forward overflows to `inf` (`exp(800)` is
#    beyond float64) and the check fails with `nan`. Lesson 03 shows how minigan avoids this.
# Write-it-yourself exercises: lessons/exercises/02_gradient_checks.py, checked by python lessons/check.py 02
