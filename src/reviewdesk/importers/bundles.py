"""Compressed and bundled input: ``.gz`` files, ``.zip`` archives and directories, opened into plain files.

What is given to ``reviewdesk import``, the import dialog or a drop may be a directory (read
recursively), a zip archive (every member that is a trace file) or a gzip-compressed file — told
apart by content (magic bytes), like every format, not by name. ``expand`` turns each into the
plain files the importers read, one at a time: a compressed file or an archive member is
decompressed, streaming, into a scratch directory and deleted once it has been read, so neither
memory nor disk holds more than one member. Inside a directory or an archive, files that are
not trace files (a README, a ``.DS_Store``) are left out and counted; a file named on its own is
always imported, so that a wrong file gets its "not a trace file" message.
"""

from __future__ import annotations

import gzip
import os
import shutil
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; the end record of an empty archive
_COPY_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class InputFile:
    """One plain file to import."""

    file: Path
    """What to read: the file itself, or a decompressed copy in the scratch directory."""
    origin: Path
    """What the user gave, for the import record and the audit: the file, or ``bundle.zip/member``."""
    name: str
    """How messages name it: ``traces.json``, ``runs/day1/a.json``, ``bundle.zip/a.json``, ``a.json.gz``."""
    in_bundle: bool = False
    """From inside a directory or an archive: left out, not refused, when it is not a trace file."""


@dataclass(slots=True)
class LeftOut:
    """A directory or archive member that is not a trace file, or could not be opened."""

    name: str
    reason: str


@dataclass(slots=True)
class Expansion:
    """What ``expand`` passed over, for the summary."""

    left_out: list[LeftOut] = field(default_factory=list)


def kind_of(path: Path) -> str:
    """``directory``, ``gzip``, ``zip`` or ``file``, judged from content."""
    if path.is_dir():
        return "directory"
    if not path.is_file():
        # A FIFO or a pipe (`<(zcat …)`) would block this open until a writer comes, and a read
        # would consume what the importer needs: leave it to the importer's "not a file" refusal.
        return "file"
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError:
        return "file"  # the importer's open says why
    if magic.startswith(GZIP_MAGIC):
        return "gzip"
    if magic in ZIP_MAGICS:
        return "zip"
    return "file"


def expand(
    paths: Sequence[Path], scratch: Path, expansion: Expansion, refusal: Callable[[Path], str | None]
) -> Iterator[InputFile]:
    """The plain files of ``paths`` in order; a scratch copy is deleted when the next file is asked for.

    ``refusal`` decides which members of a directory or an archive are imported: ``None`` for a
    trace file, else why it is left out (``registry.refusal``).
    """
    walk = _Walk(scratch, expansion, refusal)
    for path in paths:
        yield from walk.expand(path, path, path.name, in_bundle=False)


@dataclass(slots=True)
class _Walk:
    scratch: Path
    expansion: Expansion
    refusal: Callable[[Path], str | None]

    def expand(self, file: Path, origin: Path, name: str, *, in_bundle: bool) -> Iterator[InputFile]:
        kind = kind_of(file)
        if kind == "directory":
            for child in sorted(p for p in file.rglob("*") if p.is_file()):
                yield from self.expand(child, child, f"{name}/{child.relative_to(file).as_posix()}", in_bundle=True)
        elif kind == "gzip":
            yield from self._gunzip(file, origin, name, in_bundle=in_bundle)
        elif kind == "zip":
            yield from self._members(file, origin, name)
        elif not in_bundle or (why := self.refusal(file)) is None:
            yield InputFile(file, origin, name, in_bundle)
        else:
            self.expansion.left_out.append(LeftOut(name, why))

    def _gunzip(self, file: Path, origin: Path, name: str, *, in_bundle: bool) -> Iterator[InputFile]:
        target = _scratch_file(self.scratch, name)
        try:
            with gzip.open(file, "rb") as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink, _COPY_BLOCK)
        except (OSError, EOFError, zlib.error) as exc:
            target.unlink(missing_ok=True)
            if in_bundle:
                self.expansion.left_out.append(LeftOut(name, f"not a readable gzip file ({exc})"))
            else:
                yield InputFile(file, origin, name)  # the importer names the problem
            return
        try:
            yield from self.expand(target, origin, name, in_bundle=in_bundle)
        finally:
            target.unlink(missing_ok=True)

    def _members(self, file: Path, origin: Path, name: str) -> Iterator[InputFile]:
        try:
            archive = zipfile.ZipFile(file)
        except (OSError, zipfile.BadZipFile) as exc:
            self.expansion.left_out.append(LeftOut(name, f"not a readable zip archive ({exc})"))
            return
        with archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                member = f"{name}/{info.filename}"
                target = _scratch_file(self.scratch, member)
                try:
                    with archive.open(info) as source, target.open("wb") as sink:
                        shutil.copyfileobj(source, sink, _COPY_BLOCK)
                except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error) as exc:
                    # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
                    target.unlink(missing_ok=True)
                    self.expansion.left_out.append(LeftOut(member, f"cannot be extracted ({exc})"))
                    continue
                try:
                    yield from self.expand(target, origin / info.filename, member, in_bundle=True)
                finally:
                    target.unlink(missing_ok=True)


def _scratch_file(scratch: Path, name: str) -> Path:
    """A fresh file in ``scratch`` keeping the member's base name (messages and sniffing never use it)."""
    base = os.path.basename(name.rstrip("/")) or "member"
    for number in range(1_000_000):
        target = scratch / f"{number}-{base}"
        if not target.exists():
            return target
    raise OSError(f"no free scratch file name for {name}")


def total_size(paths: Sequence[Path]) -> int:
    """Bytes the importers will read, for the progress bar: uncompressed sizes where they are known."""
    total = 0
    for path in paths:
        try:
            kind = kind_of(path)
            if kind == "directory":
                total += total_size([p for p in path.rglob("*") if p.is_file()])
            elif kind == "zip":
                with zipfile.ZipFile(path) as archive:
                    total += sum(info.file_size for info in archive.infolist())
            elif kind == "gzip":
                with path.open("rb") as handle:  # the trailer holds the size modulo 4 GiB
                    handle.seek(-4, os.SEEK_END)
                    total += max(int.from_bytes(handle.read(4), "little"), path.stat().st_size)
            elif path.is_file():
                total += path.stat().st_size
        except (OSError, zipfile.BadZipFile):
            continue
    return total
