"""minigan.checkpoint: .npz round trip, atomic writes, and clear refusals of unsafe files."""
import json
import os
import pickle

import numpy as np
import pytest

from minigan import checkpoint
from minigan.checkpoint import load_checkpoint, prefixed, save_checkpoint, subtree


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {"model/G/0.weight": rng.standard_normal((4, 3)).astype(np.float32),
            "model/G/0.bias": rng.standard_normal(4).astype(np.float32),
            "optim/G/state.0.step": np.asarray(3),
            "optim/G/param_groups.0.betas": np.asarray([0.5, 0.999]),
            "noise/fixed": rng.standard_normal((2, 5)).astype(np.float64),
            "labels": np.arange(5, dtype=np.int64)}


def test_round_trip_keeps_keys_dtypes_values_and_meta(tmp_path):
    arrays = _arrays()
    meta = {"epoch": 2, "model": {"name": "vanilla", "config": {"k": 1, "betas": [0.5, 0.999]}},
            "history": {"loss_d": [1.25, 0.5]}, "rng_state": '{"state": 1}'}
    path = save_checkpoint(tmp_path / "ck.npz", arrays, meta)
    loaded, loaded_meta = load_checkpoint(path)
    assert sorted(loaded) == sorted(arrays)
    for key, value in arrays.items():
        assert loaded[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded[key], value)
    assert {k: loaded_meta[k] for k in meta} == meta
    assert loaded_meta["format"] == checkpoint.FORMAT


def test_meta_is_a_uint8_json_entry_and_no_object_arrays(tmp_path):
    path = save_checkpoint(tmp_path / "ck.npz", _arrays(), {"epoch": 1})
    with np.load(path, allow_pickle=False) as npz:
        raw = npz[checkpoint.META_KEY]
        assert raw.dtype == np.uint8
        assert json.loads(raw.tobytes().decode())["epoch"] == 1
        assert all(npz[k].dtype != object for k in npz.files)


def test_accepts_tensors(tmp_path):
    import minigan

    t = minigan.tensor([[1.0, 2.0]])
    loaded, _ = load_checkpoint(save_checkpoint(tmp_path / "t.npz", {"t": t}, {}))
    np.testing.assert_array_equal(loaded["t"], t.numpy())


@pytest.mark.parametrize("bad", [{"x": np.array([{"a": 1}], dtype=object)}, {1: np.zeros(2)},
                                 {checkpoint.META_KEY: np.zeros(2)}])
def test_save_refuses_what_cannot_be_loaded_without_pickle(tmp_path, bad):
    with pytest.raises(TypeError):
        save_checkpoint(tmp_path / "bad.npz", bad, {})
    assert not os.path.exists(tmp_path / "bad.npz")


def test_save_refuses_meta_json_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match="JSON"):
        save_checkpoint(tmp_path / "bad.npz", {}, {"f": object()})


def test_write_leaves_no_temporary_files(tmp_path):
    save_checkpoint(tmp_path / "ck.npz", _arrays(0), {"epoch": 1})
    save_checkpoint(tmp_path / "ck.npz", _arrays(1), {"epoch": 2})  # overwrite
    assert os.listdir(tmp_path) == ["ck.npz"]
    assert load_checkpoint(tmp_path / "ck.npz")[1]["epoch"] == 2


def test_failure_mid_write_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    save_checkpoint(path, _arrays(0), {"epoch": 1})
    before = path.read_bytes()

    def savez_that_dies(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(checkpoint.np, "savez", savez_that_dies)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, _arrays(1), {"epoch": 2})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ck.npz"]
    monkeypatch.undo()
    assert load_checkpoint(path)[1]["epoch"] == 1


def test_refuses_an_npz_with_a_pickled_object_array(tmp_path):
    path = tmp_path / "evil.npz"
    meta = np.frombuffer(json.dumps({"format": checkpoint.FORMAT}).encode(), dtype=np.uint8)
    np.savez(path, weights=np.array([{"payload": 1}], dtype=object), __meta__=meta)
    with pytest.raises(ValueError, match=r"evil\.npz.*'weights'.*pickle"):
        load_checkpoint(path)


def test_refuses_a_pickle_file(tmp_path):
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"weights": [1, 2]}))
    with pytest.raises(ValueError, match=r"evil\.npz.*pickle"):
        load_checkpoint(path)


def test_refuses_a_truncated_file(tmp_path):
    path = save_checkpoint(tmp_path / "ck.npz", _arrays(), {"epoch": 1})
    raw = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(raw[:len(raw) // 2])
    with pytest.raises(ValueError, match=r"ck\.npz.*truncated or corrupt"):
        load_checkpoint(path)


@pytest.mark.parametrize("content", [b"", b"hello, not an archive"])
def test_refuses_garbage(tmp_path, content):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"junk\.npz.*not an \.npz archive"):
        load_checkpoint(path)


def test_refuses_a_corrupted_member(tmp_path):
    path = save_checkpoint(tmp_path / "ck.npz", {"w": np.arange(1000.0)}, {"epoch": 1})
    raw = bytearray(open(path, "rb").read())
    raw[200:260] = b"\xff" * 60  # inside the stored array: the zip's CRC no longer matches
    open(path, "wb").write(bytes(raw))
    with pytest.raises(ValueError, match=r"ck\.npz"):
        load_checkpoint(path)


def test_refuses_an_npz_without_meta(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.zeros(3))
    with pytest.raises(ValueError, match=r"plain\.npz.*__meta__"):
        load_checkpoint(path)


def test_refuses_invalid_meta(tmp_path):
    path = tmp_path / "badmeta.npz"
    np.savez(path, __meta__=np.frombuffer(b"{not json", dtype=np.uint8))
    with pytest.raises(ValueError, match=r"badmeta\.npz.*__meta__"):
        load_checkpoint(path)


def test_refuses_a_single_npy(tmp_path):
    path = tmp_path / "one.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match=r"one\.npy.*not an \.npz"):
        load_checkpoint(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        load_checkpoint(tmp_path / "nowhere.npz")


def test_subtree_and_prefixed_are_inverse():
    arrays = {"0.weight": 1, "0.bias": 2}
    both = {**prefixed("model/G", arrays), **prefixed("model/D", {"x": 3})}
    assert subtree(both, "model/G") == arrays
    assert subtree(both, "model/D/") == {"x": 3}
    assert subtree(both, "model/GG") == {}
