"""On "cuda", data stays on the device: minigan's threads and kernels leave device arrays alone,
and a training step reads back only the figures it logs (the progress bar's losses and D's
mean outputs), one read each; what it copies to the device is only what minigan's one seeded
generator draws on the CPU by design (noise, dropout masks, the penalty's mixing weights).

The threads tests run on any "cuda"; the counting needs the CuPy stand-in
(``MINIGAN_TEST_FAKE_GPU=1``), which records every copy with the code that asked for it.
"""
import numpy as np
import pytest

import minigan as mg
from minigan import backend
from minigan.kernels import threads
from minigan.kernels import fast
from minigan.kernels.batch_last import host_size
from minigan.data import DataLoader, UnpairedLoader
from minigan.gan import train
from minigan.gan.models import get_model_class

pytestmark = pytest.mark.skipif(
    not mg.cuda_is_available(),
    reason="needs CuPy and a GPU, or the CuPy stand-in (MINIGAN_TEST_FAKE_GPU=1)")

_rng = np.random.default_rng(0)
A, B = _rng.normal(size=(300, 260)), _rng.normal(size=(260, 270))  # big enough to be split


def _on_cuda(*arrays):
    return [backend.to_device(a, "cuda") for a in arrays]


def _no_copies(fake_cupy):
    if fake_cupy.installed():
        assert fake_cupy.TRANSFERS.to_host == [] and fake_cupy.TRANSFERS.to_device == []


@pytest.mark.parametrize("add", [None, "row", "column", "whole"])
def test_fast_matmul_on_cuda_arrays_adds_its_bias_and_copies_nothing(add, fake_cupy):
    bias = {None: None, "row": _rng.normal(size=(1, 270)), "column": _rng.normal(size=(300, 1)),
            "whole": _rng.normal(size=(300, 270))}[add]
    expected = A @ B + (0 if bias is None else bias)
    a, b = _on_cuda(A, B)
    bias = None if bias is None else backend.to_device(bias, "cuda")
    fake_cupy.TRANSFERS.clear()
    out = fast.matmul(a, b, add=bias)
    _no_copies(fake_cupy)
    assert backend.device_of(out) == "cuda"
    np.testing.assert_allclose(backend.to_numpy(out), expected, rtol=1e-10)


def test_threads_run_together_parallel_for_and_map_run_cuda_work_whole_here(fake_cupy):
    a, b = _on_cuda(A, B)
    target = backend.array_module("cuda").zeros(300)
    calls = []

    def then(first, lo, hi):
        calls.append((lo, hi))
        target[lo:hi] = first[lo:hi, 0]
    fake_cupy.TRANSFERS.clear()
    assert host_size(a) == 0  # what the kernels pass for a device array: never split
    first, second = threads.run_together(lambda: a @ b, lambda: b.sum(axis=0), host_size(a),
                                         follow_up=then, length=300)
    threads.parallel_for(lambda lo, hi: calls.append(("for", lo, hi)), 300, host_size(a))
    threads.parallel_map(lambda x, y: x.__imul__(y), a, a, size=host_size(a))
    _no_copies(fake_cupy)
    assert ("for", 0, 300) in calls  # a device array is never split over host threads
    np.testing.assert_allclose(backend.to_numpy(first), A @ B, rtol=1e-10)
    np.testing.assert_allclose(backend.to_numpy(second), B.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(backend.to_numpy(target), (A @ B)[:, 0], rtol=1e-10)
    np.testing.assert_allclose(backend.to_numpy(a), A * A, rtol=1e-12)


IMAGES = _rng.uniform(-1, 1, (8, 1, 28, 28)).astype(np.float32)
PAIRS = _rng.uniform(-1, 1, (8, 1, 16, 16)).astype(np.float32)
LABELS = _rng.integers(0, 10, 8)
MLP = dict(latent_dim=8, g_hidden=(16,), d_hidden=(16,))
CONV = dict(latent_dim=8, g_width=4, d_width=4)

# name -> (registry name, constructor arguments, the batch as NumPy arrays); k=1 everywhere, so
# every step updates both networks and logs every figure.
MODELS = {
    "vanilla": ("vanilla", dict(MLP, n_fixed=4), (IMAGES.reshape(8, -1),)),
    "vanilla_minibatch": ("vanilla", dict(MLP, n_fixed=4, remedy="minibatch"),
                          (IMAGES.reshape(8, -1),)),
    "vanilla_unrolled": ("vanilla", dict(MLP, n_fixed=4, remedy="unrolled", unroll_steps=2),
                         (IMAGES.reshape(8, -1),)),
    "dcgan": ("dcgan", dict(CONV, n_fixed=4), (IMAGES,)),
    "lsgan": ("lsgan", dict(CONV, n_fixed=4), (IMAGES,)),
    "cgan_mlp": ("cgan", dict(MLP, n_fixed_per_class=1), (IMAGES.reshape(8, -1), LABELS)),
    "cgan_dcgan": ("cgan", dict(arch="dcgan", width=4, latent_dim=8, n_fixed_per_class=1),
                   (IMAGES, LABELS)),
    "wgan_gp_dcgan": ("wgan", dict(penalty="gp", arch="dcgan", width=4, latent_dim=8,
                                   n_fixed=4, k=1), (IMAGES,)),
    "wgan_clip": ("wgan", dict(MLP, penalty="clip", n_fixed=4, k=1), (IMAGES.reshape(8, -1),)),
    "toy_pack": ("toy", dict(g_hidden=(16,), d_hidden=(16,), remedy="pack", n_fixed=8),
                 (_rng.normal(size=(8, 2)).astype(np.float32),)),
    "pix2pix": ("pix2pix", dict(in_channels=1, out_channels=1, num_downs=3, ngf=4, ndf=4,
                                n_layers=1), (PAIRS, PAIRS[::-1].copy())),
    "cyclegan": ("cyclegan", dict(channels_a=1, channels_b=1, ngf=4, n_blocks=1, ndf=4,
                                  n_layers=1, pool_size=4), (PAIRS, PAIRS[::-1].copy())),
}
# The functions that copy what the CPU generator drew to the device (see backend.py's note).
RANDOM_DRAWS = {"randn", "rand", "dropout", "gradient_penalty"}


def _model_and_batch(name):
    registry, config, arrays = MODELS[name]
    mg.manual_seed(0)
    model = get_model_class(registry)(**config, device="cuda")
    return model, tuple(mg.tensor(a, device="cuda") for a in arrays)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_training_step_on_cuda_reads_back_only_what_it_logs(name, host_transfers):
    model, batch = _model_and_batch(name)
    model.train_step(batch)  # the first step also creates the optimizers' state
    host_transfers.clear()
    logs = model.train_step(batch)
    reads = [t.where for t in host_transfers.to_host]
    assert len(reads) == len(logs) and all(" item" in where for where in reads), reads
    for copy in host_transfers.to_device:
        assert RANDOM_DRAWS & {frame.split()[-1] for frame in copy.stack}, copy.stack


def test_the_training_loop_adds_no_read_per_step_beyond_the_logs(host_transfers, tmp_path):
    # An epoch of three steps reads exactly two steps' logs more than an epoch of one: the
    # progress bar and the history show those values, and read nothing else per step.
    reads = {}
    for steps in (1, 3):
        model, (images,) = _model_and_batch("dcgan")
        loader = DataLoader((np.tile(IMAGES, (steps, 1, 1, 1)),), batch_size=8, device="cuda")
        host_transfers.clear()
        history = train(model, loader, 1, tmp_path / str(steps), progress=True)
        reads[steps] = len(host_transfers.to_host)
    assert reads[3] - reads[1] == 2 * len(history["iterations"])


def test_unpaired_batches_arrive_on_cuda():
    loader = UnpairedLoader(PAIRS, PAIRS, batch_size=4, device="cuda")
    a, b = next(iter(loader))
    assert a.device == b.device == "cuda"
