"""One full DCGAN training step (batch 64, float32): minigan against PyTorch on this machine.

    python benchmarks/bench_dcgan_step.py [--steps 30] [--warmup 5] [--profile] [--no-torch]
                                          [--no-reference]

The architecture (MNIST-sized, as the issue fixes it)::

    G: Linear(100, 128*7*7) + BatchNorm1d + ReLU, reshape to (128, 7, 7),
       ConvTranspose2d(128, 64, 4, 2, 1) + BatchNorm2d + ReLU,
       ConvTranspose2d(64, 1, 4, 2, 1) + Tanh
    D: Conv2d(1, 64, 4, 2, 1) + LeakyReLU(0.2), Conv2d(64, 128, 4, 2, 1) + BatchNorm2d
       + LeakyReLU(0.2), Flatten, Linear(6272, 1)
    BCEWithLogitsLoss, Adam(lr=2e-4, betas=(0.5, 0.999)) for both.

One step = one discriminator update on a real and a fake batch, then one generator update. The
two libraries build the very same models from the same code (their ``nn`` APIs agree), start
from the same weights, and are timed in alternating rounds so that a busy machine slows both
alike; minigan's step is also timed on its reference kernels (``minigan.kernels``), for what the
fast ones buy. The script prints milliseconds per step (median), the ratio, the work per step in GFLOP,
and the peak memory a step adds to its process (measured in a fresh child process per library).

On a CPU with AVX-512, this machine may set OPENBLAS_CORETYPE=Haswell (see the environment's
notes), which holds NumPy's OpenBLAS to AVX2 kernels; the script prints the kernel in use.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigan as mg  # noqa: E402
from minigan import nn as mnn  # noqa: E402
from minigan import optim as moptim  # noqa: E402
from minigan import kernels  # noqa: E402
from minigan.kernels import threads  # noqa: E402

BATCH, Z_DIM = 64, 100


def build(nn):
    """Generator and discriminator from either library's ``nn`` (the APIs are the same)."""
    G = nn.Sequential(
        nn.Linear(Z_DIM, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
    D = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    return G, D


def step_flops() -> float:
    """Multiply-adds x 2 of the matrix products in one step (convolutions and linear layers).

    Forward passes: G once, D three times (real, fake detached, fake for G). Backward passes
    cost twice the forward (input and weight gradients), except where no input gradient is
    needed (the first layer of each network, and D's input on real or detached batches).
    """
    def conv(n, c_in, c_out, k, out_hw):
        return 2.0 * n * out_hw * out_hw * c_in * c_out * k * k

    n = BATCH
    g_lin, g_t1, g_t2 = 2.0 * n * Z_DIM * 6272, conv(n, 64, 128, 4, 7), conv(n, 1, 64, 4, 14)
    d_c1, d_c2, d_lin = conv(n, 1, 64, 4, 14), conv(n, 64, 128, 4, 7), 2.0 * n * 6272
    d_fwd = d_c1 + d_c2 + d_lin
    d_bwd_weights_only_first = d_c1 + 2 * d_c2 + 2 * d_lin       # D's input needs no gradient
    d_bwd_full = 2 * (d_c1 + d_c2 + d_lin)                        # D's input (G's output) does
    g_fwd = g_lin + g_t1 + g_t2
    g_bwd = g_lin + 2 * g_t1 + 2 * g_t2                           # z needs no gradient
    return g_fwd + 3 * d_fwd + 2 * d_bwd_weights_only_first + d_bwd_full + g_bwd


# ---------------------------------------------------------------- the two step functions


def gan_step(G, D, opt_g, opt_d, criterion, real, ones, zeros, noise):
    """One training step, written once for both libraries (their APIs agree): D's update on
    ``real`` (target ``ones``) and a fake batch (``zeros``), then G's; returns the two losses,
    read back (on a GPU that waits for the queued work, so a timed step includes it)."""
    def step():
        fake = G(noise())
        opt_d.zero_grad()
        loss_d = criterion(D(real), ones) + criterion(D(fake.detach()), zeros)
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        loss_g = criterion(D(fake), ones)
        loss_g.backward()
        opt_g.step()
        return loss_d.item(), loss_g.item()

    return step


def minigan_setup(seed: int = 0, build=build, image_shape=(1, 28, 28)):
    """minigan's networks (built by ``build``) and its training step on a fixed real batch."""
    mg.manual_seed(seed)
    G, D = build(mnn)
    opt_g = moptim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = moptim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    criterion = mnn.BCEWithLogitsLoss()
    rng = np.random.default_rng(seed)
    real = mg.tensor(rng.uniform(-1, 1, (BATCH, *image_shape)).astype(np.float32))

    return (G, D), gan_step(G, D, opt_g, opt_d, criterion, real, mg.ones(BATCH, 1),
                            mg.zeros(BATCH, 1), lambda: mg.randn(BATCH, Z_DIM))


def torch_setup(models, seed: int = 0, build=build, image_shape=(1, 28, 28)):
    """PyTorch's step on the same networks, starting from ``models``' weights."""
    import torch

    torch.manual_seed(seed)
    G, D = build(torch.nn)
    for ours, theirs in zip(models, (G, D)):  # start from minigan's weights
        theirs.load_state_dict({k: torch.from_numpy(np.array(v))
                                for k, v in ours.state_dict().items()})
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    criterion = torch.nn.BCEWithLogitsLoss()
    rng = np.random.default_rng(seed)
    real = torch.from_numpy(rng.uniform(-1, 1, (BATCH, *image_shape)).astype(np.float32))

    return gan_step(G, D, opt_g, opt_d, criterion, real, torch.ones(BATCH, 1),
                    torch.zeros(BATCH, 1), lambda: torch.randn(BATCH, Z_DIM))


def have_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- measuring


def timed(step, clock=time.perf_counter) -> float:
    start = clock()
    step()
    return (clock() - start) * 1e3


def _resident_mib() -> tuple:
    """(current, peak) resident set of this process in MiB. Linux's /proc has both (and lets
    the peak be reset); elsewhere getrusage's peak stands in for both. (getrusage's peak is no
    good in a child process on Linux: it starts at the parent's peak.)"""
    try:
        with open("/proc/self/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


def peak_memory_child(library: str, steps: int = 3, build=build,
                      image_shape=(1, 28, 28), setups=None) -> dict:
    """Run in a fresh process: how much a few steps raise the peak resident set above what the
    built models hold (MiB), and for minigan also the peak of NumPy's traced allocations
    during one step."""
    ours, theirs = setups or (minigan_setup, torch_setup)
    models, step = ours(build=build, image_shape=image_shape)
    if library == "torch":
        step = theirs(models, build=build, image_shape=image_shape)
    try:  # reset the peak to the current resident set
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        pass
    base = _resident_mib()[0]
    for _ in range(steps):
        step()
    result = {"rss_mib": _resident_mib()[1] - base}
    if library == "minigan":
        import tracemalloc

        tracemalloc.start()
        step()
        result["traced_mib"] = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
    return result


def peak_memory(library: str, script: str = __file__, batch: int = BATCH) -> dict | None:
    cmd = [sys.executable, script, "--memory-child", library, "--batch", str(batch)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"(memory measurement for {library} failed: {done.stderr.strip()[-300:]})")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def blas_note() -> str:
    try:
        import threadpoolctl
    except ImportError:
        kernel = "unknown (pip install threadpoolctl to see it)"
    else:
        infos = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        kernel = ", ".join(f"{i.get('internal_api')} {i.get('version')} "
                           f"{i.get('architecture')} x{i.get('num_threads')}" for i in infos)
    forced = os.environ.get("OPENBLAS_CORETYPE")
    note = f"NumPy BLAS: {kernel}"
    if forced:
        note += (f"\n  (OPENBLAS_CORETYPE={forced} is set; to let OpenBLAS pick its kernel run "
                 "`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python ...`)")
    return note


def main(argv=None, title: str = "DCGAN", build=build, image_shape=(1, 28, 28),
         flops=step_flops, script: str = __file__, doc: str = __doc__, setups=None) -> None:
    """Time ``build``'s GAN step in both libraries (the DCGAN's by default; another script
    passes its own networks, input shape, FLOP count (or None) and file, for the memory
    child, and ``setups``, its own (minigan_setup, torch_setup) pair for another kind of step)."""
    global BATCH
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="timed steps per library")
    parser.add_argument("--batch", type=int, default=BATCH, help="images per batch")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternate the libraries this many times (steps split evenly)")
    parser.add_argument("--no-torch", action="store_true", help="time minigan alone")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip minigan's reference kernels (timed beside the fast ones)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of 10 minigan steps (top 25 by total time)")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch.set_num_threads (default: PyTorch's own choice)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="measure the process's CPU time instead of wall time: on a busy "
                             "machine, with one thread each (MINIGAN_NUM_THREADS=1, "
                             "OPENBLAS_NUM_THREADS=1 and --torch-threads 1), it still compares "
                             "the work done")
    parser.add_argument("--memory-child", choices=("minigan", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    BATCH = args.batch  # read by the setups and the FLOP counts below

    if args.memory_child:
        print(json.dumps(peak_memory_child(args.memory_child, build=build,
                                           image_shape=image_shape, setups=setups)))
        return

    use_torch = have_torch() and not args.no_torch
    ours, theirs = setups or (minigan_setup, torch_setup)
    models, mg_step = ours(build=build, image_shape=image_shape)
    steps = {"minigan": mg_step}
    if not args.no_reference:  # the same step on the plain kernels: what the speed work buys
        _, plain_step = ours(build=build, image_shape=image_shape)

        def reference_step():
            with kernels.using("reference"):
                plain_step()
        steps["minigan reference kernels"] = reference_step
    if use_torch:
        import torch

        if args.torch_threads:
            torch.set_num_threads(args.torch_threads)
        steps["PyTorch"] = theirs(models, build=build, image_shape=image_shape)
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads"
              + ("" if args.torch_threads else " (default)"))
    print(blas_note())
    print(f"minigan: {mg.get_num_threads()} threads, "
          + ("its own pool, OpenBLAS held to one thread inside minigan's products"
             if threads.pool_enabled() else
             "no pool of its own (no OpenBLAS thread control found): BLAS's threads only"))
    for step in steps.values():
        for _ in range(args.warmup):
            step()
    times = {name: [] for name in steps}
    clock = time.process_time if args.cpu_time else time.perf_counter
    per_round = max(1, args.steps // args.rounds)
    for _ in range(args.rounds):
        for name, step in steps.items():
            times[name] += [timed(step, clock) for _ in range(per_round)]

    flops = flops() if flops else None
    print(f"\n{title} step, batch {BATCH}, float32, {len(times['minigan'])} timed steps each"
          + (f" ({flops / 1e9:.1f} GFLOP of matrix products per step)" if flops else "")
          + (", CPU time of all threads" if args.cpu_time else ", wall time"))
    medians = {name: statistics.median(t) for name, t in times.items()}
    bests = {name: min(t) for name, t in times.items()}
    for name, ms in medians.items():
        print(f"  {name:26s} {ms:8.1f} ms/step median, {bests[name]:6.1f} best, "
              f"{max(times[name]):6.1f} worst"
              + (f"  ({flops / ms / 1e6:.0f} GFLOP/s at the median)" if flops else ""))
    if "minigan reference kernels" in medians:
        print(f"  ratio reference kernels / fast kernels: "
              f"{medians['minigan reference kernels'] / medians['minigan']:.2f} (medians)")
    if use_torch:
        print(f"  ratio minigan / PyTorch: {medians['minigan'] / medians['PyTorch']:.2f} "
              f"(medians), {bests['minigan'] / bests['PyTorch']:.2f} (best steps)")

    if not args.no_memory:
        print("\nPeak memory added by training steps (fresh process each):")
        for library in ("minigan",) + (("torch",) if use_torch else ()):
            result = peak_memory(library, script, args.batch)
            if result:
                extra = (f", NumPy arrays traced by tracemalloc: {result['traced_mib']:.0f} MiB"
                         if "traced_mib" in result else "")
                print(f"  {library:8s} peak RSS +{result['rss_mib']:.0f} MiB{extra}")

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            mg_step()
        profiler.disable()
        print("\ncProfile of 10 minigan steps, by time spent inside each function:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
