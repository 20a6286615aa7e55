"""Writing files whole or not at all.

Exports, reports, audit CSVs and the settings file are written beside their target and renamed
over it at the end, so a crash, a full disk or a cancelled export never leaves half a file where
a previous good one was.

The temporary file ``mkstemp`` creates is private (0600); the finished file gets the
permissions a plain ``open()`` would have given it (0666 less the umask), or keeps those of the
file it replaces, so another user or a CI job can read an export as they could any other file.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from reviewdesk.domain.errors import DiskFullError

# A full disk, a full quota, or the file-size limit (RLIMIT_FSIZE): the same for the user.
_NO_SPACE = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary handle whose content replaces ``path`` only if the block ends without an error."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        if exc.errno in _NO_SPACE:
            raise DiskFullError(_disk_full(path)) from None
        raise
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(tmp_name, _final_mode(path))
        os.replace(tmp_name, path)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
            raise DiskFullError(_disk_full(path)) from None
        raise


def _disk_full(path: Path) -> str:
    return (
        f"disk full: {path} could not be written; nothing was written there (a file of that name from before"
        " is unchanged). Free some space and try again."
    )


def _umask() -> int:
    """The process umask, read without changing it where the system allows (Linux: /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)  # elsewhere the only way to read it is to set it, then put it back
    os.umask(current)
    return current


def _final_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8, exactly as given (no newline translation), whole or not at all."""
    with atomic_output(path) as handle:
        handle.write(text.encode("utf-8"))


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """``text`` made inert for a spreadsheet: a leading apostrophe when it would start a formula.

    For CSV cells holding text someone else wrote (trace text, label comments, file names);
    Excel, LibreOffice and Google Sheets show the apostrophe-prefixed text as text. Shared by
    every CSV reviewdesk writes (the audit trail, the ``csv`` export, ``findings --format csv``).
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


SCRATCH_PREFIX = "reviewdesk-import-"


@contextmanager
def import_scratch() -> Iterator[Path]:
    """A private temporary folder for one import (extracted archives, the worker's prepared batches).

    Its name carries the process id, and each import first removes the folders of processes that
    are gone: a ``kill -9`` skips the clean-up, and what the folder held is already-redacted trace
    content that must not pile up in the temporary directory."""
    _remove_orphaned_scratch(Path(tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-") as scratch:
        yield Path(scratch)


def _remove_orphaned_scratch(folder: Path) -> None:
    for entry in folder.glob(f"{SCRATCH_PREFIX}*-*"):
        pid = entry.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or not entry.is_dir() or entry.is_symlink():
            continue
        try:
            if entry.stat().st_uid != os.getuid():
                continue  # another user's: not ours to judge
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue  # alive under another user, or not ours to signal
