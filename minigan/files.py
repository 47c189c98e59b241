"""Writing files so that a crash never leaves half of one: every file minigan writes goes here.

    with atomic_write("runs/vanilla/metrics.json", "w") as f:
        json.dump(history, f)

The bytes go to a temporary file beside the target, named ``.NAME.<random>.<pid>.minigan-tmp``;
it is flushed to disk and then renamed over the target with ``os.replace``, which is atomic. A
reader, or a crash at any moment, sees the old file whole or the new one whole: never a 0-byte
or half-written file where a good one was. A write that fails removes its temporary file; a
write that is killed cannot, so each write first removes the temporary files in its folder
whose writer (the pid in the name) is no longer running.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time

TEMP_SUFFIX = ".minigan-tmp"
# Where a process cannot be asked whether it still runs (not POSIX), a temporary file
# untouched for this long counts as left over from a killed write.
STALE_SECONDS = 24 * 3600


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb"):
    """A file object (``mode`` "wb" or "w", UTF-8 text) whose contents replace ``path`` at once
    when the block ends without an exception; on an exception ``path`` is left as it was.

    Creates the folder if needed. Raises ``IsADirectoryError`` if ``path`` is a folder.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(21, "Is a directory", path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    remove_stale_temporaries(folder)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.",
                               suffix=f".{os.getpid()}{TEMP_SUFFIX}")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give a normal mode
            yield f
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the name points at it
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def remove_stale_temporaries(folder) -> list[str]:
    """Remove the temporary files that killed writes left in ``folder``; returns their paths.

    A temporary file whose writer still runs (another process writing the same folder) is kept.
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
            continue
        path = os.path.join(folder, name)
        pid = name[:-len(TEMP_SUFFIX)].rsplit(".", 1)[-1]
        if pid.isdigit() and not _writer_may_run(int(pid), path):
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed.append(path)
    return removed


def _writer_may_run(pid: int, path: str) -> bool:
    if pid == os.getpid():
        return True  # this process: another thread may be writing it now
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        try:
            return time.time() - os.path.getmtime(path) < STALE_SECONDS
        except OSError:
            return False
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_folder(folder: str) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open a folder, and need not.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
