"""One adversarial update with a remedy against mode collapse, shared by the toy 2-D GAN and
the fully connected MNIST GAN.

``remedy`` chooses what D (or G's loss) sees:

- ``"none"``: the plain game.
- ``"minibatch"``: minibatch discrimination before D's last layer.
- ``"mbstd"``: the minibatch standard-deviation feature before D's last layer.
- ``"pack"``: PacGAN, D scores ``pack_size`` samples at once.
- ``"unrolled"``: the unrolled GAN (Metz et al. 2017). G's loss is scored by the discriminator
  after ``unroll_steps`` look-ahead updates D_1 .. D_k, each a step on D's loss for the same
  real batch and the current fakes, and G's gradient flows through those updates
  (``create_graph=True``): G is asked how D would *respond* to its move, so a move onto a
  single mode that D would punish next is not attractive. The look-ahead is written
  functionally: D's weights are a list of Tensors, its forward is
  :meth:`RemedyDiscriminator.forward` with ``params``, and each step is an Adam step (from D's
  optimizer state, at D's current learning rate) or an SGD step written with Tensor operations.
  D itself trains as usual: the look-ahead is thrown away.

The batch-side remedies themselves (the layers and ``pack``) live in :mod:`minigan.gan.remedies`.
"""
from __future__ import annotations

from minigan import autograd, nn
from minigan.autograd import Tensor
from minigan.gan import losses
from minigan.gan.remedies import MinibatchDiscrimination, MinibatchStdDev, pack
from minigan.nn import functional as F
from minigan.ops import math as M

REMEDIES = ("none", "minibatch", "mbstd", "pack", "unrolled")


class RemedyDiscriminator(nn.Module):
    """A fully connected discriminator with a remedy: (N, in_features) -> logits
    (N / pack_size, 1).

    x -> [pack] -> (Linear, LeakyReLU, [Dropout]) per hidden width -> [batch layer] -> Linear.
    Its linear layers can be replaced by a list of Tensors (``forward(x, params)``), which is
    what the unrolled GAN differentiates.
    """

    def __init__(self, in_features: int = 2, hidden=(128, 128), remedy: str = "none",
                 pack_size: int = 4, mb_features: int = 16, mb_kernel_dims: int = 8,
                 negative_slope: float = 0.2, dropout: float = 0.0):
        super().__init__()
        if remedy not in REMEDIES:
            raise ValueError(f"RemedyDiscriminator: remedy must be one of {REMEDIES}, got "
                             f"{remedy!r}")
        self.remedy, self.dropout = remedy, dropout
        self.pack_size = pack_size if remedy == "pack" else 1
        self.negative_slope = negative_slope
        widths = [in_features * self.pack_size, *hidden]
        self.hidden = nn.ModuleList([nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])])
        if remedy == "minibatch":
            self.batch_layer = MinibatchDiscrimination(widths[-1], mb_features, mb_kernel_dims)
            last = widths[-1] + mb_features
        elif remedy == "mbstd":
            self.batch_layer = MinibatchStdDev()
            last = widths[-1] + 1
        else:
            self.batch_layer = None
            last = widths[-1]
        self.out = nn.Linear(last, 1)

    def linear_parameters(self) -> list:
        """[W_1, b_1, ..., W_out, b_out]: the weights ``forward(x, params)`` replaces."""
        params = []
        for layer in [*self.hidden, self.out]:
            params += [layer.weight, layer.bias]
        return params

    def forward(self, x: Tensor, params=None) -> Tensor:
        if self.pack_size > 1:
            x = pack(x, self.pack_size)
        params = self.linear_parameters() if params is None else list(params)
        h = x
        for i in range(len(self.hidden)):
            h = F.leaky_relu(F.linear(h, params[2 * i], params[2 * i + 1]), self.negative_slope)
            if self.dropout:
                h = F.dropout(h, self.dropout, self.training)
        if self.batch_layer is not None:
            h = self.batch_layer(h)
        return F.linear(h, params[-2], params[-1])


def lookahead(D: RemedyDiscriminator, params, real: Tensor, fake: Tensor, steps: int, lr: float,
              optimizer: str = "adam", betas=(0.5, 0.999), eps: float = 1e-8, state=None):
    """``steps`` functional updates of D's ``params`` on the BCE loss of (real, fake).

    Every update is written with Tensor operations and the gradients are taken with
    ``create_graph=True``, so the returned parameters are differentiable functions of ``fake``
    (and so of G's weights). ``optimizer="adam"`` continues from ``state``: a list of
    ``(step, exp_avg, exp_avg_sq)`` arrays per parameter (D's Adam state; zeros if None);
    ``"sgd"`` takes plain gradient steps.
    """
    params = list(params)
    if optimizer == "adam":
        b1, b2 = betas
        if state is None:
            state = [(0, None, None)] * len(params)
        t = [s[0] for s in state]
        m = [Tensor(s[1]) if s[1] is not None else None for s in state]
        v = [Tensor(s[2]) if s[2] is not None else None for s in state]
    for _ in range(steps):
        loss = losses.discriminator_loss_bce(D(real, params), D(fake, params))
        grads = autograd.grad(loss, params, create_graph=True)
        new = []
        for i, (p, g) in enumerate(zip(params, grads)):
            if optimizer == "sgd":
                new.append(p - lr * g)
                continue
            t[i] += 1
            m[i] = (1 - b1) * g if m[i] is None else b1 * m[i] + (1 - b1) * g
            v[i] = (1 - b2) * g * g if v[i] is None else b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1 ** t[i])
            v_hat = v[i] / (1 - b2 ** t[i])
            # eps^2 inside the root keeps its derivative finite where v is exactly 0.
            new.append(p - lr * m_hat / (M.sqrt(v_hat + eps * eps) + eps))
        params = new
    return params


def check_remedy(model: str, remedy: str, pack_size: int, unroll_steps: int,
                 unroll_optimizer: str) -> None:
    """A clear error for a remedy setting that cannot work."""
    if remedy not in REMEDIES:
        raise ValueError(f"{model}: remedy must be one of {REMEDIES}, got {remedy!r}")
    if unroll_optimizer not in ("adam", "sgd"):
        raise ValueError(f"{model}: unroll_optimizer must be 'adam' or 'sgd', got "
                         f"{unroll_optimizer!r}")
    if pack_size < 1 or unroll_steps < 0:
        raise ValueError(f"{model}: pack_size must be >= 1 and unroll_steps >= 0, got "
                         f"{pack_size} and {unroll_steps}")


class RemedyGame:
    """The BCE game (:class:`minigan.gan.games.BCEGame`) played with a remedy.

    A model mixes this in before :class:`~minigan.gan.base.GANModel`, sets ``game`` to a
    :class:`~minigan.gan.games.BCEGame` and ``G``, ``D`` (a :class:`RemedyDiscriminator`),
    ``opt_g``, ``opt_d``, ``remedy``, ``unroll_steps``, ``unroll_optimizer`` and ``betas``; its
    ``update`` calls :meth:`remedy_update` with a batch of flat real samples.
    """

    @property
    def pack_size(self) -> int:
        return self.D.pack_size

    @property
    def unrolled(self) -> bool:
        return self.remedy == "unrolled" and self.unroll_steps > 0

    def _adam_state(self, params):
        state = []
        for p in params:
            s = self.opt_d.state.get(p, {})
            state.append((s.get("step", 0), s.get("exp_avg"), s.get("exp_avg_sq"))
                         if s else (0, None, None))
        return state

    def generator_loss(self, fake: Tensor, real: Tensor) -> Tensor:
        """G's loss (``self.loss``); for ``"unrolled"``, scored by the looked-ahead D."""
        if self.unrolled:
            params = self.D.linear_parameters()
            state = self._adam_state(params) if self.unroll_optimizer == "adam" else None
            params = lookahead(self.D, params, real, fake, self.unroll_steps,
                               self.opt_d.param_groups[0]["lr"], self.unroll_optimizer,
                               self.betas, state=state)
            return self.game.g_loss(self.D(fake, params))
        return self.game.g_loss(self.D(fake))

    def adversarial_generator_step(self, fake: Tensor, real: Tensor, cond=()) -> float:
        """G's step; the unrolled GAN's differentiates through D's look-ahead on ``real``."""
        if not self.unrolled:
            return super().adversarial_generator_step(fake, real, cond)
        # The look-ahead differentiates D's loss with respect to D's weights, so they stay
        # trainable here; only G's gradient is taken, and D's .grad is left alone.
        loss_g = self.generator_loss(fake, real)
        self.opt_g.zero_grad()
        params = list(self.G.parameters())
        for p, g in zip(params, autograd.grad(loss_g, params)):
            p.grad = g
        self.opt_g.step()
        return loss_g.item()

    def remedy_update(self, real: Tensor, update_generator: bool) -> dict:
        """:meth:`~minigan.gan.base.GANModel.adversarial_update` on whole packs: a packed D
        needs them, so the batch is cut to a multiple of ``pack_size``."""
        n = (real.shape[0] // self.pack_size) * self.pack_size
        if n == 0:
            raise ValueError(f"{type(self).__name__}: a batch of {real.shape[0]} is smaller "
                             f"than one pack of {self.pack_size}")
        return self.adversarial_update(real[:n], update_generator)
