"""Remedies for mode collapse that work on the discriminator's side: let D see the batch.

A collapsed generator puts every sample in one place. Judged one sample at a time, each of
them may look real; judged together, they are suspiciously alike. Each remedy here gives D a
view of several samples at once:

- :class:`MinibatchDiscrimination` (Salimans et al. 2016, "Improved techniques for training
  GANs"): a learned tensor T maps each row's features f_i (A) to a matrix M_i (B x C); for each
  of the B kernels, c_b(i, j) = exp(-||M_i,b - M_j,b||_1) measures how alike rows i and j are,
  o_b(i) = sum_j c_b(i, j) sums it over the batch, and o(i) (B) is concatenated to f_i. Rows
  that are all alike get large o; varied rows small ones.
- :func:`minibatch_stddev` / :class:`MinibatchStdDev` (Karras et al. 2018, ProGAN): the standard
  deviation of each feature over the batch, averaged to one number and appended as an extra
  feature (or channel). Zero spread (a collapsed batch) is visible at once.
- :func:`pack` (Lin et al. 2018, PacGAN): D scores m samples concatenated into one input, all
  real or all fake; a batch of N becomes N / m packed inputs.

The unrolled GAN (Metz et al. 2017), a remedy on the generator's side, lives in the toy model
(:mod:`minigan.gan.models.toy`), where the discriminator is written functionally.
"""
from __future__ import annotations

from minigan import nn
from minigan.autograd import Tensor
from minigan.nn import init
from minigan.nn.module import empty_parameter
from minigan.ops import math as M


class MinibatchDiscrimination(nn.Module):
    """Salimans et al.'s minibatch discrimination: (N, in_features) -> (N, in_features +
    out_features).

    Args:
        in_features: A, the size of each row's features.
        out_features: B, the number of similarity kernels (features added).
        kernel_dims: C, the size of each kernel's projection.
        include_self: sum c_b(i, j) over all j (the paper's formula, which includes
            c_b(i, i) = 1); False leaves out the constant 1.

    ``T`` has shape (in_features, out_features * kernel_dims), initialised N(0, 0.1^2) (the
    paper leaves the initialisation open; small values keep exp(-distance) away from 0).
    """

    def __init__(self, in_features: int, out_features: int = 16, kernel_dims: int = 8,
                 include_self: bool = False):
        super().__init__()
        if min(in_features, out_features, kernel_dims) < 1:
            raise ValueError(f"MinibatchDiscrimination needs positive sizes, got "
                             f"in_features={in_features}, out_features={out_features}, "
                             f"kernel_dims={kernel_dims}")
        self.in_features, self.out_features, self.kernel_dims = (in_features, out_features,
                                                                 kernel_dims)
        self.include_self = include_self
        self.T = empty_parameter(in_features, out_features * kernel_dims)
        init.normal_(self.T, 0.0, 0.1)

    def similarity(self, x: Tensor) -> Tensor:
        """o(x): (N, out_features), each entry sum_j exp(-||M_i,b - M_j,b||_1)."""
        name = (f"MinibatchDiscrimination(in_features={self.in_features}, "
                f"out_features={self.out_features})")
        if not isinstance(x, Tensor):
            raise TypeError(f"{name} expects a Tensor, got {type(x).__name__}")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"{name}: expected input (N, {self.in_features}), got "
                             f"{tuple(x.shape)}")
        m = (x @ self.T).reshape(x.shape[0], self.out_features, self.kernel_dims)  # (N, B, C)
        distance = M.abs(M.unsqueeze(m, 1) - M.unsqueeze(m, 0)).sum(axis=3)   # (N, N, B)
        o = M.exp(-distance).sum(axis=1)                                         # (N, B)
        return o if self.include_self else o - 1.0

    def forward(self, x: Tensor) -> Tensor:
        return M.concat([x, self.similarity(x)], axis=1)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"kernel_dims={self.kernel_dims}")


def minibatch_stddev(x: Tensor, group_size: int | None = None, eps: float = 1e-8) -> Tensor:
    """Karras et al.'s minibatch standard deviation, appended to x.

    For (N, F) input: the std of each feature over the group (the whole batch by default),
    sqrt(var + eps), averaged over features to one number per group, appended as feature F+1.
    For (N, C, H, W) input: averaged over C, H, W and appended as one constant channel.
    A batch of identical rows gets sqrt(eps), i.e. (almost) 0.
    """
    if not isinstance(x, Tensor) or x.ndim not in (2, 4):
        raise ValueError(f"minibatch_stddev: expected a Tensor (N, F) or (N, C, H, W), got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    n = x.shape[0]
    g = n if group_size is None else min(group_size, n)
    if g < 1 or n % g:
        raise ValueError(f"minibatch_stddev: batch of {n} does not split into groups of {g}")
    rest = tuple(x.shape[1:])
    grouped = x.reshape(g, n // g, *rest)  # row i is in group i % (n // g), as in ProGAN
    centred = grouped - grouped.mean(axis=0, keepdims=True)
    std = M.sqrt((centred * centred).mean(axis=0) + eps)        # (n//g, *rest), biased var
    per_group = std.reshape(n // g, -1).mean(axis=1)            # (n//g,)
    # row i -> its group's value, i % (n // g): tile by broadcasting, not a g-way concat
    feature = M.broadcast_to(per_group.reshape(1, n // g), (g, n // g)).reshape(n)
    if x.ndim == 2:
        return M.concat([x, feature.reshape(n, 1)], axis=1)
    channel = M.broadcast_to(feature.reshape(n, 1, 1, 1), (n, 1, rest[1], rest[2]))
    return M.concat([x, channel], axis=1)


class MinibatchStdDev(nn.Module):
    """Layer form of :func:`minibatch_stddev`: adds one feature (or channel)."""

    def __init__(self, group_size: int | None = None, eps: float = 1e-8):
        super().__init__()
        self.group_size, self.eps = group_size, eps

    def forward(self, x: Tensor) -> Tensor:
        return minibatch_stddev(x, self.group_size, self.eps)

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}"


def pack(x: Tensor, m: int) -> Tensor:
    """PacGAN's packing: m consecutive samples concatenated along features (or channels).

    (N, F) -> (N/m, m F); (N, C, H, W) -> (N/m, m C, H, W). Row j of the result holds samples
    j m, ..., j m + m - 1, in order. N must be a multiple of m.
    """
    if not isinstance(x, Tensor) or x.ndim < 2:
        raise ValueError(f"pack: expected a Tensor (N, ...), got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    if m < 1 or x.shape[0] % m:
        raise ValueError(f"pack: a batch of {x.shape[0]} does not split into packs of {m}")
    return x.reshape(x.shape[0] // m, m * x.shape[1], *x.shape[2:])


def packed_size(n: int, m: int) -> int:
    """The largest multiple of m that is at most n (how many samples a pack of m can use)."""
    return (n // m) * m if m >= 1 else 0


__all__ = ["MinibatchDiscrimination", "minibatch_stddev", "MinibatchStdDev", "pack",
           "packed_size"]
