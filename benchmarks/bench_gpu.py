"""GAN training steps on a GPU (float32): minigan on CuPy against PyTorch on CUDA, then the
GPU-path tests on the real device.

    python benchmarks/bench_gpu.py [--steps 30] [--warmup 10] [--batches 64 256] [--no-tests]

Two steps, each at batch 64 and 256:

* the DCGAN step of ``bench_dcgan_step.py`` (the same networks, built by its ``build``);
* the MLP GAN step of ``examples/vanilla_mnist.py``: G 100-256-512-1024-784, D 784-1024-512-
  256-1 with LeakyReLU(0.2) and Dropout(0.3), BCE on logits, Adam(2e-4, betas (0.5, 0.999)).

One step = D's update on a real and a fake batch, then G's update; both libraries start from
the same weights and are timed in alternating rounds, each step ending on its losses read back
to the host (which waits for the GPU), so the time is the GPU's work plus what the host adds.
Prints ms/step (median and best), the ratio to PyTorch, and GFLOP/s of the matrix products.
Then, unless ``--no-tests``, it runs the "cuda" tests (``pytest -k "cupy or cuda or gpu"``)
on this device. Without a GPU it says so in one line and stops.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import minigan as mg  # noqa: E402
from bench_dcgan_step import Z_DIM, build as build_dcgan, gan_step  # noqa: E402
from minigan import nn as mnn  # noqa: E402
from minigan import optim as moptim  # noqa: E402


def build_mlp(nn):
    """The vanilla GAN's networks from either library's ``nn`` (the APIs are the same)."""
    def stack(widths, last, dropout):
        layers = []
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)] + ([nn.Dropout(0.3)] if dropout else [])
        return layers + [nn.Linear(widths[-1], last)]
    return (nn.Sequential(*stack([Z_DIM, 256, 512, 1024], 784, False), nn.Tanh()),
            nn.Sequential(*stack([784, 1024, 512, 256], 1, True)))


MODELS = {"dcgan": (build_dcgan, (1, 28, 28)), "mlp": (build_mlp, (784,))}


def step_gflop(model: str, batch: int) -> float:
    """GFLOP of the matrix products in one step (2 x multiply-adds): G's forward and backward
    once, D's forward three times (real, detached fake, fake for G) and backward three times;
    a backward costs twice its forward, less where no input gradient is needed."""
    if model == "mlp":
        g = sum(a * b for a, b in zip([Z_DIM, 256, 512, 1024], [256, 512, 1024, 784]))
        d = sum(a * b for a, b in zip([784, 1024, 512, 256], [1024, 512, 256, 1]))
        first_g, first_d = Z_DIM * 256, 784 * 1024
        work = 3 * g - first_g + 3 * d + 2 * (2 * d - first_d) + 2 * d
    else:
        def conv(c_in, c_out, hw):
            return hw * hw * c_in * c_out * 16
        g = Z_DIM * 6272 + conv(64, 128, 7) + conv(1, 64, 14)
        d = conv(1, 64, 14) + conv(64, 128, 7) + 6272
        first_g, first_d = Z_DIM * 6272, conv(1, 64, 14)
        work = 3 * g - first_g + 3 * d + 2 * (2 * d - first_d) + 2 * d
    return 2.0 * batch * work / 1e9


def minigan_step(model: str, batch: int):
    mg.manual_seed(0)
    builder, shape = MODELS[model]
    G, D = (net.to("cuda") for net in builder(mnn))
    opt_g = moptim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = moptim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    criterion = mnn.BCEWithLogitsLoss()
    real = mg.tensor(np.random.default_rng(0).uniform(-1, 1, (batch, *shape)), device="cuda")
    return (G, D), gan_step(G, D, opt_g, opt_d, criterion, real,
                            mg.ones(batch, 1, device="cuda"), mg.zeros(batch, 1, device="cuda"),
                            lambda: mg.randn(batch, Z_DIM, device="cuda"))


def torch_step(model: str, batch: int, weights):
    import torch

    builder, shape = MODELS[model]
    G, D = builder(torch.nn)
    for ours, theirs in zip(weights, (G, D)):  # start from minigan's weights
        theirs.load_state_dict({k: torch.from_numpy(np.array(v))
                                for k, v in ours.state_dict().items()})
    G, D = G.cuda(), D.cuda()
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    criterion = torch.nn.BCEWithLogitsLoss()
    real = torch.from_numpy(np.random.default_rng(0).uniform(-1, 1, (batch, *shape))
                            .astype(np.float32)).cuda()
    return gan_step(G, D, opt_g, opt_d, criterion, real, torch.ones(batch, 1, device="cuda"),
                    torch.zeros(batch, 1, device="cuda"),
                    lambda: torch.randn(batch, Z_DIM, device="cuda"))


def torch_cuda_note() -> str | None:
    """None when PyTorch can use this GPU, else why it is left out."""
    try:
        import torch
    except ImportError:
        return "PyTorch is not installed: minigan alone"
    if not torch.cuda.is_available():
        return f"PyTorch {torch.__version__} sees no CUDA device: minigan alone"
    return None


def compare(model: str, batch: int, args, with_torch: bool) -> None:
    weights, ours = minigan_step(model, batch)
    steps = {"minigan": ours}
    if with_torch:
        steps["PyTorch"] = torch_step(model, batch, weights)
    for step in steps.values():
        for _ in range(args.warmup):  # CuPy compiles its kernels on first use
            step()
    times = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            for _ in range(max(1, args.steps // args.rounds)):
                start = time.perf_counter()
                step()
                times[name].append((time.perf_counter() - start) * 1e3)
    gflop = step_gflop(model, batch)
    print(f"\n{model} step, batch {batch} ({gflop:.2f} GFLOP of matrix products)")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"  {name:8s} {medians[name]:8.2f} ms/step median, {min(t):7.2f} best  "
              f"({gflop / medians[name] * 1e3:.0f} GFLOP/s at the median)")
    if with_torch:
        print(f"  ratio minigan / PyTorch: {medians['minigan'] / medians['PyTorch']:.2f} "
              f"(medians), {min(times['minigan']) / min(times['PyTorch']):.2f} (best steps)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="timed steps per library")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    parser.add_argument("--rounds", type=int, default=5, help="alternations of the libraries")
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=["dcgan", "mlp"])
    parser.add_argument("--no-torch", action="store_true", help="time minigan alone")
    parser.add_argument("--no-tests", action="store_true", help="skip the GPU-path tests")
    args = parser.parse_args(argv)

    if not mg.cuda_is_available():
        print("bench_gpu.py: no GPU here (CuPy is not installed or sees no device); it needs "
              "an NVIDIA GPU, cupy-cuda12x and, to compare, PyTorch with CUDA")
        return 0
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.runtime.getDevice())
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    print(f"device: {name}; CuPy {cupy.__version__}")
    note = None if args.no_torch else torch_cuda_note()
    with_torch = not args.no_torch and note is None
    if note:
        print(note)
    for model in args.models:
        for batch in args.batches:
            compare(model, batch, args, with_torch)
    if args.no_tests:
        return 0
    print('\nthe GPU-path tests on this device (pytest -k "cupy or cuda or gpu"):', flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-k", "cupy or cuda or gpu",
                            "-p", "no:cacheprovider"], cwd=HERE.parent)


if __name__ == "__main__":
    sys.exit(main())
