"""The claim pool (issue 11 item 3): reviewers pull the next unassigned case, reserved for a while.

On both engines: places are handed out in pool order, once each (overlap 1), a reservation lapses
after the workspace's reservation time, a done place is never handed out again. On PostgreSQL:
two claimers at once never get the same case, and a claimer skips a row another holds locked
(``FOR UPDATE SKIP LOCKED``) instead of waiting for it.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import LabelChange
from reviewdesk.paths import WorkspaceLocation
from reviewdesk.services import claims, imports, labels
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage.claims import Claim
from tests.otlp_builder import span, write_jsonl

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _with_cases(workspace: Workspace, tmp_path: Path, count: int) -> None:
    batches = [
        [
            span(
                "chat",
                trace_id=f"{n + 1:032x}",
                span_id=f"{n + 1:016x}",
                attributes={"input.value": f"question {n}", "output.value": f"answer {n}"},
            )
        ]
        for n in range(count)
    ]
    imports.import_files(workspace, [write_jsonl(tmp_path / "cases.jsonl", batches)])


@pytest.fixture
def pooled(workspace: Workspace, tmp_path: Path) -> Workspace:
    _with_cases(workspace, tmp_path, 6)
    assert claims.add_to_pool(workspace) == 6
    return workspace


def test_each_place_goes_to_one_reviewer_and_asking_again_resumes_it(pooled: Workspace) -> None:
    ana = claims.claim_next(pooled, reviewer="ana", now=T0)
    bo = claims.claim_next(pooled, reviewer="bo", now=T0)
    assert ana is not None and bo is not None and ana.case_id != bo.case_id
    again = claims.claim_next(pooled, reviewer="ana", now=T0 + timedelta(minutes=1))
    assert again is not None and again.case_id == ana.case_id
    assert claims.add_to_pool(pooled) == 0  # already in the pool: left as they are
    assert claims.counts(pooled, now=T0).reserved == 2


def test_a_reservation_lapses_after_the_workspace_reservation_time(pooled: Workspace) -> None:
    claims.set_reservation(pooled, 600)
    assert claims.reservation(pooled) == timedelta(minutes=10)
    ana = claims.claim_next(pooled, reviewer="ana", now=T0)
    assert ana is not None and ana.expires_at == T0 + timedelta(minutes=10)
    taken = {ana.case_id}
    # Before the time is up nobody else gets ana's case; after it, the next one asking does.
    for n, who in enumerate(["bo", "cy", "di", "ed", "fay"]):
        got = claims.claim_next(pooled, reviewer=who, now=T0 + timedelta(minutes=9))
        assert got is not None and got.case_id not in taken, n
        taken.add(got.case_id)
    assert claims.claim_next(pooled, reviewer="gus", now=T0 + timedelta(minutes=9)) is None
    late = claims.claim_next(pooled, reviewer="gus", now=T0 + timedelta(minutes=10, seconds=1))
    assert late is not None and late.case_id == ana.case_id


def test_a_done_place_is_never_handed_out_again(pooled: Workspace) -> None:
    ana = claims.claim_next(pooled, reviewer="ana", now=T0)
    assert ana is not None
    labels.record_label(pooled, ana.case_id, LabelChange(verdict="pass"), reviewer="ana")
    long_after = T0 + timedelta(days=3)
    handed = [claims.claim_next(pooled, reviewer=f"r{n}", now=long_after) for n in range(6)]
    assert ana.case_id not in {c.case_id for c in handed if c is not None}
    assert sum(c is not None for c in handed) == 5
    assert claims.counts(pooled, now=long_after).done == 1
    # ana's own next ask gives a new case, not the one she finished.
    assert claims.claim_next(pooled, reviewer="ana", now=long_after) is None


def test_overlap_two_gives_a_case_to_two_different_reviewers(workspace: Workspace, tmp_path: Path) -> None:
    _with_cases(workspace, tmp_path, 1)
    claims.add_to_pool(workspace, overlap=2)
    first = claims.claim_next(workspace, reviewer="ana", now=T0)
    assert first is not None
    second = claims.claim_next(workspace, reviewer="bo", now=T0)
    assert second is not None and second.case_id == first.case_id and second.place != first.place
    assert claims.claim_next(workspace, reviewer="cy", now=T0) is None


def test_release_gives_the_case_back(pooled: Workspace) -> None:
    ana = claims.claim_next(pooled, reviewer="ana", now=T0)
    assert ana is not None
    assert claims.release(pooled, ana.case_id, reviewer="ana")
    assert not claims.release(pooled, ana.case_id, reviewer="ana")
    bo = claims.claim_next(pooled, reviewer="bo", now=T0)
    assert bo is not None and bo.case_id == ana.case_id


def test_cli_claims_and_sets_the_reservation(
    workspace_location: WorkspaceLocation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = open_workspace(workspace_location)
    _with_cases(ws, tmp_path, 3)
    ws.close()
    where = ["--workspace", str(workspace_location)]
    assert main([*where, "claim", "add", "--limit", "2"]) == 0
    assert "added 2 case(s)" in capsys.readouterr().out
    assert main([*where, "claim", "reservation", "5"]) == 0
    assert "5 minute(s)" in capsys.readouterr().out
    assert main([*where, "claim", "next"]) == 0
    assert "reserved for" in capsys.readouterr().out
    assert main([*where, "claim", "status"]) == 0
    assert "2 place(s): 1 free, 1 reserved, 0 done" in capsys.readouterr().out


# -- PostgreSQL: row locks ---------------------------------------------------------------------------


def test_a_claimer_skips_a_locked_place_instead_of_waiting(pg_database: str, tmp_path: Path) -> None:
    ws = open_workspace(pg_database)
    try:
        _with_cases(ws, tmp_path, 3)
        claims.add_to_pool(ws)
        with ws.engine.connect() as holder, holder.begin():
            # Another reviewer's claim in progress: the first place of the pool, locked.
            first = holder.execute(
                text("SELECT case_rowid FROM case_claims ORDER BY position LIMIT 1 FOR UPDATE")
            ).scalar_one()
            # The holder commits only after the claim returns, so a plain FOR UPDATE would wait for
            # ever: returning at all proves the skip. The claim runs on a thread so that a regression
            # fails here (no result within a minute) instead of hanging the suite; no bound on the
            # time, which a loaded machine stretches.
            result: list[Claim | None] = []
            claimer = threading.Thread(target=lambda: result.append(claims.claim_next(ws, reviewer="bo")), daemon=True)
            claimer.start()
            claimer.join(timeout=60)
            assert not claimer.is_alive(), "the claim waited for the locked place instead of skipping it"
        got = result[0]
        assert got is not None and got.case_rowid != first
    finally:
        ws.close()


def test_two_concurrent_claimers_never_get_the_same_case(pg_database: str, tmp_path: Path) -> None:
    ws = open_workspace(pg_database)
    try:
        _with_cases(ws, tmp_path, 60)
        claims.add_to_pool(ws)
        got: dict[str, list[str]] = {"ana": [], "bo": []}
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def pull(who: str) -> None:
            try:
                start.wait()
                while (claim := claims.claim_next(ws, reviewer=who)) is not None:
                    got[who].append(claim.case_id)
                    # done at once, so the next ask takes a new case
                    labels.record_label(ws, claim.case_id, LabelChange(verdict="pass"), reviewer=who)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=pull, args=(who,)) for who in got]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not errors
        assert set(got["ana"]).isdisjoint(got["bo"])
        assert len(got["ana"]) + len(got["bo"]) == 60
        assert got["ana"] and got["bo"]  # both took part
    finally:
        ws.close()
