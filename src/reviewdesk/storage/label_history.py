"""The label events of one case as they were recorded (``label_events`` rows, change JSON as stored):
what the case view's history and ``labels.label_history`` show.

Folding events into labels reads them through ``storage.label_log`` instead, parsed into
``LabelEvent``s; this module keeps each event exactly as written, for people to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from reviewdesk.storage.tables import LabelEventRow


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """One row of ``label_events``: the fields of ``LabelEventRow``, as a plain object."""

    event_rowid: int
    event_id: str
    kind: str
    label_of: str | None
    settles: list[str] | None
    case_rowid: int
    created_at: datetime
    reviewer: str
    change: dict[str, Any]
    """The fields the event set, as stored (a ``LabelChange`` in its JSON form)."""
    seconds_spent: float | None
    schema_version: int


def case_events(conn: Connection, case_rowid: int) -> list[RecordedEvent]:
    """The case's events in the order they fold in (event id: time order)."""
    table = LabelEventRow.__table__
    rows = conn.execute(
        select(
            table.c.event_rowid,
            table.c.event_id,
            table.c.kind,
            table.c.label_of,
            table.c.settles,
            table.c.case_rowid,
            table.c.created_at,
            table.c.reviewer,
            table.c.change,
            table.c.seconds_spent,
            table.c.schema_version,
        )
        .where(table.c.case_rowid == case_rowid)
        .order_by(table.c.event_id)
    )
    return [RecordedEvent(*row) for row in rows]


def newest_event_id(conn: Connection) -> str | None:
    """The id of the workspace's newest label event (UUIDv7s sort by time), or ``None`` without events."""
    value = conn.execute(select(func.max(LabelEventRow.event_id))).scalar()
    return str(value) if value else None
