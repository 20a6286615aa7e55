"""One label write, the hot path of a team workspace (issue 11 item 3): two statements on a server.

A reviewer's save reads the case's events and the taxonomy's version in one query outside any
transaction (``read_case``), folds the case's labels with the new event in the app
(``domain.team``), and appends the event and those labels if the case has no newer event and the
taxonomy no newer version than it read (``append_if_unchanged``); if it has, nothing is written
and the save reads again. On PostgreSQL the append is one call of
``reviewdesk_append_label_event`` (migration 0008), which takes the locks of ``storage.postgres``
(the workspace's write lock shared, the case's exclusively), checks and writes, in one statement
that is its own transaction: the case's lock is held for that statement only. On SQLite the
append runs in a transaction begun ``IMMEDIATE`` as the statements ``label_log.rebuild`` runs.
Either way the stored labels are what a full rebuild from the events writes
(tests/unit/storage/test_label_write.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Dialect, Engine, Subquery, Text, bindparam, cast, func, insert, select, true

from reviewdesk.domain.taxonomy import Taxonomy
from reviewdesk.domain.team import CaseLabels, LabelEvent, fold_onto
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage import label_log, label_schemas, postgres
from reviewdesk.storage.tables import CaseRow, LabelEventRow, LabelSchemaRow


@dataclass(frozen=True, slots=True)
class SeenCase:
    """A case as one query read it: its events in event-id order, or on a server what they folded
    into (``folded``, the stored labels, when they are folded up to its newest event); and the
    taxonomy's newest version."""

    case_rowid: int
    events: list[label_log.StoredEvent]
    schema: label_schemas.SchemaKey
    folded: CaseLabels | None = None
    """The case's labels as stored, folded from every event up to ``last_event_rowid`` (then
    ``events`` is empty: not read)."""
    newest: tuple[int, str] | None = None
    """With ``folded``: the row id and id of the case's newest event (``None``: it has none)."""

    @property
    def last_event_rowid(self) -> int | None:
        if self.folded is not None:
            return None if self.newest is None else self.newest[0]
        return max((e.event_rowid for e in self.events), default=None)

    @property
    def last_event_id(self) -> str | None:
        if self.folded is not None:
            return None if self.newest is None else self.newest[1]
        return max((e.event.event_id for e in self.events), default=None)

    def labels(self, taxonomy: Taxonomy) -> CaseLabels:
        """What the case's events fold into (``taxonomy``: the version ``schema`` names)."""
        return self.folded if self.folded is not None else label_log.fold_stored(taxonomy, self.events)

    def labels_with(self, taxonomy: Taxonomy, event: LabelEvent) -> CaseLabels:
        """What the case's events and ``event`` after them fold into."""
        if self.folded is not None:
            return fold_onto(self.folded, label_log.read_events(taxonomy, [event])[0])
        return label_log.fold_stored(taxonomy, [*self.events, label_log.StoredEvent(0, self.case_rowid, event)])


# Built once (with bind parameters): building a statement cost more than sending it.
_NEWEST_SCHEMA = (
    select(LabelSchemaRow.version.label("newest_schema"), LabelSchemaRow.created_at.label("newest_schema_at"))
    .order_by(LabelSchemaRow.version.desc())
    .limit(1)
    .subquery()
)


# On a server the JSON columns come as text (``label_log.events_from_json_rows`` parses them).
_JSON_AS_TEXT = tuple(
    cast(column, Text).label(column.key) if column.key in ("change", "settles") else column
    for column in label_log.EVENT_COLUMNS
)


def _reading(case: Subquery, columns: tuple[Any, ...] = label_log.EVENT_COLUMNS) -> Any:
    # The schema's columns are labelled: the events' own ``created_at`` is what their rows answer to.
    return (
        select(_NEWEST_SCHEMA, case.c.seen_case, *columns)
        .select_from(
            _NEWEST_SCHEMA.join(case, true()).outerjoin(LabelEventRow, LabelEventRow.case_rowid == case.c.seen_case)
        )
        .order_by(LabelEventRow.event_id)
    )


_ID = select(CaseRow.case_rowid.label("seen_case")).where(CaseRow.case_id == bindparam("id")).subquery()
_ROWID = select(CaseRow.case_rowid.label("seen_case")).where(CaseRow.case_rowid == bindparam("rowid")).subquery()
_BY_ID, _BY_ROWID = _reading(_ID), _reading(_ROWID)
_BY_ID_ON_SERVER, _BY_ROWID_ON_SERVER = _reading(_ID, _JSON_AS_TEXT), _reading(_ROWID, _JSON_AS_TEXT)


def read_case(
    conn: Connection, case_id: str | None = None, *, case_rowid: int | None = None, with_events: bool = False
) -> SeenCase | None:
    """The case with exactly this id (or this row id), its events and the taxonomy's key, in one query.

    On a server, unless ``with_events``, the case's stored labels stand for its events when they are
    folded up to its newest event (``labels.last_event_rowid``, which every writer sets): a write
    then reads and folds one row per reviewer, not the case's whole history (issue 11: decoding
    and folding dozens of events was most of a label write's client CPU). Else (SQLite, or
    labels behind the events) the events themselves.

    ``None``: no case has exactly this id (a trace id or a prefix: resolve it first), or the
    workspace has no label schema yet.
    """
    key = {"rowid": case_rowid} if case_rowid is not None else {"id": (case_id or "").strip().lower()}
    server = conn.dialect.name == "postgresql"
    if server and not with_events:
        stored_row = conn.exec_driver_sql(_STORED_BY_ROWID if "rowid" in key else _STORED_BY_ID, key).first()
        if stored_row is None:
            return None
        seen = _from_stored(stored_row)
        if seen is not None:
            return seen
        key = {"rowid": stored_row.seen_case}  # labels not folded up to the newest event: read the events
    if server:
        sql, params = _on_server(conn.dialect, "rowid" in key)
        rows = conn.exec_driver_sql(sql, {**params, **key}).all()
    else:
        rows = conn.execute(_BY_ROWID if "rowid" in key else _BY_ID, key).all()
    if not rows:
        return None
    first = rows[0]
    stored = [row for row in rows if row.event_rowid is not None]
    decoded = label_log.events_from_json_rows(stored) if server else label_log.events_from_rows(stored)
    events = [
        label_log.StoredEvent(row.event_rowid, row.case_rowid, event)
        for row, event in zip(stored, decoded, strict=True)
    ]
    newest_at = first.newest_schema_at.replace(tzinfo=UTC) if server else first.newest_schema_at
    return SeenCase(int(first.seen_case), events, label_schemas.SchemaKey(int(first.newest_schema), newest_at))


# The case, its newest event, its stored labels (each reviewer's as a [reviewer, data] pair) and
# the taxonomy's newest version: one row, whatever the length of the case's history.
_STORED = (
    "SELECT s.version AS newest_schema, s.created_at AS newest_schema_at, c.case_rowid AS seen_case,"
    " e.last_rowid, e.last_id, l.last_event_rowid AS labels_through, l.resolution, CAST(l.data AS text) AS resolved,"
    " CAST((SELECT json_agg(json_build_array(r.reviewer, r.data) ORDER BY r.reviewer) FROM reviewer_labels r"
    " WHERE r.case_rowid = c.case_rowid) AS text) AS reviewers"
    " FROM (SELECT version, created_at FROM label_schemas ORDER BY version DESC LIMIT 1) s CROSS JOIN cases c"
    " CROSS JOIN LATERAL (SELECT max(event_rowid) AS last_rowid, max(event_id) AS last_id FROM label_events"
    " WHERE case_rowid = c.case_rowid) e LEFT JOIN labels l ON l.case_rowid = c.case_rowid"
)
_STORED_BY_ID = _STORED + " WHERE c.case_id = %(id)s"
_STORED_BY_ROWID = _STORED + " WHERE c.case_rowid = %(rowid)s"


def _from_stored(row: Any) -> SeenCase | None:
    """The case as its stored labels say; ``None`` if they are not folded up to its newest event."""
    schema = label_schemas.SchemaKey(int(row.newest_schema), row.newest_schema_at.replace(tzinfo=UTC))
    if row.last_rowid is None:
        return SeenCase(int(row.seen_case), [], schema, CaseLabels({}, None, None, None), None)
    if row.labels_through != row.last_rowid or (row.reviewers is None and row.resolution != "adjudicated"):
        return None
    pairs = orjson.loads(row.reviewers or "[]")
    *mine, resolved = label_log.labels_from_data([data for _, data in pairs] + [orjson.loads(row.resolved)])
    by_reviewer = {who: label for (who, _), label in zip(pairs, mine, strict=True)}
    adjudication = resolved if row.resolution == "adjudicated" else None
    folded = CaseLabels(by_reviewer, adjudication, resolved, row.resolution)
    return SeenCase(int(row.seen_case), [], schema, folded, (int(row.last_rowid), str(row.last_id)))


@functools.cache
def _on_server(dialect: Dialect, by_rowid: bool) -> tuple[str, dict[str, Any]]:
    """The server's reading as the driver's SQL and its fixed parameters (the LIMIT), compiled once.

    Sent with ``exec_driver_sql``: no result processing of SQLAlchemy's per value (the times come
    naive UTC, the JSON as text: ``label_log.events_from_json_rows``), which was a third of the
    read's client CPU on a case with dozens of events; errors still go through the engine's
    ``handle_error`` (a lost connection is still ``ConnectionLostError``).
    """
    compiled = (_BY_ROWID_ON_SERVER if by_rowid else _BY_ID_ON_SERVER).compile(dialect=dialect)
    return str(compiled), dict(compiled.params)


@contextmanager
def appending(engine: Engine) -> Iterator[Connection]:
    """Where ``append_if_unchanged`` runs: on a server a connection outside any transaction (the
    function's one statement is its own transaction and takes the locks itself); on SQLite a
    transaction begun ``IMMEDIATE`` (the write lock first, as every writer takes it)."""
    if engine.dialect.name == "postgresql":
        with storage_engine.single_reads(engine) as conn:
            yield conn
        return
    with storage_engine.begin_write(engine) as conn:
        yield conn


def append_if_unchanged(conn: Connection, seen: SeenCase, event: LabelEvent, taxonomy: Taxonomy) -> CaseLabels | None:
    """Append ``event`` (made now, its id past every event ``seen`` holds) and the case's labels
    rebuilt from ``seen``'s events and it; the case's labels.

    ``None``, and nothing written, if the case has an event ``seen`` does not (another writer came
    first) or the taxonomy a version newer than ``seen.schema``: read again and fold again.
    ``taxonomy``: the version ``seen.schema`` names. ``conn``: from ``appending``.
    """
    rowid = seen.case_rowid
    if conn.dialect.name != "postgresql":
        last = conn.execute(select(func.max(LabelEventRow.event_rowid)).where(LabelEventRow.case_rowid == rowid))
        if last.scalar() != seen.last_event_rowid or label_schemas.newest_key(conn) != seen.schema:
            return None
        new = conn.execute(
            insert(LabelEventRow).returning(LabelEventRow.event_rowid), label_log.event_values(rowid, event)
        ).scalar_one()
        everything = {rowid: [*seen.events, label_log.StoredEvent(int(new), rowid, event)]}
        return label_log.rebuild(conn, [rowid], everything, taxonomy=taxonomy)[rowid]
    folded = seen.labels_with(taxonomy, event)
    # The function writes the new event's row id as the resolved label's last event (0 here).
    reviewer_rows, label_rows, cause_rows = label_log.derived_rows(
        {rowid: folded}, {rowid: 0}, {rowid: set(folded.by_reviewer)}
    )
    appended = conn.exec_driver_sql(
        _APPEND_ON_SERVER,
        {
            "case": rowid,
            "seen": seen.last_event_rowid,
            "schema": seen.schema.version,
            "schema_at": _naive_utc(seen.schema.created_at),
            "event": _server_json(label_log.event_values(rowid, event)),
            "reviewers": _server_json(reviewer_rows),
            "label": _server_json(label_rows[0]) if label_rows else None,
            "causes": [row["root_cause"] for row in cause_rows],
            "locks": [postgres.WRITE_LOCK_KEY, postgres.CASE_LOCK_KEY],
            "wait": storage_engine.write_wait_ms(),
            "busy": storage_engine.BUSY_TIMEOUT_MS,
        },
    ).scalar()
    return None if appended is None else folded


# The driver's own SQL (psycopg's placeholders), sent with ``exec_driver_sql`` as the reading is.
_APPEND_ON_SERVER = (
    "SELECT reviewdesk_append_label_event(%(case)s::bigint, %(seen)s::bigint, %(schema)s::integer,"
    " %(schema_at)s::timestamp, %(event)s::json, %(reviewers)s::json, %(label)s::json,"
    " %(causes)s::text[], %(locks)s::integer[], %(wait)s::integer, %(busy)s::integer)"
)


def _naive_utc(moment: datetime) -> datetime:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).replace(tzinfo=None)


def _server_json(value: Any) -> str:
    """Rows as the JSON the server function reads: times as naive UTC (as the columns hold them)."""

    def encode(item: Any) -> Any:
        if isinstance(item, datetime):
            return _naive_utc(item).isoformat()
        raise TypeError(type(item).__name__)

    return orjson.dumps(
        value, default=encode, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
    ).decode()
