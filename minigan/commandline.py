"""What every command line of minigan shares (``python -m minigan`` and ``examples/*.py``):
a mistake the user made is answered with one line on stderr and exit status 2, never a
traceback; a bug still shows its traceback.

    parser = ArgumentParser(description="...")
    parser.add_argument("--batch-size", type=positive_int, default=64)
    parser.add_argument("--device", type=device, default="cpu")
    ...
    if __name__ == "__main__":
        sys.exit(run_main(main))        # main raises UserError for what the user got wrong

argparse's own convention is kept (exit status 2, ``prog: error: message``), on one line: the
usage block argparse prints above it is left out, ``--help`` shows it.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import math
import os
import sys

# Errors of the surroundings rather than of minigan: a full disk, a read-only or forbidden
# folder, a path through a file. They become one line; any other OSError is a bug's traceback.
_SURROUNDINGS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS,
                 errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG}


class UserError(Exception):
    """Something the user asked for cannot be done; the message says what and why, in one
    line, naming the flag or file."""


def one_line(message) -> str:
    """``message`` on one line (messages that list several causes put each on its own)."""
    return "; ".join(part.strip() for part in str(message).splitlines() if part.strip())


@contextlib.contextmanager
def user_input(*errors):
    """Inside the block, the given exception types (default: ``FileNotFoundError`` and
    ``ValueError``) are about what the user handed in (a file, a folder, a flag) and become
    :class:`UserError`. Wrap only the reading of the user's input, so bugs keep tracebacks."""
    try:
        yield
    except errors or (FileNotFoundError, ValueError) as err:
        raise UserError(one_line(err)) from err


def run_main(main, prog: str | None = None) -> int:
    """Call ``main()`` and return the exit status: its own if it returns an int, else 0;
    2 with one line on stderr for a :class:`UserError` or an error of the surroundings (full
    disk, no permission); 130 after Ctrl-C."""
    prog = prog or os.path.basename(sys.argv[0])
    try:
        status = main()
    except UserError as err:
        print(f"{prog}: error: {one_line(err)}", file=sys.stderr)
        return 2
    except OSError as err:
        if err.errno not in _SURROUNDINGS:
            raise
        where = f"{err.filename}: " if err.filename else ""
        print(f"{prog}: error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    return status if isinstance(status, int) else 0


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, answering a mistake with one line, and running checks that need
    several flags at once (``after_parse``) with the same one-line answer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._checks = []

    def after_parse(self, check) -> None:
        """Call ``check(args)`` after parsing; a :class:`UserError` it raises becomes a usage
        error (one line, exit status 2). Checks may also fill in defaults."""
        self._checks.append(check)

    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        for check in self._checks:
            try:
                check(parsed)
            except UserError as err:
                self.error(str(err))
        return parsed

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see --help)\n")


# ---------------------------------------------------------------- argument types

def _number_type(kind, what: str, accept):
    """An argparse type: ``text`` parsed as ``kind`` (finite, for floats) that ``accept``s it;
    anything else is refused as "expected WHAT, got TEXT"."""
    def parse(text: str):
        try:
            value = kind(text)
        except (TypeError, ValueError):
            value = None
        if value is None or (kind is float and not math.isfinite(value)) or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value
    return parse


positive_int = _number_type(int, "a positive integer", lambda v: v >= 1)
nonnegative_int = _number_type(int, "an integer >= 0", lambda v: v >= 0)
positive_float = _number_type(float, "a positive number", lambda v: v > 0)
nonnegative_float = _number_type(float, "a number >= 0", lambda v: v >= 0)
fraction = _number_type(float, "a number between 0 and 1", lambda v: 0 <= v <= 1)


def device(text: str) -> str:
    """A device minigan can use here: "cpu", or "cuda" where CuPy sees a GPU."""
    from minigan import backend

    try:
        backend.check_device(text)
    except (ValueError, RuntimeError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


# ---------------------------------------------------------------- output locations

def check_output_folder(out, resume=None, overwrite: bool = False,
                        checkpoint: str = "checkpoint.npz") -> None:
    """Refuse an ``--out`` that is a file, or that holds an earlier run's checkpoint which this
    run would replace: unless ``resume`` is that checkpoint, or ``overwrite`` is set."""
    out = os.fspath(out)
    if not out:
        raise UserError("--out must name a folder")
    _check_folder_path(out, "--out")
    if resume is not None and not os.path.isfile(resume):
        raise UserError(f"--resume {resume}: no such file")
    existing = os.path.join(out, checkpoint)
    if overwrite or not os.path.exists(existing):
        return
    if resume is not None and os.path.samefile(resume, existing):
        return
    raise UserError(f"--out {out} holds the checkpoint of an earlier run; continue it with "
                    f"--resume {existing}, or replace it with --overwrite")


def _check_folder_path(folder: str, flag: str, named: str | None = None) -> None:
    """Refuse a ``folder`` that is a file or lies below one (``named``: the flag's value)."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        where = "" if named is None else f"{named}: "
        raise UserError(f"{flag} {where}{folder} is a file, not a folder")
    named = folder if named is None else named
    parent = os.path.dirname(os.path.abspath(folder))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise UserError(f"{flag} {named}: {parent} is a file, not a folder")


def check_output_file(path, flag: str, force: bool = False, inputs=()) -> None:
    """Refuse to write ``path`` (named by ``flag``) onto one of ``inputs``, onto a folder, or
    onto an existing file unless ``force``."""
    path = os.fspath(path)
    for source in inputs:
        if os.path.exists(path) and os.path.exists(source) and os.path.samefile(path, source):
            raise UserError(f"{flag} {path} is the input file {source} itself; writing it would "
                            "destroy the input (name another file)")
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        raise UserError(f"{flag} {path} is a folder; name a file in it")
    _check_folder_path(os.path.dirname(path) or ".", flag, named=path)
    if os.path.exists(path) and not force:
        raise UserError(f"{flag} {path} already exists; pass --force to replace it")
