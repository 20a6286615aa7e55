"""The OpenTelemetry SDK's ``ConsoleSpanExporter`` output: one pretty-printed span after another.

The most common way people save spans from a script (``ConsoleSpanExporter(out=file)``, or a
redirected stdout): ``ReadableSpan.to_json()`` for each span, written back to back without a
separator or an enclosing array. Ids are ``0x``-prefixed hex under ``context``, ``kind`` is the
Python enum's text (``SpanKind.CLIENT``), ``status.status_code`` its name, times ISO-8601, and
attributes a flat JSON object. Each span carries its resource. Read one span at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewdesk.domain.spans import RawSpan
from reviewdesk.importers.base import Chunk, ReadContext
from reviewdesk.importers.json_stream import stream_chunks, top_level
from reviewdesk.importers.otlp import decode_attributes, decode_span
from reviewdesk.importers.span_shapes import KINDS, STATUS, enum_code, flat_attributes, hex_id, nanos, otlp_event
from reviewdesk.importers.vendor_json import BadRecord, first_record, first_value


class OtelConsoleImporter:
    name = "otel-console"
    title = "OpenTelemetry SDK console exporter output (ConsoleSpanExporter)"
    file_endings: tuple[str, ...] = (".json", ".txt", ".log")

    def sniff(self, head: bytes) -> bool:
        return is_console_span(first_record(first_value(head)))

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        with context.path.open("rb") as handle:
            prefix = "item" if top_level(handle.read(4096)) == b"[" else ""
        yield from stream_chunks(context, prefix, "span", lambda value, where: [_span(value, context, where)])


def is_console_span(record: Any) -> bool:
    if not isinstance(record, dict) or not isinstance(span_context := record.get("context"), dict):
        return False
    kind = record.get("kind")
    trace_id = span_context.get("trace_id")
    return (isinstance(kind, str) and kind.startswith("SpanKind.")) or (
        isinstance(trace_id, str) and trace_id.startswith("0x") and "span_kind" not in record
    )


def _span(record: Any, context: ReadContext, where: str) -> RawSpan:
    if not isinstance(record, dict):
        raise BadRecord(f"expected a span object, got {type(record).__name__}")
    ids = record.get("context") or {}
    status = record.get("status") or {}
    if not isinstance(ids, dict) or not isinstance(status, dict):
        raise BadRecord("'context' and 'status' must be objects")
    events = record.get("events") or []
    links = record.get("links") or []
    if not isinstance(events, list) or not isinstance(links, list):
        raise BadRecord("'events' and 'links' must be lists")
    otlp = {
        "traceId": hex_id(ids.get("trace_id"), 16),
        "spanId": hex_id(ids.get("span_id"), 8),
        "parentSpanId": hex_id(record.get("parent_id"), 8),
        "name": record.get("name", ""),
        "kind": enum_code(record.get("kind"), KINDS),
        "startTimeUnixNano": nanos(record.get("start_time"), "start_time"),
        "endTimeUnixNano": nanos(record.get("end_time"), "end_time"),
        "status": {"code": enum_code(status.get("status_code"), STATUS), "message": status.get("description")},
        "attributes": flat_attributes(record.get("attributes")),
        "events": [
            otlp_event(e.get("name", ""), e.get("timestamp"), e.get("attributes"), f"events[{n}]")
            for n, e in enumerate(events)
            if isinstance(e, dict)
        ],
        "links": [
            {
                "traceId": hex_id((link.get("context") or {}).get("trace_id"), 16),
                "spanId": hex_id((link.get("context") or {}).get("span_id"), 8),
                "attributes": flat_attributes(link.get("attributes")),
            }
            for link in links
            if isinstance(link, dict) and isinstance(link.get("context") or {}, dict)
        ],
    }
    resource_record = record.get("resource") or {}
    resource_attributes = resource_record.get("attributes") if isinstance(resource_record, dict) else None
    resource = decode_attributes(flat_attributes(resource_attributes, "resource.attributes"), context, where)
    scope_record = record.get("instrumentation_scope") or record.get("instrumentation_info") or {}
    scope = (
        {k: v for k in ("name", "version") if isinstance(v := scope_record.get(k), str)}
        if isinstance(scope_record, dict)
        else {}
    )
    return decode_span(otlp, context, where, resource=resource, scope=scope)
