"""Build OTLP/JSON documents in tests from plain Python spans (values encoded as AnyValue)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

BASE_NS = 1_700_000_000_000_000_000
"""Where ``span``'s times start (2023-11-14): ``start_ms`` counts from here."""


def any_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": [{"key": k, "value": any_value(v)} for k, v in value.items()]}}
    raise TypeError(type(value))


def span(
    name: str,
    *,
    trace_id: str = "0af7651916cd43dd8448eb211c80319c",
    span_id: str,
    parent: str | None = None,
    start_ms: int = 0,
    end_ms: int = 10,
    attributes: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    base = BASE_NS
    out: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(base + start_ms * 1_000_000),
        "endTimeUnixNano": str(base + end_ms * 1_000_000),
        "attributes": [{"key": k, "value": any_value(v)} for k, v in (attributes or {}).items()],
        "status": {"code": 2, "message": error} if error else {},
    }
    if parent:
        out["parentSpanId"] = parent
    if events:
        out["events"] = [
            {
                "timeUnixNano": str(base + e.get("at_ms", start_ms) * 1_000_000),
                "name": e["name"],
                "attributes": [{"key": k, "value": any_value(v)} for k, v in e.get("attributes", {}).items()],
            }
            for e in events
        ]
    return out


def dated_trace(n: int, word: str, *, started_at: datetime) -> list[dict[str, Any]]:
    """Trace number ``n``: one chat span starting at ``started_at``, ``word`` in its question and answer."""
    start_ms = int((started_at.timestamp() * 1e9 - BASE_NS) / 1e6)
    return [
        span(
            "chat",
            trace_id=f"{n:032x}",
            span_id=f"{n:016x}",
            start_ms=start_ms,
            end_ms=start_ms + 20,
            attributes={"input.value": f"question {n} about {word}", "output.value": f"answer on {word}"},
        )
    ]


def request(spans: list[dict[str, Any]], resource: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": k, "value": any_value(v)} for k, v in (resource or {}).items()]},
                "scopeSpans": [{"scope": {"name": "tests"}, "spans": spans}],
            }
        ]
    }


def write_json(path: Path, spans: list[dict[str, Any]], resource: dict[str, Any] | None = None) -> Path:
    path.write_text(json.dumps(request(spans, resource), indent=2))
    return path


def write_jsonl(path: Path, batches: list[list[dict[str, Any]]], resource: dict[str, Any] | None = None) -> Path:
    path.write_text("".join(json.dumps(request(batch, resource)) + "\n" for batch in batches))
    return path
