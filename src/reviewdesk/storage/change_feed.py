"""A cheap change counter of a shared workspace: the newest label event and the newest claim.

The window of each reviewer polls it (``services.team_sync``) to pick up the others' labels and
progress: two index lookups (``label_events``' primary key, a small ``case_claims``) per poll, and
only when they moved, the cases whose events are newer than the last poll's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from reviewdesk.storage.tables import CaseClaimRow, LabelEventRow

Stamp = tuple[int, datetime | None]
"""``(newest label event's row id, newest claim's time)``."""

_MOST_CASES = 500


def stamp(conn: Connection) -> Stamp:
    events = conn.execute(select(func.coalesce(func.max(LabelEventRow.event_rowid), 0))).scalar_one()
    claimed = conn.execute(select(func.max(CaseClaimRow.claimed_at))).scalar()
    return int(events), claimed


def cases_changed_since(conn: Connection, event_rowid: int, *, not_by: str | None = None) -> list[int]:
    """Cases with label events after ``event_rowid`` (by others than ``not_by``), at most 500."""
    statement = (
        select(LabelEventRow.case_rowid)
        .where(LabelEventRow.event_rowid > event_rowid)
        .group_by(LabelEventRow.case_rowid)
        .limit(_MOST_CASES)
    )
    if not_by is not None:
        statement = statement.where(LabelEventRow.reviewer != not_by)
    return [int(rowid) for rowid in conn.execute(statement).scalars()]
