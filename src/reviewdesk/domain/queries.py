"""Plain row objects and filters for lists of cases (the queue, ``reviewdesk cases``, exports)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    """``unreviewed``: no verdict yet; ``labeled``: has a verdict; ``flagged``: escalated."""
    verdict: str | None = None
    root_cause: str | None = None
    error_type: str | None = None
    """Exact error type of the case (``TimeoutError``, ``429`` …)."""
    worst: bool = False
    """Only cases that failed review or errored at run time."""
    text: str | None = None
    """Words searched (full text, prefix match) in the request, output, retrieved context and tool results."""
    resolution: str | None = None
    """Resolution state of the resolved label: ``single``, ``consensus``, ``disputed`` or ``adjudicated``."""
    resolved_only: bool = False
    """Only cases with a decided resolved label (``single``, ``consensus`` or ``adjudicated``)."""
    assigned_to: str | None = None
    """Only cases assigned to this reviewer (``reviewdesk assign``)."""
    pending_for: str | None = None
    """Only cases this reviewer has not given a verdict yet."""
    blind_for: str | None = None
    """Blind review for this reviewer: on cases they have not given a verdict yet, other reviewers'
    labels do not count — the review, verdict, root-cause and resolution conditions see such a
    case as unlabeled (``services.visibility`` sets it; docs/team-review.md)."""
    sort: SortKey = "started"
    descending: bool = False

    def with_(self, **changes: object) -> CaseFilter:
        """A copy with some fields changed (the filter bar combines a smart queue with facets)."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class SmartQueue:
    """A saved queue: a named filter and order the reviewer picks from the queue bar."""

    id: str
    title: str
    description: str
    filter: CaseFilter
    personal: bool = False
    """The queue of one reviewer (``mine``): ``filter_for`` fills in who."""

    def filter_for(self, reviewer: str) -> CaseFilter:
        """The queue's filter as ``reviewer`` sees it (assigned to them, not yet labeled by them)."""
        if not self.personal:
            return self.filter
        return self.filter.with_(assigned_to=reviewer, pending_for=reviewer)


SMART_QUEUES: tuple[SmartQueue, ...] = (
    SmartQueue("all", "All cases", "Every case, oldest first.", CaseFilter()),
    SmartQueue("unreviewed", "Unreviewed", "Cases without a verdict, oldest first.", CaseFilter(review="unreviewed")),
    SmartQueue(
        "mine",
        "My queue",
        "Cases assigned to you that you have not given a verdict yet.",
        CaseFilter(),
        personal=True,
    ),
    SmartQueue("errors", "Errors", "Cases whose trace recorded an error.", CaseFilter(status="error")),
    SmartQueue(
        "worst",
        "Worst",
        "Failed review or errored, costliest first.",
        CaseFilter(worst=True, sort="cost", descending=True),
    ),
    SmartQueue("costliest", "Costliest", "Highest cost first.", CaseFilter(sort="cost", descending=True)),
    SmartQueue("slowest", "Slowest", "Highest latency first.", CaseFilter(sort="latency", descending=True)),
    SmartQueue("flagged", "Escalated", "Cases flagged for escalation.", CaseFilter(review="flagged")),
    SmartQueue(
        "disputed",
        "Disputed",
        "Cases whose reviewers disagree on the verdict or the root causes, oldest first.",
        CaseFilter(resolution="disputed"),
    ),
)


def smart_queue(queue_id: str) -> SmartQueue:
    for queue in SMART_QUEUES:
        if queue.id == queue_id:
            return queue
    return SMART_QUEUES[0]


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
    escalate: bool = False
    estimated_cost_usd: float | None = None
    """Set only when the trace records no cost (``cost_usd`` is then ``None``)."""
    resolution: str | None = None
    """Resolution state of the case's label (``disputed``, ``adjudicated`` …; ``None``: no verdict yet)."""

    @property
    def cost(self) -> float | None:
        """The recorded cost, else the estimate."""
        return self.cost_usd if self.cost_usd is not None else self.estimated_cost_usd

    @property
    def cost_is_estimated(self) -> bool:
        return self.cost_usd is None and self.estimated_cost_usd is not None


@dataclass(frozen=True, slots=True)
class Count:
    key: str | None
    count: int


@dataclass(frozen=True, slots=True)
class Facets:
    """The distinct values the filter bar offers, each with its number of cases."""

    workflows: list[Count] = field(default_factory=list)
    releases: list[Count] = field(default_factory=list)
    models: list[Count] = field(default_factory=list)
    error_types: list[Count] = field(default_factory=list)
    root_causes: list[Count] = field(default_factory=list)


@dataclass(slots=True)
class WorkspaceStats:
    """Totals for ``reviewdesk stats`` and the status bar."""

    cases: int = 0
    traces: int = 0
    spans: int = 0
    imports: int = 0
    errors: int = 0
    labeled: int = 0
    input_tokens: int | None = None
    """Sum over the cases whose trace counted input tokens; ``None`` when none did (unknown is not 0)."""
    output_tokens: int | None = None
    cases_with_tokens: int = 0
    """Cases whose trace counted input or output tokens: the sums above cover these only."""
    cost_usd: float | None = None
    """Sum of the costs the traces recorded; ``None`` when no trace recorded one."""
    cases_with_cost: int = 0
    estimated_cost_usd: float | None = None
    """Sum of the estimates of the cases whose trace records no cost (kept apart from ``cost_usd``)."""
    cases_with_estimate: int = 0
    by_workflow: list[Count] = field(default_factory=list)
    by_release: list[Count] = field(default_factory=list)
    by_model: list[Count] = field(default_factory=list)
    by_verdict: list[Count] = field(default_factory=list)
    by_format: list[Count] = field(default_factory=list)
