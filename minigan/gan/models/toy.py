"""A small MLP GAN for 2-D points, with a switch for each remedy against mode collapse.

    G: z (latent_dim) -> hidden -> ... -> 2,  ReLU between layers, no output activation
    D: x (2, or 2m packed) -> hidden -> ... -> [batch features] -> 1 logit,  LeakyReLU(0.2)

``remedy`` chooses what D (or G's loss) sees:

- ``"none"``: the plain GAN (non-saturating loss).
- ``"minibatch"``: minibatch discrimination before D's last layer.
- ``"mbstd"``: the minibatch standard-deviation feature before D's last layer.
- ``"pack"``: PacGAN, D scores ``pack_size`` samples at once.
- ``"unrolled"``: the unrolled GAN (Metz et al. 2017). G's loss is scored by the discriminator
  after ``unroll_steps`` look-ahead updates D_1 .. D_k, each a step on D's loss for the same
  real batch and the current fakes, and G's gradient flows through those updates
  (``create_graph=True``): G is asked how D would *respond* to its move, so a move onto a
  single mode that D would punish next is not attractive. The look-ahead is written
  functionally: D's weights are a list of Tensors, its forward is :meth:`ToyDiscriminator.forward`
  with ``params``, and each step is an Adam step (from D's optimizer state) or an SGD step
  written with Tensor operations. D itself trains as usual: the look-ahead is thrown away.
"""
from __future__ import annotations

import numpy as np

from minigan import autograd, nn, optim
from minigan.autograd import Tensor, no_grad
from minigan.gan import losses
from minigan.gan.base import GANModel
from minigan.gan.remedies import MinibatchDiscrimination, MinibatchStdDev, pack
from minigan.nn import functional as F
from minigan.ops import math as M
from minigan.ops.activation import sigmoid

REMEDIES = ("none", "minibatch", "mbstd", "pack", "unrolled")


def toy_generator(latent_dim: int = 16, hidden=(128, 128), out_features: int = 2):
    layers, width = [], latent_dim
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


class ToyDiscriminator(nn.Module):
    """points (N, features) -> logits (N / pack_size, 1); its linear layers can be replaced by
    a list of Tensors (``forward(x, params)``), which is what the unrolled GAN differentiates.
    """

    def __init__(self, in_features: int = 2, hidden=(128, 128), remedy: str = "none",
                 pack_size: int = 4, mb_features: int = 16, mb_kernel_dims: int = 8,
                 negative_slope: float = 0.2):
        super().__init__()
        self.remedy = remedy
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
        if self.batch_layer is not None:
            h = self.batch_layer(h)
        return F.linear(h, params[-2], params[-1])


def lookahead(D: ToyDiscriminator, params, real: Tensor, fake: Tensor, steps: int, lr: float,
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


class ToyGAN(GANModel):
    """A GAN on 2-D points (ring or grid of Gaussians) with a mode-collapse remedy.

    Args:
        latent_dim: size of z.
        g_hidden, d_hidden: hidden widths.
        remedy: one of ``REMEDIES``.
        pack_size: samples per packed input (``"pack"``).
        mb_features, mb_kernel_dims: B and C of minibatch discrimination.
        unroll_steps, unroll_optimizer: look-ahead updates of the unrolled GAN and how they
            step (``"adam"`` from D's optimizer state, as in Metz et al.'s code, or ``"sgd"``).
        lr, betas: Adam's settings for both networks (the look-ahead uses D's).
        lr_decay: ``(start, end)`` steps: both learning rates stay at ``lr`` until step
            ``start``, then fall linearly to 0 at step ``end`` (None: constant). The end of the
            decay is what makes the modes sharp: at full rate the generator keeps jittering
            around each mode by more than the ring's 0.01 standard deviation.
        k: discriminator updates per generator update.
        n_fixed: fixed noise points drawn once (for pictures).
    """

    name = "toy"

    def __init__(self, latent_dim: int = 16, g_hidden=(128, 128), d_hidden=(128, 128),
                 remedy: str = "none", pack_size: int = 4, mb_features: int = 8,
                 mb_kernel_dims: int = 4, unroll_steps: int = 5, unroll_optimizer: str = "adam",
                 lr: float = 1e-3, betas=(0.5, 0.999), lr_decay=None, k: int = 1,
                 n_fixed: int = 512, device=None):
        if remedy not in REMEDIES:
            raise ValueError(f"ToyGAN: remedy must be one of {REMEDIES}, got {remedy!r}")
        if unroll_optimizer not in ("adam", "sgd"):
            raise ValueError(f"ToyGAN: unroll_optimizer must be 'adam' or 'sgd', got "
                             f"{unroll_optimizer!r}")
        if pack_size < 1 or unroll_steps < 0:
            raise ValueError(f"ToyGAN: pack_size must be >= 1 and unroll_steps >= 0, got "
                             f"{pack_size} and {unroll_steps}")
        if lr_decay is not None:
            lr_decay = tuple(int(v) for v in lr_decay)
            if len(lr_decay) != 2 or not 0 <= lr_decay[0] < lr_decay[1]:
                raise ValueError(f"ToyGAN: lr_decay must be (start, end) steps with 0 <= start "
                                 f"< end, got {lr_decay}")
        super().__init__(dict(latent_dim=latent_dim, g_hidden=list(g_hidden),
                              d_hidden=list(d_hidden), remedy=remedy, pack_size=pack_size,
                              mb_features=mb_features, mb_kernel_dims=mb_kernel_dims,
                              unroll_steps=unroll_steps, unroll_optimizer=unroll_optimizer,
                              lr=lr, betas=list(betas),
                              lr_decay=None if lr_decay is None else list(lr_decay), k=k,
                              n_fixed=n_fixed),
                         k=k, device=device)
        self.remedy = remedy
        self.unroll_steps, self.unroll_optimizer = unroll_steps, unroll_optimizer
        self.lr, self.betas, self.lr_decay = lr, tuple(betas), lr_decay
        self.G = toy_generator(latent_dim, g_hidden).to(self.device)
        self.D = ToyDiscriminator(2, d_hidden, remedy, pack_size, mb_features,
                                  mb_kernel_dims).to(self.device)
        self.opt_g = optim.Adam(self.G.parameters(), lr=lr, betas=self.betas)
        self.opt_d = optim.Adam(self.D.parameters(), lr=lr, betas=self.betas)
        self.networks = {"G": self.G, "D": self.D}
        self.optimizers = {"G": self.opt_g, "D": self.opt_d}
        self.fixed_noise = self.noise(n_fixed)

    @property
    def pack_size(self) -> int:
        return self.D.pack_size

    def _adam_state(self, params):
        state = []
        for p in params:
            s = self.opt_d.state.get(p, {})
            state.append((s.get("step", 0), s.get("exp_avg"), s.get("exp_avg_sq"))
                         if s else (0, None, None))
        return state

    def learning_rate(self, step: int) -> float:
        """Both networks' learning rate at ``step`` (a function of the step alone, so a resumed
        run follows the same schedule)."""
        if self.lr_decay is None:
            return self.lr
        start, end = self.lr_decay
        return self.lr * min(1.0, max(0.0, (end - step) / (end - start)))

    def generator_loss(self, fake: Tensor, real: Tensor) -> Tensor:
        """G's non-saturating loss; for ``"unrolled"``, scored by the looked-ahead D."""
        if self.remedy == "unrolled" and self.unroll_steps > 0:
            params = self.D.linear_parameters()
            state = self._adam_state(params) if self.unroll_optimizer == "adam" else None
            params = lookahead(self.D, params, real, fake, self.unroll_steps,
                               self.learning_rate(self.step),
                               self.unroll_optimizer, self.betas, state=state)
            return losses.generator_loss_nonsaturating(self.D(fake, params))
        return losses.generator_loss_nonsaturating(self.D(fake))

    def update(self, batch, update_generator: bool) -> dict:
        real = batch[0] if isinstance(batch, (tuple, list)) else batch
        n = (real.shape[0] // self.pack_size) * self.pack_size
        if n == 0:
            raise ValueError(f"ToyGAN: a batch of {real.shape[0]} is smaller than one pack of "
                             f"{self.pack_size}")
        real = real[:n]
        lr = self.learning_rate(self.step)
        for optimizer in (self.opt_g, self.opt_d):
            for group in optimizer.param_groups:
                group["lr"] = lr
        z = self.noise(n)
        if update_generator:
            fake = self.G(z)
        else:
            with no_grad():
                fake = self.G(z)
        real_logits = self.D(real)
        fake_logits = self.D(fake.detach())
        loss_d = losses.discriminator_loss_bce(real_logits, fake_logits)
        logs = {"loss_d": self.optimizer_step("D", loss_d),
                "d_real": sigmoid(real_logits.detach()).mean().item(),
                "d_fake": sigmoid(fake_logits.detach()).mean().item()}
        if update_generator:
            unrolled = self.remedy == "unrolled" and self.unroll_steps > 0
            # The look-ahead differentiates D's loss with respect to D's weights, so they
            # stay trainable there; their .grad is cleared by D's next zero_grad.
            if not unrolled:
                self.D.requires_grad_(False)
            try:
                loss_g = self.generator_loss(fake, real)
                self.opt_g.zero_grad()
                if unrolled:
                    grads = autograd.grad(loss_g, list(self.G.parameters()))
                    for p, g in zip(self.G.parameters(), grads):
                        p.grad = g
                else:
                    loss_g.backward()
                self.opt_g.step()
            finally:
                self.D.requires_grad_(True)
            logs["loss_g"] = loss_g.item()
        return logs

    def generate(self, noise: Tensor, labels=None) -> Tensor:
        return self.G(noise)

    def d_probability(self, points: Tensor, reference: Tensor | None = None,
                      chunk: int = 256) -> Tensor:
        """D's probability of "real" at each of ``points`` (N, 2), for pictures.

        Batch-dependent discriminators need company: each chunk of points is scored together
        with ``reference`` (generated points, say); a packed D sees each point beside
        ``pack_size - 1`` reference points.
        """
        out = []
        with no_grad(), self.evaluating():
            for start in range(0, points.shape[0], chunk):
                x = points[start:start + chunk]
                c = x.shape[0]
                if self.pack_size > 1:
                    others = reference[:self.pack_size - 1]
                    rows = [M.concat([x[i:i + 1], others], axis=0) for i in range(c)]
                    logits = self.D(M.concat(rows, axis=0))
                elif self.D.batch_layer is not None and reference is not None:
                    logits = self.D(M.concat([x, reference], axis=0))[:c]
                else:
                    logits = self.D(x)
                out.append(sigmoid(logits).reshape(c))
        return M.concat(out, axis=0)

    def export_samples(self, n: int, batch_size: int = 1000) -> dict:
        """``n`` generated points as ``{"points": float32 (n, 2)}`` (not images)."""
        chunks = [self.sample(min(batch_size, n - s)).numpy() for s in range(0, n, batch_size)]
        points = np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)
        return {"points": points.astype(np.float32)}
