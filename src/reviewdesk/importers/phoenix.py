"""Arize Phoenix span exports: the REST API's span JSON and the JSON form of the span dataframe.

* REST (``GET /v1/projects/{id}/spans``, the client's ``spans.get_spans``): ``{"data": [span, …],
  "next_cursor"}``, a list of spans, or one span. A span has ``context.trace_id``/``span_id``,
  ``parent_id``, ``span_kind`` (``LLM``, ``TOOL`` …) at the top level, ISO times, a
  ``status_code`` name, and OpenInference ``attributes`` — nested or flat, but without the
  ``openinference.span.kind`` attribute, which is taken from ``span_kind``.
* Dataframe (``spans.get_spans_dataframe()`` written with ``to_json``): the same fields as
  columns named ``context.span_id``, ``attributes.llm.model_name`` …, as records
  (``orient="records"``, also as lines), as ``orient="columns"`` (pandas' default:
  ``{column: {row: value}}``) or ``orient="split"``; times as epoch milliseconds or ISO text.

Every record is reshaped into an OTLP span and decoded by ``otlp``; records stream one by one,
except the column-wise forms, which pandas can only write as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewdesk.domain.errors import RecordError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.importers.base import Chunk, ReadContext
from reviewdesk.importers.json_stream import stream_chunks, top_level
from reviewdesk.importers.jsonfile import read_json_document
from reviewdesk.importers.otlp import decode_span
from reviewdesk.importers.span_shapes import STATUS, enum_code, flat_attributes, hex_id, nanos, otlp_event
from reviewdesk.importers.vendor_json import BadRecord, first_record, first_value

_COLUMN_ID = "context.span_id"


class PhoenixImporter:
    name = "phoenix"
    title = "Arize Phoenix spans (REST API span JSON, or the span dataframe as JSON)"
    file_endings: tuple[str, ...] = (".json", ".jsonl")

    def sniff(self, head: bytes) -> bool:
        document = first_value(head)
        if isinstance(document, dict) and isinstance(document.get(_COLUMN_ID), dict):
            return True  # orient="columns"
        if isinstance(document, dict) and isinstance(document.get("columns"), list):
            return _COLUMN_ID in document["columns"]  # orient="split"
        if isinstance(document, dict) and isinstance(document.get("data"), list):
            document = document["data"]
        record = first_record(document)
        return is_phoenix_span(record) or (isinstance(record, dict) and _COLUMN_ID in record)

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        with context.path.open("rb") as handle:
            head = handle.read(64 * 1024)
        document = first_value(head)
        if isinstance(document, dict) and (
            isinstance(document.get(_COLUMN_ID), dict) or isinstance(document.get("columns"), list)
        ):
            yield from self._columns(context)
            return
        if top_level(head) == b"[":
            prefix = "item"
        elif isinstance(document, dict) and isinstance(document.get("data"), list):
            prefix = "data.item"
        else:
            prefix = ""
        yield from stream_chunks(context, prefix, "span", lambda value, where: [_span(value, context, where)])

    def _columns(self, context: ReadContext) -> Iterator[Chunk]:
        document, size = read_json_document(context)
        rows = _rows(document)
        for number, row in enumerate(rows, start=1):
            where = f"row {number}"
            try:
                span = _span(row, context, where)
            except RecordError as exc:
                context.report(exc)
                continue
            except BadRecord as exc:
                context.report(RecordError(context.display_name, where, str(exc)))
                continue
            yield Chunk(spans=[span], where=where, offset=size * number // max(len(rows), 1))


def is_phoenix_span(record: Any) -> bool:
    return isinstance(record, dict) and "span_kind" in record and isinstance(record.get("context"), dict)


def _rows(document: Any) -> list[dict[str, Any]]:
    """A column-wise dataframe as row dicts."""
    if isinstance(document.get("columns"), list):  # orient="split"
        columns = document["columns"]
        return [dict(zip(columns, row, strict=False)) for row in document.get("data") or [] if isinstance(row, list)]
    columns = {name: values for name, values in document.items() if isinstance(values, dict)}
    index = list(columns.get(_COLUMN_ID, {}))
    return [{name: values.get(key) for name, values in columns.items()} for key in index]


def _span(record: Any, context: ReadContext, where: str) -> RawSpan:
    if not isinstance(record, dict):
        raise BadRecord(f"expected a span object, got {type(record).__name__}")
    if _COLUMN_ID in record or "context.trace_id" in record:
        record = _from_row(record)
    ids = record.get("context") or {}
    if not isinstance(ids, dict):
        raise BadRecord("'context' must be an object")
    attributes = flat_attributes(record.get("attributes"))
    kind = record.get("span_kind")
    if isinstance(kind, str) and kind and not any(a["key"] == "openinference.span.kind" for a in attributes):
        attributes.append({"key": "openinference.span.kind", "value": kind})
    events = record.get("events") or []
    if not isinstance(events, list):
        raise BadRecord("'events' must be a list")
    message = record.get("status_message")
    otlp = {
        "traceId": hex_id(ids.get("trace_id"), 16),
        "spanId": hex_id(ids.get("span_id"), 8),
        "parentSpanId": hex_id(record.get("parent_id"), 8),
        "name": record.get("name", ""),
        "startTimeUnixNano": nanos(record.get("start_time"), "start_time"),
        "endTimeUnixNano": nanos(record.get("end_time"), "end_time"),
        "status": {"code": enum_code(record.get("status_code"), STATUS), "message": message or None},
        "attributes": attributes,
        "events": [
            otlp_event(e.get("name", ""), e.get("timestamp"), e.get("attributes"), f"events[{n}]")
            for n, e in enumerate(events)
            if isinstance(e, dict)
        ],
    }
    return decode_span(otlp, context, where)


def _from_row(row: dict[str, Any]) -> dict[str, Any]:
    """A dataframe row (``context.span_id``, ``attributes.llm.model_name`` …) as a REST span."""
    attributes: dict[str, Any] = {}
    span: dict[str, Any] = {"context": {}, "attributes": attributes}
    for column, value in row.items():
        if value is None:
            continue  # a column other rows have (pandas writes NaN as null)
        if column.startswith("context."):
            span["context"][column.removeprefix("context.")] = value
        elif column.startswith("attributes."):
            attributes[column.removeprefix("attributes.")] = value
        else:
            span[column] = value
    return span
