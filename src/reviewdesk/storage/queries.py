"""Read paths of the workspace: functions that take a ``Session`` and return plain objects."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from reviewdesk.domain.case import CASE_FORMAT_VERSION, Case, LabelHistoryEvent
from reviewdesk.domain.labels import Label, LabelChange
from reviewdesk.domain.queries import CaseFilter, CaseSummary, Count, Facets, WorkspaceStats
from reviewdesk.domain.spans import RawSpan
from reviewdesk.domain.team import RESOLVED_STATES
from reviewdesk.normalize.facts import add_case_facts
from reviewdesk.storage import search
from reviewdesk.storage.tables import (
    AssignmentRow,
    CaseRootCauseRow,
    CaseRow,
    ImportRecord,
    LabelEventRow,
    LabelRow,
    ReviewerLabelRow,
    SpanRow,
    TraceRow,
)
from reviewdesk.storage.writes import row_to_span

# The cost a case is sorted by: the trace's own, else the estimate (index ix_cases_cost).
COST_ORDER = func.coalesce(CaseRow.cost_usd, CaseRow.estimated_cost_usd)

_SORT_COLUMNS: dict[str, Any] = {
    "started": CaseRow.started_at,
    "cost": COST_ORDER,
    "latency": CaseRow.latency_ms,
    "tokens": CaseRow.total_tokens,
}


def _filtered(statement: Select[Any], flt: CaseFilter, *, probe_text: bool = False) -> Select[Any]:
    """Add the filter's conditions; ``statement`` must outer-join ``LabelRow`` on the case.

    ``probe_text`` writes the search condition so that SQLite cannot use it to pick rows (the
    unary ``+``): it then walks the sort column's index and checks each row against the matches,
    which beats fetching every match and sorting when there are thousands of them.
    """
    for attribute, value in (
        (CaseRow.workflow, flt.workflow),
        (CaseRow.release, flt.release),
        (CaseRow.model, flt.model),
        (CaseRow.tenant, flt.tenant),
        (CaseRow.status, flt.status),
        (CaseRow.error_type, flt.error_type),
    ):
        if value is not None:
            statement = statement.where(attribute == value)
    # A case counts as reviewed once it has a verdict: a comment alone, or a label undone back to
    # nothing, leaves it in the unreviewed queue.
    # A disputed case has no resolved verdict, but its reviewers have given theirs: it is reviewed.
    # Blind review: a case whose other labels the reviewer may not see yet reads as unlabeled.
    hidden = CaseRow.case_rowid.in_(blinded_cases(flt.blind_for)) if flt.blind_for is not None else None

    def seen(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return condition if hidden is None else and_(condition, ~hidden)

    disputed = LabelRow.resolution == "disputed"
    if flt.review == "unreviewed":
        unlabeled = and_(LabelRow.verdict.is_(None), or_(LabelRow.resolution.is_(None), ~disputed))
        statement = statement.where(unlabeled if hidden is None else or_(unlabeled, hidden))
    elif flt.review == "labeled":
        statement = statement.where(seen(or_(LabelRow.verdict.is_not(None), disputed)))
    elif flt.review == "flagged":
        statement = statement.where(seen(LabelRow.escalate.is_(True)))
    if flt.verdict is not None:
        statement = statement.where(seen(LabelRow.verdict == flt.verdict))
    if flt.worst:
        statement = statement.where(or_(CaseRow.status == "error", seen(LabelRow.verdict == "fail")))
    if flt.resolution is not None:
        statement = statement.where(seen(LabelRow.resolution == flt.resolution))
    if flt.resolved_only:
        statement = statement.where(seen(LabelRow.resolution.in_(RESOLVED_STATES)))
    if flt.assigned_to is not None:
        statement = statement.where(
            CaseRow.case_rowid.in_(select(AssignmentRow.case_rowid).where(AssignmentRow.reviewer == flt.assigned_to))
        )
    if flt.pending_for is not None:
        statement = statement.where(
            CaseRow.case_rowid.not_in(
                select(ReviewerLabelRow.case_rowid).where(
                    ReviewerLabelRow.reviewer == flt.pending_for, ReviewerLabelRow.verdict.is_not(None)
                )
            )
        )
    if flt.root_cause is not None:
        statement = statement.where(
            seen(
                CaseRow.case_rowid.in_(
                    select(CaseRootCauseRow.case_rowid).where(CaseRootCauseRow.root_cause == flt.root_cause)
                )
            )
        )
    if flt.text:
        # Only punctuation typed: nothing can match (and FTS5 would reject an empty query).
        statement = statement.where(CaseRow.case_rowid.in_(search.matching_rowids(flt.text)))
    return statement


def blinded_cases(reviewer: str) -> Select[Any]:
    """Row ids of the cases whose labels ``reviewer`` may not see under blind review.

    Someone else labeled the case (or an adjudicator decided it) and ``reviewer`` has not given a
    verdict of their own yet (docs/team-review.md, "Blind review").
    """
    others = select(ReviewerLabelRow.case_rowid).where(ReviewerLabelRow.reviewer != reviewer)
    decided = select(LabelRow.case_rowid).where(LabelRow.resolution == "adjudicated")
    done = select(ReviewerLabelRow.case_rowid).where(
        ReviewerLabelRow.reviewer == reviewer, ReviewerLabelRow.verdict.is_not(None)
    )
    return (
        select(CaseRow.case_rowid)
        .where(or_(CaseRow.case_rowid.in_(others), CaseRow.case_rowid.in_(decided)))
        .where(CaseRow.case_rowid.not_in(done))
    )


def blinded_set(session: Session, reviewer: str) -> set[int]:
    """Every case whose labels ``reviewer`` may not see under blind review."""
    return {int(rowid) for rowid in session.execute(blinded_cases(reviewer)).scalars()}


def blinded_among(session: Session, reviewer: str, case_rowids: Sequence[int]) -> set[int]:
    """Which of these cases' labels ``reviewer`` may not see under blind review."""
    found: set[int] = set()
    for start in range(0, len(case_rowids), 500):
        chunk = list(case_rowids[start : start + 500])
        statement = blinded_cases(reviewer).where(CaseRow.case_rowid.in_(chunk))
        found.update(int(rowid) for rowid in session.execute(statement).scalars())
    return found


def _order(flt: CaseFilter) -> list[Any]:
    # Ties go to case_rowid, which every SQLite index carries, so "ORDER BY <indexed column>,
    # case_rowid" is read straight from the index (no sort of a million rows per page). NULLs sort
    # as the index stores them: first ascending, last descending.
    column = _SORT_COLUMNS[flt.sort]
    if flt.descending:
        return [column.desc(), CaseRow.case_rowid.desc()]
    return [column.asc(), CaseRow.case_rowid.asc()]


_SUMMARY_COLUMNS = (
    CaseRow.case_rowid,
    CaseRow.case_id,
    TraceRow.trace_id,
    CaseRow.started_at,
    CaseRow.status,
    CaseRow.workflow,
    CaseRow.release,
    CaseRow.model,
    CaseRow.latency_ms,
    CaseRow.total_tokens,
    CaseRow.cost_usd,
    CaseRow.error_type,
    CaseRow.user_request,
    CaseRow.tool_calls,
    CaseRow.tool_errors,
    CaseRow.documents,
    LabelRow.verdict,
    LabelRow.escalate,
    LabelRow.data,
    CaseRow.estimated_cost_usd,
    LabelRow.resolution,
)


def _summary(row: Any) -> CaseSummary:
    label_data = row[18] or {}
    return CaseSummary(
        case_rowid=row[0],
        case_id=row[1],
        trace_id=row[2],
        started_at=row[3],
        status=row[4],
        workflow=row[5],
        release=row[6],
        model=row[7],
        latency_ms=row[8],
        total_tokens=row[9],
        cost_usd=row[10],
        error_type=row[11],
        user_request=row[12],
        tool_calls=row[13],
        tool_errors=row[14],
        documents=row[15],
        verdict=row[16],
        escalate=bool(row[17]),
        root_causes=tuple(label_data.get("root_causes", [])),
        estimated_cost_usd=row[19],
        resolution=row[20],
    )


def _summary_select() -> Select[Any]:
    # Named columns only: the ``data`` JSON of a case is large and is not needed for a list row.
    return (
        select(*_SUMMARY_COLUMNS)
        .join(TraceRow, TraceRow.trace_rowid == CaseRow.trace_rowid)
        .outerjoin(LabelRow, LabelRow.case_rowid == CaseRow.case_rowid)
    )


def _stable_order(flt: CaseFilter) -> list[Any]:
    # Lists and exports: NULLs last, ties by case id, so the same cases come out in the same
    # order in any workspace, whatever order they were imported in.
    column = _SORT_COLUMNS[flt.sort]
    first = column.desc().nulls_last() if flt.descending else column.asc().nulls_last()
    return [first, CaseRow.case_id]


def list_cases(session: Session, flt: CaseFilter, *, limit: int | None = None, offset: int = 0) -> list[CaseSummary]:
    """Cases matching ``flt`` in the filter's order (ties broken by case id, so the order is stable).

    For the CLI and exports. The GUI queue pages through ``list_case_rowids``, whose order is
    built for index scans on a million cases instead.
    """
    statement = _filtered(_summary_select(), flt).order_by(*_stable_order(flt)).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return [_summary(row) for row in session.execute(statement)]


COUNT_CAP = 10_000
"""A queue's count stops at this many cases (the window says "10,000+ cases"), on both engines.

Counting is the cost of a big queue, not its page: a word in half of a million cases took 6 s to
count on PostgreSQL, where a page of it takes milliseconds. Past this, a reviewer learns nothing
from the exact figure that "more than 10,000" does not say (``reviewdesk stats`` has the totals).
"""
BROAD_SEARCH = COUNT_CAP
"""Above this many full-text matches, a queue page is read in index order (see ``list_case_rowids``):
the count that says "10,000+" also says the matches are too many to sort for every page."""
FEW_MATCHES = 2_000
"""Up to this many matches, fetching them all and sorting is the fastest plan."""

_FTS = search.SEARCH_TABLE


def _match_count(session: Session, condition: ColumnElement[bool], cap: int) -> int:
    capped = select(func.count()).select_from(
        select(literal(1)).select_from(_FTS).where(condition).limit(cap).subquery()
    )
    with search.index_plan(session):
        return int(session.execute(capped).scalar_one())


def search_in_index_order(session: Session, flt: CaseFilter, *, matches: int | None = None) -> bool:
    """Whether ``list_case_rowids`` lists ``flt``'s matches in import order rather than by its sort.

    ``matches``: the search's match count up to ``BROAD_SEARCH + 1``, if the caller has it (the
    count of a search alone, ``count_cases`` with ``cap=COUNT_CAP``), so it is not counted twice.
    """
    condition = search.matches(flt.text) if flt.text else None
    if condition is None:
        return False
    if flt.sort == "started":
        return True
    return (matches if matches is not None else _match_count(session, condition, BROAD_SEARCH + 1)) > BROAD_SEARCH


def queue_figures(session: Session, flt: CaseFilter, *, cap: int) -> tuple[int, int, bool]:
    """The queue bar's figures of ``flt``: its count and how many are reviewed, each up to ``cap + 1``,
    and whether its search is listed in import order; on PostgreSQL under one plan for searches."""
    with search.index_plan(session) if flt.text else nullcontext():
        count = count_cases(session, flt, cap=cap)
        reviewed = count_reviewed(session, flt, cap=cap)
        matches = count if search_alone(flt) and cap == BROAD_SEARCH else None  # the same count: not twice
        return count, reviewed, search_in_index_order(session, flt, matches=matches)


def search_alone(flt: CaseFilter) -> bool:
    """``flt`` is a search and nothing else (its order aside): its matches are its cases."""
    return bool(flt.text) and replace(flt, text=None, sort="started", descending=False) == _ALL


def list_case_rowids(session: Session, flt: CaseFilter, *, limit: int, offset: int = 0) -> list[int]:
    """One page of the ordered ids of matching cases: what the lazy queue model holds.

    Without a search, pages are read along the sort column's index. With one, the plan depends
    on how much it matches, because sorting half a million matches ("refund" in a million
    support chats) for every page would take a second:

    * chronological queues, and searches matching more than ``BROAD_SEARCH`` cases, read their
      pages straight out of the full-text index, in case (import) order — the cost of a page is
      the page. Imports are mostly chronological, so this is close to "oldest first";
    * up to ``FEW_MATCHES`` matches are fetched and sorted;
    * in between, the sort column's index is walked and each row checked against the matches.
    """
    condition = search.matches(flt.text) if flt.text else None
    if condition is not None:
        count = BROAD_SEARCH + 1 if flt.sort == "started" else _match_count(session, condition, BROAD_SEARCH + 1)
        if count > BROAD_SEARCH:
            order = _FTS.c.rowid.desc() if flt.descending else _FTS.c.rowid.asc()
            if search_alone(flt):  # no join: every row of the search table is a case
                alone = select(_FTS.c.rowid).where(condition).order_by(order).limit(limit).offset(offset)
                with search.page_plan(session, str(flt.text)):
                    return [int(rowid) for rowid in session.execute(alone).scalars()]
            statement = (
                select(CaseRow.case_rowid)
                .select_from(_FTS)
                .join(CaseRow, CaseRow.case_rowid == _FTS.c.rowid)
                .outerjoin(LabelRow, LabelRow.case_rowid == CaseRow.case_rowid)
                .where(condition)
                .order_by(order)
                .limit(limit)
                .offset(offset)
            )
            with search.page_plan(session, str(flt.text)):
                return [int(rowid) for rowid in session.execute(_filtered(statement, flt.with_(text=None))).scalars()]
        probe = count > FEW_MATCHES
    else:
        probe = False
    statement = (
        select(CaseRow.case_rowid)
        .outerjoin(LabelRow, LabelRow.case_rowid == CaseRow.case_rowid)
        .order_by(*_order(flt))
        .limit(limit)
        .offset(offset)
    )
    with search.index_plan(session) if condition is not None else nullcontext():
        return [int(rowid) for rowid in session.execute(_filtered(statement, flt, probe_text=probe)).scalars()]


def summaries_by_rowid(session: Session, rowids: list[int]) -> dict[int, CaseSummary]:
    """Summaries of the given cases (missing ones are left out)."""
    result: dict[int, CaseSummary] = {}
    for start in range(0, len(rowids), 500):
        chunk = rowids[start : start + 500]
        for row in session.execute(_summary_select().where(CaseRow.case_rowid.in_(chunk))):
            summary = _summary(row)
            result[summary.case_rowid] = summary
    return result


def count_cases(session: Session, flt: CaseFilter, *, cap: int | None = None) -> int:
    """How many cases match ``flt``; with ``cap``, counting stops past it (at most ``cap + 1``)."""
    condition = search.matches(flt.text) if flt.text else None
    if condition is not None and cap is not None and search_alone(flt):
        # A search alone: every row of the search table is a case, so its matches are the count
        # (without a join to ``cases`` per match, which was most of the time on PostgreSQL).
        return _match_count(session, condition, cap + 1)
    return _count(session, _filtered(_case_rows(), flt), cap, searched=bool(flt.text))


_ALL = CaseFilter()


def count_reviewed(session: Session, flt: CaseFilter, *, cap: int | None = None) -> int:
    """How many cases of ``flt`` are reviewed (a verdict, or disputed: the queue's "n of N reviewed");
    with ``cap``, counting stops past it (at most ``cap + 1``)."""
    reviewed = or_(LabelRow.verdict.is_not(None), LabelRow.resolution == "disputed")
    if flt.blind_for is not None:  # what blind review hides is not reviewed, as far as this reviewer knows
        reviewed = and_(reviewed, CaseRow.case_rowid.not_in(blinded_cases(flt.blind_for)))
    return _count(session, _filtered(_case_rows(), flt).where(reviewed), cap, searched=bool(flt.text))


def _case_rows() -> Select[Any]:
    return select(literal(1)).select_from(CaseRow).outerjoin(LabelRow, LabelRow.case_rowid == CaseRow.case_rowid)


def _count(session: Session, rows: Select[Any], cap: int | None, *, searched: bool) -> int:
    # The capped form stops reading at cap + 1 rows: its cost is bounded whatever the queue holds.
    bounded = rows if cap is None else rows.limit(cap + 1)
    with search.index_plan(session) if searched else nullcontext():
        return int(session.execute(select(func.count()).select_from(bounded.subquery())).scalar_one())


def facets(session: Session, *, blind_for: str | None = None) -> Facets:
    """Distinct workflows, releases, models, error types and root causes, most frequent first.

    ``blind_for``: root causes are counted only on the cases whose labels that reviewer may see.
    """
    errors = session.execute(
        select(CaseRow.error_type, func.count())
        .where(CaseRow.status == "error")
        .group_by(CaseRow.error_type)
        .order_by(func.count().desc(), CaseRow.error_type)
    )
    return Facets(
        workflows=_counts(session, CaseRow.workflow),
        releases=_counts(session, CaseRow.release),
        models=_counts(session, CaseRow.model),
        error_types=[Count(key=key, count=int(n)) for key, n in errors if key is not None],
        root_causes=_root_cause_counts(session, blind_for),
    )


def _root_cause_counts(session: Session, blind_for: str | None) -> list[Count]:
    if blind_for is None:
        return _counts(session, CaseRootCauseRow.root_cause)
    column = CaseRootCauseRow.root_cause
    rows = session.execute(
        select(column, func.count())
        .where(CaseRootCauseRow.case_rowid.not_in(blinded_cases(blind_for)))
        .group_by(column)
        .order_by(func.count().desc(), column)
    )
    return [Count(key=key, count=int(n)) for key, n in rows]


def find_case_rowid(session: Session, ref: str) -> int | None:
    """A case by case id, full trace id, or an unambiguous prefix of either.

    Each column is looked up on its own unique index: an ``OR`` across the join would make SQLite
    scan every case, which on a million cases costs most of a second per label write.
    """
    ref = ref.strip().lower()
    if not ref:
        return None
    exact = session.execute(select(CaseRow.case_rowid).where(CaseRow.case_id == ref)).scalar()
    if exact is None:
        exact = session.execute(
            select(CaseRow.case_rowid)
            .join(TraceRow, TraceRow.trace_rowid == CaseRow.trace_rowid)
            .where(TraceRow.trace_id == ref)
        ).scalar()
    if exact is not None:
        return int(exact)
    # Prefixes as index range scans (LIKE would not use the index under SQLite's default collation).
    upper = ref + "\uffff"
    by_case = (
        session.execute(select(CaseRow.case_rowid).where(CaseRow.case_id >= ref, CaseRow.case_id < upper).limit(2))
        .scalars()
        .all()
    )
    by_trace = (
        session.execute(
            select(CaseRow.case_rowid)
            .join(TraceRow, TraceRow.trace_rowid == CaseRow.trace_rowid)
            .where(TraceRow.trace_id >= ref, TraceRow.trace_id < upper)
            .limit(2)
        )
        .scalars()
        .all()
    )
    matches = set(by_case) | set(by_trace)
    return int(matches.pop()) if len(matches) == 1 else None


def load_case(session: Session, case_rowid: int) -> Case:
    row = session.get_one(CaseRow, case_rowid)
    label = session.get(LabelRow, case_rowid)
    case = Case.model_validate(row.data)
    if case.format_version < CASE_FORMAT_VERSION:
        add_case_facts(case)  # not rebuilt yet (read-only, or merged from an older package): same rules
    if label is not None:
        case.labels = Label.model_validate(label.data)
        case.resolution = label.resolution  # type: ignore[assignment]  # the table's check keeps it valid
    return case


def label_histories(session: Session, case_rowids: Sequence[int]) -> dict[int, list[LabelHistoryEvent]]:
    """The label events of these cases in the order they fold in (``[]`` for a case without any).

    One query: callers pass a bounded chunk of row ids (SQLite limits bound parameters).
    """
    found: dict[int, list[LabelHistoryEvent]] = {rowid: [] for rowid in case_rowids}
    rows = session.execute(
        select(
            LabelEventRow.case_rowid,
            LabelEventRow.created_at,
            LabelEventRow.reviewer,
            LabelEventRow.seconds_spent,
            LabelEventRow.schema_version,
            LabelEventRow.change,
            LabelEventRow.event_id,
            LabelEventRow.kind,
            LabelEventRow.label_of,
            LabelEventRow.settles,
        )
        .where(LabelEventRow.case_rowid.in_(list(found)))
        .order_by(LabelEventRow.case_rowid, LabelEventRow.event_id)
    )
    for rowid, at, reviewer, seconds, schema_version, change, event_id, kind, label_of, settles in rows:
        found[rowid].append(
            LabelHistoryEvent(
                at=at,
                reviewer=reviewer,
                seconds_spent=seconds,
                schema_version=schema_version,
                change=LabelChange.model_validate(change),  # only the stored keys count as set
                id=event_id,
                kind=kind,
                label_of=label_of,
                settles=settles,
            )
        )
    return found


def iter_cases(session: Session, flt: CaseFilter, *, batch: int = 500) -> Iterator[Case]:
    """Every matching case, fully loaded, streamed in the filter's order."""
    offset = 0
    while True:
        rows = list_cases(session, flt, limit=batch, offset=offset)
        if not rows:
            return
        for summary in rows:
            yield load_case(session, summary.case_rowid)
        offset += batch


def case_spans(session: Session, case_rowid: int) -> list[RawSpan]:
    """The raw spans of a case's trace, in start order (for the span tree and replay)."""
    row = session.get_one(CaseRow, case_rowid)
    trace = session.get_one(TraceRow, row.trace_rowid)
    spans = session.execute(
        select(SpanRow).where(SpanRow.trace_rowid == row.trace_rowid).order_by(SpanRow.start_ns, SpanRow.span_id)
    ).scalars()
    return [row_to_span(span, trace.trace_id) for span in spans]


def _counts(session: Session, column: Any) -> list[Count]:
    rows = session.execute(select(column, func.count()).group_by(column).order_by(func.count().desc(), column))
    return [Count(key=key, count=int(n)) for key, n in rows]


def workspace_stats(session: Session) -> WorkspaceStats:
    stats = WorkspaceStats()
    stats.cases = int(session.execute(select(func.count()).select_from(CaseRow)).scalar_one())
    stats.traces = int(session.execute(select(func.count()).select_from(TraceRow)).scalar_one())
    stats.spans = int(session.execute(select(func.count()).select_from(SpanRow)).scalar_one())
    stats.imports = int(
        session.execute(
            select(func.count()).select_from(ImportRecord).where(ImportRecord.status == "done")
        ).scalar_one()
    )
    stats.errors = int(
        session.execute(select(func.count()).select_from(CaseRow).where(CaseRow.status == "error")).scalar_one()
    )
    stats.labeled = int(session.execute(select(func.count()).select_from(LabelRow)).scalar_one())
    # SUM skips NULLs and is NULL when every value is: an unknown count adds nothing and stays unknown.
    known_tokens = (CaseRow.input_tokens.is_not(None)) | (CaseRow.output_tokens.is_not(None))
    totals = session.execute(
        select(
            func.sum(CaseRow.input_tokens),
            func.sum(CaseRow.output_tokens),
            func.count().filter(known_tokens),
            func.sum(CaseRow.cost_usd),
            func.count(CaseRow.cost_usd),
            func.sum(CaseRow.estimated_cost_usd),
            func.count(CaseRow.estimated_cost_usd),
        )
    ).one()
    stats.input_tokens = None if totals[0] is None else int(totals[0])
    stats.output_tokens = None if totals[1] is None else int(totals[1])
    stats.cases_with_tokens = int(totals[2])
    stats.cost_usd = None if totals[3] is None else float(totals[3])
    stats.cases_with_cost = int(totals[4])
    stats.estimated_cost_usd = None if totals[5] is None else float(totals[5])
    stats.cases_with_estimate = int(totals[6])
    stats.by_workflow = _counts(session, CaseRow.workflow)
    stats.by_release = _counts(session, CaseRow.release)
    stats.by_model = _counts(session, CaseRow.model)
    stats.by_format = _counts(session, CaseRow.source_format)
    verdicts = session.execute(select(LabelRow.verdict, func.count()).group_by(LabelRow.verdict)).all()
    stats.by_verdict = [Count(key=v, count=int(n)) for v, n in verdicts] + [
        Count(key="unreviewed", count=stats.cases - stats.labeled)
    ]
    return stats
