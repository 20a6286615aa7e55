"""One label write, the hot path of a team workspace (issue 11 item 3): few statements, one transaction.

A reviewer's save reads the case's row id and the taxonomy's version outside any transaction
(``write_target``), then in one transaction reads the case's events and the version again
(``case_events_and_schema``: a taxonomy change may have come in between) and appends the event
with the case's labels rebuilt from all its events (``append_new_event``). On PostgreSQL the
append is one call of ``reviewdesk_append_label_event`` (migration 0008); on SQLite it is the
statements ``label_log.rebuild`` runs. Either way the stored labels are what a full rebuild from
the events writes (tests/unit/storage/test_label_write.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, insert, select, text

from reviewdesk.domain.taxonomy import Taxonomy
from reviewdesk.domain.team import CaseLabels, LabelEvent
from reviewdesk.storage import label_log, label_schemas
from reviewdesk.storage.tables import CaseRow, LabelEventRow, LabelSchemaRow


@dataclass(frozen=True, slots=True)
class WriteTarget:
    """What a label write needs before its transaction: the case (if named by its exact id) and the taxonomy."""

    case_rowid: int | None
    schema: label_schemas.SchemaKey | None


# Built once (with bind parameters): building a statement cost more than sending it.
_NEWEST_SCHEMA = (
    select(LabelSchemaRow.version.label("newest_schema"), LabelSchemaRow.created_at.label("newest_schema_at"))
    .order_by(LabelSchemaRow.version.desc())
    .limit(1)
    .subquery()
)
_CASE_BY_ID = select(CaseRow.case_rowid).where(CaseRow.case_id == bindparam("case_id")).scalar_subquery()
_TARGET = select(_CASE_BY_ID.label("case_rowid"), _NEWEST_SCHEMA)
_EVENTS_AND_SCHEMA = (
    # The schema's columns are labelled: the events' own ``created_at`` is what their rows answer to.
    select(_NEWEST_SCHEMA, *label_log.EVENT_COLUMNS)
    .select_from(_NEWEST_SCHEMA.outerjoin(LabelEventRow, LabelEventRow.case_rowid == bindparam("case_rowid")))
    .order_by(LabelEventRow.event_id)
)


def _schema_key(row: Any) -> label_schemas.SchemaKey:
    return label_schemas.SchemaKey(int(row.newest_schema), row.newest_schema_at)


def write_target(conn: Connection, case_id: str) -> WriteTarget:
    """The row id of the case with exactly this id (``None``: a trace id or prefix, or no such case)
    and the newest label-schema version's key, in one query."""
    case_id = case_id.strip().lower()
    row = conn.execute(_TARGET, {"case_id": case_id}).first()
    if row is None:  # no label schema yet (a workspace being created)
        rowid = conn.execute(select(_CASE_BY_ID), {"case_id": case_id}).scalar()
        return WriteTarget(None if rowid is None else int(rowid), None)
    return WriteTarget(None if row.case_rowid is None else int(row.case_rowid), _schema_key(row))


def case_events_and_schema(
    conn: Connection, case_rowid: int
) -> tuple[list[label_log.StoredEvent], label_schemas.SchemaKey | None]:
    """The case's events in event-id order and the newest label-schema key, in one query (one round
    trip inside a label write's transaction: the taxonomy may have changed since ``write_target``)."""
    rows = conn.execute(_EVENTS_AND_SCHEMA, {"case_rowid": case_rowid}).all()
    if not rows:
        return label_log.events_of(conn, [case_rowid])[case_rowid], None
    stored = [row for row in rows if row.event_rowid is not None]
    events = [
        label_log.StoredEvent(row.event_rowid, case_rowid, event)
        for row, event in zip(stored, label_log.events_from_rows(stored), strict=True)
    ]
    return events, _schema_key(rows[0])


def append_new_event(
    conn: Connection,
    case_rowid: int,
    event: LabelEvent,
    events: Sequence[label_log.StoredEvent],
    taxonomy: Taxonomy | None,
) -> CaseLabels:
    """Append an event made now (its id past every one of ``events``, the case's as read in this
    transaction) and rewrite the case's labels from them and it; the case's labels.

    On PostgreSQL in one call of ``reviewdesk_append_label_event`` (migration 0008: one round trip
    instead of seven, with the caller's privileges), on SQLite as the statements ``rebuild`` runs.
    """
    if conn.dialect.name != "postgresql":
        rowid = conn.execute(
            insert(LabelEventRow).returning(LabelEventRow.event_rowid), label_log.event_values(case_rowid, event)
        ).scalar_one()
        everything = {case_rowid: [*events, label_log.StoredEvent(int(rowid), case_rowid, event)]}
        return label_log.rebuild(conn, [case_rowid], everything, taxonomy=taxonomy)[case_rowid]
    folded = label_log.fold_stored(taxonomy, [*events, label_log.StoredEvent(0, case_rowid, event)])
    # The function writes the new event's row id as the resolved label's last event (0 here).
    reviewer_rows, label_rows, cause_rows = label_log.derived_rows(
        {case_rowid: folded}, {case_rowid: 0}, {case_rowid: set(folded.by_reviewer)}
    )
    conn.execute(
        _APPEND_ON_SERVER,
        {
            "case": case_rowid,
            "event": _server_json(label_log.event_values(case_rowid, event)),
            "reviewers": _server_json(reviewer_rows),
            "label": _server_json(label_rows[0]) if label_rows else None,
            "causes": [row["root_cause"] for row in cause_rows],
        },
    )
    return folded


_APPEND_ON_SERVER = text(
    "SELECT reviewdesk_append_label_event(CAST(:case AS bigint), CAST(:event AS json), CAST(:reviewers AS json),"
    " CAST(:label AS json), CAST(:causes AS text[]))"
)


def _server_json(value: Any) -> str:
    """Rows as the JSON the server function reads: times as naive UTC (as the columns hold them)."""

    def naive_utc(item: Any) -> Any:
        if isinstance(item, datetime):
            return (item.astimezone(UTC) if item.tzinfo else item).replace(tzinfo=None).isoformat()
        raise TypeError(type(item).__name__)

    return orjson.dumps(
        value, default=naive_utc, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
    ).decode()
