"""Handing out review work: which reviewers get which cases, and how far each has got.

``assign`` gives each chosen case to ``overlap`` distinct reviewers. It is deterministic for a
seed (cases are ordered by case id before any shuffle, so the database's row order never
matters), balanced (each case goes to the reviewers with the fewest cases so far, counting what
they already have; ties broken by a seeded order), and it never re-assigns a case that already
has reviewers unless asked to (``reassign``: its old assignments are replaced). A reviewer is
*done* with a case once their own label of it has a verdict.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.domain.queries import CaseFilter, CaseSummary
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import label_log, queries

Order = Literal["random", "worst-first"]
SampleBy = Literal["workflow", "release", "tenant", "root-cause"]
SAMPLE_BY: tuple[SampleBy, ...] = ("workflow", "release", "tenant", "root-cause")
NO_STRATUM = "(none)"


class AssignmentError(ReviewdeskError):
    """Assignment options that cannot be met (an overlap larger than the team, no reviewers)."""


@dataclass(frozen=True, slots=True)
class AssignResult:
    cases: int
    """Cases given out by this run."""
    per_reviewer: dict[str, int]
    """Cases each reviewer got in this run."""
    already_assigned: int
    """Chosen cases left alone because they already had reviewers (no ``reassign``)."""


def _ordered(summaries: list[CaseSummary], order: Order, rng: random.Random) -> list[CaseSummary]:
    by_id = sorted(summaries, key=lambda s: s.case_id)
    if order == "worst-first":
        # Run-time errors and failed reviews first, then the costliest; case id breaks ties.
        return sorted(
            by_id, key=lambda s: (not (s.status == "error" or s.verdict == "fail"), -(s.cost_usd or 0.0), s.case_id)
        )
    rng.shuffle(by_id)
    return by_id


def _sample(
    cases: list[CaseSummary], strata: dict[int, tuple[str, ...]] | None, size: int, rng: random.Random
) -> list[CaseSummary]:
    """``size`` cases; with strata, taken in turn from each stratum (sorted), so small strata are heard."""
    if strata is None:
        return cases[:size]
    members: dict[str, list[CaseSummary]] = {}
    for case in cases:  # already in assignment order: each stratum keeps it
        members.setdefault(strata[case.case_rowid][0] if strata[case.case_rowid] else NO_STRATUM, []).append(case)
    names = sorted(members)
    rng.shuffle(names)
    chosen: list[CaseSummary] = []
    while len(chosen) < size and any(members.values()):
        for name in names:
            if members[name] and len(chosen) < size:
                chosen.append(members[name].pop(0))
    return chosen


def assign(
    workspace: Workspace,
    reviewers: list[str],
    *,
    overlap: int = 1,
    flt: CaseFilter | None = None,
    sample: int | None = None,
    sample_by: SampleBy | None = None,
    order: Order = "random",
    seed: int = 0,
    reassign: bool = False,
) -> AssignResult:
    team = list(dict.fromkeys(r.strip() for r in reviewers if r.strip()))
    if not team:
        raise AssignmentError("give at least one reviewer (--reviewers rev1,rev2)")
    if not 1 <= overlap <= len(team):
        raise AssignmentError(f"--overlap {overlap} must be between 1 and the number of reviewers ({len(team)})")
    if sample is not None and sample < 1:
        raise AssignmentError("--sample needs at least one case")
    rng = random.Random(f"assign:{seed}")
    with workspace.session() as session, session.begin():
        conn = session.connection()
        summaries = _ordered(queries.list_cases(session, flt or CaseFilter()), order, rng)
        existing = label_log.assignments(conn)
        taken = {rowid for rowid, _, _, _ in existing}
        before = len(summaries)
        if not reassign:
            summaries = [s for s in summaries if s.case_rowid not in taken]
        already = before - len(summaries)
        if sample is not None:
            strata = label_log.case_strata(conn, [s.case_rowid for s in summaries], sample_by) if sample_by else None
            summaries = _sample(summaries, strata, sample, rng)
        chosen = [s.case_rowid for s in summaries]
        if reassign:
            label_log.remove_assignments(conn, [rowid for rowid in chosen if rowid in taken])
        kept = [(rowid, who) for rowid, _, who, _ in existing if not (reassign and rowid in set(chosen))]
        load = Counter(who for _, who in kept)
        rows: list[tuple[int, str]] = []
        per_reviewer: Counter[str] = Counter()
        for rowid in chosen:
            ties = list(team)
            rng.shuffle(ties)
            picked = sorted(ties, key=lambda who: load[who])[:overlap]  # stable: ties keep the seeded order
            for who in picked:
                load[who] += 1
                per_reviewer[who] += 1
                rows.append((rowid, who))
        label_log.add_assignments(conn, rows, datetime.now(UTC))
    return AssignResult(cases=len(chosen), per_reviewer={r: per_reviewer[r] for r in team}, already_assigned=already)


@dataclass(frozen=True, slots=True)
class Assignment:
    case_id: str
    reviewer: str
    assigned_at: datetime
    done: bool


def list_assignments(workspace: Workspace, *, reviewer: str | None = None) -> list[Assignment]:
    with workspace.session() as session:
        conn = session.connection()
        done = label_log.labeled_pairs(conn)
        return [
            Assignment(case_id, who, at, (rowid, who) in done)
            for rowid, case_id, who, at in label_log.assignments(conn, reviewer=reviewer)
        ]


@dataclass(frozen=True, slots=True)
class ReviewerProgress:
    reviewer: str
    assigned: int
    done: int
    pending_ids: tuple[str, ...] = ()
    """The case ids still waiting for this reviewer's verdict (the insights open them)."""

    @property
    def pending(self) -> int:
        return self.assigned - self.done


@dataclass(frozen=True, slots=True)
class CaseProgress:
    case_id: str
    reviewers: tuple[str, ...]
    done: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Progress:
    reviewers: list[ReviewerProgress] = field(default_factory=list)
    cases: list[CaseProgress] = field(default_factory=list)


def progress(workspace: Workspace, case_ids: Collection[str] | None = None) -> Progress:
    """Per reviewer: assigned, done, pending; per assigned case: its reviewers and who is done.

    ``case_ids``: only the assignments of these cases (the insights' scope).
    """
    rows = list_assignments(workspace)
    if case_ids is not None:
        rows = [a for a in rows if a.case_id in case_ids]
    assigned: Counter[str] = Counter(a.reviewer for a in rows)
    finished: Counter[str] = Counter(a.reviewer for a in rows if a.done)
    by_case: dict[str, list[Assignment]] = {}
    for row in rows:
        by_case.setdefault(row.case_id, []).append(row)
    return Progress(
        reviewers=[
            ReviewerProgress(
                who, assigned[who], finished[who], tuple(a.case_id for a in rows if a.reviewer == who and not a.done)
            )
            for who in sorted(assigned)
        ],
        cases=[
            CaseProgress(case_id, tuple(a.reviewer for a in items), tuple(a.reviewer for a in items if a.done))
            for case_id, items in sorted(by_case.items())
        ],
    )


def my_queue_counts(workspace: Workspace, reviewer: str) -> tuple[int, int]:
    """``(done, assigned)`` for a reviewer: what the My queue says as "n of N done"."""
    mine = list_assignments(workspace, reviewer=reviewer)
    return sum(1 for a in mine if a.done), len(mine)
