"""The per-case facts the insights are computed from, read from the workspace in one pass.

Everything here reads; nothing writes. ``load_facts`` takes the queue's filter semantics from
storage and reduces each case (and its current label) to a small ``CaseFacts``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from reviewdesk.domain.case import CASE_FORMAT_VERSION, Case, Feedback
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.normalize.facts import add_case_facts, document_key, parse_time
from reviewdesk.services import standing
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import insights as storage_insights
from reviewdesk.storage import queries
from reviewdesk.storage.handles import Session

NONE_KEY = "(none)"
EXAMPLE_SIGNALS = frozenset({"errors", "finish", "cost", "latency", "stale"})
"""The signals an example card repeats (its counts and span ids would only add noise there)."""
_IN_CHUNK = 500
_SNIPPET = 280


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """One retrieved document of one case, reduced to what source health needs."""

    doc_id: str
    source: str | None
    rank: int
    updated_at: datetime | None
    cited: bool
    key: str = ""
    """``normalize.facts.document_key``: what makes two retrievals versions of one document."""
    age_days: float | None = None
    stale: bool = False
    """Stale when retrieved: older than the workspace's threshold, or than a newer version (``services.standing``)."""


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The few fields of a case (and its label) that the insights are computed from."""

    case_rowid: int
    case_id: str
    trace_id: str
    workflow: str | None
    release: str | None
    model: str | None
    tenant: str | None
    language: str | None
    started_at: datetime | None
    latency_ms: float | None
    cost_usd: float | None
    total_tokens: int | None
    status: str
    tool_errors: int
    source_file: str
    request: str
    output: str
    documents: tuple[DocumentRef, ...] = ()
    negative_feedback: bool = False
    refused: bool = False
    verdict: str | None = None
    root_causes: tuple[str, ...] = ()
    evidence: tuple[tuple[str, str, str], ...] = ()
    """``(root_cause, kind, ref)`` of each evidence item."""
    comment: str | None = None
    corrected_output: bool = False
    escalate: bool = False
    signals: tuple[str, ...] = ()
    """The case's telling facts in the header's words (``standing.signals``): tool errors and whether
    the answer recovered, a flagged finish, cost and latency against the median, stale documents."""
    reviewer: str | None = None
    labeled_at: datetime | None = None
    estimated_cost_usd: float | None = None
    """The cost estimate of a case whose trace records no cost (kept apart from ``cost_usd``)."""
    disputed: bool = False
    """Its reviewers disagree and nobody has adjudicated: reviewed, but with no resolved verdict, so
    every figure counts it with the unlabeled cases; only the words tell it apart."""

    @property
    def labeled(self) -> bool:
        return self.verdict is not None

    def slice_key(self, dimension: str) -> str:
        value = getattr(self, dimension)
        return str(value) if value else NONE_KEY


# --- reading the workspace ---------------------------------------------------------------------
_LOCALE_KEYS = (
    "reviewdesk.locale",
    "reviewdesk.language",
    "locale",
    "language",
    "user.locale",
    "user.language",
    "app.locale",
    "session.locale",
    "langfuse.trace.metadata.locale",
    "langfuse.trace.metadata.language",
    "langsmith.metadata.locale",
    "langsmith.metadata.language",
)
_METADATA_KEYS = ("metadata", "langfuse.trace.metadata", "langsmith.metadata")
_INNER_LOCALE_KEYS = ("locale", "language", "lang")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}$")


def language_of(attributes: Mapping[str, Any]) -> str | None:
    """The language of a trace from its root span's attributes (see the module docstring)."""
    for key in _LOCALE_KEYS:
        found = _language(attributes.get(key))
        if found:
            return found
    for key in _METADATA_KEYS:
        metadata = _json_object(attributes.get(key))
        for inner in _INNER_LOCALE_KEYS:
            found = _language(metadata.get(inner))
            if found:
                return found
    return None


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _language(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip().strip('"').strip()
    if not text:
        return None
    primary = re.split(r"[-_.@]", text, maxsplit=1)[0]
    # A BCP 47 / POSIX primary subtag; anything else ("English") is kept whole, lower-cased.
    return primary.lower() if _LANGUAGE.match(primary) else text.lower()[:32]


_NEGATIVE_LABELS = ("thumbs_down", "thumbsdown", "negative", "dislike", "bad", "down", "unhelpful")


def _negative_feedback(feedback: Iterable[Feedback]) -> bool:
    for item in feedback:
        label = (item.label or "").casefold()
        if any(word in label for word in _NEGATIVE_LABELS):
            return True
        score = item.score
        if isinstance(score, int | float) and score <= 0 and "up" not in label:
            return True
    return False


def _snippet(text: str | None, width: int = _SNIPPET) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def load_facts(workspace: Workspace, flt: CaseFilter | None = None) -> list[CaseFacts]:
    """The facts of every case matching ``flt``, in queue order (oldest first by default).

    One list query (the queue's filter semantics), then the case JSON, current label and root
    span of 500 cases at a time; each case's documents are reduced to the facts ``normalize`` put
    on the case (cited, updated, age) straight away, so memory holds only small facts.
    """
    flt = flt or CaseFilter()
    facts: list[CaseFacts] = []
    with workspace.session() as session:
        judge = standing.StandingJudge(session, workspace.engine)
        summaries = queries.list_cases(session, flt)
        for chunk in chunks(summaries):
            rowids = [s.case_rowid for s in chunk]
            rows = storage_insights.cases_with_labels(session, rowids)
            languages = _root_languages(session, [row.trace_rowid for row in rows.values()])
            for summary in chunk:
                row = rows.get(summary.case_rowid)
                if row is None:  # deleted between the two reads
                    continue
                facts.append(_facts(summary, row, languages.get(row.trace_rowid), judge))
    return facts


def _root_languages(session: Session, trace_rowids: Sequence[int]) -> dict[int, str]:
    """Language per trace, from its root spans (earliest first)."""
    found: dict[int, str] = {}
    for trace_rowid, attributes in storage_insights.root_span_attributes(session, trace_rowids):
        if trace_rowid not in found:
            language = language_of(attributes)
            if language:
                found[trace_rowid] = language
    return found


def _facts(summary: Any, row: Any, language: str | None, judge: standing.StandingJudge) -> CaseFacts:
    data: dict[str, Any] = row.data or {}
    label: dict[str, Any] = row.label or {}
    case = Case.model_validate(data)
    if case.format_version < CASE_FORMAT_VERSION:
        add_case_facts(case)  # not rebuilt yet (a read-only workspace): the same rules, in memory
    output = case.generation.output or ""
    request = case.input.user_request or ""
    stand = judge.standing_of(case)
    documents = tuple(
        DocumentRef(
            doc_id=d.id or f"rank-{d.rank}",
            source=d.source,
            rank=d.rank,
            updated_at=d.updated_at,
            cited=d.cited,
            key=document_key(d),
            age_days=d.age_days,
            stale=reason is not None,
        )
        for d, reason in zip(case.retrieval.documents, stand.stale, strict=True)
    )
    generation = case.generation
    return CaseFacts(
        case_rowid=summary.case_rowid,
        case_id=summary.case_id,
        trace_id=summary.trace_id,
        workflow=summary.workflow,
        release=summary.release,
        model=summary.model,
        tenant=row.tenant,
        language=language,
        started_at=summary.started_at,
        latency_ms=summary.latency_ms,
        cost_usd=summary.cost_usd,
        estimated_cost_usd=summary.estimated_cost_usd,
        total_tokens=summary.total_tokens,
        status=summary.status,
        tool_errors=summary.tool_errors,
        signals=tuple(signal.text for signal in standing.signals(case, stand) if signal.name in EXAMPLE_SIGNALS),
        source_file=row.source_file,
        request=_snippet(request),
        output=_snippet(output),
        documents=documents,
        negative_feedback=_negative_feedback(case.outcome.feedback),
        refused=bool(generation.refusal) or generation.finish_reason == "content_filter",
        verdict=summary.verdict,
        root_causes=tuple(summary.root_causes),
        evidence=tuple(
            (str(e.get("root_cause")), str(e.get("kind")), str(e.get("ref")))
            for e in label.get("evidence") or []
            if isinstance(e, dict)
        ),
        comment=label.get("comment") or None,
        corrected_output=bool(label.get("corrected_output")),
        escalate=summary.escalate,
        reviewer=label.get("reviewer"),
        labeled_at=parse_time(label.get("labeled_at")),
        disputed=summary.resolution == "disputed",
    )


def case_ids(facts: Iterable[CaseFacts], keep: Callable[[CaseFacts], bool] | None = None) -> tuple[str, ...]:
    """The ids of ``facts`` (those ``keep`` accepts), in order."""
    return tuple(f.case_id for f in facts if keep is None or keep(f))


def group(facts: Iterable[CaseFacts], key: Callable[[CaseFacts], str]) -> dict[str, list[CaseFacts]]:
    groups: dict[str, list[CaseFacts]] = defaultdict(list)
    for f in facts:
        groups[key(f)].append(f)
    return groups


def by_size(groups: Mapping[str, Sequence[Any]]) -> list[str]:
    """Biggest group first; ``(none)`` last; ties by name."""
    return sorted(groups, key=lambda k: (k == NONE_KEY, -len(groups[k]), k))
