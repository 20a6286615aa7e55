"""Plain row objects and filters for lists of cases (the queue, ``reviewdesk cases``, exports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ReviewState = Literal["unreviewed", "labeled", "flagged"]
SortKey = Literal["started", "cost", "latency", "tokens"]


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Which cases to list. Empty fields do not filter."""

    workflow: str | None = None
    release: str | None = None
    model: str | None = None
    tenant: str | None = None
    status: Literal["ok", "error"] | None = None
    review: ReviewState | None = None
    verdict: str | None = None
    root_cause: str | None = None
    text: str | None = None
    """Substring of the user request or the output."""
    sort: SortKey = "started"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One row of a case list: the columns a queue shows, nothing that needs the full case."""

    case_rowid: int
    case_id: str
    trace_id: str
    started_at: datetime | None
    status: str
    workflow: str | None
    release: str | None
    model: str | None
    latency_ms: float | None
    total_tokens: int | None
    cost_usd: float | None
    error_type: str | None
    user_request: str | None
    tool_calls: int
    tool_errors: int
    documents: int
    verdict: str | None = None
    root_causes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Count:
    key: str | None
    count: int


@dataclass(slots=True)
class WorkspaceStats:
    """Totals for ``reviewdesk stats`` and the status bar."""

    cases: int = 0
    traces: int = 0
    spans: int = 0
    imports: int = 0
    errors: int = 0
    labeled: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    by_workflow: list[Count] = field(default_factory=list)
    by_release: list[Count] = field(default_factory=list)
    by_model: list[Count] = field(default_factory=list)
    by_verdict: list[Count] = field(default_factory=list)
    by_format: list[Count] = field(default_factory=list)
