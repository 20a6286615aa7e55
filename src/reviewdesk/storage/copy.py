"""Copying every row of a workspace into another one, on either engine (``reviewdesk workspace copy``).

Rows keep their row ids, so every reference between tables stays as it was. JSON columns are
copied as the text they were stored as (read with ``CAST(… AS TEXT)``, written back as that
text), never decoded and encoded again: a number, a key order or an escape stays byte for byte.
The search index is derived data and is rebuilt in the destination from the copied cases.

``checksum`` digests the labels, reviewers' labels and label events of a workspace from what is
stored, canonically (JSON parsed and written with sorted keys, times in UTC ISO form), so the
same workspace gives the same digest on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, and_, bindparam, cast, delete, func, insert, or_, select, text
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.types import Text

from reviewdesk.storage.tables import (
    AssignmentRow,
    AuditRow,
    Base,
    CaseDocumentRow,
    CaseRootCauseRow,
    CaseRow,
    ImportRecord,
    ImportRedactionRow,
    JsonText,
    LabelEventRow,
    LabelRow,
    LabelSchemaRow,
    RedactionTokenRow,
    ReviewerLabelRow,
    SpanRow,
    TraceRow,
    WorkspaceSettingRow,
)

# Parents before children: each row's references exist when it arrives.
TABLES: list[Table] = [
    model.__table__  # type: ignore[misc]
    for model in (
        WorkspaceSettingRow,
        ImportRecord,
        ImportRedactionRow,
        LabelSchemaRow,
        TraceRow,
        SpanRow,
        CaseRow,
        CaseDocumentRow,
        CaseRootCauseRow,
        LabelEventRow,
        LabelRow,
        ReviewerLabelRow,
        AssignmentRow,
        RedactionTokenRow,
        AuditRow,
    )
]
CONTENT_TABLES = ("imports", "traces", "cases", "label_events", "audit_log", "assignments")
"""A destination holding a row in any of these is not empty: a copy never merges into it."""
_PAGE = 1_000


def _is_json(column: Any) -> bool:
    return isinstance(column.type, JsonText)


def counts(conn: Connection) -> dict[str, int]:
    """Rows in each copied table."""
    return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in TABLES}


def content_rows(conn: Connection) -> dict[str, int]:
    """The tables among ``CONTENT_TABLES`` that hold rows, with their counts."""
    found = counts(conn)
    return {name: found[name] for name in CONTENT_TABLES if found[name]}


def _read(conn: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    """The rows of ``table`` in primary-key order, a page at a time; JSON columns as stored text."""
    columns = [cast(c, Text).label(c.name) if _is_json(c) else c for c in table.columns]
    keys = list(table.primary_key.columns)
    last: tuple[Any, ...] | None = None
    while True:
        statement = select(*columns).order_by(*keys).limit(_PAGE)
        if last is not None:
            statement = statement.where(_after(keys, last))
        rows = [dict(row._mapping) for row in conn.execute(statement)]
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][k.name] for k in keys)


def _after(keys: list[Column[Any]], last: tuple[Any, ...]) -> Any:
    """Rows whose primary key sorts after ``last`` (a tuple comparison, spelled out for SQLite)."""
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j] == last[j] for j in range(i)]
        clauses.append(and_(*equal, key > last[i]))
    return or_(*clauses)


def _writer(conn: Connection, table: Table) -> Any:
    """``INSERT`` of whole rows, JSON columns taken as text (cast to ``json`` on PostgreSQL)."""
    postgres = conn.dialect.name == "postgresql"
    values: dict[str, Any] = {}
    for column in table.columns:
        if _is_json(column):
            param = bindparam(f"p_{column.name}", type_=Text())
            values[column.name] = cast(param, JSON()) if postgres else param
        else:
            values[column.name] = bindparam(f"p_{column.name}", type_=column.type)
    return insert(table).values(values)


def copy_rows(source: Connection, destination: Connection, progress: Callable[[str, int], None]) -> dict[str, int]:
    """Copy every table of ``source`` into the empty ``destination`` (label schemas and settings
    replace the ones its opening made); the rows copied per table."""
    copied: dict[str, int] = {}
    for model in (WorkspaceSettingRow, LabelSchemaRow):
        destination.execute(delete(model))
    for table in TABLES:
        statement = _writer(destination, table)
        done = 0
        for page in _read(source, table):
            destination.execute(statement, [{f"p_{k}": v for k, v in row.items()} for row in page])
            done += len(page)
            progress(table.name, done)
        copied[table.name] = done
    if destination.dialect.name == "postgresql":
        _advance_sequences(destination)
    return copied


def _advance_sequences(conn: Connection) -> None:
    """Rows came with their ids: each id sequence continues after the largest one."""
    for table in TABLES:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and len(table.primary_key) == 1):
                sequence = conn.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
                ).scalar()
                if sequence:
                    conn.execute(
                        text(
                            f"SELECT setval(:s, coalesce((SELECT max({column.name}) FROM {table.name}), 0) + 1, false)"
                        ),
                        {"s": sequence},
                    )


# -- checksum -----------------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _json(raw: str | None) -> Any:
    return None if raw is None else json.loads(raw)


def _rows(conn: Connection, table: Table, order: Iterable[Any]) -> Iterator[Mapping[str, Any]]:
    columns = [cast(c, Text).label(c.name) if _is_json(c) else c for c in table.columns if c.name != "case_rowid"]
    statement = select(CaseRow.case_id, *columns).join(CaseRow, CaseRow.case_rowid == table.c.case_rowid)
    for row in conn.execute(statement.order_by(*order)):
        yield dict(row._mapping)


def checksum(conn: Connection) -> str:
    """SHA-256 over every label event, reviewer's label and resolved label, by case id (row ids
    may differ between workspaces that hold the same labels; the copy keeps them anyway)."""
    digest = hashlib.sha256()
    events: Table = LabelEventRow.__table__  # type: ignore[assignment]
    labels: Table = LabelRow.__table__  # type: ignore[assignment]
    reviewer_labels: Table = ReviewerLabelRow.__table__  # type: ignore[assignment]
    for name, table, order in (
        ("event", events, [events.c.event_id]),
        ("label", labels, [CaseRow.case_id]),
        ("reviewer_label", reviewer_labels, [CaseRow.case_id, reviewer_labels.c.reviewer]),
    ):
        for row in _rows(conn, table, order):
            record = {
                key: _json(value) if key in table.c and _is_json(table.c[key]) else _canonical(value)
                for key, value in row.items()
                if key not in ("event_rowid", "last_event_rowid")
            }
            record["table"] = name
            digest.update(json.dumps(record, sort_keys=True, default=str).encode("utf-8"))
            digest.update(b"\n")
    return digest.hexdigest()


def known_tables() -> set[str]:
    """Every table of the models (the copy covers all but the derived search index)."""
    return set(Base.metadata.tables)
