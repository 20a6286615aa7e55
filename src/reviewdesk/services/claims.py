"""Pulling work: reviewers take the next unassigned case from a claim pool, reserved for a while.

The model is LangSmith's annotation-queue reservations: an engineer puts cases in the pool
(``add_to_pool``, ``overlap`` places per case); a reviewer asking for the next case
(``claim_next``) reserves a place for the workspace's reservation time (``reservation``, default
30 minutes); labeling the case with a verdict makes the place done; a reviewer who walks away lets
the reservation lapse and the place goes to the next one asking. Asking again while holding a
live reservation gives the same case back (a restarted window resumes). How two reviewers asking
at once are kept apart is in ``storage.claims``.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

from reviewdesk.domain.errors import UsageError
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import roles
from reviewdesk.services.cases import resolve_case
from reviewdesk.services.labels import default_reviewer
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import claims, governance, queries
from reviewdesk.storage.claims import Claim, PoolCounts
from reviewdesk.storage.engine import begin_write, writing

__all__ = ["Claim", "PoolCounts", "add_to_pool", "claim_next", "counts", "release", "reservation", "set_reservation"]


def _who(workspace: Workspace, reviewer: str | None) -> str:
    return reviewer or roles.identity(workspace).user or default_reviewer()


def reservation(workspace: Workspace) -> timedelta:
    """How long a claimed case stays reserved for its reviewer (the workspace's setting)."""
    with workspace.engine.connect() as conn:
        seconds = governance.get_setting(conn, claims.RESERVATION_KEY)
    return timedelta(seconds=float(seconds)) if seconds is not None else claims.DEFAULT_RESERVATION


def set_reservation(workspace: Workspace, seconds: float) -> None:
    if not 0 < seconds <= 7 * 24 * 3600:
        raise UsageError(f"a reservation of {seconds:g} s: give more than 0 and at most 7 days")
    with begin_write(workspace.engine) as conn:
        governance.put_setting(conn, claims.RESERVATION_KEY, seconds, datetime.now(UTC))


def add_to_pool(
    workspace: Workspace, flt: CaseFilter | None = None, *, overlap: int = 1, limit: int | None = None
) -> int:
    """Put the cases of ``flt`` (in its queue order, at most ``limit``) in the pool; returns cases added."""
    if overlap < 1:
        raise UsageError("--overlap must be at least 1")
    flt = flt or CaseFilter()
    with workspace.session() as session:
        rowids = queries.list_case_rowids(session, flt, limit=limit or queries.count_cases(session, flt))
    with begin_write(workspace.engine) as conn:
        return claims.add_to_pool(conn, rowids, overlap=overlap)


def claim_next(workspace: Workspace, *, reviewer: str | None = None, now: datetime | None = None) -> Claim | None:
    """The reviewer's live reservation, else a newly reserved place; ``None`` when the pool has none.

    On PostgreSQL no workspace-wide write lock is taken (row locks with SKIP LOCKED do the work);
    on SQLite the file's write lock serializes claims.
    """
    who, at = _who(workspace, reviewer), now or datetime.now(UTC)
    lasting = reservation(workspace)
    with nullcontext() if workspace.on_server else writing(), workspace.engine.begin() as conn:
        return claims.held(conn, who, at) or claims.claim_next(conn, who, now=at, reservation=lasting)


def release(workspace: Workspace, case_ref: str, *, reviewer: str | None = None) -> bool:
    """Give a reserved case back to the pool; whether the reviewer held it."""
    case_rowid = resolve_case(workspace, case_ref)
    with nullcontext() if workspace.on_server else writing(), workspace.engine.begin() as conn:
        return claims.release(conn, _who(workspace, reviewer), case_rowid)


def counts(workspace: Workspace, *, now: datetime | None = None) -> PoolCounts:
    with workspace.engine.connect() as conn:
        return claims.pool_counts(conn, now or datetime.now(UTC))
