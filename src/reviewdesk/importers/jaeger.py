"""Jaeger UI's "Download JSON" (and the query service's ``/api/traces``): ``{"data": [trace, …]}``.

Each trace is ``{"traceID", "spans": […], "processes": {"p1": {"serviceName", "tags"}}}``; a span
has ``tags`` and ``logs`` as typed key/value lists, ``references`` for its parent, and times in
microseconds. Jaeger's own OTLP translation is followed backwards: the ``span.kind``,
``otel.status_code``/``otel.status_description``, ``error`` and ``otel.scope.*`` tags become
the span's kind, status and scope, a log's ``event`` field its event name, the process its
resource. A bare trace object, or an array of them, reads the same. Traces are streamed one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewdesk.domain.errors import RecordError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.importers.base import Chunk, ReadContext
from reviewdesk.importers.json_stream import stream_chunks, top_level
from reviewdesk.importers.otlp import decode_attributes, decode_span
from reviewdesk.importers.span_shapes import KINDS, STATUS, enum_code, hex_id
from reviewdesk.importers.vendor_json import BadRecord, first_record, first_value

_SPECIAL_TAGS = frozenset(
    {
        "span.kind",
        "otel.status_code",
        "otel.status_description",
        "otel.scope.name",
        "otel.scope.version",
        "otel.library.name",
        "otel.library.version",
        "internal.span.format",
    }
)


class JaegerUiImporter:
    name = "jaeger-ui"
    title = 'Jaeger UI "Download JSON" ({"data": [{"traceID", "spans", "processes"}]})'
    file_endings: tuple[str, ...] = (".json",)

    def sniff(self, head: bytes) -> bool:
        return is_jaeger_trace(first_record(_traces_of(first_value(head))))

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        with context.path.open("rb") as handle:
            head = handle.read(4096)
        if top_level(head) == b"[":
            prefix = "item"
        else:
            document = first_value(head)
            prefix = "data.item" if isinstance(document, dict) and "data" in document else ""
        yield from stream_chunks(context, prefix, "trace", lambda value, where: _trace(value, context, where))


def _traces_of(document: Any) -> Any:
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        return document["data"]
    return document


def is_jaeger_trace(record: Any) -> bool:
    return isinstance(record, dict) and "spans" in record and ("traceID" in record or "processes" in record)


def _trace(trace: Any, context: ReadContext, where: str) -> list[RawSpan]:
    if not isinstance(trace, dict):
        raise BadRecord(f"expected a Jaeger trace object, got {type(trace).__name__}")
    spans = trace.get("spans") or []
    processes = trace.get("processes") or {}
    if not isinstance(spans, list) or not isinstance(processes, dict):
        raise BadRecord("'spans' must be a list and 'processes' an object")
    resources: dict[str, dict[str, Any]] = {}
    for key, process in processes.items():
        if isinstance(process, dict):
            items = [{"key": "service.name", "value": process.get("serviceName")}, *_tags(process.get("tags"))]
            resources[key] = decode_attributes(items, context, f"{where}, processes.{key}")
    decoded: list[RawSpan] = []
    for index, span in enumerate(spans):
        spot = f"{where}, spans[{index}]"
        try:
            otlp, scope = _otlp_span(span)
            resource = resources.get(str(span.get("processID")), {})
            decoded.append(decode_span(otlp, context, spot, resource=resource, scope=scope))
        except BadRecord as exc:
            context.report(RecordError(context.display_name, spot, str(exc)))
        except RecordError as exc:
            context.report(exc)
    return decoded


def _tags(tags: Any) -> list[dict[str, Any]]:
    if tags is None:
        return []
    if not isinstance(tags, list):
        raise BadRecord("'tags' must be a list")
    return [{"key": tag.get("key"), "value": tag.get("value")} for tag in tags if isinstance(tag, dict)]


def _otlp_span(span: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(span, dict):
        raise BadRecord(f"expected a span object, got {type(span).__name__}")
    tags = {item["key"]: item["value"] for item in _tags(span.get("tags")) if isinstance(item["key"], str)}
    trace_id = hex_id(span.get("traceID"), 16)
    parent = None
    links = []
    for reference in span.get("references") or []:
        if not isinstance(reference, dict):
            continue
        ref = {"traceId": hex_id(reference.get("traceID"), 16), "spanId": hex_id(reference.get("spanID"), 8)}
        if parent is None and reference.get("refType", "CHILD_OF") == "CHILD_OF" and ref["traceId"] == trace_id:
            parent = ref["spanId"]
        else:
            links.append(ref)
    start = _micros(span.get("startTime"), "startTime")
    duration = _micros(span.get("duration"), "duration")
    code = enum_code(tags.get("otel.status_code"), STATUS)
    if tags.get("error") in (True, "true") and not code:
        code = STATUS["ERROR"]
    events = []
    for number, log in enumerate(span.get("logs") or []):
        if not isinstance(log, dict):
            raise BadRecord(f"logs[{number}] must be an object")
        fields = {f["key"]: f["value"] for f in _tags(log.get("fields")) if isinstance(f["key"], str)}
        name = fields.pop("event", "log")
        events.append(
            {
                "name": name if isinstance(name, str) else str(name),
                "timeUnixNano": _micros(log.get("timestamp"), f"logs[{number}].timestamp"),
                "attributes": [{"key": k, "value": v} for k, v in fields.items()],
            }
        )
    scope = {
        "name": tags.get("otel.scope.name", tags.get("otel.library.name")),
        "version": tags.get("otel.scope.version", tags.get("otel.library.version")),
    }
    otlp = {
        "traceId": trace_id,
        "spanId": hex_id(span.get("spanID"), 8),
        "parentSpanId": parent,
        "name": span.get("operationName", ""),
        "kind": enum_code(tags.get("span.kind"), KINDS),
        "startTimeUnixNano": start,
        "endTimeUnixNano": None if start is None or duration is None else start + duration,
        "status": {"code": code, "message": tags.get("otel.status_description")},
        "attributes": [{"key": k, "value": v} for k, v in tags.items() if k not in _SPECIAL_TAGS],
        "events": events,
        "links": links,
    }
    return otlp, {k: v for k, v in scope.items() if isinstance(v, str)}


def _micros(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRecord(f"'{field}' must be a number of microseconds, got {value!r:.40}")
    return int(value) * 1000
