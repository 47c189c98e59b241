"""MNIST loading: download against a loopback HTTP server, caching, checksums, offline fallback,
the bundled subset, and (when present) the real test set in ../shared/data/mnist."""
import hashlib
import http.server
import socket
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from minigan.data import mnist
from minigan.data.idx import write_idx

REAL_MNIST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist"
FILES = mnist.SPLITS["train"] + mnist.SPLITS["test"]


# ---------------------------------------------------------------- fixtures

@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """A proxy set in the environment must not intercept the loopback server."""
    monkeypatch.setenv("no_proxy", "*")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder, records each request, and keeps the test output quiet."""

    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path.startswith("/short/"):  # a connection that drops mid-file
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"\x1f\x8b" + bytes(100))
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """20 fake 28x28 images per split under served/good/, a corrupted copy under served/bad/,
    and the file table patched so the fake files' checksums are the expected ones."""
    rng = np.random.default_rng(0)
    arrays = {}
    for images_name, labels_name in (mnist.SPLITS["train"], mnist.SPLITS["test"]):
        arrays[images_name] = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
        arrays[labels_name] = rng.integers(0, 10, 20, dtype=np.uint8)
    for sub in ("good", "bad"):
        (tmp_path / "served" / sub).mkdir(parents=True)
    for name, array in arrays.items():
        write_idx(tmp_path / "served" / "good" / name, array)
        corrupt = bytearray((tmp_path / "served" / "good" / name).read_bytes())
        corrupt[len(corrupt) // 2] ^= 0xFF
        (tmp_path / "served" / "bad" / name).write_bytes(bytes(corrupt))
    table = {name: hashlib.sha256((tmp_path / "served" / "good" / name).read_bytes()).hexdigest()
             for name in FILES}
    monkeypatch.setitem(mnist.DATASETS["mnist"], "files", table)
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path / "cache"))
    return arrays, tmp_path


@pytest.fixture
def server(fake_mnist):
    """A loopback HTTP server on a free port; yields (base URL, list of requested paths)."""
    handler = partial(_Handler, directory=str(fake_mnist[1] / "served"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd.requests
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def dead_url():
    """A loopback URL where nothing listens: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _cache_listing(tmp_path):
    folder = tmp_path / "cache"
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) if folder.exists() \
        else []


# ---------------------------------------------------------------- download path

def test_download_verifies_caches_and_reuses(fake_mnist, server):
    arrays, tmp_path = fake_mnist
    url, requests = server
    images, labels = mnist.load_mnist(split="train", mirrors=[url + "/good/"])
    np.testing.assert_array_equal(images, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(labels, arrays["train-labels-idx1-ubyte.gz"])
    assert images.dtype == labels.dtype == np.uint8
    assert len(requests) == 2
    assert _cache_listing(tmp_path) == ["mnist", "mnist/" + FILES[0], "mnist/" + FILES[1]]

    again, _ = mnist.load_mnist(split="train", mirrors=[url + "/good/"])  # from the cache
    np.testing.assert_array_equal(again, images)
    assert len(requests) == 2


def test_explicit_root_is_the_cache(fake_mnist, server, tmp_path):
    url, requests = server
    images, _ = mnist.load_mnist(root=tmp_path / "mine", split="test", mirrors=[url + "/good"])
    assert images.shape == (20, 28, 28)
    assert sorted(p.name for p in (tmp_path / "mine" / "mnist").iterdir()) == sorted(
        mnist.SPLITS["test"])
    assert not (tmp_path / "cache").exists()


def test_checksum_mismatch_tries_next_mirror(fake_mnist, server):
    arrays, tmp_path = fake_mnist
    url, requests = server
    images, _ = mnist.load_mnist(split="test", mirrors=[url + "/bad/", url + "/good/"])
    np.testing.assert_array_equal(images, arrays["t10k-images-idx3-ubyte.gz"])
    assert requests[:2] == ["/bad/" + FILES[2], "/good/" + FILES[2]]
    assert _cache_listing(tmp_path) == ["mnist", "mnist/" + FILES[2], "mnist/" + FILES[3]]


@pytest.mark.parametrize("split", ["train", "test"])
def test_checksum_mismatch_everywhere_is_an_error_not_a_fallback(fake_mnist, server, split):
    url, _ = server
    with pytest.raises(mnist.DownloadError, match="SHA-256 mismatch") as info:
        mnist.load_mnist(split=split, mirrors=[url + "/bad/"])
    assert not info.value.offline
    assert _cache_listing(fake_mnist[1]) == []  # nothing under the final name, no temp files


def test_connection_dropped_mid_file_leaves_nothing(fake_mnist, server):
    url, requests = server
    with pytest.raises(mnist.DownloadError, match="could not download"):
        mnist.load_mnist(split="test", mirrors=[url + "/short/"])
    assert requests == ["/short/" + FILES[2]]
    assert _cache_listing(fake_mnist[1]) == []


def test_offline_test_split_names_the_files_and_folder(fake_mnist, dead_url):
    with pytest.raises(mnist.DownloadError) as info:
        mnist.load_mnist(split="test", mirrors=[dead_url])
    message = str(info.value)
    assert info.value.offline
    assert "t10k-images-idx3-ubyte.gz" in message and "t10k-labels-idx1-ubyte.gz" in message
    assert str(fake_mnist[1] / "cache" / "mnist") in message
    assert _cache_listing(fake_mnist[1]) == []


def test_offline_train_split_falls_back_to_the_bundled_subset(fake_mnist, dead_url, capsys):
    images, labels = mnist.load_mnist(split="train", mirrors=[dead_url])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bundled 5,000-image" in err  # one line says so
    assert images.shape == (5000, 28, 28) and labels.shape == (5000,)
    assert _cache_listing(fake_mnist[1]) == []


def test_offline_fashion_mnist_is_a_clear_error(tmp_path, monkeypatch, dead_url):
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path))
    with pytest.raises(RuntimeError) as info:
        mnist.load_fashion_mnist(split="train", mirrors=[dead_url])
    assert "train-images-idx3-ubyte.gz" in str(info.value)
    assert str(tmp_path / "fashion-mnist") in str(info.value)


def test_cached_files_are_used_offline_and_bad_ones_are_not(fake_mnist, dead_url):
    arrays, tmp_path = fake_mnist
    folder = tmp_path / "cache" / "mnist"
    folder.mkdir(parents=True)
    for name in mnist.SPLITS["test"]:
        (folder / name).write_bytes((tmp_path / "served" / "good" / name).read_bytes())
    images, labels = mnist.load_mnist(split="test", mirrors=[dead_url])
    np.testing.assert_array_equal(labels, arrays["t10k-labels-idx1-ubyte.gz"])

    (folder / FILES[2]).write_bytes((tmp_path / "served" / "bad" / FILES[2]).read_bytes())
    with pytest.raises(mnist.DownloadError):
        mnist.load_mnist(split="test", mirrors=[dead_url])


# ---------------------------------------------------------------- a folder the user named

def test_strict_folder_is_read_when_sound(fake_mnist, dead_url):
    arrays, tmp_path = fake_mnist
    mine = tmp_path / "mine"  # the files directly in the folder, as a user may put them
    mine.mkdir()
    for name in mnist.SPLITS["test"]:
        (mine / name).write_bytes((tmp_path / "served" / "good" / name).read_bytes())
    images, labels = mnist.load_mnist(root=mine, split="test", mirrors=[dead_url], strict=True)
    np.testing.assert_array_equal(labels, arrays["t10k-labels-idx1-ubyte.gz"])


@pytest.mark.parametrize("content, problem", [
    (b"hello", "is not a readable IDX file: bad IDX magic"),
    ("truncated", "is not a readable IDX file: not a readable gzip file"),
    ("corrupt", "is an IDX file, but not the official one: its SHA-256 is"),
])
def test_strict_folder_names_the_bad_file_and_never_falls_back(fake_mnist, server, content,
                                                              problem, capsys):
    url, requests = server
    _, tmp_path = fake_mnist
    good = (tmp_path / "served" / "good" / FILES[0]).read_bytes()
    content = {"truncated": good[:len(good) // 2],
               "corrupt": _gzip_idx(np.ones((3, 28, 28), np.uint8))}.get(content, content)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / FILES[0]).write_bytes(content)
    with pytest.raises(ValueError) as info:
        mnist.load_mnist(root=mine, split="train", mirrors=[url + "/good/"], strict=True)
    assert f"MNIST folder {mine}: {mine / FILES[0]} {problem}" in str(info.value)
    assert requests == [] and (mine / FILES[0]).read_bytes() == content  # not replaced
    assert capsys.readouterr().err == ""  # and no bundled stand-in


def test_strict_folder_downloads_what_is_missing_or_says_it_cannot(fake_mnist, server, dead_url):
    url, _ = server
    mine = fake_mnist[1] / "mine"
    images, _ = mnist.load_mnist(root=mine, split="test", mirrors=[url + "/good/"], strict=True)
    assert images.shape == (20, 28, 28) and (mine / "mnist" / FILES[2]).is_file()
    with pytest.raises(mnist.DownloadError) as info:
        mnist.load_mnist(root=mine, split="train", mirrors=[dead_url], strict=True)
    assert str(info.value) == (f"MNIST folder {mine}: {FILES[0]} is missing (looked in "
                               f"{mine / 'mnist'} and {mine}) and could not be downloaded "
                               "(offline?)")
    with pytest.raises(mnist.DownloadError) as info:  # downloading switched off
        mnist.load_mnist(root=mine, split="train", mirrors=[], strict=True)
    assert str(info.value).endswith(f"{FILES[0]} is missing (looked in {mine / 'mnist'} and "
                                    f"{mine})")


def _gzip_idx(array):
    import gzip
    import struct

    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes(), mtime=0)


def test_bad_split_name():
    with pytest.raises(ValueError, match="split"):
        mnist.load_mnist(split="valid", mirrors=[])


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("MINIGAN_DATA", raising=False)
    assert mnist.cache_dir("mnist") == Path.home() / ".cache" / "minigan" / "mnist"
    monkeypatch.setenv("MINIGAN_DATA", str(tmp_path))
    assert mnist.cache_dir("mnist") == tmp_path / "mnist"
    assert mnist.cache_dir("mnist", root=tmp_path / "r") == tmp_path / "r" / "mnist"


# ---------------------------------------------------------------- the bundled subset

def test_bundled_subset():
    images, labels = mnist.load_bundled_mnist()
    assert images.shape == (5000, 28, 28) and labels.shape == (5000,)
    assert images.dtype == labels.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(labels, minlength=10), np.full(10, 500))
    assert 0.1 < images.mean() / 255 < 0.2  # MNIST digits cover about 13% of the frame
    assert hashlib.sha256(mnist.BUNDLED_PATH.read_bytes()).hexdigest() == mnist.BUNDLED_SHA256


def test_corrupt_bundled_subset_is_refused(tmp_path, monkeypatch):
    corrupt = bytearray(mnist.BUNDLED_PATH.read_bytes())
    corrupt[len(corrupt) // 2] ^= 0xFF
    (tmp_path / "mnist_5k.npz").write_bytes(bytes(corrupt))
    monkeypatch.setattr(mnist, "BUNDLED_PATH", tmp_path / "mnist_5k.npz")
    with pytest.raises(ValueError, match="corrupt"):
        mnist.load_bundled_mnist()


# ---------------------------------------------------------------- real data, when present

def _real_mnist():
    if not (REAL_MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real MNIST test files not found in {REAL_MNIST}")
    return REAL_MNIST


def test_real_test_set():
    root = _real_mnist()
    images, labels = mnist.load_mnist(root=root, split="test", mirrors=[])
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    counts = np.bincount(labels, minlength=10)
    assert counts.sum() == 10000 and counts.min() > 800 and counts.max() < 1200
    sums = dict(line.split()[::-1] for line in (root / "SHA256SUMS").read_text().splitlines()
                if line.strip())
    for name in mnist.SPLITS["test"]:
        assert sums[name] == mnist.DATASETS["mnist"]["files"][name]
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == sums[name]


def test_bundled_subset_is_disjoint_from_the_test_set():
    root = _real_mnist()
    test_images, _ = mnist.load_mnist(root=root, split="test", mirrors=[])
    bundled, _ = mnist.load_bundled_mnist()
    test_rows = {row.tobytes() for row in test_images.reshape(10000, -1)}
    assert not any(row.tobytes() in test_rows for row in bundled.reshape(5000, -1))
