"""Read paths of the workspace: functions that take a ``Session`` and return plain objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from reviewdesk.domain.case import Case
from reviewdesk.domain.labels import Label
from reviewdesk.domain.queries import CaseFilter, CaseSummary, Count, WorkspaceStats
from reviewdesk.domain.spans import RawSpan
from reviewdesk.storage.orm import CaseRootCauseRow, CaseRow, ImportRecord, LabelRow, SpanRow, TraceRow
from reviewdesk.storage.writes import row_to_span

_SORT_COLUMNS: dict[str, Any] = {
    "started": CaseRow.started_at,
    "cost": CaseRow.cost_usd,
    "latency": CaseRow.latency_ms,
    "tokens": CaseRow.total_tokens,
}


def _filtered(statement: Select[Any], flt: CaseFilter) -> Select[Any]:
    for column, value in (
        (CaseRow.workflow, flt.workflow),
        (CaseRow.release, flt.release),
        (CaseRow.model, flt.model),
        (CaseRow.tenant, flt.tenant),
        (CaseRow.status, flt.status),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if flt.review == "unreviewed":
        statement = statement.where(LabelRow.case_rowid.is_(None))
    elif flt.review == "labeled":
        statement = statement.where(LabelRow.case_rowid.is_not(None))
    elif flt.review == "flagged":
        statement = statement.where(LabelRow.escalate.is_(True))
    if flt.verdict is not None:
        statement = statement.where(LabelRow.verdict == flt.verdict)
    if flt.root_cause is not None:
        statement = statement.where(
            CaseRow.case_rowid.in_(select(CaseRootCauseRow.case_rowid).where(CaseRootCauseRow.root_cause == flt.root_cause))
        )
    if flt.text:
        pattern = f"%{flt.text}%"
        statement = statement.where(or_(CaseRow.user_request.like(pattern), CaseRow.output.like(pattern)))
    return statement


def list_cases(session: Session, flt: CaseFilter, *, limit: int | None = None, offset: int = 0) -> list[CaseSummary]:
    """Cases matching ``flt`` in the filter's order (ties broken by case id, so the order is stable)."""
    sort_column = _SORT_COLUMNS[flt.sort]
    order = [sort_column.desc().nulls_last() if flt.descending else sort_column.asc().nulls_last(), CaseRow.case_id]
    statement = (
        select(CaseRow, TraceRow.trace_id, LabelRow.verdict, LabelRow.data)
        .join(TraceRow, TraceRow.trace_rowid == CaseRow.trace_rowid)
        .outerjoin(LabelRow, LabelRow.case_rowid == CaseRow.case_rowid)
        .order_by(*order)
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    statement = _filtered(statement, flt)
    result: list[CaseSummary] = []
    for row, trace_id, verdict, label_data in session.execute(statement):
        result.append(
            CaseSummary(
                case_rowid=row.case_rowid,
                case_id=row.case_id,
                trace_id=trace_id,
                started_at=row.started_at,
                status=row.status,
                workflow=row.workflow,
                release=row.release,
                model=row.model,
                latency_ms=row.latency_ms,
                total_tokens=row.total_tokens,
                cost_usd=row.cost_usd,
                error_type=row.error_type,
                user_request=row.user_request,
                tool_calls=row.tool_calls,
                tool_errors=row.tool_errors,
                documents=row.documents,
                verdict=verdict,
                root_causes=tuple((label_data or {}).get("root_causes", [])),
            )
        )
    return result


def count_cases(session: Session, flt: CaseFilter) -> int:
    statement = select(func.count()).select_from(CaseRow).outerjoin(LabelRow, LabelRow.case_rowid == CaseRow.case_rowid)
    return int(session.execute(_filtered(statement, flt)).scalar_one())


def find_case_rowid(session: Session, ref: str) -> int | None:
    """A case by case id, full trace id, or an unambiguous prefix of either."""
    ref = ref.strip().lower()
    if not ref:
        return None
    exact = session.execute(
        select(CaseRow.case_rowid)
        .join(TraceRow, TraceRow.trace_rowid == CaseRow.trace_rowid)
        .where(or_(CaseRow.case_id == ref, TraceRow.trace_id == ref))
    ).scalar()
    if exact is not None:
        return int(exact)
    matches = session.execute(
        select(CaseRow.case_rowid)
        .join(TraceRow, TraceRow.trace_rowid == CaseRow.trace_rowid)
        .where(or_(CaseRow.case_id.startswith(ref, autoescape=True), TraceRow.trace_id.startswith(ref, autoescape=True)))
        .limit(2)
    ).scalars().all()
    return int(matches[0]) if len(matches) == 1 else None


def load_case(session: Session, case_rowid: int) -> Case:
    row = session.get_one(CaseRow, case_rowid)
    label = session.get(LabelRow, case_rowid)
    case = Case.model_validate(row.data)
    if label is not None:
        case.labels = Label.model_validate(label.data)
    return case


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
        session.execute(select(func.count()).select_from(ImportRecord).where(ImportRecord.status == "done")).scalar_one()
    )
    stats.errors = int(session.execute(select(func.count()).select_from(CaseRow).where(CaseRow.status == "error")).scalar_one())
    stats.labeled = int(session.execute(select(func.count()).select_from(LabelRow)).scalar_one())
    totals = session.execute(
        select(func.sum(CaseRow.input_tokens), func.sum(CaseRow.output_tokens), func.sum(CaseRow.cost_usd))
    ).one()
    stats.input_tokens = int(totals[0] or 0)
    stats.output_tokens = int(totals[1] or 0)
    stats.cost_usd = float(totals[2] or 0.0)
    stats.by_workflow = _counts(session, CaseRow.workflow)
    stats.by_release = _counts(session, CaseRow.release)
    stats.by_model = _counts(session, CaseRow.model)
    stats.by_format = _counts(session, CaseRow.source_format)
    verdicts = session.execute(select(LabelRow.verdict, func.count()).group_by(LabelRow.verdict)).all()
    stats.by_verdict = [Count(key=v, count=int(n)) for v, n in verdicts] + [
        Count(key="unreviewed", count=stats.cases - stats.labeled)
    ]
    return stats
