"""The format-neutral span that every importer produces and the workspace stores.

It is deliberately raw: attributes and events exactly as the source had them (decoded from the
wire encoding, nothing dropped), so that a case can be rebuilt — or replayed span by span — when
the normalization rules improve. Interpretation happens in ``reviewdesk.normalize``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# OTLP Status codes.
STATUS_UNSET = 0
STATUS_OK = 1
STATUS_ERROR = 2


@dataclass(slots=True)
class SpanEvent:
    """A timestamped event on a span (exceptions, deprecated GenAI message events, evaluations)."""

    name: str
    time_ns: int | None
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "time_ns": self.time_ns, "attributes": self.attributes}

    @staticmethod
    def from_json(data: dict[str, Any]) -> SpanEvent:
        return SpanEvent(name=data["name"], time_ns=data.get("time_ns"), attributes=data.get("attributes") or {})


@dataclass(slots=True)
class RawSpan:
    """One span of one trace, with every attribute and event the source carried."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start_ns: int | None
    end_ns: int | None
    kind: int = 0
    """OTel SpanKind (0 unspecified … 5 consumer); importers of other formats leave 0."""
    status_code: int = STATUS_UNSET
    status_message: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[SpanEvent] = field(default_factory=list)
    resource: dict[str, Any] = field(default_factory=dict)
    """Resource attributes (service.name, service.version, …) of the batch the span came in."""
    scope: dict[str, Any] = field(default_factory=dict)
    """Instrumentation scope: ``{"name": …, "version": …}``."""
    links: list[dict[str, Any]] = field(default_factory=list)

    @property
    def duration_ms(self) -> float | None:
        if self.start_ns is None or self.end_ns is None:
            return None
        return max(0, self.end_ns - self.start_ns) / 1e6

    @property
    def failed(self) -> bool:
        return self.status_code == STATUS_ERROR
