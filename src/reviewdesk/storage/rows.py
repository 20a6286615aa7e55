"""The rows an import writes, as plain values: made where a batch is prepared, without a database.

Split from ``storage.writes`` so that the import's worker processes (``services.import_worker``),
which build these rows but never open the workspace, need not import SQLAlchemy: importing it was
most of a worker's start-up (about a second of CPU each). ``storage.writes`` inserts these rows and
re-exports the functions. Nothing here may import SQLAlchemy or a module that does (a test checks
the worker's imports).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson

from reviewdesk.domain.case import Case
from reviewdesk.domain.spans import RawSpan


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


SpanValues = tuple[Any, ...]
"""A span's row without its trace row id and import: ``(trace_id, span_id, …, links)``, JSON as text.

Built where the batch is prepared (possibly in the import's worker process, so plain values that
pickle cheaply) and completed by ``insert_span_rows`` once the trace's row id is known."""


def span_values(spans: Iterable[RawSpan]) -> list[SpanValues]:
    """The row values of ``spans``, with every JSON column encoded (the widest part of an import's rows).

    A batch shares one resource and scope, so each is encoded once.
    """
    encoded: dict[int, str] = {}

    def shared(value: Any) -> str:
        key = id(value)
        if key not in encoded:
            encoded[key] = _json(value)
        return encoded[key]

    return [
        (
            s.trace_id,
            s.span_id,
            s.parent_span_id,
            s.name,
            s.kind,
            s.start_ns,
            s.end_ns,
            s.status_code,
            s.status_message,
            _json(s.attributes),
            _json([e.to_json() for e in s.events]),
            shared(s.resource),
            shared(s.scope),
            _json(s.links),
        )
        for s in spans
    ]


def case_columns(case: Case, trace_rowid: int, now: datetime) -> dict[str, Any]:
    """The ``cases`` row of a case: filterable columns plus the full JSON."""
    return {
        "case_id": case.case_id,
        "trace_rowid": trace_rowid,
        "workflow": case.workflow,
        "release": case.release,
        "session_id": case.session_id,
        "user_id": case.user_id,
        "tenant": case.tenant,
        "started_at": case.started_at,
        "latency_ms": case.latency_ms,
        "status": case.status,
        "error_type": case.error.type if case.error else None,
        "model": case.generation.model,
        "provider": case.generation.provider,
        "input_tokens": case.usage.input_tokens,
        "output_tokens": case.usage.output_tokens,
        "total_tokens": case.usage.total_tokens,
        "cost_usd": case.usage.cost_usd,
        "estimated_cost_usd": case.usage.cost_estimate.usd if case.usage.cost_estimate is not None else None,
        "tool_calls": len(case.tool_calls),
        "tool_errors": sum(1 for call in case.tool_calls if call.error),
        "documents": len(case.retrieval.documents),
        "user_request": case.input.user_request,
        "output": case.generation.output,
        "source_format": case.source.format,
        "source_file": case.source.file,
        "data": case.model_dump(mode="json", exclude={"labels"}),
        "updated_at": now,
    }
