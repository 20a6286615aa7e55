"""Reading cases: lists for the queue and the CLI, one case in full, its spans, workspace totals."""

from __future__ import annotations

from reviewdesk.domain.case import Case
from reviewdesk.domain.errors import CaseNotFoundError
from reviewdesk.domain.queries import CaseFilter, CaseSummary, WorkspaceStats
from reviewdesk.domain.spans import RawSpan
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import queries


def list_cases(
    workspace: Workspace, flt: CaseFilter | None = None, *, limit: int | None = None, offset: int = 0
) -> list[CaseSummary]:
    with workspace.session() as session:
        return queries.list_cases(session, flt or CaseFilter(), limit=limit, offset=offset)


def count_cases(workspace: Workspace, flt: CaseFilter | None = None) -> int:
    with workspace.session() as session:
        return queries.count_cases(session, flt or CaseFilter())


def count_up_to_cap(workspace: Workspace, flt: CaseFilter) -> tuple[int, bool]:
    """How many cases match ``flt``, counted up to ``COUNT_CAP`` as the window counts a queue; and
    whether there are more (``review.count_text`` writes it ``10,000+``)."""
    with workspace.session() as session:
        found = queries.count_cases(session, flt, cap=queries.COUNT_CAP)
    return min(found, queries.COUNT_CAP), found > queries.COUNT_CAP


def resolve_case(workspace: Workspace, ref: str) -> int:
    """The row id of the case ``ref`` names (case id, trace id, or an unambiguous prefix)."""
    with workspace.session() as session:
        rowid = queries.find_case_rowid(session, ref)
    if rowid is None:
        raise CaseNotFoundError(f"no case matches {ref!r} (give a case id, a trace id, or an unambiguous prefix)")
    return rowid


def get_case(workspace: Workspace, ref: str) -> Case:
    rowid = resolve_case(workspace, ref)
    with workspace.session() as session:
        return queries.load_case(session, rowid)


def get_spans(workspace: Workspace, ref: str) -> list[RawSpan]:
    rowid = resolve_case(workspace, ref)
    with workspace.session() as session:
        return queries.case_spans(session, rowid)


def stats(workspace: Workspace) -> WorkspaceStats:
    with workspace.session() as session:
        return queries.workspace_stats(session)
