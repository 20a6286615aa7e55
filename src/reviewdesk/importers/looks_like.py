"""What a refused file looks like, for the "not a trace file" message.

A user who drops the wrong file learns more from "it looks like OTLP metrics" or "JSON without
spans (an object with keys items, count)" than from a list of what is missing. Judged from the
same head the sniffers saw; never raises.
"""

from __future__ import annotations

from typing import Any

from reviewdesk.importers.jsonfile import first_json_line
from reviewdesk.importers.vendor_json import first_record, first_value

_MAX_KEYS = 6


def looks_like(head: bytes) -> str:
    """A short description: ``OTLP metrics, not traces``, ``JSON without spans (…)``, ``CSV or other text``."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"\x1f\x8b"):
        return "a gzip-compressed file whose content could not be read"
    if text.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "a zip archive whose members could not be read"
    if b"\x00" in text[:4096]:
        return "a binary file"
    if text[:1] not in (b"{", b"["):
        return _text(text)
    lines = first_json_line(head)
    value = first_value(head)
    described = _known(value)
    if described:
        return described
    shape = _shape(value)
    if isinstance(lines, (dict, list)) and b"\n" in text.strip():
        return f"JSON lines without spans (the first line is {shape})"
    return f"JSON without spans ({shape})"


def _known(value: Any) -> str | None:
    """Shapes people mistake for traces, named."""
    if isinstance(value, dict):
        if "resourceMetrics" in value:
            return "OTLP metrics, not traces"
        if "resourceLogs" in value:
            return "OTLP logs, not traces"
        if "traceEvents" in value:
            return "a Chrome/Perfetto trace-event file (profiling, not LLM traces)"
        if isinstance(value.get("log"), dict) and "entries" in value["log"]:
            return "an HTTP archive (HAR)"
        data = value.get("data")
        if isinstance(data, list):
            record = first_record(data)
            if isinstance(record, dict) and "traceID" in record and "spans" not in record:
                return "a Jaeger search result without spans (download a trace's JSON instead)"
            if isinstance(record, dict) and "traceID" in record:
                return "a Jaeger UI export whose spans could not be read"
        if isinstance(value.get("traces"), list) and "batches" not in value:
            return "a Tempo search result (trace ids only; fetch a trace by id for its spans)"
    record = first_record(value)
    if isinstance(record, dict):
        if {"traceId", "id", "localEndpoint"} & record.keys() == {"traceId", "id", "localEndpoint"}:
            return "Zipkin v2 spans (not read: export OTLP or Jaeger JSON instead)"
        if "messages" in record and "traceId" not in record and "trace_id" not in record:
            return "chat messages (an eval or fine-tuning data set?), not traces"
    return None


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return f"an object with keys {_keys(value)}" if value else "an empty object"
    if isinstance(value, list):
        record = first_record(value)
        if isinstance(record, dict):
            return f"an array of objects with keys {_keys(record)}"
        return "an empty array" if not value else "an array of plain values"
    return "a plain value"


def _keys(record: dict[str, Any]) -> str:
    keys = [str(key)[:40] for key in list(record)[:_MAX_KEYS]]
    return ", ".join(keys) + (", …" if len(record) > _MAX_KEYS else "")


def _text(text: bytes) -> str:
    first = text.split(b"\n", 1)[0][:200].decode("utf-8", errors="replace")
    if first.startswith("<"):
        return "XML or HTML"
    if "," in first or "\t" in first:
        return "CSV or other tabular text"
    return f"text that is not JSON (it starts with {first[:40]!r})"
