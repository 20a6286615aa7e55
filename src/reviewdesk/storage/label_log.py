"""The label tables: the event log, each reviewer's label, the resolved label, assignments.

Every write goes the same way: append events (an event whose id is already here is skipped,
which makes merges idempotent), then rebuild the affected cases' labels from all their events
(``domain.team.case_labels``). Rebuilding rather than patching is what makes the result
independent of the order events arrived in. Plain SQLAlchemy Core only (no SQLite dialect), so
a PostgreSQL workspace can use the same functions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import orjson
from pydantic import TypeAdapter
from sqlalchemy import JSON, Connection, delete, func, insert, or_, select, type_coerce

from reviewdesk.domain.labels import Label, LabelChange
from reviewdesk.domain.taxonomy import Taxonomy
from reviewdesk.domain.team import CaseLabels, LabelEvent, case_labels, fold, resolve
from reviewdesk.storage import label_schemas
from reviewdesk.storage.tables import (
    AssignmentRow,
    CaseRootCauseRow,
    CaseRow,
    LabelEventRow,
    LabelRow,
    ReviewerLabelRow,
)

_IN_CHUNK = 500


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_CHANGES = TypeAdapter(list[LabelChange])
"""Validates a batch of stored changes in one call (per-row ``model_validate`` was a merge's cost)."""
_LABELS = TypeAdapter(list[Label])


def event_from_row(row: Any, change: LabelChange | None = None) -> LabelEvent:
    """A ``LabelEvent`` from a row with the ``label_events`` columns (``change``: already validated)."""
    return LabelEvent(
        event_id=row.event_id,
        at=row.created_at,
        reviewer=row.reviewer,
        # Only the stored keys count as set.
        change=LabelChange.model_validate(row.change) if change is None else change,
        schema_version=row.schema_version,
        seconds_spent=row.seconds_spent,
        kind=row.kind,
        label_of=row.label_of,
        settles=tuple(row.settles or ()),
    )


def events_from_rows(rows: Sequence[Any]) -> list[LabelEvent]:
    """``event_from_row`` over many rows, their changes validated as one batch."""
    changes = _CHANGES.validate_python([row.change for row in rows])
    return [event_from_row(row, change) for row, change in zip(rows, changes, strict=True)]


def events_from_json_rows(rows: Sequence[Any]) -> list[LabelEvent]:
    """``events_from_rows`` over rows as the driver gives them: ``change`` and ``settles`` JSON
    text (a server's ``json`` cast to text), ``created_at`` naive UTC. The changes are parsed and
    validated in one pass of pydantic's own JSON parser, rather than the driver's ``json.loads``
    per value and a validation after (issue 11: decoding was the largest part of a label write's
    client CPU on a case with dozens of events)."""
    if not rows:
        return []
    changes = _CHANGES.validate_json("[" + ",".join(row.change for row in rows) + "]")
    return [
        LabelEvent(
            event_id=row.event_id,
            at=row.created_at.replace(tzinfo=UTC),
            reviewer=row.reviewer,
            change=change,
            schema_version=row.schema_version,
            seconds_spent=row.seconds_spent,
            kind=row.kind,
            label_of=row.label_of,
            settles=() if row.settles is None else tuple(orjson.loads(row.settles) or ()),
        )
        for row, change in zip(rows, changes, strict=True)
    ]


def labels_from_data(datas: Sequence[Any]) -> list[Label]:
    """Stored labels (their ``data`` as parsed JSON), validated as one batch."""
    return _LABELS.validate_python(datas)


EVENT_COLUMNS = (
    LabelEventRow.event_rowid,
    LabelEventRow.case_rowid,
    LabelEventRow.event_id,
    LabelEventRow.created_at,
    LabelEventRow.reviewer,
    LabelEventRow.change,
    LabelEventRow.schema_version,
    LabelEventRow.seconds_spent,
    LabelEventRow.kind,
    LabelEventRow.label_of,
    LabelEventRow.settles,
)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event with its row ids in this workspace."""

    event_rowid: int
    case_rowid: int
    event: LabelEvent


def events_of(conn: Connection, case_rowids: Sequence[int]) -> dict[int, list[StoredEvent]]:
    """The events of these cases, each case's in event-id (time) order."""
    found: dict[int, list[StoredEvent]] = {rowid: [] for rowid in case_rowids}
    for chunk in _chunks(list(found)):
        rows = conn.execute(
            select(*EVENT_COLUMNS)
            .where(LabelEventRow.case_rowid.in_(chunk))
            .order_by(LabelEventRow.case_rowid, LabelEventRow.event_id)
        ).all()
        for row, event in zip(rows, events_from_rows(rows), strict=True):
            found[row.case_rowid].append(StoredEvent(row.event_rowid, row.case_rowid, event))
    return found


def latest_event_id(conn: Connection, case_rowid: int) -> str | None:
    value = conn.execute(
        select(func.max(LabelEventRow.event_id)).where(LabelEventRow.case_rowid == case_rowid)
    ).scalar()
    return str(value) if value else None


def cases_changed_since(
    conn: Connection, case_rowids: Sequence[int], label_of: str, after: str, *, exclude: Collection[str] = ()
) -> set[int]:
    """Of these cases, those with an event of ``label_of``'s label later than event id ``after``
    that is not one of ``exclude`` (a merge's conflicts: the reviewer changed the case here too)."""
    skip = set(exclude)
    found: set[int] = set()
    for chunk in _chunks(list(case_rowids)):
        rows = conn.execute(
            select(LabelEventRow.case_rowid, LabelEventRow.event_id).where(
                LabelEventRow.case_rowid.in_(chunk), LabelEventRow.label_of == label_of, LabelEventRow.event_id > after
            )
        )
        found.update(int(rowid) for rowid, event_id in rows if event_id not in skip)
    return found


def existing_event_ids(conn: Connection, event_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(event_ids)):
        found.update(conn.execute(select(LabelEventRow.event_id).where(LabelEventRow.event_id.in_(chunk))).scalars())
    return found


def event_values(case_rowid: int, event: LabelEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "case_rowid": case_rowid,
        "created_at": event.at,
        "reviewer": event.reviewer,
        "change": event.change.model_dump(mode="json", exclude_unset=True),
        "seconds_spent": event.seconds_spent,
        "schema_version": event.schema_version,
        "kind": event.kind,
        "label_of": event.label_of if event.kind == "label" else None,
        "settles": list(event.settles) if event.kind == "adjudication" else None,
    }


def append_events(conn: Connection, events: Sequence[tuple[int, LabelEvent]]) -> list[tuple[int, LabelEvent]]:
    """Append ``(case_rowid, event)`` pairs whose event id is not here yet; returns those added."""
    present = existing_event_ids(conn, [event.event_id for _, event in events])
    fresh: dict[str, tuple[int, LabelEvent]] = {}
    for case_rowid, event in events:
        if event.event_id not in present and event.event_id not in fresh:
            fresh[event.event_id] = (case_rowid, event)
    added = sorted(fresh.values(), key=lambda item: item[1].event_id)
    if added:
        conn.execute(insert(LabelEventRow), [event_values(rowid, event) for rowid, event in added])
    return added


def fold_stored(taxonomy: Taxonomy | None, events: Iterable[StoredEvent]) -> CaseLabels:
    """A case's labels folded from its events as read (what ``rebuild`` would write)."""
    return case_labels(read_events(taxonomy, (e.event for e in events)))


def read_events(taxonomy: Taxonomy | None, events: Iterable[LabelEvent]) -> list[LabelEvent]:
    """Events as the current taxonomy names their root causes and scores (renames applied).

    The stored events keep what they were written with; only the labels folded from them, which
    every reader reads, speak the current version.
    """
    if taxonomy is None or not taxonomy.former_names():
        return list(events)
    return [replace(e, change=taxonomy.read_change(e.change)) for e in events]


def rebuild(
    conn: Connection,
    case_rowids: Sequence[int],
    events: dict[int, list[StoredEvent]] | None = None,
    *,
    taxonomy: Taxonomy | None = None,
) -> dict[int, CaseLabels]:
    """Rewrite the reviewer labels, resolved label and root-cause rows of these cases from their events.

    ``events``: the cases' events as ``events_of`` just read them in this transaction (saves reading
    twice); ``taxonomy``: the newest label schema, as read in this transaction (else read here).
    """
    rowids = list(dict.fromkeys(case_rowids))
    if events is None:
        events = events_of(conn, rowids)
    if taxonomy is None:
        taxonomy = label_schemas.latest_or_none(conn)
    folded = {rowid: case_labels(read_events(taxonomy, (e.event for e in events[rowid]))) for rowid in rowids}
    latest = {rowid: max(e.event_rowid for e in events[rowid]) for rowid in rowids if events[rowid]}
    for chunk in _chunks(rowids):
        conn.execute(delete(ReviewerLabelRow).where(ReviewerLabelRow.case_rowid.in_(chunk)))
    _write(conn, folded, latest, {rowid: set(labels.by_reviewer) for rowid, labels in folded.items()})
    return folded


def rebuild_changed(conn: Connection, changed: Mapping[int, Collection[str | None]]) -> dict[int, CaseLabels]:
    """What ``rebuild`` writes, after events were added to these cases' labels of these owners.

    ``changed``: case row id -> the ``label_of`` of each added event (``None`` for an adjudication).
    Only those reviewers' labels (and the adjudication) are folded again from their events; the
    case's other reviewer labels are unchanged by the new events, so they are read as stored
    rather than refolded. A merge adds one reviewer's events to thousands of cases, and
    refolding every reviewer of each case was most of its time. The result is the full
    rebuild's (tests hold the two together).
    """
    rowids = list(changed)
    owners = sorted({o for names in changed.values() for o in names if o is not None})
    taxonomy = label_schemas.latest_or_none(conn)
    folded: dict[int, CaseLabels] = {}
    latest: dict[int, int] = {}
    for chunk in _chunks(rowids):
        # The changed owners' events and every adjudication (a decision stands over the reviewers).
        rows = conn.execute(
            select(*EVENT_COLUMNS)
            .where(
                LabelEventRow.case_rowid.in_(chunk),
                or_(
                    LabelEventRow.label_of.in_(owners),
                    LabelEventRow.reviewer.in_(owners),  # a label event without label_of is its reviewer's
                    LabelEventRow.kind == "adjudication",
                ),
            )
            .order_by(LabelEventRow.case_rowid, LabelEventRow.event_id)
        ).all()
        refold: dict[int, list[LabelEvent]] = {rowid: [] for rowid in chunk}
        for row, event in zip(rows, events_from_rows(rows), strict=True):
            if event.kind == "adjudication" or (event.label_of or event.reviewer) in changed[row.case_rowid]:
                refold[row.case_rowid].append(event)
        kept: dict[int, dict[str, Label]] = {rowid: {} for rowid in chunk}
        stored = conn.execute(
            select(ReviewerLabelRow.case_rowid, ReviewerLabelRow.reviewer, ReviewerLabelRow.data).where(
                ReviewerLabelRow.case_rowid.in_(chunk)
            )
        ).all()
        others = [row for row in stored if row.reviewer not in changed[row.case_rowid]]
        for row, label in zip(others, _LABELS.validate_python([row.data for row in others]), strict=True):
            kept[row.case_rowid][row.reviewer] = label
        latest.update(
            (int(rowid), int(last))
            for rowid, last in conn.execute(
                select(LabelEventRow.case_rowid, func.max(LabelEventRow.event_rowid))
                .where(LabelEventRow.case_rowid.in_(chunk))
                .group_by(LabelEventRow.case_rowid)
            )
        )
        for rowid in chunk:
            mine, decision = fold(read_events(taxonomy, refold[rowid]))
            folded[rowid] = resolve({**kept[rowid], **mine}, decision)
        for owner in owners:
            hit = [rowid for rowid in chunk if owner in changed[rowid]]
            if hit:
                conn.execute(
                    delete(ReviewerLabelRow).where(
                        ReviewerLabelRow.case_rowid.in_(hit), ReviewerLabelRow.reviewer == owner
                    )
                )
    _write(conn, folded, latest, {rowid: {o for o in names if o is not None} for rowid, names in changed.items()})
    return folded


def _write(
    conn: Connection,
    folded: Mapping[int, CaseLabels],
    latest: Mapping[int, int],
    reviewers: Mapping[int, Collection[str]],
) -> None:
    """Write the folded labels of these cases: the resolved label and root causes whole, and the
    reviewer labels of ``reviewers`` (whose rows the caller has removed)."""
    rowids = list(folded)
    for chunk in _chunks(rowids):
        conn.execute(delete(LabelRow).where(LabelRow.case_rowid.in_(chunk)))
        conn.execute(delete(CaseRootCauseRow).where(CaseRootCauseRow.case_rowid.in_(chunk)))
    reviewer_rows, label_rows, cause_rows = derived_rows(folded, latest, reviewers)
    for table, rows in ((ReviewerLabelRow, reviewer_rows), (LabelRow, label_rows), (CaseRootCauseRow, cause_rows)):
        if rows:
            conn.execute(insert(table), rows)


Rows = list[dict[str, Any]]


def derived_rows(
    folded: Mapping[int, CaseLabels], latest: Mapping[int, int], reviewers: Mapping[int, Collection[str]]
) -> tuple[Rows, Rows, Rows]:
    """The ``reviewer_labels``, ``labels`` and ``case_root_causes`` rows of these folded labels."""
    rowids = list(folded)
    written = [(rowid, who, folded[rowid].by_reviewer[who]) for rowid in rowids for who in sorted(reviewers[rowid])]
    reviewer_rows = [
        {"case_rowid": rowid, "reviewer": who, "verdict": label.verdict, "labeled_at": label.labeled_at, "data": data}
        for (rowid, who, label), data in zip(
            written, _LABELS.dump_python([label for _, _, label in written], mode="json"), strict=True
        )
    ]
    resolved = [(rowid, labels, labels.resolved) for rowid, labels in folded.items() if labels.resolved is not None]
    label_rows: Rows = []
    cause_rows: Rows = []
    datas = _LABELS.dump_python([label for _, _, label in resolved], mode="json")
    for (rowid, labels, label), data in zip(resolved, datas, strict=True):
        label_rows.append(
            {
                "case_rowid": rowid,
                "verdict": label.verdict,
                "escalate": label.escalate,
                "reviewer": label.reviewer,
                "labeled_at": label.labeled_at,
                "data": data,
                # The case's latest event in this workspace (what the consistency check expects).
                "last_event_rowid": latest[rowid],
                "resolution": labels.resolution,
            }
        )
        cause_rows.extend({"case_rowid": rowid, "root_cause": rc} for rc in dict.fromkeys(label.root_causes))
    return reviewer_rows, label_rows, cause_rows


# -- reads ------------------------------------------------------------------------------------------


def reviewer_labels(conn: Connection, case_rowids: Sequence[int]) -> dict[int, dict[str, Label]]:
    """Each reviewer's current label of these cases."""
    found: dict[int, dict[str, Label]] = {rowid: {} for rowid in case_rowids}
    for chunk in _chunks(list(found)):
        rows = conn.execute(
            select(ReviewerLabelRow.case_rowid, ReviewerLabelRow.reviewer, ReviewerLabelRow.data)
            .where(ReviewerLabelRow.case_rowid.in_(chunk))
            .order_by(ReviewerLabelRow.case_rowid, ReviewerLabelRow.reviewer)
        )
        for rowid, reviewer, data in rows:
            found[rowid][reviewer] = Label.model_validate(data)
    return found


def resolutions(conn: Connection, case_rowids: Sequence[int]) -> dict[int, str | None]:
    """The resolution state of these cases (``None``: no verdict yet, or no label)."""
    found: dict[int, str | None] = dict.fromkeys(case_rowids)
    for chunk in _chunks(list(found)):
        rows = conn.execute(select(LabelRow.case_rowid, LabelRow.resolution).where(LabelRow.case_rowid.in_(chunk)))
        found.update({rowid: resolution for rowid, resolution in rows})
    return found


@dataclass(frozen=True, slots=True)
class RatingRow:
    """One reviewer's label of one case, reduced to what agreement figures compare."""

    case_rowid: int
    reviewer: str
    verdict: str | None
    root_causes: tuple[str, ...]
    scores: dict[str, int]


def rating_rows(conn: Connection, case_rowids: Sequence[int] | None = None) -> list[RatingRow]:
    """Every reviewer label (of these cases, or of all) for agreement figures, by case then reviewer."""
    statement = select(ReviewerLabelRow.case_rowid, ReviewerLabelRow.reviewer, ReviewerLabelRow.data).order_by(
        ReviewerLabelRow.case_rowid, ReviewerLabelRow.reviewer
    )
    batches: Iterable[Any]
    if case_rowids is None:
        batches = [conn.execute(statement)]
    else:
        batches = (
            conn.execute(statement.where(ReviewerLabelRow.case_rowid.in_(c))) for c in _chunks(list(case_rowids))
        )
    rows: list[RatingRow] = []
    for batch in batches:
        for rowid, reviewer, data in batch:
            rows.append(
                RatingRow(
                    case_rowid=rowid,
                    reviewer=reviewer,
                    verdict=data.get("verdict"),
                    root_causes=tuple(data.get("root_causes") or ()),
                    scores=dict(data.get("scores") or {}),
                )
            )
    return rows


@dataclass(frozen=True, slots=True)
class RatingColumns:
    """Every reviewer label for agreement figures, column by column (row ``n`` is one label).

    Root causes and scores are held once per distinct stored value: row ``n``'s root causes are
    ``cause_sets[cause_code[n]]`` and its scores ``score_sets[score_code[n]]``. A workspace has a
    handful of distinct ones for 100,000 labels, so each is decoded once, and agreement builds
    every root-cause dimension from one (distinct sets x causes) table."""

    case_rowid: list[int]
    reviewer: list[str]
    verdict: list[str | None]
    cause_code: list[int]
    cause_sets: list[tuple[str, ...]]
    score_code: list[int]
    score_sets: list[dict[str, int]]

    @classmethod
    def from_rows(cls, rows: Sequence[RatingRow]) -> RatingColumns:
        causes: dict[tuple[str, ...], int] = {}
        scores: dict[tuple[tuple[str, int], ...], int] = {}
        score_sets: list[dict[str, int]] = []
        score_code = []
        for row in rows:
            key = tuple(row.scores.items())
            if key not in scores:
                scores[key] = len(score_sets)
                score_sets.append(dict(row.scores))
            score_code.append(scores[key])
        return cls(
            case_rowid=[r.case_rowid for r in rows],
            reviewer=[r.reviewer for r in rows],
            verdict=[r.verdict for r in rows],
            cause_code=[causes.setdefault(r.root_causes, len(causes)) for r in rows],
            cause_sets=list(causes),
            score_code=score_code,
            score_sets=score_sets,
        )


def _json_member(value: Any) -> Any:
    # SQLite hands the extracted member back as JSON text, PostgreSQL's ->> as the stored text.
    return None if value is None else orjson.loads(value)


def _distinct(texts: Sequence[Any]) -> tuple[list[int], list[Any]]:
    """Each value's code among the distinct values, in order of first appearance, and those values."""
    distinct = list(dict.fromkeys(texts))
    codes = {text: n for n, text in enumerate(distinct)}
    return list(map(codes.__getitem__, texts)), distinct


def rating_columns(conn: Connection, case_rowids: Sequence[int] | None = None) -> RatingColumns:
    """``rating_rows`` as columns, in one query per chunk that reads the verdict column and only
    the root causes and scores out of each label's JSON, as text (parsing the whole label was
    most of the time agreement over 100,000 cases took). The rows come straight from the
    driver's cursor: every column is a plain integer or text with no result processing, and
    SQLAlchemy's row objects were half the read's time. Each distinct text is decoded once."""
    data = type_coerce(ReviewerLabelRow.data, JSON)
    statement = select(
        ReviewerLabelRow.case_rowid,
        ReviewerLabelRow.reviewer,
        ReviewerLabelRow.verdict,
        data["root_causes"].as_string(),
        data["scores"].as_string(),
    ).order_by(ReviewerLabelRow.case_rowid, ReviewerLabelRow.reviewer)
    statements = (
        [statement]
        if case_rowids is None
        else [statement.where(ReviewerLabelRow.case_rowid.in_(c)) for c in _chunks(list(case_rowids))]
    )
    rows: list[Any] = []
    for each in statements:
        result = conn.execute(each)
        rows.extend(result.cursor.fetchall())
        result.close()
    case_rowid, reviewer, verdict, causes, scores = (list(map(itemgetter(n), rows)) for n in range(5))
    cause_code, cause_texts = _distinct(causes)
    score_code, score_texts = _distinct(scores)
    return RatingColumns(
        case_rowid=case_rowid,
        reviewer=reviewer,
        verdict=verdict,
        cause_code=cause_code,
        cause_sets=[tuple(_json_member(t) or ()) for t in cause_texts],
        score_code=score_code,
        score_sets=[dict(_json_member(t) or {}) for t in score_texts],
    )


def case_rowids_by_id(conn: Connection, case_ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(list(case_ids)):
        found.update(
            {
                case_id: rowid
                for case_id, rowid in conn.execute(
                    select(CaseRow.case_id, CaseRow.case_rowid).where(CaseRow.case_id.in_(chunk))
                )
            }
        )
    return found


# -- assignments ------------------------------------------------------------------------------------


def assignments(conn: Connection, *, reviewer: str | None = None) -> list[tuple[int, str, str, datetime]]:
    """``(case_rowid, case_id, reviewer, assigned_at)`` of every assignment (of one reviewer), by case id."""
    statement = (
        select(AssignmentRow.case_rowid, CaseRow.case_id, AssignmentRow.reviewer, AssignmentRow.assigned_at)
        .join(CaseRow, CaseRow.case_rowid == AssignmentRow.case_rowid)
        .order_by(CaseRow.case_id, AssignmentRow.reviewer)
    )
    if reviewer is not None:
        statement = statement.where(AssignmentRow.reviewer == reviewer)
    return [(int(r), str(c), str(who), at) for r, c, who, at in conn.execute(statement)]


def add_assignments(conn: Connection, rows: Sequence[tuple[int, str]], at: datetime) -> None:
    if rows:
        conn.execute(
            insert(AssignmentRow), [{"case_rowid": rowid, "reviewer": who, "assigned_at": at} for rowid, who in rows]
        )


def remove_assignments(conn: Connection, case_rowids: Sequence[int]) -> None:
    for chunk in _chunks(list(case_rowids)):
        conn.execute(delete(AssignmentRow).where(AssignmentRow.case_rowid.in_(chunk)))


def labeled_pairs(conn: Connection) -> set[tuple[int, str]]:
    """``(case_rowid, reviewer)`` of every reviewer label with a verdict (a reviewer is done with a case)."""
    rows = conn.execute(
        select(ReviewerLabelRow.case_rowid, ReviewerLabelRow.reviewer).where(ReviewerLabelRow.verdict.is_not(None))
    )
    return {(int(rowid), str(who)) for rowid, who in rows}


_STRATUM_COLUMNS = {"workflow": CaseRow.workflow, "release": CaseRow.release, "tenant": CaseRow.tenant}


def case_strata(conn: Connection, case_rowids: Sequence[int], by: str) -> dict[int, tuple[str, ...]]:
    """The stratum names of each case for sampling: its workflow, release, tenant or resolved root causes."""
    found: dict[int, list[str]] = {rowid: [] for rowid in case_rowids}
    for chunk in _chunks(list(found)):
        if by == "root-cause":
            rows = conn.execute(
                select(CaseRootCauseRow.case_rowid, CaseRootCauseRow.root_cause).where(
                    CaseRootCauseRow.case_rowid.in_(chunk)
                )
            )
        else:
            column = _STRATUM_COLUMNS[by]
            rows = conn.execute(select(CaseRow.case_rowid, column).where(CaseRow.case_rowid.in_(chunk)))
        for rowid, value in rows:
            if value is not None:
                found[rowid].append(str(value))
    return {rowid: tuple(sorted(values)) for rowid, values in found.items()}


def assignment_progress(conn: Connection, reviewer: str) -> tuple[int, int]:
    """``(done, assigned)``: the reviewer's assigned cases, and how many of them have their verdict."""
    assigned = select(AssignmentRow.case_rowid).where(AssignmentRow.reviewer == reviewer)
    total = conn.execute(select(func.count()).select_from(assigned.subquery())).scalar_one()
    done = conn.execute(
        select(func.count())
        .select_from(ReviewerLabelRow)
        .where(
            ReviewerLabelRow.reviewer == reviewer,
            ReviewerLabelRow.verdict.is_not(None),
            ReviewerLabelRow.case_rowid.in_(assigned),
        )
    ).scalar_one()
    return int(done), int(total)
