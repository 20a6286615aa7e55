"""Reshaping other span formats into OTLP's span JSON, which ``otlp.decode_span`` then decodes.

Jaeger, the OpenTelemetry SDK's console exporter and Phoenix all describe OTLP spans with other
names (``traceID``, ``0x``-prefixed ids, ``SpanKind.CLIENT``, ISO times, flat attribute maps).
Their importers rename fields here and leave every check of the values to the OTLP decoder.
"""

from __future__ import annotations

from typing import Any

from reviewdesk.importers.vendor_json import BadRecord, time_ns

KINDS = {"UNSPECIFIED": 0, "INTERNAL": 1, "SERVER": 2, "CLIENT": 3, "PRODUCER": 4, "CONSUMER": 5}
STATUS = {"UNSET": 0, "OK": 1, "ERROR": 2}
_FLATTEN_DEPTH = 16


def hex_id(value: Any, size: int) -> Any:
    """``0x…``, upper-case or short hex ids as OTLP's zero-padded lower-case hex; other values as given."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    if text and len(text) < size * 2 and all(c in "0123456789abcdefABCDEF" for c in text):
        text = text.rjust(size * 2, "0")  # Jaeger's 64-bit ids ("2"), as OTLP holds them
    return text.lower()


def enum_code(value: Any, names: dict[str, int]) -> Any:
    """``SpanKind.CLIENT``, ``SPAN_KIND_CLIENT``, ``client``, ``STATUS_CODE_OK``, ``OK`` or a number (absent: 0)."""
    if value is None:
        return 0
    if not isinstance(value, str):
        return value
    name = value.rsplit(".", 1)[-1].upper()
    for prefix in ("SPAN_KIND_", "STATUS_CODE_"):
        name = name.removeprefix(prefix)
    return names.get(name, 0)


def nanos(value: Any, field: str) -> int | None:
    """An ISO-8601 time or an epoch number (its unit judged by magnitude) as nanoseconds."""
    return time_ns(value, field)


def flat_attributes(values: Any, field: str = "attributes") -> list[dict[str, Any]]:
    """A JSON object of attributes as OTLP's ``[{key, value}]``, nested objects flattened to dotted keys.

    Phoenix nests its attributes (``{"llm": {"model_name": …}}``) and lists of objects
    (``llm.input_messages``) where OpenInference's OTLP form has ``llm.input_messages.0.message.role``;
    flattening gives the readers the keys they know. Lists of plain values stay lists.
    """
    if values is None:
        return []
    if not isinstance(values, dict):
        raise BadRecord(f"'{field}' must be an object, got {type(values).__name__}")
    flat: dict[str, Any] = {}
    _flatten(values, "", flat, 0)
    return [{"key": key, "value": value} for key, value in flat.items()]


def _flatten(node: Any, prefix: str, out: dict[str, Any], depth: int) -> None:
    if depth > _FLATTEN_DEPTH:
        raise BadRecord(f"attribute {prefix.rstrip('.')!r:.60} is nested deeper than {_FLATTEN_DEPTH} levels")
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{prefix}{key}.", out, depth + 1)
        return
    if isinstance(node, list) and any(isinstance(item, dict) for item in node):
        for index, item in enumerate(node):
            _flatten(item, f"{prefix}{index}.", out, depth + 1)
        return
    if prefix:
        out[prefix[:-1]] = node


def otlp_event(name: Any, time: Any, attributes: Any, field: str) -> dict[str, Any]:
    return {"name": name, "timeUnixNano": nanos(time, f"{field}.timestamp"), "attributes": flat_attributes(attributes)}
