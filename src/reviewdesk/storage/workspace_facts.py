"""The queries behind the facts of a case that depend on the rest of the workspace (``domain.standing``).

* ``newest_documents``: the latest update time with which any case retrieved each document key — one
  seek per key on ``ix_case_documents_key_updated`` (SQLite and PostgreSQL both answer ``max`` of an
  index prefix from its last entry), so a case's documents cost a few index seeks whatever the size.
* ``workflow_medians``: a workflow's median cost (recorded, else estimated) and latency, read as the
  middle entries of ``ix_cases_workflow_cost`` / ``ix_cases_workflow_latency``: an index walk over
  half the workflow's cases, no sort and no table read. Callers cache it (``cases_generation``).
* ``cases_generation``: a cheap token that changes whenever cases are added, rebuilt or purged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from reviewdesk.storage.tables import AuditRow, CaseDocumentRow, CaseRow
from reviewdesk.storage.writes import stored_document_key

_PER_STATEMENT = 100
"""Keys looked up per statement: one scalar subquery each."""


def newest_documents(session: Session, keys: Iterable[str]) -> dict[str, datetime]:
    """Per document key (``domain.case.document_key``): the latest ``updated_at`` any case retrieved it with.

    Keys no case retrieved with an update time are absent.
    """
    wanted = sorted(set(keys))
    found: dict[str, datetime] = {}
    for start in range(0, len(wanted), _PER_STATEMENT):
        chunk = wanted[start : start + _PER_STATEMENT]
        newest = [
            select(func.max(CaseDocumentRow.updated_at))
            .where(CaseDocumentRow.doc_key == stored_document_key(key))
            .scalar_subquery()
            for key in chunk
        ]
        row = session.execute(select(*newest)).one()
        found.update({key: when for key, when in zip(chunk, row, strict=True) if when is not None})
    return found


@dataclass(frozen=True, slots=True)
class WorkflowMedians:
    """A workflow's median cost and latency over its cases that have one."""

    cost_usd: float | None
    latency_ms: float | None
    cost_cases: int
    latency_cases: int


COST = func.coalesce(CaseRow.cost_usd, CaseRow.estimated_cost_usd)
"""The cost of a case: recorded, else estimated (the expression ``ix_cases_workflow_cost`` indexes)."""


def _median(
    session: Session, value: ColumnElement[Any] | InstrumentedAttribute[Any], workflow: str | None
) -> tuple[float | None, int]:
    same = CaseRow.workflow.is_(None) if workflow is None else CaseRow.workflow == workflow
    where = (same, value.is_not(None))
    count = int(session.execute(select(func.count()).select_from(CaseRow).where(*where)).scalar_one())
    if count == 0:
        return None, 0
    # The middle value, or the mean of the two middle values of an even count.
    middle: Sequence[Any] = (
        session.execute(select(value).where(*where).order_by(value).offset((count - 1) // 2).limit(2 - count % 2))
        .scalars()
        .all()
    )
    return sum(float(v) for v in middle) / len(middle), count


def workflow_medians(session: Session, workflow: str | None) -> WorkflowMedians:
    """The median cost and latency of the cases of ``workflow`` (``None``: the cases without one)."""
    cost, cost_cases = _median(session, COST, workflow)
    latency, latency_cases = _median(session, CaseRow.latency_ms, workflow)
    return WorkflowMedians(cost, latency, cost_cases, latency_cases)


def cases_generation(session: Session) -> tuple[int, int]:
    """Changes whenever the cases' costs and latencies may have: a new case, or any audited operation.

    New cases raise the last case row id; imports (which also rebuild existing cases), restores,
    purges and price changes are audited and so raise the last audit row id. Both are primary-key
    maxima: two index lookups in one statement.
    """
    last_case, last_audit = session.execute(
        select(
            select(func.max(CaseRow.case_rowid)).scalar_subquery(),
            select(func.max(AuditRow.audit_rowid)).scalar_subquery(),
        )
    ).one()
    return int(last_case or 0), int(last_audit or 0)
