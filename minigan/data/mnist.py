"""MNIST and Fashion-MNIST: find in the cache, else download, verify, cache; offline fallback.

    images, labels = load_mnist()                 # (60000, 28, 28) uint8, (60000,) uint8
    images, labels = load_mnist(split="test")     # (10000, 28, 28), (10000,)
    images, labels = load_mnist(root="/data/mnist", split="test")   # a folder you filled

Where files live: ``root`` if given, else ``$MINIGAN_DATA``, else ``~/.cache/minigan``, with one
subfolder per dataset (``mnist/``, ``fashion-mnist/``). A ``root`` that holds the ``.gz`` files
directly is accepted too. A file is used only if its SHA-256 matches the table below.

Why a table with checksums and several mirrors: the original MNIST address
(yann.lecun.com) stopped serving the files, and many loaders broke with it. Mirrors move; a
checksum proves that what a new mirror serves is still the same data.

Offline, ``load_mnist(split="train")`` falls back to the 5,000-image subset bundled with
minigan (one line on stderr says so), so lessons run without a network. The test split and
Fashion-MNIST have no fallback: a clear error says which files to put where.

A folder the user named (``--data DIR``) is read with ``strict=True``: it is never replaced by
another data set. A file in it that fails its checksum is an error naming the folder, the file
and what is wrong with it (not an IDX file, truncated, another version); a missing file is
downloaded into it, and where that fails the error says so; nothing falls back to the bundled
subset.
"""
from __future__ import annotations

import hashlib
import http.client
import io
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from minigan.data.idx import read_idx
from minigan.files import atomic_write

# ONE table per dataset: where to download from, and what each file must hash to.
# MNIST: the two test-file checksums were checked by hashing real copies; all four agree with
# the tables pinned by many independent projects. Fashion-MNIST's README publishes MD5s only;
# its SHA-256s are the values several independent projects pin (not hashed here).
DATASETS = {
    "mnist": {
        "mirrors": [
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ],
        "files": {
            "train-images-idx3-ubyte.gz":
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz":
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz":
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz":
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    },
    "fashion-mnist": {
        "mirrors": [
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ],
        "files": {
            "train-images-idx3-ubyte.gz":
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz":
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz":
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz":
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
    },
}
NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}  # for messages
SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

# 5,000 MNIST training images (500 per digit), built by scripts/make_mnist_subset.py.
BUNDLED_PATH = Path(__file__).with_name("mnist_5k.npz")
BUNDLED_SHA256 = "e613f869dab204a63ca426b433eb82b9fbeea13c331b12de387c1c5339df8224"

TIMEOUT = 30  # seconds per connection attempt: long enough for a slow mirror, short when offline
# A mirror that fails with one of these is "unreachable" (try the next one, maybe go offline).
_NETWORK_ERRORS = (urllib.error.URLError, OSError, http.client.HTTPException)


class DownloadError(RuntimeError):
    """No mirror delivered a file. ``offline`` is True when every failure was a network error
    (as opposed to a mirror serving the wrong bytes), which is when a fallback is safe."""

    def __init__(self, message: str, offline: bool):
        super().__init__(message)
        self.offline = offline


def cache_dir(dataset: str, root=None) -> Path:
    """The folder that caches ``dataset``: ``root``/``$MINIGAN_DATA``/``~/.cache/minigan``."""
    base = root if root is not None else os.environ.get("MINIGAN_DATA") or "~/.cache/minigan"
    return Path(base).expanduser() / dataset


def load_mnist(root=None, split: str = "train", mirrors=None, strict: bool = False):
    """MNIST digits as ``(images uint8 (N, 28, 28), labels uint8 (N,))``.

    ``mirrors`` replaces the table's list of base URLs (``[]`` forbids downloading). Offline,
    the train split falls back to :func:`load_bundled_mnist` with one line on stderr, unless
    ``strict``: then ``root`` is a folder the user named, and a file in it that is bad raises
    ``ValueError``, a missing one that cannot be downloaded :class:`DownloadError`, each
    naming the folder and the file (see the module docstring).
    """
    try:
        return _load("mnist", root, split, mirrors, strict)
    except DownloadError as e:
        if split != "train" or not e.offline or strict:
            raise
        # One plain line on stderr: a warning would also print the calling source line.
        print("minigan: MNIST could not be downloaded (offline?); using the bundled "
              "5,000-image training subset instead", file=sys.stderr)
        return load_bundled_mnist()


def load_fashion_mnist(root=None, split: str = "train", mirrors=None, strict: bool = False):
    """Fashion-MNIST as ``(images uint8 (N, 28, 28), labels uint8 (N,))``; no offline fallback.
    ``strict`` as for :func:`load_mnist`."""
    return _load("fashion-mnist", root, split, mirrors, strict)


def load_bundled_mnist():
    """The 5,000-image MNIST training subset shipped inside minigan (500 images per digit).

    Returns ``(images uint8 (5000, 28, 28), labels uint8 (5000,))``, sorted by label.
    """
    if not BUNDLED_PATH.is_file():
        raise FileNotFoundError(f"{BUNDLED_PATH} is missing: minigan was installed without its "
                                "package data; reinstall it")
    raw = BUNDLED_PATH.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != BUNDLED_SHA256:
        raise ValueError(f"{BUNDLED_PATH} is corrupt: SHA-256 {digest}, expected "
                         f"{BUNDLED_SHA256}; reinstall minigan or rerun "
                         "scripts/make_mnist_subset.py")
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        return npz["images"], npz["labels"]


# ---------------------------------------------------------------- internals

def _load(dataset: str, root, split: str, mirrors, strict: bool = False):
    if split not in SPLITS:
        raise ValueError(f"split must be one of {sorted(SPLITS)}, got {split!r}")
    table = DATASETS[dataset]
    mirrors = table["mirrors"] if mirrors is None else list(mirrors)
    names = SPLITS[split]
    paths = []
    strict = strict and root is not None
    for name in names:
        try:
            paths.append(_find_or_download(dataset, name, table["files"][name], root, mirrors,
                                           strict))
        except DownloadError as e:
            if strict:
                raise
            raise DownloadError(
                f"{e}. To work offline, put {' and '.join(names)} into {cache_dir(dataset, root)} "
                "(or pass root= a folder that holds them)", e.offline) from None
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.shape != images.shape[:1]:
        raise ValueError(f"{dataset} {split}: images {images.shape} and labels {labels.shape} "
                         "do not pair up as (N, H, W) and (N,)")
    return images, labels


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _find_or_download(dataset: str, name: str, sha256: str, root, mirrors,
                      strict: bool = False) -> Path:
    """A verified copy of ``name``: from the cache, from ``root`` itself, or freshly downloaded.
    ``strict``: a bad copy in ``root`` is an error, and so is a failed download."""
    folder = cache_dir(dataset, root)
    candidates = [folder / name] + ([Path(root).expanduser() / name] if root is not None else [])
    for path in candidates:
        if path.is_file() and _sha256(path) == sha256:
            return path
    if not strict:
        return _download(name, sha256, mirrors, folder)
    where = f"{NAMES[dataset]} folder {Path(root).expanduser()}"
    for path in candidates:
        if path.is_file():
            raise ValueError(f"{where}: {path} {_what_is_wrong(path, sha256)}")
    looked = " and ".join(str(p.parent) for p in candidates)
    if not mirrors:
        raise DownloadError(f"{where}: {name} is missing (looked in {looked})", offline=True)
    try:
        return _download(name, sha256, mirrors, folder)
    except DownloadError as e:
        why = "offline?" if e.offline else str(e)
        raise DownloadError(f"{where}: {name} is missing (looked in {looked}) and could not "
                            f"be downloaded ({why})", e.offline) from None


def _what_is_wrong(path: Path, sha256: str) -> str:
    """Why a file that fails its checksum cannot be used, for an error message."""
    try:
        read_idx(path)
    except ValueError as e:
        return f"is not a readable IDX file: {str(e).removeprefix(f'{path}: ')}"
    return (f"is an IDX file, but not the official one: its SHA-256 is {_sha256(path)}, "
            f"expected {sha256} (another version, or corrupt)")


def _download(name: str, sha256: str, mirrors, folder: Path) -> Path:
    """Try each mirror in turn; keep the first payload whose SHA-256 matches.

    The payload is verified in memory before it touches the disk, then written to a temporary
    file beside its final name and renamed with ``os.replace`` (atomic): an interrupted or
    corrupt download can never sit in the cache under the real name.
    """
    failures, offline = [], True
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
                print(f"minigan: downloading {url}", file=sys.stderr)
                payload = response.read()  # raises IncompleteRead if the connection drops
        except _NETWORK_ERRORS as e:
            failures.append(f"{url}: {e}")
            continue
        digest = hashlib.sha256(payload).hexdigest()
        if digest != sha256:
            failures.append(f"{url}: SHA-256 mismatch, got {digest}, expected {sha256}")
            offline = False  # the network works; this mirror serves the wrong bytes
            continue
        _write_atomically(folder / name, payload)
        return folder / name
    tried = "; ".join(failures) or "no mirrors given"
    raise DownloadError(f"could not download {name} (tried {tried})", offline)


def _write_atomically(path: Path, payload: bytes) -> None:
    with atomic_write(path) as f:
        f.write(payload)
