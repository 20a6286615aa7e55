"""The importer protocol shared by every trace format."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from reviewdesk.domain.errors import RecordError
from reviewdesk.domain.spans import RawSpan

SNIFF_BYTES = 64 * 1024


@dataclass(slots=True)
class Chunk:
    """Spans parsed from one record of a file (a JSON line, or a whole document)."""

    spans: list[RawSpan]
    where: str
    """Names the record for messages: ``line 12`` or ``document``."""
    offset: int
    """Bytes of the file consumed once this chunk is read; drives progress."""


@dataclass(slots=True)
class ReadContext:
    """What an importer knows about the file besides its bytes."""

    path: Path
    file_hash: str
    """SHA-256 of the file; used to give spans without ids stable synthetic ids."""
    report: Callable[[RecordError], None]
    """Called for each record (or span) that is skipped; reading then goes on."""
    skipped: list[RecordError] = field(default_factory=list)
    name: str = ""
    """How messages name the file when ``path`` is a scratch copy (``bundle.zip/a.json``)."""

    @property
    def display_name(self) -> str:
        return self.name or self.path.name


class Importer(Protocol):
    """A trace format reviewdesk can read."""

    name: str
    """The ``--format`` name, e.g. ``otlp-jsonl``."""
    title: str
    """Human-readable name for dialogs and listings."""
    file_endings: tuple[str, ...]

    def sniff(self, head: bytes) -> bool:
        """Whether a file starting with ``head`` (up to ``SNIFF_BYTES``) is in this format."""
        ...

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        """Yield the file's spans record by record; report bad records through ``context``.

        Raises ``RecordError`` or ``FormatError`` only when nothing of the file can be read.
        """
        ...


@runtime_checkable
class KeyedLines(Protocol):
    """An importer of JSON lines whose lines decode one by one, each on its own.

    The worker processes of a large file read such a file in turns, each line parsed and decoded
    once (``services.import_plan``); other formats are decoded whole by every worker.
    """

    def decode_record(self, value: Any, context: ReadContext, where: str) -> list[RawSpan]:
        """A line's spans as ``read`` yields them; bad spans reported, a bad line raises ``RecordError``."""
        ...
