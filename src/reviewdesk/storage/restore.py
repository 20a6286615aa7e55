"""Queries of restoring a reviewdesk JSONL export (``services.restore``): which of its cases and
traces this workspace has, and the label a case has here.

The writes go through ``storage.writes`` (traces, cases), ``storage.search`` and ``storage.label_log``
like every other import path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from reviewdesk.storage.tables import CaseRow, LabelRow


def case_rowids(conn: Connection, case_ids: Sequence[str]) -> dict[str, int]:
    """The row ids of those of ``case_ids`` this workspace has."""
    rows = conn.execute(select(CaseRow.case_id, CaseRow.case_rowid).where(CaseRow.case_id.in_(case_ids)))
    return {case_id: rowid for case_id, rowid in rows}


def case_rowid(conn: Connection, case_id: str) -> int:
    """The row id of a case this workspace has (just written)."""
    return int(conn.execute(select(CaseRow.case_rowid).where(CaseRow.case_id == case_id)).scalar_one())


def traces_with_a_case(conn: Connection, trace_rowids: Sequence[int]) -> set[int]:
    """Those of ``trace_rowids`` that have a case already (a trace has one case at most)."""
    return set(conn.execute(select(CaseRow.trace_rowid).where(CaseRow.trace_rowid.in_(trace_rowids))).scalars())


def label_json(conn: Connection, case_rowid: int) -> dict[str, Any] | None:
    """The case's resolved label as stored (a ``Label`` in its JSON form), or ``None`` if it has none."""
    return conn.execute(select(LabelRow.data).where(LabelRow.case_rowid == case_rowid)).scalar()
