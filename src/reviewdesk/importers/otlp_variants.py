"""OTLP spans without the ``{"resourceSpans": …}`` document around them.

* ``otlp-spans``: bare OTLP ``Span`` objects — one, a JSON array of them, or one per line — as
  gateways and test recorders store them (``kind`` and status codes as numbers or enum names).
* ``jaeger-api-v3``: Jaeger's API v3 (``/api/v3/traces``) response, ``{"result": {"resourceSpans": …}}``,
  one per line when the gateway streams several.
* ``tempo``: Grafana Tempo's trace-by-id response, ``{"batches": […]}`` (``/api/traces/ID``, whose
  batches are ``ResourceSpans``, older ones with ``instrumentationLibrarySpans``), and the v2
  API's ``{"trace": {"resourceSpans": …}}``.

All three are OTLP inside, so they are decoded by ``otlp`` itself, record by record while the
file is read (``json_stream``), never as a whole document in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewdesk.domain.spans import RawSpan
from reviewdesk.importers.base import Chunk, ReadContext
from reviewdesk.importers.json_stream import stream_chunks, top_level
from reviewdesk.importers.otlp import decode_request, decode_span
from reviewdesk.importers.vendor_json import first_record, first_value


def _head(context: ReadContext) -> bytes:
    with context.path.open("rb") as handle:
        return handle.read(4096)


class OtlpSpansImporter:
    name = "otlp-spans"
    title = "OTLP spans without an envelope (a Span object, an array of them, or one per line)"
    file_endings: tuple[str, ...] = (".json", ".jsonl", ".ndjson")

    def sniff(self, head: bytes) -> bool:
        return is_otlp_span(first_record(first_value(head)))

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        prefix = "item" if top_level(_head(context)) == b"[" else ""

        def decode(value: Any, where: str) -> list[RawSpan]:
            if isinstance(value, list):  # JSON lines of arrays
                return [decode_span(item, context, f"{where}[{i}]") for i, item in enumerate(value)]
            return [decode_span(value, context, where)]

        yield from stream_chunks(context, prefix, "span", decode)


def is_otlp_span(record: Any) -> bool:
    """An OTLP span: camelCase ids and at least a name or a start time."""
    return (
        isinstance(record, dict)
        and "resourceSpans" not in record
        and ("traceId" in record or "spanId" in record)
        and ("name" in record or "startTimeUnixNano" in record)
    )


class JaegerApiV3Importer:
    name = "jaeger-api-v3"
    title = 'Jaeger API v3 response ({"result": {"resourceSpans": …}})'
    file_endings: tuple[str, ...] = (".json", ".jsonl")

    def sniff(self, head: bytes) -> bool:
        document = first_value(head)
        return (
            isinstance(document, dict)
            and isinstance(result := document.get("result"), dict)
            and ("resourceSpans" in result)
        )

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        yield from _resource_spans(context, "result.resourceSpans.item", "resource")


class TempoImporter:
    name = "tempo"
    title = 'Grafana Tempo trace ({"batches": […]} or {"trace": {"resourceSpans": …}})'
    file_endings: tuple[str, ...] = (".json",)

    def sniff(self, head: bytes) -> bool:
        document = first_value(head)
        if not isinstance(document, dict):
            return False
        batches = document.get("batches")
        if isinstance(batches, list):
            first = first_record(batches)
            return first is None or (isinstance(first, dict) and _looks_like_resource_spans(first))
        trace = document.get("trace")
        return isinstance(trace, dict) and "resourceSpans" in trace

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        head = _head(context)
        if b'"batches"' in head or b'"trace"' not in head:
            yield from _resource_spans(context, "batches.item", "batch")
        else:
            yield from _resource_spans(context, "trace.resourceSpans.item", "resource")


def _looks_like_resource_spans(value: dict[str, Any]) -> bool:
    return bool({"resource", "scopeSpans", "instrumentationLibrarySpans"} & value.keys())


def _resource_spans(context: ReadContext, prefix: str, noun: str) -> Iterator[Chunk]:
    """Each streamed ``ResourceSpans`` decoded as a one-element OTLP document."""
    yield from stream_chunks(
        context, prefix, noun, lambda value, where: decode_request({"resourceSpans": [value]}, context, where=where)
    )
