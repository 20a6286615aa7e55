"""The review loop: the queue a reviewer walks, the case they look at, the labels they record.

Reads (queue pages, row summaries, a case with its spans and label history, facets) each open
one short session and return plain objects, so a Qt model can cache them without holding a
session. Writes go through ``ReviewSession``, which records each label change at once as an
append-only event (``services.labels.record_label``) and keeps the undo/redo stacks of the
window. Undo is itself a new event that restores the earlier state: the log only ever grows, so
the audit trail shows both the mistake and its correction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reviewdesk.domain.case import Case
from reviewdesk.domain.changes import Changes
from reviewdesk.domain.labels import Evidence, Label, LabelChange, RootCause
from reviewdesk.domain.queries import CaseFilter, CaseSummary, Facets
from reviewdesk.domain.spans import RawSpan
from reviewdesk.domain.standing import CaseStanding
from reviewdesk.domain.team import CaseLabels
from reviewdesk.services import labels as label_service
from reviewdesk.services import roles
from reviewdesk.services import standing as standing_service
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import label_history, queries
from reviewdesk.storage.handles import Session

QUEUE_PAGE = 500


@dataclass(frozen=True, slots=True)
class LabelSchema:
    """The workspace's current taxonomy as the review window offers it.

    ``root_causes`` and ``scores`` are those offered for new labels, in display order (the keys
    number these); ``retired`` root causes and ``retired_scores`` still read on the labels that
    have them, and filter the queue.
    """

    version: int
    root_causes: tuple[RootCause, ...]
    scores: tuple[str, ...]
    retired: tuple[RootCause, ...] = ()
    retired_scores: tuple[str, ...] = ()

    def cause(self, root_cause_id: str) -> RootCause | None:
        for rc in (*self.root_causes, *self.retired):
            if rc.id == root_cause_id or root_cause_id in rc.formerly:
                return rc
        return None

    def title(self, root_cause_id: str) -> str:
        rc = self.cause(root_cause_id)
        return rc.title if rc is not None else root_cause_id  # unknown here: its id is its name


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One label event as the history list shows it."""

    event_rowid: int
    at: datetime
    reviewer: str
    seconds_spent: float | None
    schema_version: int
    change: dict[str, Any]
    summary: str
    """What changed, in words: ``verdict fail · root causes stale_source``."""


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """Everything the case view shows for one case, read in one go."""

    case_rowid: int
    case: Case
    spans: list[RawSpan]
    history: list[HistoryEntry]
    standing: CaseStanding = field(default_factory=CaseStanding)
    """Stale documents, cost and latency against the workflow's median (``services.standing``)."""


@dataclass(frozen=True, slots=True)
class LabelResult:
    """What a label write produced: the case's new current label and what to refresh."""

    case_rowid: int
    case_id: str
    label: Label
    changes: Changes
    resolution: str | None = None
    """For an adjudication (or its undo): the case's resolution state after it."""
    adjudication: bool = False
    """The write was an adjudication (or undid or redid one): ``label`` is the resolved label."""


def label_schema(workspace: Workspace) -> LabelSchema:
    taxonomy = label_service.current_taxonomy(workspace)
    return LabelSchema(
        version=taxonomy.version,
        root_causes=taxonomy.active,
        scores=taxonomy.active_scores,
        retired=taxonomy.retired,
        retired_scores=taxonomy.retired_scores,
    )


def queue_page(workspace: Workspace, flt: CaseFilter, *, offset: int = 0, limit: int | None = None) -> list[int]:
    """Row ids of one page of the queue (``QUEUE_PAGE`` of them by default), in queue order."""
    with workspace.session() as session:
        return queries.list_case_rowids(session, flt, limit=limit or QUEUE_PAGE, offset=offset)


def queue_count(workspace: Workspace, flt: CaseFilter) -> int:
    with workspace.session() as session:
        return queries.count_cases(session, flt)


@dataclass(frozen=True, slots=True)
class QueueInfo:
    """What the queue bar says about the current queue."""

    count: int
    """How many cases the queue holds, counted up to ``COUNT_CAP`` (see ``more``)."""
    in_import_order: bool
    """A search listed in import order rather than the queue's sort (see ``list_case_rowids``)."""
    reviewed: int = 0
    """How many of ``count`` have a verdict ("12 of 30 reviewed"), counted up to ``COUNT_CAP``."""
    more: bool = False
    """The queue holds more than ``count`` (= ``COUNT_CAP``) cases: counting stopped there ("10,000+")."""
    reviewed_more: bool = False
    """More than ``reviewed`` (= ``COUNT_CAP``) of them are reviewed."""


COUNT_CAP = queries.COUNT_CAP
"""The window and the CLI count a queue up to this many cases and say "10,000+" past it."""


def queue_info(workspace: Workspace, flt: CaseFilter) -> QueueInfo:
    """The queue bar's figures, each counted up to ``COUNT_CAP`` so that a queue of a million
    cases costs what one of ten thousand does (on SQLite and PostgreSQL alike)."""
    with workspace.session() as session:
        count, reviewed, in_import_order = queries.queue_figures(session, flt, cap=COUNT_CAP)
    return QueueInfo(
        min(count, COUNT_CAP),
        in_import_order,
        min(reviewed, COUNT_CAP),
        more=count > COUNT_CAP,
        reviewed_more=reviewed > COUNT_CAP,
    )


def count_text(count: int, more: bool) -> str:
    """A capped count as the window and the CLI write it: ``1,234``, or ``10,000+``."""
    return f"{count:,}{'+' if more else ''}"


def summaries(workspace: Workspace, rowids: list[int]) -> dict[int, CaseSummary]:
    with workspace.session() as session:
        return queries.summaries_by_rowid(session, rowids)


def facets(workspace: Workspace) -> Facets:
    with workspace.session() as session:
        return queries.facets(session)


def load_detail(workspace: Workspace, case_rowid: int) -> CaseDetail:
    with workspace.session() as session:
        case = queries.load_case(session, case_rowid)
        spans = queries.case_spans(session, case_rowid)
        events = _events(session, case_rowid)
        # In the same session: the workspace-relative facts cost one small query when cached.
        standing = standing_service.read_standings(session, workspace.engine, [case])[0]
    return CaseDetail(case_rowid=case_rowid, case=case, spans=spans, history=events, standing=standing)


def history(workspace: Workspace, case_rowid: int) -> list[HistoryEntry]:
    with workspace.session() as session:
        return _events(session, case_rowid)


def _events(session: Session, case_rowid: int) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            event_rowid=event.event_rowid,
            at=event.created_at,
            reviewer=event.reviewer,
            seconds_spent=event.seconds_spent,
            schema_version=event.schema_version,
            change=dict(event.change),
            summary=describe_change(event.change),
        )
        for event in label_history.case_events(session.connection(), case_rowid)
    ]


def describe_change(change: dict[str, Any]) -> str:
    """A one-line account of a label event's payload."""
    parts: list[str] = []
    for key, value in change.items():
        name = key.replace("_", " ")
        if key in ("corrected_output", "comment"):
            text = " ".join(str(value or "").split())
            parts.append(f"{name} {'cleared' if not text else repr(text[:40] + ('…' if len(text) > 40 else ''))}")
        elif key == "root_causes":
            parts.append(f"{name} {', '.join(value) if value else 'none'}")
        elif key == "scores":
            parts.append(f"{name} {', '.join(f'{k}={v}' for k, v in value.items()) if value else 'none'}")
        elif key == "escalate":
            parts.append("escalated" if value else "not escalated")
        elif key == "evidence":
            parts.append(f"evidence {len(value or [])} item(s)")
        else:
            parts.append(f"{name} {value if value is not None else 'cleared'}")
    return " · ".join(parts) or "no change"


def label_difference(before: Label | None, after: Label | None) -> str:
    """``verdict fail → pass · root causes tool_error → none``: what changed between two labels."""
    old, new = before or Label(), after or Label()
    parts: list[str] = []

    def show(value: object) -> str:
        if value in (None, [], {}, ""):
            return "none"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}={v}" for k, v in value.items())
        text = " ".join(str(value).split())
        return text if len(text) <= 30 else text[:30] + "…"

    for name in ("verdict", "root_causes", "scores", "escalate", "comment", "corrected_output"):
        was, now = getattr(old, name), getattr(new, name)
        if was != now:
            parts.append(f"{name.replace('_', ' ')} {show(was)} → {show(now)}")
    if len(old.evidence) != len(new.evidence) or old.evidence != new.evidence:
        parts.append(f"evidence {len(old.evidence)} → {len(new.evidence)} item(s)")
    return " · ".join(parts) or "no change"


def full_change(label: Label | None) -> LabelChange:
    """A change that sets every field to what ``label`` holds (``None``: back to unlabeled)."""
    label = label or Label()
    return LabelChange(
        verdict=label.verdict,
        root_causes=list(label.root_causes),
        scores=dict(label.scores),
        corrected_output=label.corrected_output,
        comment=label.comment,
        escalate=label.escalate,
        evidence=[Evidence.model_validate(e.model_dump()) for e in label.evidence],
    )


@dataclass(slots=True)
class _Step:
    case_rowid: int
    case_id: str
    before: Label | None
    after: Label
    settles: tuple[str, ...] | None = None
    """Set for an adjudication: the reviewers it settled (``before`` is the decision it replaced)."""


@dataclass
class ReviewSession:
    """Label writes made from one window, with undo and redo of those writes."""

    workspace: Workspace
    reviewer: str
    """Whose label the writes change; on PostgreSQL always the connected database user."""
    _undo: list[_Step] = field(default_factory=list)
    _redo: list[_Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The database takes label events from a team member only under their own login name.
        who = roles.identity(self.workspace)
        if who.bound and who.user is not None:
            self.reviewer = who.user

    def record(
        self,
        case_rowid: int,
        case_id: str,
        change: LabelChange,
        *,
        before: Label | None,
        seconds_spent: float | None = None,
    ) -> LabelResult:
        """Write one change now; ``before`` is the label the reviewer saw (kept for undo)."""
        label, changes = label_service.record_label(
            self.workspace, case_id, change, reviewer=self.reviewer, seconds_spent=seconds_spent
        )
        self._undo.append(_Step(case_rowid, case_id, before, label))
        self._redo.clear()
        return LabelResult(case_rowid, case_id, label, changes)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def next_undo(self) -> tuple[Label | None, Label | None] | None:
        """``(label now, label after undo)`` of the change undo would revert (for its message)."""
        return (self._undo[-1].after, self._undo[-1].before) if self._undo else None

    def next_redo(self) -> tuple[Label | None, Label | None] | None:
        """``(label now, label after redo)`` of the change redo would apply again."""
        return (self._redo[-1].before, self._redo[-1].after) if self._redo else None

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def adjudicate(
        self,
        case_rowid: int,
        case_id: str,
        decision: Label,
        *,
        before: Label | None,
        settles: tuple[str, ...],
        seconds_spent: float | None = None,
    ) -> LabelResult:
        """Record an adjudication by this window's reviewer; ``before``: the decision it replaces (for undo)."""
        folded = label_service.record_adjudication(
            self.workspace,
            case_id,
            decision,
            adjudicator=self.reviewer,
            settles=settles,
            seconds_spent=seconds_spent,
        )
        after = folded.adjudication or decision
        self._undo.append(_Step(case_rowid, case_id, before, after, settles))
        self._redo.clear()
        return self._adjudicated(case_rowid, case_id, folded)

    def _set_decision(self, step: _Step, decision: Label | None) -> LabelResult:
        settles = step.settles or ()
        if decision is None:
            folded = label_service.withdraw_adjudication(
                self.workspace, step.case_id, adjudicator=self.reviewer, settles=settles
            )
        else:
            folded = label_service.record_adjudication(
                self.workspace, step.case_id, decision, adjudicator=self.reviewer, settles=settles
            )
        return self._adjudicated(step.case_rowid, step.case_id, folded)

    @staticmethod
    def _adjudicated(case_rowid: int, case_id: str, folded: CaseLabels) -> LabelResult:
        changes = Changes(labels=True, cases=True)
        return LabelResult(case_rowid, case_id, folded.resolved or Label(), changes, folded.resolution, True)

    def _write_back(self, step: _Step, label: Label | None) -> LabelResult:
        """``step``'s case (or decision) set to ``label`` as a new event: what undo and redo both write."""
        if step.settles is not None:
            return self._set_decision(step, label)
        written, changes = label_service.record_label(
            self.workspace, step.case_id, full_change(label), reviewer=self.reviewer
        )
        return LabelResult(step.case_rowid, step.case_id, written, changes)

    def undo(self) -> LabelResult | None:
        """Restore the label as it was before the last change (as a new event)."""
        if not self._undo:
            return None
        step = self._undo[-1]  # popped once written: a refused write (locked, disk full) keeps it
        result = self._write_back(step, step.before)
        self._undo.pop()
        self._redo.append(step)
        return result

    def redo(self) -> LabelResult | None:
        """Apply again the change last undone (as a new event)."""
        if not self._redo:
            return None
        step = self._redo[-1]
        result = self._write_back(step, step.after)
        self._redo.pop()
        self._undo.append(step)
        return result
