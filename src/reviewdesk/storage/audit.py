"""Queries of the audit trail (``services.audit``): writing ``audit_log`` lines and reading both
logs that make the trail up, ``audit_log`` and ``label_events``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from reviewdesk.storage.tables import AuditRow, CaseRow, LabelEventRow


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One row of ``audit_log``."""

    audit_rowid: int
    created_at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LoggedLabelEvent:
    """One label event, as the audit trail shows it."""

    event_rowid: int
    case_id: str
    created_at: datetime
    reviewer: str
    change: dict[str, Any]
    seconds_spent: float | None
    schema_version: int


def append_audit(
    conn: Connection, *, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]
) -> None:
    conn.execute(
        insert(AuditRow).values(created_at=at, actor=actor, action=action, subject=subject, details=dict(details))
    )


def audit_lines(conn: Connection) -> list[AuditLine]:
    """Every line of ``audit_log``, in the order they were written."""
    table = AuditRow.__table__
    rows = conn.execute(
        select(
            table.c.audit_rowid, table.c.created_at, table.c.actor, table.c.action, table.c.subject, table.c.details
        ).order_by(table.c.audit_rowid)
    )
    return [AuditLine(*row) for row in rows]


def label_events(conn: Connection, case_rowid: int | None = None) -> list[LoggedLabelEvent]:
    """Every label event (of one case, with ``case_rowid``), in the order they were written."""
    events = LabelEventRow.__table__
    statement = (
        select(
            events.c.event_rowid,
            CaseRow.case_id,
            events.c.created_at,
            events.c.reviewer,
            events.c.change,
            events.c.seconds_spent,
            events.c.schema_version,
        )
        .join(CaseRow, CaseRow.case_rowid == events.c.case_rowid)
        .order_by(events.c.event_rowid)
    )
    if case_rowid is not None:
        statement = statement.where(events.c.case_rowid == case_rowid)
    return [LoggedLabelEvent(*row) for row in conn.execute(statement)]
