"""One training step of the lecture's fully connected GAN (batch 64, float32): minigan against
PyTorch on this machine.

    python benchmarks/bench_mlp_step.py [--steps 30] [--warmup 5] [--profile] [--no-torch]

The networks of ``examples/vanilla_mnist.py``: G 100-256-512-1024-784 with LeakyReLU(0.2) and
tanh, D 784-1024-512-256-1 with LeakyReLU(0.2) and Dropout(0.3); BCE on logits, Adam(2e-4,
betas (0.5, 0.999)) for both. One step is D's update on a real and a fake batch, then G's. The
timing, the alternating rounds and the memory measurement are ``bench_dcgan_step.py``'s, whose
docstring says how they work.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

import bench_dcgan_step as harness  # noqa: E402
from bench_dcgan_step import Z_DIM, main  # noqa: E402
from bench_gpu import build_mlp  # noqa: E402

G_WIDTHS, D_WIDTHS = [Z_DIM, 256, 512, 1024, 784], [784, 1024, 512, 256, 1]


def step_flops() -> float:
    """Multiply-adds x 2 of the matrix products in one step: G's forward and backward once
    (no gradient for z), D's forward three times and backward three times (no gradient for its
    input on the real and detached batches); a backward costs twice its forward."""
    g = sum(a * b for a, b in zip(G_WIDTHS, G_WIDTHS[1:]))
    d = sum(a * b for a, b in zip(D_WIDTHS, D_WIDTHS[1:]))
    first_g, first_d = G_WIDTHS[0] * G_WIDTHS[1], D_WIDTHS[0] * D_WIDTHS[1]
    return 2.0 * harness.BATCH * (3 * g - first_g + 3 * d + 2 * (2 * d - first_d) + 2 * d)


if __name__ == "__main__":
    main(title="fully connected GAN", build=build_mlp, image_shape=(784,), flops=step_flops,
         script=__file__, doc=__doc__)
