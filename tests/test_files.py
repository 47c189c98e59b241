"""minigan.files.atomic_write: a file is replaced whole or not at all, and what a killed write
leaves behind is removed by the next write to that folder."""
import json
import os
import signal
import subprocess
import sys

import pytest

from minigan.files import TEMP_SUFFIX, atomic_write, remove_stale_temporaries

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_writes_bytes_and_text_and_leaves_nothing_else(tmp_path):
    with atomic_write(tmp_path / "sub" / "a.bin") as f:
        f.write(b"\x00\x01")
    with atomic_write(tmp_path / "sub" / "b.json", "w") as f:
        json.dump({"é": 1}, f)
    assert (tmp_path / "sub" / "a.bin").read_bytes() == b"\x00\x01"
    assert json.loads((tmp_path / "sub" / "b.json").read_text(encoding="utf-8")) == {"é": 1}
    assert sorted(os.listdir(tmp_path / "sub")) == ["a.bin", "b.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(path, "w") as f:
            f.write("half of the new")
            raise KeyboardInterrupt
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["metrics.json"]


def test_refuses_a_folder_and_a_mode_it_cannot_replace_atomically(tmp_path):
    with pytest.raises(IsADirectoryError):
        with atomic_write(tmp_path) as f:
            f.write(b"")
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "x", "a"):
            pass


def test_the_new_file_has_an_ordinary_mode(tmp_path):
    with atomic_write(tmp_path / "x") as f:
        f.write(b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "x").stat().st_mode & 0o777 == 0o666 & ~umask


def _killed_write(path):
    """A process killed (SIGKILL, no clean-up possible) in the middle of an atomic write."""
    code = ("import os, signal, sys\n"
            "from minigan.files import atomic_write\n"
            "with atomic_write(sys.argv[1]) as f:\n"
            "    f.write(b'half'); f.flush()\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n")
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", code, str(path)], env=env, timeout=60)
    assert done.returncode == -signal.SIGKILL


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and pids as POSIX has them")
def test_the_next_write_removes_what_a_killed_write_left(tmp_path):
    path = tmp_path / "samples.npz"
    path.write_bytes(b"a good earlier file")
    _killed_write(path)
    leftovers = [name for name in os.listdir(tmp_path) if name.endswith(TEMP_SUFFIX)]
    assert len(leftovers) == 1 and path.read_bytes() == b"a good earlier file"
    with atomic_write(tmp_path / "other.png") as f:  # any write to the folder
        f.write(b"png")
    assert sorted(os.listdir(tmp_path)) == ["other.png", "samples.npz"]


@pytest.mark.skipif(os.name != "posix", reason="pids as POSIX has them")
def test_a_temporary_file_whose_writer_still_runs_is_kept(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = tmp_path / f".x.npz.abc.{writer.pid}{TEMP_SUFFIX}"
        busy.write_bytes(b"being written")
        mine = tmp_path / f".y.npz.abc.{os.getpid()}{TEMP_SUFFIX}"  # another thread's, maybe
        mine.write_bytes(b"being written")
        assert remove_stale_temporaries(tmp_path) == []
        assert busy.exists() and mine.exists()
    finally:
        writer.kill()
        writer.wait()
    assert remove_stale_temporaries(tmp_path) == [str(busy)]
