"""The judge: its architecture, its shipped weights, its input handling and its accuracy."""
import hashlib
import shutil

import numpy as np
import pytest

import minigan
from minigan.data import load_bundled_mnist
from minigan.metrics import judge as J


@pytest.fixture(scope="module")
def shipped():
    return J.load_judge()


def test_architecture_and_state_dict_layout():
    judge = J.Judge()
    shapes = {k: v.shape for k, v in judge.state_dict().items()}
    assert shapes == {
        "features.0.weight": (16, 1, 5, 5), "features.0.bias": (16,),
        "features.3.weight": (32, 16, 5, 5), "features.3.bias": (32,),
        "features.7.weight": (128, 800), "features.7.bias": (128,),
        "classifier.weight": (10, 128), "classifier.bias": (10,),
    }
    x = minigan.tensor(np.zeros((3, 1, 28, 28), np.float32))
    assert judge.features(x).shape == (3, J.FEATURE_DIM)
    assert judge(x).shape == (3, 10)


def test_shipped_weights_are_small_float32_and_checksummed():
    raw = J.WEIGHTS_PATH.read_bytes()
    assert len(raw) < 1_000_000
    assert hashlib.sha256(raw).hexdigest() == J.WEIGHTS_SHA256
    with np.load(J.WEIGHTS_PATH, allow_pickle=False) as npz:
        assert {npz[k].dtype for k in npz.files} == {np.dtype(np.float32)}
        assert set(npz.files) == set(J.Judge().state_dict())


def test_load_judge_refuses_a_corrupt_file(tmp_path):
    bad = tmp_path / "judge.npz"
    raw = bytearray(J.WEIGHTS_PATH.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="SHA-256"):
        J.load_judge(bad, sha256=J.WEIGHTS_SHA256)
    with pytest.raises(FileNotFoundError, match="train_judge"):
        J.load_judge(tmp_path / "absent.npz")
    good = tmp_path / "copy.npz"
    shutil.copyfile(J.WEIGHTS_PATH, good)
    J.load_judge(good, sha256=J.WEIGHTS_SHA256)  # an intact copy loads


def test_load_judge_never_unpickles(tmp_path):
    evil = tmp_path / "evil.npz"
    np.savez(evil, **{"features.0.weight": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match="allow_pickle"):
        J.load_judge(evil)


def test_prepare_images_accepts_the_usual_formats():
    u8 = np.array([[0, 255]], np.uint8).repeat(392, axis=0).reshape(1, 28, 28)
    x = J.prepare_images(u8)
    assert x.shape == (1, 1, 28, 28) and x.dtype == np.float32
    assert x.min() == -1.0 and x.max() == 1.0
    np.testing.assert_array_equal(J.prepare_images(u8[:, None]), x)
    np.testing.assert_array_equal(J.prepare_images(x.reshape(1, 784)), x)
    np.testing.assert_array_equal(J.prepare_images(minigan.tensor(x)), x)


@pytest.mark.parametrize("images, error, match", [
    (np.zeros((2, 28, 27), np.uint8), ValueError, r"\(N, 28, 28\)"),
    (np.zeros((2, 3, 28, 28), np.uint8), ValueError, r"\(2, 3, 28, 28\)"),
    (np.zeros((0, 28, 28), np.uint8), ValueError, "N > 0"),
    (np.full((2, 28, 28), 3.0), ValueError, r"\[-1, 1\]"),
    (np.full((2, 28, 28), np.nan), ValueError, r"\[-1, 1\]"),
    (np.zeros((2, 28, 28), np.int32), TypeError, "uint8"),
])
def test_prepare_images_refuses_bad_input(images, error, match):
    with pytest.raises(error, match=match):
        J.prepare_images(images)


def test_predict_proba_is_a_distribution_independent_of_batching(shipped):
    images, _ = load_bundled_mnist()
    sample = images[::250]  # 20 images, two of each digit
    probs = J.predict_proba(sample, judge=shipped, batch_size=1000)
    assert probs.shape == (20, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(J.predict_proba(sample, judge=shipped, batch_size=7), probs,
                               rtol=1e-5, atol=1e-7)
    as_float = sample.astype(np.float32) / 127.5 - 1.0
    np.testing.assert_allclose(J.predict_proba(as_float, judge=shipped), probs, atol=1e-7)
    features = J.extract_features(sample, judge=shipped)
    assert features.shape == (20, 128) and features.min() >= 0  # after a ReLU


def test_judge_knows_its_training_digits(shipped):
    images, labels = load_bundled_mnist()
    assert (J.predict(images, judge=shipped) == labels).mean() > 0.98


def test_judge_accuracy_on_the_official_test_set(shipped, mnist_test):
    images, labels = mnist_test
    accuracy = float((J.predict(images, judge=shipped) == labels).mean())
    assert accuracy >= 0.97
    assert accuracy == pytest.approx(J.JUDGE_TEST_ACCURACY, abs=1e-4)  # the figure we quote


def test_judge_agrees_with_pytorch(shipped):
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    model = tnn.Sequential()
    model.add_module("features", tnn.Sequential(
        tnn.Conv2d(1, 16, 5, padding=2), tnn.ReLU(), tnn.AvgPool2d(2),
        tnn.Conv2d(16, 32, 5), tnn.ReLU(), tnn.AvgPool2d(2),
        tnn.Flatten(), tnn.Linear(800, 128), tnn.ReLU()))
    model.add_module("classifier", tnn.Linear(128, 10))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in shipped.state_dict().items()})
    images = load_bundled_mnist()[0][::500]
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(J.prepare_images(images))), 1).numpy()
    np.testing.assert_allclose(J.predict_proba(images, judge=shipped), expected, atol=2e-5)


def test_a_training_module_stays_in_training_mode(shipped):
    judge = J.Judge()
    judge.load_state_dict(shipped.state_dict())
    judge.train()
    images = load_bundled_mnist()[0][:8]
    np.testing.assert_allclose(J.predict_proba(images, judge=judge),
                               J.predict_proba(images, judge=shipped), rtol=1e-6)
    assert judge.training


@pytest.mark.skipif(not minigan.cuda_is_available(), reason="CuPy with a GPU is not available")
def test_judge_on_the_gpu_agrees_with_the_cpu(shipped):
    images = load_bundled_mnist()[0][::100]
    on_gpu = J.load_judge(device="cuda")
    np.testing.assert_allclose(J.predict_proba(images, judge=on_gpu),
                               J.predict_proba(images, judge=shipped), atol=1e-5)
    np.testing.assert_allclose(J.extract_features(images, judge=on_gpu),
                               J.extract_features(images, judge=shipped), rtol=1e-4, atol=1e-4)
