"""Conv2d and ConvTranspose2d at DCGAN sizes: minigan against PyTorch and against the machine's
float32 matrix-product rate.

    python benchmarks/bench_conv.py [--repeat 20] [--batch 64] [--no-torch]

For each of the four convolutions of the DCGAN step (batch 64, float32) it times the forward
pass and the backward pass (input, weight and bias gradients), and reports milliseconds and the
achieved GFLOP/s (2 multiply-adds per kernel tap per output; the backward does twice the forward's
work). For scale, it also times the bare matrix product that minigan's forward reduces to
(same shapes, contiguous operands): the gap between that and the layer is what im2col, col2im
and the layout changes cost. And one large 2048 x 2048 product: the machine's float32 peak
through NumPy.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigan as mg  # noqa: E402
from minigan import nn  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dcgan_step import blas_note, have_torch  # noqa: E402

# name, layer constructor arguments, input (C, H, W)
LAYERS = [
    ("D conv1", "Conv2d", (1, 64, 4, 2, 1), (1, 28, 28)),
    ("D conv2", "Conv2d", (64, 128, 4, 2, 1), (64, 14, 14)),
    ("G convT1", "ConvTranspose2d", (128, 64, 4, 2, 1), (128, 7, 7)),
    ("G convT2", "ConvTranspose2d", (64, 1, 4, 2, 1), (64, 14, 14)),
]


CLOCK = [time.perf_counter]  # --cpu-time swaps in time.process_time


def median_ms(fn, repeat: int, warmup: int = 3, setup=None) -> float:
    """Median time of ``fn(setup())`` in milliseconds; ``setup`` runs untimed."""
    clock = CLOCK[0]
    for _ in range(warmup):
        fn(setup() if setup else None)
    times = []
    for _ in range(repeat):
        arg = setup() if setup else None
        start = clock()
        fn(arg)
        times.append((clock() - start) * 1e3)
    return statistics.median(times)


def forward_flops(kind: str, args, n: int, in_shape) -> tuple:
    """(FLOPs of the forward pass, (rows, inner, cols) of minigan's forward matrix product)."""
    c_in, c_out, k, s, p = args
    _, h, w = in_shape
    if kind == "Conv2d":
        oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        return 2.0 * n * oh * ow * c_in * c_out * k * k, (c_out, c_in * k * k, oh * ow * n)
    return 2.0 * n * h * w * c_in * c_out * k * k, (c_out * k * k, c_in, h * w * n)


def time_minigan(kind, args, x_np, g_np, repeat):
    """(forward ms, backward ms): the forward under no_grad, the backward alone."""
    layer = getattr(nn, kind)(*args)
    x = mg.tensor(x_np, requires_grad=True)
    g = mg.tensor(g_np)

    def forward(_):
        with mg.no_grad():
            layer(x)

    def backward(y):
        y.backward(g)

    return (median_ms(forward, repeat),
            median_ms(backward, repeat, setup=lambda: layer(x)))


def time_torch(kind, args, x_np, g_np, repeat):
    import torch

    layer = getattr(torch.nn, kind)(*args)
    x = torch.tensor(x_np, requires_grad=True)
    g = torch.tensor(g_np)

    def forward(_):
        with torch.no_grad():
            layer(x)

    def backward(y):
        y.backward(g)

    return (median_ms(forward, repeat),
            median_ms(backward, repeat, setup=lambda: layer(x)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch.set_num_threads (default: PyTorch's own choice)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with the process's CPU time (for a busy machine, with one "
                             "thread each: OPENBLAS_NUM_THREADS=1 and --torch-threads 1)")
    args = parser.parse_args(argv)
    if args.cpu_time:
        CLOCK[0] = time.process_time
    use_torch = have_torch() and not args.no_torch
    if use_torch and args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    n = args.batch
    rng = np.random.default_rng(0)
    print(blas_note())

    big = rng.standard_normal((2048, 2048)).astype(np.float32)
    peak = 2 * 2048 ** 3 / median_ms(lambda _: big @ big, 5) / 1e6
    print(f"float32 matrix product 2048 x 2048 x 2048 through NumPy: {peak:.0f} GFLOP/s\n")

    header = (f"{'layer':9s} {'pass':8s} {'GFLOP':>6s} {'minigan ms':>10s} {'GFLOP/s':>8s} "
              f"{'matmul ms':>9s}")
    if use_torch:
        header += f" {'torch ms':>9s} {'GFLOP/s':>8s} {'ratio':>6s}"
    print(header)
    print("-" * len(header))
    totals = {"minigan": 0.0, "torch": 0.0, "flops": 0.0}
    for name, kind, layer_args, in_shape in LAYERS:
        flops, (rows, inner, cols) = forward_flops(kind, layer_args, n, in_shape)
        x = rng.standard_normal((n,) + in_shape).astype(np.float32)
        with mg.no_grad():
            out_shape = getattr(nn, kind)(*layer_args)(mg.tensor(x)).shape
        g = rng.standard_normal(out_shape).astype(np.float32)
        a = rng.standard_normal((rows, inner)).astype(np.float32)
        b = rng.standard_normal((inner, cols)).astype(np.float32)
        matmul = median_ms(lambda _: a @ b, args.repeat)
        ours = time_minigan(kind, layer_args, x, g, args.repeat)
        theirs = time_torch(kind, layer_args, x, g, args.repeat) if use_torch else None
        for i, pass_name in enumerate(("forward", "backward")):
            work = flops * (1 if i == 0 else 2)  # backward: input and weight gradients
            line = (f"{name:9s} {pass_name:8s} {work / 1e9:6.2f} {ours[i]:10.2f} "
                    f"{work / ours[i] / 1e6:8.0f} {matmul * (1 if i == 0 else 2):9.2f}")
            totals["minigan"] += ours[i]
            totals["flops"] += work
            if theirs:
                totals["torch"] += theirs[i]
                line += (f" {theirs[i]:9.2f} {work / theirs[i] / 1e6:8.0f} "
                         f"{ours[i] / theirs[i]:6.2f}")
            print(line)
    print("-" * len(header))
    line = (f"{'all':9s} {'':8s} {totals['flops'] / 1e9:6.2f} {totals['minigan']:10.2f} "
            f"{totals['flops'] / totals['minigan'] / 1e6:8.0f} {'':9s}")
    if use_torch:
        line += (f" {totals['torch']:9.2f} {totals['flops'] / totals['torch'] / 1e6:8.0f}"
                 f" {totals['minigan'] / totals['torch']:6.2f}")
    print(line)
    print("\n(matmul ms: the bare product of minigan's forward, doubled for the backward's two)")


if __name__ == "__main__":
    main()
