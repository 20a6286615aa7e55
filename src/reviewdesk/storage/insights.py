"""Queries of the insights (``services.insights``): the stored case and label of the cases in scope,
their root spans' attributes, and their label events' times. Read only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewdesk.storage.tables import CaseRow, LabelEventRow, LabelRow, SpanRow


@dataclass(frozen=True, slots=True)
class StoredCase:
    """A case as stored, with its resolved label."""

    case_rowid: int
    trace_rowid: int
    tenant: str | None
    source_file: str
    data: dict[str, Any] | None
    """The whole case in its public JSON form."""
    label: dict[str, Any] | None
    """The resolved label in its JSON form; ``None`` while the case has none."""


@dataclass(frozen=True, slots=True)
class EventTime:
    """When a reviewer changed a case's label, and how long they spent on it."""

    case_rowid: int
    reviewer: str
    created_at: datetime
    seconds_spent: float | None


def cases_with_labels(session: Session, case_rowids: Sequence[int]) -> dict[int, StoredCase]:
    """These cases (those still here), by row id."""
    rows = session.execute(
        select(
            CaseRow.case_rowid,
            CaseRow.trace_rowid,
            CaseRow.tenant,
            CaseRow.source_file,
            CaseRow.data,
            LabelRow.data.label("label"),
        )
        .outerjoin(LabelRow, LabelRow.case_rowid == CaseRow.case_rowid)
        .where(CaseRow.case_rowid.in_(case_rowids))
    )
    return {row.case_rowid: StoredCase(*row) for row in rows}


def root_span_attributes(session: Session, trace_rowids: Sequence[int]) -> list[tuple[int, dict[str, Any]]]:
    """``(trace_rowid, attributes)`` of the root spans of these traces, by trace, earliest first."""
    rows = session.execute(
        select(SpanRow.trace_rowid, SpanRow.attributes)
        .where(SpanRow.trace_rowid.in_(list(trace_rowids)), SpanRow.parent_span_id.is_(None))
        .order_by(SpanRow.trace_rowid, SpanRow.start_ns)
    )
    return [(trace_rowid, attributes or {}) for trace_rowid, attributes in rows]


def event_times(session: Session, case_rowids: Sequence[int]) -> list[EventTime]:
    """The label events of these cases (in no particular order)."""
    rows = session.execute(
        select(
            LabelEventRow.case_rowid,
            LabelEventRow.reviewer,
            LabelEventRow.created_at,
            LabelEventRow.seconds_spent,
        ).where(LabelEventRow.case_rowid.in_(case_rowids))
    )
    return [EventTime(*row) for row in rows]
