"""Merging a review package's label events into a workspace: the bulk path of the label log.

``label_log`` appends and rebuilds a few cases at a time through the domain's models. A merge
brings one reviewer's events on tens of thousands of cases at once, so this module does the same
work in bulk (docs/adr/0004-labels-are-an-event-log.md, "Merging"):

* the package's event ids and case ids go into temporary tables, and joins find which cases are
  here and which events are present already (no IN lists of thousands of values);
* only the new events are inserted, with one ``executemany`` of the dialect's own compiled
  INSERT and the column types' bind processors (SQLAlchemy's per-row parameter handling was a
  third of a merge's time);
* only the labels the new events change are folded again, on the stored JSON form: each
  changed reviewer's events and the case's adjudications; the other reviewers' labels take
  part in the resolution as they are stored. The fold and the resolution are
  ``domain.team.fold`` and ``resolve`` on plain dicts (validating and dumping models was most
  of the rest); tests hold the result to the full rebuild's, byte for byte.

A taxonomy with renamed root causes reads every event through the renames, which the models do:
then the refold goes through ``label_log.rebuild_changed``. Plain SQLAlchemy Core, no dialect's
own SQL: a PostgreSQL workspace merges the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from pydantic import TypeAdapter
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    or_,
    select,
    type_coerce,
)

from reviewdesk.domain.labels import Label
from reviewdesk.storage import label_log, label_schemas
from reviewdesk.storage.tables import (
    BigInt,
    CaseRootCauseRow,
    CaseRow,
    LabelEventRow,
    LabelRow,
    ReviewerLabelRow,
)

_TEMPORARY = MetaData()
"""Not the workspace's tables: these live for one merge, in the connection's temporary schema."""
_INCOMING = Table(
    "merge_incoming",
    _TEMPORARY,
    Column("event_id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False),
    prefixes=["TEMPORARY"],
)
_CHANGED = Table(
    "merge_changed",
    _TEMPORARY,
    Column("case_rowid", BigInt, nullable=False),
    Column("owner", String(256)),
    prefixes=["TEMPORARY"],
)

_CHUNK = 500
_EMPTY: dict[str, Any] = Label().model_dump(mode="json")
"""A label with nothing set, in the stored (JSON) form and field order the models dump."""
_TIMES = TypeAdapter(list[datetime | None])
"""Times in the JSON form a ``Label`` dumps them in (one call for a batch)."""

EVENT_COLUMNS = (
    "event_id",
    "created_at",
    "reviewer",
    "change",
    "schema_version",
    "seconds_spent",
    "kind",
    "label_of",
    "settles",
)
"""The columns of an incoming event, after its case id: ``(case_id, *EVENT_COLUMNS)``."""


def insert_many(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """``INSERT`` these rows (values in ``columns`` order) with one ``executemany``.

    The statement is the dialect's own compiled INSERT, the values go through each column type's
    bind processor: what ``conn.execute(insert(table), dicts)`` sends, without its per-row work.
    """
    values = list(rows)
    if not values:
        return
    dialect = conn.dialect
    names = list(columns)
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    # Column by column: one loop per column that needs converting, none for the rest.
    by_column: list[Sequence[Any]] = list(zip(*values, strict=True))
    for n, name in enumerate(names):
        proc = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if proc is not None:
            by_column[n] = [None if value is None else proc(value) for value in by_column[n]]
    if compiled.positional:
        order = [names.index(name) for name in compiled.positiontup or ()]
        params: list[Any] = list(zip(*(by_column[i] for i in order), strict=True))
    else:
        params = [dict(zip(names, row, strict=True)) for row in zip(*by_column, strict=True)]
    conn.exec_driver_sql(str(compiled), params)


@dataclass(slots=True)
class MergeResult:
    added: int = 0
    already_present: int = 0
    cases_not_here: int = 0
    conflicts: list[str] = field(default_factory=list)
    """Case ids the package's reviewer also changed here after ``watermark``."""


def merge_events(conn: Connection, events: Sequence[Sequence[Any]], reviewer: str, watermark: str) -> MergeResult:
    """Add a package's events (``(case_id, *EVENT_COLUMNS)``, changes already validated) in the
    caller's transaction, and write the labels they change."""
    result = MergeResult()
    unique: dict[str, Sequence[Any]] = {}
    for event in events:
        unique.setdefault(event[1], event)
    # Created and dropped in the caller's transaction: a rollback or a kill removes them too.
    _INCOMING.create(conn)
    _CHANGED.create(conn)
    _merge(conn, events, unique, (reviewer, watermark), into=result)
    _CHANGED.drop(conn)
    _INCOMING.drop(conn)
    return result


def _merge(
    conn: Connection,
    events: Sequence[Sequence[Any]],
    unique: Mapping[str, Sequence[Any]],
    since: tuple[str, str],
    *,
    into: MergeResult,
) -> None:
    result = into
    insert_many(conn, _INCOMING, ("event_id", "case_id"), ((e[1], e[0]) for e in unique.values()))
    rowids = {
        str(case_id): int(rowid)
        for case_id, rowid in conn.execute(
            select(CaseRow.case_id, CaseRow.case_rowid).where(CaseRow.case_id.in_(select(_INCOMING.c.case_id)))
        )
    }
    present = set(
        conn.execute(
            select(LabelEventRow.event_id).where(LabelEventRow.event_id.in_(select(_INCOMING.c.event_id)))
        ).scalars()
    )
    result.cases_not_here = len({e[0] for e in events if e[0] not in rowids})
    here = [e for e in events if e[0] in rowids]
    fresh = sorted((e for e in unique.values() if e[0] in rowids and e[1] not in present), key=lambda e: e[1])
    result.added = len(fresh)
    result.already_present = len(here) - len(fresh)
    if not fresh:
        return
    # The events stored before this merge: the refold reads those, and takes the new ones from here.
    before = conn.execute(select(func.max(LabelEventRow.event_rowid))).scalar() or 0
    insert_many(
        conn,
        LabelEventRow.__table__,  # type: ignore[arg-type]
        ("case_rowid", *EVENT_COLUMNS),
        ((rowids[e[0]], *e[1:]) for e in fresh),
    )
    changed: dict[int, set[str | None]] = {}
    for e in fresh:
        kind, label_of, who = e[7], e[8], e[3]
        changed.setdefault(rowids[e[0]], set()).add(None if kind == "adjudication" else label_of or who)
    insert_many(
        conn, _CHANGED, ("case_rowid", "owner"), ((rowid, o) for rowid, owners in changed.items() for o in owners)
    )
    result.conflicts = _conflicts(conn, *since)
    taxonomy = label_schemas.latest_or_none(conn)
    if taxonomy is not None and taxonomy.former_names():
        label_log.rebuild_changed(conn, changed)
    else:
        _refold(conn, changed, before, [(rowids[e[0]], e) for e in fresh])


def _changed_cases() -> Any:
    return select(_CHANGED.c.case_rowid)


def _conflicts(conn: Connection, reviewer: str, watermark: str) -> list[str]:
    """The changed cases on which ``reviewer``'s label has an event here after the watermark that
    did not come in this package."""
    rows = conn.execute(
        select(CaseRow.case_id)
        .where(
            CaseRow.case_rowid.in_(
                select(LabelEventRow.case_rowid).where(
                    LabelEventRow.case_rowid.in_(_changed_cases()),
                    LabelEventRow.label_of == reviewer,
                    LabelEventRow.event_id > watermark,
                    LabelEventRow.event_id.not_in(select(_INCOMING.c.event_id)),
                )
            )
        )
        .order_by(CaseRow.case_id)
    )
    return [str(case_id) for case_id in rows.scalars()]


class _Event(NamedTuple):
    """The columns of an event that the fold reads (a row of the table has the same names)."""

    event_id: str
    created_at: datetime
    reviewer: str
    change: dict[str, Any]
    schema_version: int
    kind: str
    label_of: str | None


@dataclass(slots=True)
class _Stored:
    """One reviewer's label of a case, as the fold or the table holds it."""

    data: dict[str, Any]
    at: datetime | None
    reviewer: str | None = None
    """Set on a label read from the table whose ``data`` holds only what resolving needs (the
    verdict, root causes, escalation and schema version): ``_complete`` reads the rest if it is chosen."""


def _kept_labels(conn: Connection, changed: Mapping[int, set[str | None]]) -> dict[int, dict[str, _Stored]]:
    """The changed cases' reviewer labels that the new events do not touch, with only what resolving
    reads (JSON members, not the whole label: parsing every label was a large part of a merge)."""
    data = type_coerce(ReviewerLabelRow.data, JSON)
    kept: dict[int, dict[str, _Stored]] = {rowid: {} for rowid in changed}
    rows = conn.execute(
        select(
            ReviewerLabelRow.case_rowid,
            ReviewerLabelRow.reviewer,
            ReviewerLabelRow.labeled_at,
            ReviewerLabelRow.verdict,
            type_coerce(data["root_causes"], Text),
            data["escalate"].as_boolean(),
            data["schema_version"].as_integer(),
        ).where(ReviewerLabelRow.case_rowid.in_(_changed_cases()))
    ).all()  # one fetchall: iterating a result fetches row by row
    for rowid, who, at, verdict, causes, escalate, version in rows:
        if who not in changed[rowid]:
            # SQLite hands the member back as JSON text, PostgreSQL's driver as a parsed list.
            listed = orjson.loads(causes) if isinstance(causes, str) else causes
            partial = {
                "verdict": verdict,
                "root_causes": listed or [],
                "escalate": bool(escalate),
                "schema_version": version,
            }
            kept[rowid][who] = _Stored(partial, at, who)
    return kept


def _complete(conn: Connection, labels: Sequence[tuple[int, _Stored]]) -> None:
    """Read the whole stored JSON of these kept labels (the few a case resolves to)."""
    wanted = {(rowid, label.reviewer): label for rowid, label in labels}
    rowids = sorted({rowid for rowid, _ in labels})
    for start in range(0, len(rowids), _CHUNK):
        chunk = rowids[start : start + _CHUNK]
        for rowid, who, data in conn.execute(
            select(ReviewerLabelRow.case_rowid, ReviewerLabelRow.reviewer, ReviewerLabelRow.data).where(
                ReviewerLabelRow.case_rowid.in_(chunk)
            )
        ):
            label = wanted.get((rowid, who))
            if label is not None:
                label.data, label.reviewer = data, None


def _refold(
    conn: Connection, changed: Mapping[int, set[str | None]], before: int, fresh: Sequence[tuple[int, Sequence[Any]]]
) -> None:
    """``label_log.rebuild_changed`` on the stored JSON form (this module's docstring).

    ``before``: the last event row id before the merge's insert; ``fresh``: the events it inserted
    with their case row ids (read from memory rather than again from the table).
    """
    owners = sorted({o for names in changed.values() for o in names if o is not None})
    events: dict[int, list[Any]] = {rowid: [] for rowid in changed}
    for rowid, e in fresh:
        events[rowid].append(_Event(e[1], e[2], e[3], e[4], e[5], e[7], e[8]))
    rows = conn.execute(
        select(
            LabelEventRow.case_rowid,
            LabelEventRow.event_id,
            LabelEventRow.created_at,
            LabelEventRow.reviewer,
            LabelEventRow.change,
            LabelEventRow.schema_version,
            LabelEventRow.kind,
            LabelEventRow.label_of,
        ).where(
            LabelEventRow.case_rowid.in_(_changed_cases()),
            LabelEventRow.event_rowid <= before,
            or_(
                LabelEventRow.label_of.in_(owners),
                LabelEventRow.reviewer.in_(owners),  # a label event without label_of is its reviewer's
                LabelEventRow.kind == "adjudication",
            ),
        )
    )
    for row in rows:
        if row.kind == "adjudication" or (row.label_of or row.reviewer) in changed[row.case_rowid]:
            events[row.case_rowid].append(row)
    kept = _kept_labels(conn, changed)
    latest = {
        int(rowid): int(last)
        for rowid, last in conn.execute(
            select(LabelEventRow.case_rowid, func.max(LabelEventRow.event_rowid))
            .where(LabelEventRow.case_rowid.in_(_changed_cases()))
            .group_by(LabelEventRow.case_rowid)
        )
    }
    folded = {rowid: _fold(events[rowid]) for rowid in changed}
    _stamp_times([label for mine, decision in folded.values() for label in (*mine.values(), decision) if label])
    resolved = {rowid: _resolve({**kept[rowid], **mine}, decision) for rowid, (mine, decision) in folded.items()}
    chosen = [(rowid, r[0]) for rowid, r in resolved.items() if r is not None]
    _complete(conn, [(rowid, label) for rowid, label in chosen if label.reviewer is not None])
    _stamp_times([label for _, label in chosen if label.data["labeled_at"] is None])

    reviewer_rows: list[tuple[Any, ...]] = []
    label_rows: list[tuple[Any, ...]] = []
    cause_rows: list[tuple[Any, ...]] = []
    for rowid, (mine, _) in folded.items():
        for who in sorted(o for o in changed[rowid] if o is not None):
            label = mine[who]
            reviewer_rows.append((rowid, who, label.data["verdict"], label.at, label.data))
    for rowid, label in chosen:
        data, resolution = label.data, resolved[rowid][1]  # type: ignore[index]
        label_rows.append(
            (rowid, data["verdict"], data["escalate"], data["reviewer"], label.at, data, latest[rowid], resolution)
        )
        cause_rows.extend((rowid, rc) for rc in dict.fromkeys(data["root_causes"]))

    for owner in owners:
        conn.execute(
            delete(ReviewerLabelRow).where(
                ReviewerLabelRow.reviewer == owner,
                ReviewerLabelRow.case_rowid.in_(select(_CHANGED.c.case_rowid).where(_CHANGED.c.owner == owner)),
            )
        )
    conn.execute(delete(LabelRow).where(LabelRow.case_rowid.in_(_changed_cases())))
    conn.execute(delete(CaseRootCauseRow).where(CaseRootCauseRow.case_rowid.in_(_changed_cases())))
    tables: tuple[tuple[Any, tuple[str, ...], list[tuple[Any, ...]]], ...] = (
        (ReviewerLabelRow, ("case_rowid", "reviewer", "verdict", "labeled_at", "data"), reviewer_rows),
        (
            LabelRow,
            ("case_rowid", "verdict", "escalate", "reviewer", "labeled_at", "data", "last_event_rowid", "resolution"),
            label_rows,
        ),
        (CaseRootCauseRow, ("case_rowid", "root_cause"), cause_rows),
    )
    for table, columns, values in tables:
        insert_many(conn, table.__table__, columns, values)


def _fold(events: list[Any]) -> tuple[dict[str, _Stored], _Stored | None]:
    """``domain.team.fold`` on stored changes: each reviewer's label and the latest decision.

    The stored change holds exactly the fields its event set, in their JSON form, so updating
    the empty label with it is what validating and dumping the folded model gives.
    """
    states: dict[str, _Stored] = {}
    decision: _Stored | None = None
    for event in sorted(events, key=lambda e: e.event_id):
        stamp = {"reviewer": event.reviewer, "schema_version": event.schema_version}
        if event.kind == "adjudication":
            decided = _Stored({**_EMPTY, **event.change, **stamp}, event.created_at)
            # An adjudication without a verdict withdraws the decision (domain.team.fold).
            decision = decided if decided.data.get("verdict") is not None else None
            continue
        owner = event.label_of or event.reviewer
        state = states.setdefault(owner, _Stored(dict(_EMPTY), None))
        state.data.update(event.change)
        state.data.update(stamp)
        state.at = event.created_at
    return states, decision


def _stamp_times(labels: list[_Stored]) -> None:
    """Set each folded label's ``labeled_at`` to its time in the models' JSON form."""
    stamped = [label for label in labels if label.at is not None]
    for label, text in zip(stamped, _TIMES.dump_python([label.at for label in stamped], mode="json"), strict=True):
        label.data["labeled_at"] = text


def _resolve(reviewers: Mapping[str, _Stored], decision: _Stored | None) -> tuple[_Stored, str | None] | None:
    """``domain.team.resolve`` on stored labels: the resolved label and its state (``None``: no label)."""
    if decision is not None:
        return decision, "adjudicated"
    if not reviewers:
        return None
    ordered = sorted(reviewers.items(), key=lambda item: (item[1].at.timestamp() if item[1].at else 0.0, item[0]))
    voting = [label for _, label in ordered if label.data["verdict"] is not None]
    if not voting:
        return ordered[-1][1], None
    if len(voting) == 1:
        return voting[0], "single"
    latest = voting[-1]
    if len({(label.data["verdict"], frozenset(label.data["root_causes"])) for label in voting}) == 1:
        return latest, "consensus"
    disputed = {
        **_EMPTY,
        "escalate": any(label.data["escalate"] for label in voting),
        "labeled_at": None,  # the latest's time, in JSON form by _stamp_times
        "schema_version": max(label.data["schema_version"] for label in voting),
    }
    return _Stored(disputed, latest.at), "disputed"
