# %% [markdown]
# # 01. Tensors and reverse-mode automatic differentiation
#
# Every network in this course learns the same way: compute a loss, ask for the derivative of
# that loss with respect to every weight, and nudge the weights downhill. This lesson shows where
# those derivatives come from. You will:
#
# * build a tiny scalar autodiff engine by hand (a `Value` that remembers how it was made and
#   the *local* derivative of each step), and draw the graph it records;
# * see why one backward sweep gives *all* the derivatives at once, and why gradients must be
#   *added up* when a value is used twice;
# * check that minigan's `Tensor` computes the same numbers, then use it on whole arrays;
# * meet `create_graph=True`, which differentiates a derivative (WGAN-GP needs it in lesson 12).
#
# **Prerequisites:** Python, NumPy, the chain rule. **Run time:** a few seconds.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import minigan as mg
from minigan import autograd
from lessonkit import FAST, check, pick, relative_error, show  # noqa: F401

mg.manual_seed(0)
print("fast mode" if FAST else "normal mode")

# %% [markdown]
# ## 1. A computation is a graph
#
# Take one neuron with one input and a squared-error loss:
#
# $$z = w x + b, \qquad h = \tanh(z), \qquad d = h - y, \qquad L = d \cdot d.$$
#
# Each line is a node that knows two things: its value, and how much it changes when each of its
# inputs changes a little (its *local derivative*): $\partial(wx)/\partial w = x$,
# $\partial \tanh(z)/\partial z = 1 - \tanh^2 z$, and so on. The chain rule says the derivative of
# $L$ with respect to any node is the sum, over the paths from that node to $L$, of the product of
# the local derivatives along the path.
#
# *Reverse mode* evaluates that sum cleverly: start at $L$ with $\partial L/\partial L = 1$ and walk
# the graph backwards once. Each node, when its own gradient is complete, passes
# `local derivative * its gradient` to each of its inputs, which **add** what they receive. One
# backward sweep costs about as much as the forward pass and yields the derivative with respect
# to every input at once. That is why it is the right tool for a loss with millions of weights.
#
# Here is the whole engine for scalars. Each operation stores its inputs (`parents`) and the
# local derivative with respect to each, right beside the forward computation.

# %%
class Value:
    """A scalar that remembers the operation that produced it and its local derivatives."""

    def __init__(self, data, parents=(), local_grads=(), op="", label=""):
        self.data = float(data)
        self.grad = 0.0                  # dL/d(self), filled in by backward()
        self.parents = parents           # the Values this one was computed from
        self.local_grads = local_grads   # d(self)/d(parent) for each parent
        self.op, self.label = op, label

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        # d(ab)/da = b and d(ab)/db = a
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,), "exp")

    def backward(self):
        # Order the graph so that every node comes after all the nodes it was computed from;
        # walking that order backwards, a node's gradient is complete before it is passed on.
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v.parents:
                    visit(p)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            for parent, local in zip(v.parents, v.local_grads):
                parent.grad += local * v.grad   # += : a value used twice gets both shares

    def __repr__(self):
        return f"Value({self.label or self.op}: data={self.data:.4f}, grad={self.grad:.4f})"


# %% [markdown]
# Build the neuron's loss and run the backward sweep.

# %%
x, w = Value(1.5, label="x"), Value(-0.8, label="w")
b, y = Value(0.5, label="b"), Value(0.2, label="y")
wx = w * x; wx.label = "wx"
z = wx + b; z.label = "z"
h = z.tanh(); h.label = "h"
d = h - y; d.label = "d"
L = d * d; L.label = "L"
L.backward()
for v in (x, w, b, y, wx, z, h, d, L):
    print(v)

# %% [markdown]
# Compare with the derivatives worked out on paper:
# $\partial L/\partial w = 2 (h - y)(1 - h^2)\, x$, $\partial L/\partial b = 2 (h - y)(1 - h^2)$,
# $\partial L/\partial x = 2(h - y)(1 - h^2)\, w$, $\partial L/\partial y = -2(h - y)$.

# %%
hv = math.tanh(w.data * x.data + b.data)
paper = {"w": 2 * (hv - y.data) * (1 - hv**2) * x.data,
         "b": 2 * (hv - y.data) * (1 - hv**2),
         "x": 2 * (hv - y.data) * (1 - hv**2) * w.data,
         "y": -2 * (hv - y.data)}
engine = {"w": w.grad, "b": b.grad, "x": x.grad, "y": y.grad}
err = relative_error(list(engine.values()), list(paper.values()))
print(f"engine {engine}\npaper  {paper}\nrelative error {err:.1e} (should be below 1e-12)")
check(err < 1e-12,
      f"the hand-built engine matches the derivatives on paper (relative error {err:.1e})")

# %% [markdown]
# ## 2. A picture of the graph
#
# Each box is a `Value`: its name, the operation that made it, its value (forward) and its
# gradient (backward). Arrows point the way the forward pass runs; gradients flow against them.
# Notice that `d` feeds **both** inputs of the last `*`: its gradient $2d$ is the sum of the
# two shares it receives, $d + d$. Writing `=` instead of `+=` in `backward` would give half of it,
# a bug that produces no error, only a wrong model.

# %%
def draw_graph(root, ax):
    """Lay a Value graph out by depth and draw it: operations on a middle row, each input
    (leaf) one column before the operation that first uses it, above or below that row."""
    depth, order = {}, []

    def visit(v):
        if id(v) not in depth:
            depth[id(v)] = 1 + max((visit(p) for p in v.parents), default=-1)
            order.append(v)
        return depth[id(v)]

    visit(root)
    leaf_column = {}
    for v in order:  # a leaf sits just before its first consumer
        for p in v.parents:
            if not p.parents:
                leaf_column[id(p)] = min(leaf_column.get(id(p), depth[id(v)]), depth[id(v)])
    depth.update({k: c - 1 for k, c in leaf_column.items()})
    columns = {}
    for v in order:
        columns.setdefault(depth[id(v)], []).append(v)
    pos = {}
    for col, vs in columns.items():
        leaves = [v for v in vs if not v.parents]
        slots = [0.9, -0.9] if len(leaves) == len(vs) else [1.6, -1.6]
        for v in vs:
            y_ = slots[leaves.index(v) % 2] if not v.parents else 0.0
            pos[id(v)] = (col * 2.3, y_)
    for v in order:
        for k, p in enumerate(v.parents):
            twin = v.parents.count(p) > 1  # the same value used twice: draw both edges
            bend = (0.35 if k else -0.35) if twin else 0
            (x0, y0), (x1, y1) = pos[id(p)], pos[id(v)]
            ax.annotate("", xy=(x1 - 0.7, y1), xytext=(x0 + 0.7, y0),
                        arrowprops=dict(arrowstyle="->", color="0.35", lw=1.2,
                                        connectionstyle=f"arc3,rad={bend}"))
    for v in order:
        px, py = pos[id(v)]
        made = f"= {v.op}" if v.op else "(input)"
        ax.text(px, py, f"{v.label} {made}\ndata {v.data:+.4f}\ngrad {v.grad:+.4f}",
                ha="center", va="center", fontsize=8, family="monospace",
                bbox=dict(boxstyle="round", fc="#e8f0fe" if v.parents else "#fff3d6", ec="0.3"))
    xs = [p[0] for p in pos.values()]
    ax.set_xlim(min(xs) - 1.0, max(xs) + 1.0)
    ys = [p[1] for p in pos.values()]
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.axis("off")


fig, ax = plt.subplots(figsize=(11, 3.0))
draw_graph(L, ax)
ax.set_title("L = (tanh(w x + b) - y)^2: values from the forward pass, gradients dL/d(node) "
             "from the backward pass")
show(fig, "01_scalar_graph")

# %% [markdown]
# ## 3. The same numbers from minigan's Tensor
#
# minigan's `Tensor` is the same idea, grown up: each operation is a `Function` whose `forward`
# works on whole NumPy arrays and whose `backward` maps the output's gradient to the inputs'
# gradients. `requires_grad=True` marks the leaves we want derivatives for; `.backward()` runs
# the sweep and stores them in `.grad`. We use float64 so the comparison is exact to ~1e-16.

# %%
f64 = np.float64
tx = mg.tensor(1.5, dtype=f64, requires_grad=True)
tw = mg.tensor(-0.8, dtype=f64, requires_grad=True)
tb = mg.tensor(0.5, dtype=f64, requires_grad=True)
ty = mg.tensor(0.2, dtype=f64, requires_grad=True)
td = (tw * tx + tb).tanh() - ty
tL = td * td
tL.backward()
print("L      :", tL, " (by hand:", f"{L.data:.6f})")
print("grad_fn:", tL.grad_fn, "<- the Function that made L")
ours = [tw.grad.item(), tb.grad.item(), tx.grad.item(), ty.grad.item()]
mine = [w.grad, b.grad, x.grad, y.grad]
err = relative_error(ours, mine)
print(f"minigan {np.round(ours, 6)}\nby hand {np.round(mine, 6)}\nrelative error {err:.1e}")
check(err < 1e-12,
      f"minigan's Tensor gives the hand-built engine's gradients (relative error {err:.1e})")

# %% [markdown]
# ## 4. Tensors: the same sweep over whole arrays
#
# Nothing changes when the values are arrays. A layer of 3 neurons applied to a batch of 4
# inputs is `tanh(X @ W.T + b)`; the loss is a mean over the batch. `W.grad` has `W`'s shape, and
# `b.grad` sums over the batch because `b` was *broadcast* to every row (using a value many times
# means adding its gradients, exactly like `d` above).
#
# Two habits to learn now:
#
# * `.grad` **accumulates** over calls to `.backward()` (that is how a value used twice works), so
#   a training loop clears it before each step (`optimizer.zero_grad()`).
# * Code that should not be differentiated (sampling images, evaluating) runs inside
#   `with mg.no_grad():`, which records no graph.

# %%
rng = np.random.default_rng(0)
X = mg.tensor(rng.standard_normal((4, 2)))
W = mg.tensor(rng.standard_normal((3, 2)), requires_grad=True)
bias = mg.tensor(np.zeros(3), requires_grad=True)
target = mg.tensor(rng.standard_normal((4, 3)))


def layer_loss():
    return (((X @ W.T + bias).tanh() - target) ** 2).mean()


layer_loss().backward()
print("W.grad shape", W.grad.shape, " b.grad shape", bias.grad.shape)
first = W.grad.numpy().copy()
layer_loss().backward()  # a second backward adds to the first
check(np.allclose(W.grad.numpy(), 2 * first),
      "a second .backward() doubles W.grad: gradients accumulate until they are cleared")
W.grad = None  # what zero_grad() does

with mg.no_grad():
    sampled = (X @ W.T).tanh()
print("computed under no_grad, requires_grad =", sampled.requires_grad)

# b.grad is the batch sum of the per-row gradients: check it against a by-hand formula.
bias.grad = None
layer_loss().backward()
pre = X.numpy() @ W.numpy().T + bias.numpy()
by_hand = (2 * (np.tanh(pre) - target.numpy()) * (1 - np.tanh(pre) ** 2) / pre.size).sum(axis=0)
err = relative_error(bias.grad.numpy(), by_hand)
check(err < 1e-5,
      f"b.grad is the batch sum of the per-row gradients (relative error {err:.1e}, float32)")

# %% [markdown]
# ## 5. Differentiating a derivative: `create_graph=True`
#
# minigan writes every `backward` with Tensor operations. Normally it runs them without recording
# (cheap). With `create_graph=True` it records them, so the gradient is itself a Tensor with a
# graph behind it and can be differentiated again. Below, $f = \tanh$ on 200 points: one call
# gives $f'$ with its graph, a second call differentiates $f'$. The WGAN-GP loss of lesson 12
# penalises the *norm of a gradient*, and training it needs exactly this second derivative.

# %%
n_points = pick(200, 50)
xs = mg.tensor(np.linspace(-3, 3, n_points), dtype=np.float64, requires_grad=True)
f = xs.tanh()
(df,) = autograd.grad(f.sum(), xs, create_graph=True)   # f' at every point (elementwise f)
(d2f,) = autograd.grad(df.sum(), xs)                     # f'' from the graph of f'
xv = xs.numpy()
err1 = relative_error(df.numpy(), 1 - np.tanh(xv) ** 2)
err2 = relative_error(d2f.numpy(), -2 * np.tanh(xv) * (1 - np.tanh(xv) ** 2))
print(f"f'  vs 1 - tanh^2            : relative error {err1:.1e}")
print(f"f'' vs -2 tanh (1 - tanh^2)  : relative error {err2:.1e}")
check(err1 < 1e-12 and err2 < 1e-12,
      f"autograd's first and second derivatives of tanh are exact (errors {err1:.0e}, {err2:.0e})")

fig, ax = plt.subplots(figsize=(6, 3.6))
ax.plot(xv, f.numpy(), label="tanh x (forward)")
ax.plot(xv, df.numpy(), label="d/dx (backward)")
ax.plot(xv, d2f.numpy(), "--", label="d²/dx² (backward of the backward)")
ax.axhline(0, color="0.8", lw=0.8)
ax.set_xlabel("x")
ax.set_ylabel("value")
ax.set_title("tanh and the two derivatives autograd computes")
ax.legend(fontsize=8, loc="upper left")
show(fig, "01_tanh_derivatives")

# %% [markdown]
# ## What to remember
#
# * A computation records a graph; each node knows its local derivatives.
# * Reverse mode walks the graph once from the loss, multiplying local derivatives and **adding**
#   the shares that reach a node along different paths.
# * minigan's `Tensor` does this over arrays: `requires_grad=True`, `.backward()`, `.grad`,
#   `no_grad()`, and `autograd.grad(..., create_graph=True)` for derivatives of derivatives.
#
# ## Exercises
#
# 1. Add `__pow__` (for a constant exponent) and `sigmoid` to `Value`, each with its local
#    derivative. Rebuild the loss as `(h - y) ** 2` and check the gradients are unchanged.
# 2. Replace `parent.grad += ...` by `parent.grad = ...` in `Value.backward` and rerun section 1.
#    Which gradients change, and by what factor? (Hint: only the ones behind `d`, halved.)
# 3. With minigan, compute the third derivative of `tanh` at x = 0.5 by calling `autograd.grad`
#    three times (create_graph=True on the first two). Compare with the formula
#    $-2(1 - t^2)(1 - 3t^2)$, $t = \tanh x$ (about -0.565 at 0.5).
# Write-it-yourself exercises: lessons/exercises/01_array_engine.py, checked by python lessons/check.py 01
