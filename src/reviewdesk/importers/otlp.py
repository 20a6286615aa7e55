"""OTLP/JSON traces: one ``ExportTraceServiceRequest`` document, or JSON lines of them.

The JSON-lines form is what the OpenTelemetry Collector's file exporter writes: one ``TracesData``
object per line, one export batch each, so the spans of one trace can be spread over several
lines (the import service merges them by trace id). Lines are read one at a time, so memory stays
bounded whatever the file size. Decoding follows the OTLP JSON mapping: hex ids (case-insensitive;
protobuf's base64 form is accepted too), 64-bit integers as decimal strings or numbers, enums as
integers (their names are accepted too), and unknown fields ignored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator
from sys import intern as _intern
from typing import Any

from reviewdesk.domain.errors import FormatError, RecordError
from reviewdesk.domain.spans import RawSpan, SpanEvent
from reviewdesk.importers.base import Chunk, ReadContext
from reviewdesk.importers.jsonfile import first_json_line, read_json_document, read_json_lines

_STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
_KIND_NAMES = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
}
_MAX_DEPTH = 64  # AnyValue nesting deeper than this is hostile or broken input
_INT64 = (-(2**63), 2**63 - 1)  # what SQLite's INTEGER and orjson's encoder hold


class _Bad(Exception):
    """A value inside a span has the wrong type; caught per span and turned into a RecordError."""


class OtlpJsonImporter:
    """A single OTLP/JSON document (``{"resourceSpans": […]}``), possibly pretty-printed."""

    name = "otlp-json"
    title = "OTLP/JSON trace export (one document)"
    file_endings: tuple[str, ...] = (".json",)

    def sniff(self, head: bytes) -> bool:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text.startswith(b"{") or b'"resourceSpans"' not in head:
            return False
        # A document is either pretty-printed (first line is not a full object) or a single line.
        # A pretty-printed document: its first line is not a complete JSON object. (A document on
        # one line is also a valid JSON-lines file, and that importer, tried first, takes it.)
        return not isinstance(first_json_line(head), dict)

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        document, size = read_json_document(context)
        spans = decode_request(document, context, where="document")
        yield Chunk(spans=spans, where="document", offset=size)


class OtlpJsonLinesImporter:
    """JSON lines, one OTLP ``TracesData`` per line (the Collector file exporter's format)."""

    name = "otlp-jsonl"
    title = "OTLP/JSON lines (OpenTelemetry Collector file exporter)"
    file_endings: tuple[str, ...] = (".jsonl", ".ndjson", ".json")

    def sniff(self, head: bytes) -> bool:
        first = first_json_line(head)
        return isinstance(first, dict) and "resourceSpans" in first

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        for record in read_json_lines(context):
            try:
                spans = self.decode_record(record.value, context, record.where)
            except RecordError as exc:
                context.report(exc)
                continue
            yield Chunk(spans=spans, where=record.where, offset=record.offset)

    def decode_record(self, value: Any, context: ReadContext, where: str) -> list[RawSpan]:
        """One line's spans, as ``read`` decodes them (``importers.base.KeyedLines``)."""
        return decode_request(value, context, where=where)


def decode_request(document: Any, context: ReadContext, *, where: str) -> list[RawSpan]:
    """Decode one ``TracesData`` object; bad spans are reported and skipped, good ones returned."""
    name = context.display_name
    if not isinstance(document, dict):
        raise RecordError(name, where, f"expected a JSON object with 'resourceSpans', got {type(document).__name__}")
    resource_spans = document.get("resourceSpans")
    if not isinstance(resource_spans, list):
        if "resourceMetrics" in document or "resourceLogs" in document:
            raise RecordError(name, where, "this is OTLP metrics or logs, not traces")
        raise RecordError(name, where, "no 'resourceSpans' list: not an OTLP traces record")
    spans: list[RawSpan] = []
    for i, resource_span in enumerate(resource_spans):
        rwhere = f"{where}, resourceSpans[{i}]"
        if not isinstance(resource_span, dict):
            context.report(RecordError(name, rwhere, "expected an object"))
            continue
        try:
            resource = _attributes(_dig_list(resource_span.get("resource"), "attributes"))
        except _Bad as exc:
            context.report(RecordError(name, f"{rwhere}.resource", str(exc)))
            continue
        scope_spans = resource_span.get("scopeSpans", resource_span.get("instrumentationLibrarySpans"))
        if scope_spans is None:
            continue
        if not isinstance(scope_spans, list):
            context.report(RecordError(name, rwhere, "'scopeSpans' must be a list"))
            continue
        for j, scope_span in enumerate(scope_spans):
            swhere = f"{rwhere}.scopeSpans[{j}]"
            if not isinstance(scope_span, dict):
                context.report(RecordError(name, swhere, "expected an object"))
                continue
            raw_scope = scope_span.get("scope", scope_span.get("instrumentationLibrary")) or {}
            scope = (
                {key: _text_or_none(raw_scope.get(key)) for key in ("name", "version")}
                if isinstance(raw_scope, dict)
                else {}
            )
            raw_spans = scope_span.get("spans") or []
            if not isinstance(raw_spans, list):
                context.report(RecordError(name, swhere, "'spans' must be a list"))
                continue
            for k, raw in enumerate(raw_spans):
                spwhere = f"{swhere}.spans[{k}]"
                try:
                    spans.append(_span(raw, resource, scope, context, spwhere))
                except _Bad as exc:
                    context.report(RecordError(name, spwhere, str(exc)))
    return spans


def _anon_trace_id(context: ReadContext, where: str) -> str:
    # Empty ids occur (the file-exporter spec example has them). Give the record's spans one
    # synthetic trace, stable for the same file content so re-imports stay idempotent.
    record = where.split(",", maxsplit=1)[0]
    return "anon-" + hashlib.sha256(f"{context.file_hash}:{record}".encode()).hexdigest()[:27]


def _anon_span_id(context: ReadContext, where: str) -> str:
    return "anon-" + hashlib.sha256(f"{context.file_hash}:{where}".encode()).hexdigest()[:11]


def decode_span(
    raw: Any,
    context: ReadContext,
    where: str,
    *,
    resource: dict[str, Any] | None = None,
    scope: dict[str, Any] | None = None,
) -> RawSpan:
    """One OTLP/JSON ``Span`` object, as the formats that map onto OTLP hand it over.

    Those importers (bare OTLP spans, Jaeger, the SDK console exporter, Phoenix) reshape their
    records into OTLP's span JSON — attribute values may be plain JSON — and decode them here,
    so every such format gets the same checks and the same ``RawSpan``. A bad span raises a
    ``RecordError`` naming ``where``.
    """
    try:
        return _span(raw, resource or {}, scope or {}, context, where)
    except _Bad as exc:
        raise RecordError(context.display_name, where, str(exc)) from None


def decode_attributes(items: Any, context: ReadContext, where: str) -> dict[str, Any]:
    """An OTLP ``[{key, value}]`` attribute list (e.g. a resource's), checked like a span's."""
    try:
        return _attributes(items)
    except _Bad as exc:
        raise RecordError(context.display_name, where, str(exc)) from None


def _dig_list(node: Any, key: str) -> list[Any]:
    if node is None:
        return []
    if not isinstance(node, dict):
        raise _Bad("expected an object")
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad(f"'{key}' must be a list")
    return value


def _id(value: Any, field: str, size: int) -> str:
    """Hex id, lower-cased; protobuf-JSON base64 ids are converted to hex."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise _Bad(f"'{field}' must be a hex string, got {type(value).__name__}")
    text = value.strip()
    if len(text) == size * 2:
        return text.lower()
    if len(text) == ((size + 2) // 3) * 4:
        try:
            return base64.b64decode(text, validate=True).hex()
        except (binascii.Error, ValueError):
            pass
    return text.lower()


def _int(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _Bad(f"'{field}' must be an integer, got a boolean")
    if isinstance(value, int):
        return _in_range(value, field)
    if isinstance(value, str) and _decimal(value):
        if len(value) > 20:  # past 64 bits (and int()'s digit limit)
            raise _Bad(f"'{field}' {value[:40]} is out of the 64-bit range")  # digits only: no value to cut
        return _in_range(int(value), field)
    if isinstance(value, float) and value.is_integer():
        return _in_range(int(value), field)
    raise _Bad(f"'{field}' must be an integer or a decimal string, got {value!r:.2000}")


def _decimal(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts ``"²"``, which ``int()`` refuses."""
    return text.isascii() and text.isdigit()


def _enum(value: str, names: dict[str, int]) -> int:
    """An enum written as a string: its name, or its number; unknown ones are 0 (unspecified)."""
    if _decimal(value):
        return int(value) if len(value) <= 20 else 0
    return names.get(value, 0)


def _in_range(value: int, field: str) -> int:
    # OTLP's integers are 64-bit; a larger one would crash the write of the whole batch.
    if not _INT64[0] <= value <= _INT64[1]:
        raise _Bad(f"'{field}' {str(value)[:40]} is out of the 64-bit range")  # digits only
    return value


def _span(raw: Any, resource: dict[str, Any], scope: dict[str, Any], context: ReadContext, where: str) -> RawSpan:
    if not isinstance(raw, dict):
        raise _Bad(f"expected a span object, got {type(raw).__name__}")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise _Bad(f"'name' must be a string, got {type(name).__name__}")
    trace_id = _id(raw.get("traceId"), "traceId", 16)
    span_id = _id(raw.get("spanId"), "spanId", 8)
    parent = _id(raw.get("parentSpanId"), "parentSpanId", 8) or None
    trace_id = trace_id or _anon_trace_id(context, where)
    span_id = span_id or _anon_span_id(context, where)
    kind = raw.get("kind", 0)
    if isinstance(kind, str):
        kind = _enum(kind, _KIND_NAMES)
    elif not isinstance(kind, int) or isinstance(kind, bool):
        raise _Bad(f"'kind' must be an integer, got {kind!r:.2000}")
    if not 0 <= kind <= 5:
        kind = 0  # an unknown kind, like an unknown status code below: unspecified
    status = raw.get("status") or {}
    if not isinstance(status, dict):
        raise _Bad("'status' must be an object")
    code = status.get("code", 0)
    if isinstance(code, str):
        code = _enum(code, _STATUS_NAMES)
    elif not isinstance(code, int) or isinstance(code, bool):
        raise _Bad(f"'status.code' must be an integer, got {code!r:.2000}")
    message = status.get("message")
    if message is not None and not isinstance(message, str):
        raise _Bad("'status.message' must be a string")
    events_raw = raw.get("events") or []
    if not isinstance(events_raw, list):
        raise _Bad("'events' must be a list")
    events = []
    for n, event in enumerate(events_raw):
        if not isinstance(event, dict):
            raise _Bad(f"events[{n}] must be an object")
        event_name = event.get("name", "")
        if not isinstance(event_name, str):
            raise _Bad(f"events[{n}].name must be a string")
        events.append(
            SpanEvent(
                name=event_name,
                time_ns=_int(event.get("timeUnixNano"), f"events[{n}].timeUnixNano"),
                attributes=_attributes(event.get("attributes") or []),
            )
        )
    links_raw = raw.get("links") or []
    if not isinstance(links_raw, list):
        raise _Bad("'links' must be a list")
    links = [
        {
            "trace_id": _id(link.get("traceId"), "links.traceId", 16),
            "span_id": _id(link.get("spanId"), "links.spanId", 8),
            "attributes": _attributes(link.get("attributes") or []),
        }
        for link in links_raw
        if isinstance(link, dict)
    ]
    return RawSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        start_ns=_int(raw.get("startTimeUnixNano"), "startTimeUnixNano"),
        end_ns=_int(raw.get("endTimeUnixNano"), "endTimeUnixNano"),
        kind=kind,
        status_code=code if code in (0, 1, 2) else 0,
        status_message=message or None,
        attributes=_attributes(raw.get("attributes") or []),
        events=events,
        resource=resource,
        scope=scope,
        links=links,
    )


def _attributes(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        raise _Bad("'attributes' must be a list of {key, value}")
    result: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(key := item.get("key"), str):
            raise _Bad(f"attribute {item!r:.2000} has no string 'key'")
        value = item.get("value")
        # Keys are interned: OTLP writes them as values, so orjson makes one string per span for
        # each; shared, a span's decoded attributes take a quarter less memory (a long trace is
        # held whole) and a batch pickles each key once.
        # Fast path for the common case; everything else goes through the full decoder.
        if type(value) is dict and len(value) == 1 and type(text := value.get("stringValue")) is str:
            result[_intern(key)] = text
        else:
            result[_intern(key)] = _any_value(value, 0)
    return result


def _any_value(value: Any, depth: int) -> Any:
    if value is None:
        return None
    if depth > _MAX_DEPTH:
        raise _Bad(f"attribute value nested deeper than {_MAX_DEPTH} levels")
    if not isinstance(value, dict):
        # Some producers write plain JSON values instead of AnyValue wrappers; keep them.
        return _plain(value, depth)
    if "stringValue" in value:
        return _plain(value["stringValue"], depth)
    if "intValue" in value:
        raw = value["intValue"]
        try:
            return _in_range(int(raw), "intValue")
        except (TypeError, ValueError, OverflowError):
            raise _Bad(f"intValue {raw!r:.2000} is not an integer") from None
    if "doubleValue" in value:
        raw = value["doubleValue"]
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(raw)
        if isinstance(raw, str) and raw in ("NaN", "Infinity", "-Infinity"):
            return None  # not representable in JSON storage
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise _Bad(f"doubleValue {raw!r:.2000} is not a number") from None
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "arrayValue" in value:
        values = _dig_list(value["arrayValue"], "values")
        return [_any_value(v, depth + 1) for v in values]
    if "kvlistValue" in value:
        values = _dig_list(value["kvlistValue"], "values")
        result: dict[str, Any] = {}
        for kv in values:
            if isinstance(kv, dict):
                key = kv.get("key")
                if not isinstance(key, str):
                    raise _Bad(f"kvlistValue key {key!r:.2000} is not a string")
                result[key] = _any_value(kv.get("value"), depth + 1)
        return result
    if "bytesValue" in value:
        return _plain(value["bytesValue"], depth)  # base64 text: kept as is
    return None  # an empty AnyValue


def _plain(value: Any, depth: int) -> Any:
    """A value kept as the producer wrote it, if it is no deeper than AnyValues may be.

    JSON nested hundreds of levels deep parses, but cannot be stored (orjson encodes 254 levels).
    """
    stack = [(value, depth)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (list, dict)):
            if level > _MAX_DEPTH:
                raise _Bad(f"attribute value nested deeper than {_MAX_DEPTH} levels")
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return value


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def is_traces_data(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("resourceSpans"), list)


__all__ = [
    "FormatError",
    "OtlpJsonImporter",
    "OtlpJsonLinesImporter",
    "decode_attributes",
    "decode_request",
    "decode_span",
]
