"""Reviewer activity on the cases in scope, from the label log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reviewdesk.services.insights.facts import CaseFacts, case_ids, chunks
from reviewdesk.services.insights.stats import Distribution
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import insights as storage_insights


@dataclass(frozen=True, slots=True)
class ReviewerRow:
    """One reviewer's label activity on the cases in scope."""

    reviewer: str
    events: int
    case_ids: tuple[str, ...]
    """Cases the reviewer changed a label of."""
    current_ids: tuple[str, ...]
    """Cases whose current label was last changed by the reviewer."""
    seconds_per_case: Distribution
    """Seconds spent per case (label events' ``seconds_spent`` summed per case; untimed cases left out)."""
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True, slots=True)
class LabelEvent:
    case_id: str
    reviewer: str
    created_at: datetime
    seconds_spent: float | None


def load_events(workspace: Workspace, facts: Sequence[CaseFacts]) -> list[LabelEvent]:
    """The label events of the cases in scope, oldest first."""
    by_rowid = {f.case_rowid: f.case_id for f in facts}
    events: list[LabelEvent] = []
    with workspace.session() as session:
        for chunk in chunks(list(by_rowid)):
            found = storage_insights.event_times(session, chunk)
            events.extend(LabelEvent(by_rowid[e.case_rowid], e.reviewer, e.created_at, e.seconds_spent) for e in found)
    events.sort(key=lambda e: (e.created_at, e.case_id))
    return events


def reviewer_activity(facts: Sequence[CaseFacts], events: Sequence[LabelEvent]) -> list[ReviewerRow]:
    """Per reviewer: events, cases touched, current labels, seconds per case; busiest first."""
    by_reviewer: dict[str, list[LabelEvent]] = _group_events(events)
    rows = []
    for reviewer, items in by_reviewer.items():
        seconds: dict[str, float] = {}
        for e in items:
            if e.seconds_spent is not None:
                seconds[e.case_id] = seconds.get(e.case_id, 0.0) + e.seconds_spent
        rows.append(
            ReviewerRow(
                reviewer=reviewer,
                events=len(items),
                case_ids=tuple(dict.fromkeys(e.case_id for e in items)),
                current_ids=case_ids(facts, lambda f, r=reviewer: f.labeled and f.reviewer == r),  # type: ignore[misc]
                seconds_per_case=Distribution.of(list(seconds.items())),
                first=items[0].created_at,
                last=items[-1].created_at,
            )
        )
    return sorted(rows, key=lambda r: (-len(r.case_ids), r.reviewer))


def _group_events(events: Sequence[LabelEvent]) -> dict[str, list[LabelEvent]]:
    grouped: dict[str, list[LabelEvent]] = defaultdict(list)
    for e in events:
        grouped[e.reviewer].append(e)
    return grouped
