"""Writing files whole or not at all.

Exports, reports, audit CSVs and the settings file are written beside their target and renamed
over it at the end, so a crash, a full disk or a cancelled export never leaves half a file where
a previous good one was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary handle whose content replaces ``path`` only if the block ends without an error."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8, exactly as given (no newline translation), whole or not at all."""
    with atomic_output(path) as handle:
        handle.write(text.encode("utf-8"))
