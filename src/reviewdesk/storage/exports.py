"""Queries of exports (``services.exports``): the current labels and the reviewers of the selected cases.

The cases themselves are read with ``storage.queries`` (``list_cases``, ``load_case``, ``case_spans``),
which the queue and the case view share.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewdesk.domain.labels import Label
from reviewdesk.storage.tables import LabelEventRow, LabelRow

_IN_CHUNK = 500


def known_reviewers(session: Session) -> list[str]:
    """Everyone in the workspace's label log, sorted."""
    names = session.execute(select(LabelEventRow.reviewer).distinct()).scalars()
    return sorted(name for name in names if name)


def labels_of(session: Session, case_rowids: Sequence[int]) -> dict[int, Label]:
    """The resolved label of each of these cases that has one."""
    labels: dict[int, Label] = {}
    for start in range(0, len(case_rowids), _IN_CHUNK):
        chunk = case_rowids[start : start + _IN_CHUNK]
        for rowid, data in session.execute(
            select(LabelRow.case_rowid, LabelRow.data).where(LabelRow.case_rowid.in_(chunk))
        ):
            labels[rowid] = Label.model_validate(data)
    return labels


def reviewers_of(session: Session, case_rowids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Everyone in each case's label log, in the order of their first change (cases without events left out)."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(case_rowids), _IN_CHUNK):
        chunk = case_rowids[start : start + _IN_CHUNK]
        first = func.min(LabelEventRow.event_rowid)
        rows = session.execute(
            select(LabelEventRow.case_rowid, LabelEventRow.reviewer, first)
            .where(LabelEventRow.case_rowid.in_(chunk))
            .group_by(LabelEventRow.case_rowid, LabelEventRow.reviewer)
            .order_by(LabelEventRow.case_rowid, first)
        )
        for rowid, reviewer, _ in rows:
            found.setdefault(rowid, []).append(reviewer)
    return {rowid: tuple(names) for rowid, names in found.items()}
