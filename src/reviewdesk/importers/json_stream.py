"""Reading the records of one big JSON document one at a time, so memory stays bounded.

Jaeger, Tempo, Phoenix and bare-span exports are single documents — an array, or an object
holding one (``data``, ``batches``, ``result.resourceSpans``) — that can run to hundreds of
megabytes. ``ijson`` (its C backend) yields each element of such an array as it is parsed, and
also reads values written one after another (the SDK console exporter's output, JSON lines).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import ijson

from reviewdesk.domain.errors import RecordError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.importers.base import Chunk, ReadContext
from reviewdesk.importers.jsonfile import Record
from reviewdesk.importers.vendor_json import MAX_DEPTH, BadRecord, nested_deeper_than

# ijson's C backend copies a value that spans buffers once per buffer: with its default 64 KiB,
# a 50 MB string (a huge prompt) took 30 s. 4 MiB buffers make that linear at little memory.
_BUFFER = 4 * 1024 * 1024


def stream_items(context: ReadContext, prefix: str, *, noun: str = "record") -> Iterator[Record]:
    """Each value at ``prefix`` (ijson's path: ``item``, ``data.item``, or ``""`` for top-level values).

    Records are named ``{noun} N``. JSON that breaks off or goes wrong mid-file is reported at the
    record where it broke; the records before it are kept (a stream parser cannot resynchronise).
    """
    number = 0
    with context.path.open("rb") as handle:
        values = ijson.items(handle, prefix, use_float=True, multiple_values=True, buf_size=_BUFFER)
        try:
            for number, value in enumerate(values, start=1):
                if nested_deeper_than(value, MAX_DEPTH):
                    # orjson refuses such documents whole; a stream parser builds them, and
                    # nothing a trace means is nested this deep (nor can it be stored).
                    reason = f"nested deeper than {MAX_DEPTH} levels"
                    context.report(RecordError(context.display_name, f"{noun} {number}", reason))
                    continue
                yield Record(value, f"{noun} {number}", handle.tell())
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            context.report(RecordError(context.display_name, f"{noun} {number + 1}", f"not valid JSON ({reason})"))


def stream_chunks(
    context: ReadContext, prefix: str, noun: str, decode: Callable[[Any, str], list[RawSpan]]
) -> Iterator[Chunk]:
    """The spans of each streamed record (``decode(value, where)``); a refused record is reported, reading goes on."""
    for record in stream_items(context, prefix, noun=noun):
        try:
            spans = decode(record.value, record.where)
        except RecordError as exc:
            context.report(exc)
            continue
        except BadRecord as exc:
            context.report(RecordError(context.display_name, record.where, str(exc)))
            continue
        if spans:
            yield Chunk(spans=spans, where=record.where, offset=record.offset)


def top_level(head: bytes) -> bytes:
    """The first character of the file's JSON (``[`` or ``{``), past a BOM and white space."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
