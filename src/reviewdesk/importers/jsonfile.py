"""Reading JSON trace files record by record, with every bad record named for the user.

Shared by every importer: JSON lines are read one line at a time (memory stays bounded whatever
the file size) and a line that does not parse is reported — ``truncated last line`` when the file
ends without a newline in the middle of a record — while the rest of the file goes on; a whole
document that does not parse names the line where it broke.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from reviewdesk.domain.errors import RecordError
from reviewdesk.importers.base import ReadContext

_BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class Record:
    """One JSON value of a file and where it sits."""

    value: Any
    where: str
    """``line 12`` for JSON lines, ``record 3`` for the elements of a JSON array, ``document``."""
    offset: int
    """Bytes of the file consumed once this record is read (drives progress)."""
    start: int = 0
    """Where the record's bytes begin (JSON lines: to read the line again, ``services.import_plan``)."""
    line: int = 0
    """Its line number (JSON lines)."""


def read_json_lines(context: ReadContext, *, start: int = 0, first_line: int = 1) -> Iterator[Record]:
    """Each non-empty line as a JSON value; unparsable lines are reported and skipped.

    ``start`` (a line's first byte) and ``first_line`` (its number) resume reading where another
    reader of the same file stopped (``services.import_plan``).
    """
    offset = start
    with context.path.open("rb") as handle:
        handle.seek(start)
        for number, raw in enumerate(handle, start=first_line):
            offset += len(raw)
            line = raw.strip()
            if number == 1:
                line = line.lstrip(_BOM)
            if not line:
                continue
            where = f"line {number}"
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                reason = (
                    "truncated last line (no newline at the end and not valid JSON)"
                    if not raw.endswith(b"\n")
                    else f"not valid JSON ({exc})"
                )
                context.report(RecordError(context.display_name, where, reason))
                continue
            yield Record(value, where, offset, offset - len(raw), number)


def read_json_document(context: ReadContext) -> tuple[Any, int]:
    """The whole file as one JSON value and its size; raises ``RecordError`` naming the bad line."""
    data = context.path.read_bytes()
    try:
        return orjson.loads(data), len(data)
    except orjson.JSONDecodeError as exc:
        line = data.count(b"\n", 0, exc.pos) + 1
        raise RecordError(context.display_name, f"line {line}", f"not valid JSON ({exc})") from None


def first_json_line(head: bytes) -> Any:
    """The first non-empty line of a file head parsed as JSON; ``None`` if it does not parse.

    Sniffers use it to tell JSON lines (a complete value on the first line) from a pretty-printed
    document (whose first line is just ``{``).
    """
    for raw in head.splitlines()[:5]:
        line = raw.strip().lstrip(_BOM)
        if not line:
            continue
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            return None
    return None
