"""The claim pool: cases put up for review, each with ``overlap`` places that reviewers reserve.

A reviewer asking for the next case (``claim_next``) gets, in pool order, a place that is free,
or whose reservation lapsed (``expires_at`` passed and its reviewer's own label of the case has
no verdict), of a case they hold no place of and have not labeled. A place is *done* once its
reviewer's label has a verdict: done places are never handed out again.

On PostgreSQL the place is picked with ``SELECT … FOR UPDATE SKIP LOCKED``: a second reviewer
asking at the same moment skips the row the first has locked instead of waiting for it or taking
it too, and when the first commits first, the row they changed no longer passes the second's
test (PostgreSQL re-checks a locked row's newest version). No workspace-wide write lock is taken.
On SQLite the transaction holds the file's write lock (``BEGIN IMMEDIATE``), which serializes
claims the same way. Created by migration 0006.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from reviewdesk.storage import dialect
from reviewdesk.storage.tables import CaseClaimRow, CaseRow, ReviewerLabelRow

DEFAULT_RESERVATION = timedelta(minutes=30)
RESERVATION_KEY = "claims.reservation_seconds"
"""The workspace setting holding how long a reservation lasts (seconds)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A reservation: the case, the place, who holds it and until when."""

    case_rowid: int
    case_id: str
    place: int
    reviewer: str
    expires_at: datetime


def add_to_pool(conn: Connection, case_rowids: Sequence[int], *, overlap: int) -> int:
    """Put these cases in the pool, in this order, with ``overlap`` places each; returns cases added.

    A case already in the pool is left as it is.
    """
    start = int(conn.execute(select(func.coalesce(func.max(CaseClaimRow.position), 0))).scalar_one())
    present = (
        set(
            conn.execute(
                select(CaseClaimRow.case_rowid).where(CaseClaimRow.case_rowid.in_(list(case_rowids)))
            ).scalars()
        )
        if case_rowids
        else set()
    )
    fresh = [rowid for rowid in dict.fromkeys(case_rowids) if rowid not in present]
    rows = [
        {"case_rowid": rowid, "place": place, "position": start + n + 1}
        for n, rowid in enumerate(fresh)
        for place in range(1, overlap + 1)
    ]
    for begin in range(0, len(rows), 1000):
        conn.execute(dialect.insert(conn, CaseClaimRow), rows[begin : begin + 1000])
    return len(fresh)


def _done(place: type[CaseClaimRow], reviewer: object) -> object:
    """The place's reviewer (or ``reviewer``) has a label of the case with a verdict."""
    return exists().where(
        ReviewerLabelRow.case_rowid == place.case_rowid,
        ReviewerLabelRow.reviewer == reviewer,
        ReviewerLabelRow.verdict.is_not(None),
    )


def held(conn: Connection, reviewer: str, now: datetime) -> Claim | None:
    """The reviewer's live reservation not yet done, if any (asking again resumes it)."""
    k = CaseClaimRow
    row = conn.execute(
        select(k.case_rowid, CaseRow.case_id, k.place, k.expires_at)
        .join(CaseRow, CaseRow.case_rowid == k.case_rowid)
        .where(k.reviewer == reviewer, k.expires_at > now, ~_done(k, k.reviewer))  # type: ignore[operator]
        .order_by(k.position, k.place)
        .limit(1)
    ).first()
    return Claim(int(row[0]), str(row[1]), int(row[2]), reviewer, row[3] or now) if row else None


def claim_next(conn: Connection, reviewer: str, *, now: datetime, reservation: timedelta) -> Claim | None:
    """Reserve the next place for ``reviewer`` until ``now + reservation``; ``None``: nothing left."""
    k = CaseClaimRow
    mine = aliased(CaseClaimRow)
    candidate = (
        select(k.case_rowid, k.place)
        .where(
            or_(k.reviewer.is_(None), and_(k.expires_at < now, ~_done(k, k.reviewer))),  # type: ignore[operator]
            ~exists().where(mine.case_rowid == k.case_rowid, mine.reviewer == reviewer),
            ~_done(k, reviewer),  # type: ignore[operator]
        )
        .order_by(k.position, k.place)
        .limit(1)
    )
    if dialect.is_postgresql(conn):
        candidate = candidate.with_for_update(skip_locked=True, of=k)
    picked = conn.execute(candidate).first()
    if picked is None:
        return None
    until = now + reservation
    conn.execute(
        update(k)
        .where(k.case_rowid == picked[0], k.place == picked[1])
        .values(reviewer=reviewer, claimed_at=now, expires_at=until)
    )
    case_id = conn.execute(select(CaseRow.case_id).where(CaseRow.case_rowid == picked[0])).scalar_one()
    return Claim(int(picked[0]), str(case_id), int(picked[1]), reviewer, until)


def release(conn: Connection, reviewer: str, case_rowid: int) -> bool:
    """Give back the reviewer's place of a case (free again); whether they held one."""
    k = CaseClaimRow
    done = conn.execute(
        update(k)
        .where(k.case_rowid == case_rowid, k.reviewer == reviewer)
        .values(reviewer=None, claimed_at=None, expires_at=None)
    )
    return bool(done.rowcount)


@dataclass(frozen=True, slots=True)
class PoolCounts:
    cases: int
    places: int
    free: int
    reserved: int
    done: int


def pool_counts(conn: Connection, now: datetime) -> PoolCounts:
    """How many places are free (or lapsed), reserved and done."""
    k = CaseClaimRow
    rows = conn.execute(
        select(k.reviewer, k.expires_at, _done(k, k.reviewer).label("done"))  # type: ignore[attr-defined]
    ).all()
    done = sum(1 for r in rows if r.reviewer is not None and r.done)
    reserved = sum(1 for r in rows if r.reviewer is not None and not r.done and r.expires_at > now)
    cases = int(conn.execute(select(func.count(func.distinct(k.case_rowid)))).scalar_one())
    return PoolCounts(cases=cases, places=len(rows), free=len(rows) - done - reserved, reserved=reserved, done=done)


def claims_of(conn: Connection, case_rowid: int) -> list[tuple[int, str | None, datetime | None]]:
    """``(place, reviewer, expires_at)`` of a case's places."""
    k = CaseClaimRow
    rows = conn.execute(select(k.place, k.reviewer, k.expires_at).where(k.case_rowid == case_rowid).order_by(k.place))
    return [(int(p), r, e) for p, r, e in rows]
