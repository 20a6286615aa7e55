"""How cases stand against their workspace: stale documents and cost and latency against the median.

The window, the insights, the report and the exports all ask here (``standing`` for one case,
``standings`` for a page of them), so each reads the same facts by the same rules
(``normalize.facts.stale_reason`` and ``times_median``; docs/CONTEXT.md says them in words).

* The **stale threshold** is a workspace setting (``review.stale_after_days``, default 365 days):
  ``reviewdesk stale-after DAYS``, or Edit → Preferences for the workspace. Changing it is audited.
* A workflow's **medians** take two index walks over its cases, the newest version of a document
  one index seek (``storage.workspace_facts``). Both, and the threshold, are kept per workspace
  until its cases or settings change (``cases_generation``: the last case and audit row ids, one
  small statement checked on every read), so opening a case costs that statement; the first case
  of a workflow after an import also pays the walk.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from reviewdesk.domain.case import Case, Document
from reviewdesk.domain.errors import UsageError
from reviewdesk.domain.money import usd
from reviewdesk.domain.standing import DEFAULT_STALE_AFTER_DAYS, CaseStanding
from reviewdesk.normalize.facts import document_key, stale_reason, times_median
from reviewdesk.services import audit
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import governance, workspace_facts
from reviewdesk.storage.engine import begin_write
from reviewdesk.storage.handles import Engine, Session
from reviewdesk.storage.workspace_facts import WorkflowMedians

STALE_AFTER_KEY = "review.stale_after_days"
MAX_STALE_AFTER_DAYS = 36_500
MIN_CASES_FOR_MEDIAN = 5
"""Fewer cases of a workflow than this make no median worth comparing with ("1.0× the median" of one case)."""


@dataclass
class _Known:
    """What the workspace's cases say beyond each case, kept until they change (one per workspace engine)."""

    generation: tuple[int, int]
    threshold: int
    medians: dict[str | None, WorkflowMedians] = field(default_factory=dict)
    newest: dict[str, datetime | None] = field(default_factory=dict)
    """Per document key: the latest update time any case retrieved it with (``None``: never dated)."""


_CACHE: weakref.WeakKeyDictionary[Engine, _Known] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()  # the window reads on a pool of threads


def _known(session: Session, engine: Engine) -> _Known:
    """The cache of ``engine``'s workspace, emptied when its cases (or its settings: audited) changed."""
    generation = workspace_facts.cases_generation(session)
    with _LOCK:
        cached = _CACHE.get(engine)
        if cached is not None and cached.generation == generation:
            return cached
    fresh = _Known(generation, _threshold(governance.get_setting(session.connection(), STALE_AFTER_KEY)))
    with _LOCK:
        _CACHE[engine] = fresh
    return fresh


def stale_after_days(workspace: Workspace) -> int:
    """The workspace's threshold: a document older than this many days when retrieved is stale."""
    with workspace.engine.connect() as conn:
        return _threshold(governance.get_setting(conn, STALE_AFTER_KEY))


def _threshold(value: object) -> int:
    days = value.get("days") if isinstance(value, dict) else None
    return days if isinstance(days, int) and not isinstance(days, bool) and days > 0 else DEFAULT_STALE_AFTER_DAYS


def set_stale_after_days(workspace: Workspace, days: int, *, actor: str | None = None) -> int:
    """Store the threshold (audited like every setting); the default (365) removes the setting."""
    if workspace.read_only:
        raise UsageError(f"stale threshold not changed: the workspace is read-only ({workspace.read_only_reason})")
    if not 1 <= days <= MAX_STALE_AFTER_DAYS:
        raise UsageError(f"stale threshold not changed: {days} days; give 1 to {MAX_STALE_AFTER_DAYS:,} days")
    with begin_write(workspace.engine) as conn:
        before = governance.get_setting(conn, STALE_AFTER_KEY)
        if days == DEFAULT_STALE_AFTER_DAYS:
            governance.delete_setting(conn, STALE_AFTER_KEY)
        else:
            governance.put_setting(conn, STALE_AFTER_KEY, {"days": days}, datetime.now(UTC))
        audit.record(
            workspace, "settings", STALE_AFTER_KEY, {"before": before, "after": {"days": days}}, conn=conn, actor=actor
        )
    return days


class StandingJudge:
    """Judges cases against their workspace: why a document was stale (by the workspace's threshold
    and the newest version of it any case retrieved, looked up once per document key, in batches
    with ``prefetch``) and the case against its workflow's medians; what it learns is kept until the
    workspace's cases change.

    The window's ``standings``, the exports and the insights all judge through it, so all say the
    same of the same case.
    """

    def __init__(self, session: Session, engine: Engine) -> None:
        self.session = session
        self.known = _known(session, engine)
        self.threshold = self.known.threshold

    def prefetch(self, documents: Iterable[Document]) -> None:
        newest = self.known.newest
        missing = {document_key(d) for d in documents if d.updated_at is not None} - newest.keys()
        if missing:
            found = workspace_facts.newest_documents(self.session, missing)
            with _LOCK:
                newest.update({key: found.get(key) for key in missing})

    def reason(self, doc: Document) -> str | None:
        if doc.updated_at is not None:
            self.prefetch([doc])
        return stale_reason(doc, stale_after_days=self.threshold, newest=self.known.newest.get(document_key(doc)))

    def standing_of(self, case: Case) -> CaseStanding:
        """Everything ``domain.standing`` holds for ``case``: its stale documents and the medians."""
        found = _workflow_medians(self.session, self.known, case.workflow)
        cost_median = found.cost_usd if found.cost_cases >= MIN_CASES_FOR_MEDIAN else None
        latency_median = found.latency_ms if found.latency_cases >= MIN_CASES_FOR_MEDIAN else None
        return CaseStanding(
            stale=tuple(self.reason(d) for d in case.retrieval.documents),
            stale_after_days=self.threshold,
            median_cost_usd=cost_median,
            median_latency_ms=latency_median,
            cost_vs_median=times_median(case_cost(case), cost_median),
            latency_vs_median=times_median(case.latency_ms, latency_median),
            workflow_cases=found.latency_cases,
        )


def standing(workspace: Workspace, case: Case) -> CaseStanding:
    """The workspace-relative facts of ``case`` (``domain.standing``)."""
    return standings(workspace, [case])[0]


def standings(workspace: Workspace, cases: Sequence[Case]) -> list[CaseStanding]:
    """``standing`` of each of ``cases``, with one lookup of their documents' newest versions."""
    with workspace.session() as session:
        return read_standings(session, workspace.engine, cases)


def read_standings(session: Session, engine: Engine, cases: Sequence[Case]) -> list[CaseStanding]:
    """``standings`` inside a session the caller holds (``review.load_detail`` reads the case in it)."""
    judge = StandingJudge(session, engine)
    judge.prefetch(d for case in cases for d in case.retrieval.documents)
    return [judge.standing_of(case) for case in cases]


def warm(workspace: Workspace, workflows: Iterable[str | None]) -> None:
    """Work out the medians of ``workflows`` now, so that no case open pays for them.

    The window runs it in the background once the facets (every workflow) are counted, after the
    workspace opens and after each import: the first case of a workflow then costs a cache lookup
    too, not the index walk (about 45 ms CPU per workflow on 1,000,000 cases).
    """
    with workspace.session() as session:
        known = _known(session, workspace.engine)
        for workflow in workflows:
            _workflow_medians(session, known, workflow)


def case_cost(case: Case) -> float | None:
    """The cost the trace recorded, else the estimate: what the workflow's median is taken over."""
    if case.usage.cost_usd is not None:
        return case.usage.cost_usd
    estimate = case.usage.cost_estimate
    return estimate.usd if estimate is not None else None


def _workflow_medians(session: Session, known: _Known, workflow: str | None) -> WorkflowMedians:
    found = known.medians.get(workflow)
    if found is None:
        found = workspace_facts.workflow_medians(session, workflow)
        with _LOCK:
            known.medians[workflow] = found
    return found


# --- the same facts in words: the case header, the report ------------------------------------------

SignalLevel = Literal["neutral", "good", "warn", "alarm"]
HIGH_RATIO = 3.0
"""From this many times the workflow's median, cost or latency is a warning; from ``VERY_HIGH_RATIO`` an alarm."""
VERY_HIGH_RATIO = 10.0


@dataclass(frozen=True, slots=True)
class Signal:
    """One fact of a case in words, with how much it should catch the eye."""

    name: str
    """``tools``, ``errors``, ``finish``, ``cost``, ``latency``, ``stale``, ``cited`` or ``answer_span``."""
    text: str
    level: SignalLevel = "neutral"
    detail: str = ""


def ratio_text(ratio: float) -> str:
    """``14×``, ``3.2×``, ``0.4×``: two figures are enough to judge by."""
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


def _ratio_level(ratio: float) -> SignalLevel:
    if ratio >= VERY_HIGH_RATIO:
        return "alarm"
    return "warn" if ratio >= HIGH_RATIO else "neutral"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def signals(case: Case, standing: CaseStanding) -> list[Signal]:
    """The facts a reviewer judges ``case`` by, in the order the header shows them."""
    found: list[Signal] = []
    calls = len(case.tool_calls)
    found.append(Signal("tools", _plural(calls, "tool call") if calls else "no tool calls"))
    errors, recovered = case.tool_errors, case.recovered_errors
    if errors:
        failed = [
            f"{call.name}: {' '.join((call.error or '').split())[:120]}{' (recovered)' if call.recovered else ''}"
            for call in case.tool_calls
            if call.error
        ]
        if recovered == errors:
            text, level = f"{_plural(errors, 'tool error')}, recovered", "warn"
        elif recovered:
            text, level = f"{_plural(errors, 'tool error')}, {recovered:,} recovered", "alarm"
        else:
            text, level = _plural(errors, "tool error"), "alarm"
        note = "Recovered: a later LLM call still answered without failing."
        found.append(Signal("errors", text, level, "\n".join([*failed, note])))  # type: ignore[arg-type]
    if case.generation.finish_flagged:
        found.append(
            Signal(
                "finish",
                f"finish: {case.generation.finish_reason}",
                "alarm",
                "The model did not end normally (filtered, cut off at its token limit, or stopped for safety).",
            )
        )
    workflow = case.workflow or "no workflow"
    if standing.cost_vs_median is not None and standing.median_cost_usd is not None:
        found.append(
            Signal(
                "cost",
                f"{ratio_text(standing.cost_vs_median)} the median cost",
                _ratio_level(standing.cost_vs_median),
                f"Median cost of the {workflow} cases: {usd(standing.median_cost_usd)} (recorded, else estimated).",
            )
        )
    if standing.latency_vs_median is not None and standing.median_latency_ms is not None:
        found.append(
            Signal(
                "latency",
                f"{ratio_text(standing.latency_vs_median)} the median latency",
                _ratio_level(standing.latency_vs_median),
                f"Median latency of the {standing.workflow_cases:,} {workflow} cases: "
                f"{standing.median_latency_ms / 1000:,.1f} s.",
            )
        )
    docs = case.retrieval.documents
    if standing.stale_documents:
        reasons = [
            f"{doc.id or f'rank {doc.rank}'}: {reason}"
            for doc, reason in zip(docs, standing.stale, strict=False)
            if reason is not None
        ]
        found.append(Signal("stale", _plural(standing.stale_documents, "stale document"), "warn", "\n".join(reasons)))
    if docs:
        cited = sum(1 for doc in docs if doc.cited)
        found.append(
            Signal(
                "cited",
                f"{cited} of {_plural(len(docs), 'document')} cited",
                "neutral",
                "Cited: the answer names the document or repeats a 6-word passage found in no other document.",
            )
        )
    if case.generation.span_id:
        root = f" (root span {case.root_span_id})" if case.root_span_id else ""
        found.append(
            Signal(
                "answer_span",
                f"answer span {case.generation.span_id[:8]}",
                "neutral",
                f"The answer came from span {case.generation.span_id}{root}. Alt+5 opens the Spans tab on it.",
            )
        )
    return found
