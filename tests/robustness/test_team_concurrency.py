"""Many reviewers at once (issue 11 item 3): 8 reviewer processes, each its own database login,
label the same PostgreSQL workspace at the same moment, 500 labels each.

Afterwards all 4,000 events are there, each reviewer's label of each case says what that
reviewer last wrote to it (the fold of their events, in event-id order, ends on their last
write), no process saw an error (a deadlock would be one: PostgreSQL breaks it by failing a
transaction), and the resolved labels point at each case's newest event.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from reviewdesk.services.workspace import open_workspace
from tests.conftest import DATA, REPO, PgCluster
from tests.team_db import team_workspace

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")]

REVIEWERS = 8
LABELS = 500
CASES = 30  # few cases, so reviewers keep writing to the same ones at the same time
PASSWORD = "conc-Team-pw-3"
DEMO = REPO / "src" / "reviewdesk" / "resources" / "demo" / "support_copilot.jsonl"


@pytest.fixture
def team_database(pg_cluster: PgCluster) -> Iterator[tuple[str, list[str]]]:
    logins = [f"cc_rev{n}" for n in range(REVIEWERS)]
    files = [DEMO if DEMO.exists() else DATA / "instrumented" / "openinference_openai.json"]
    with team_workspace(pg_cluster, files, dict.fromkeys(logins, "reviewer"), PASSWORD) as team:
        yield team.database, logins


def test_eight_reviewers_label_at_once_and_nothing_is_lost_or_reordered(
    pg_cluster: PgCluster, team_database: tuple[str, list[str]]
) -> None:
    name, logins = team_database
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tools.team_labeler", pg_cluster.server.url(name, user=login, password=PASSWORD),
             str(LABELS), "--cases", str(CASES)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env,
        )
        for login in logins
    ]  # fmt: skip
    try:
        for child in children:  # every reviewer has the workspace open before anyone starts
            assert child.stdout is not None and child.stdout.readline().strip() == "READY"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = []
        for child in children:
            out, err = child.communicate(timeout=900)
            assert child.returncode == 0, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()

    assert sorted(r["reviewer"] for r in reports) == sorted(logins)
    assert [r["errors"] for r in reports] == [[]] * REVIEWERS
    assert all(len(r["latencies_ms"]) == LABELS for r in reports)

    ws = open_workspace(pg_cluster.url(name))
    try:
        with ws.engine.connect() as conn:
            counts = dict(
                conn.exec_driver_sql("SELECT reviewer, count(*) FROM label_events GROUP BY reviewer").fetchall()
            )
            assert counts == dict.fromkeys(logins, LABELS)
            assert sum(counts.values()) == REVIEWERS * LABELS
            # Each reviewer's label of each case: what their last event (by event id) wrote, which is
            # what the process last wrote there.
            last_events = {
                (who, case_id): comment
                for who, case_id, comment in conn.exec_driver_sql(
                    "SELECT DISTINCT ON (e.reviewer, e.case_rowid) e.reviewer, c.case_id, e.change::json->>'comment'"
                    " FROM label_events e JOIN cases c USING (case_rowid) ORDER BY e.reviewer, e.case_rowid,"
                    " e.event_id DESC"
                )
            }
            current = {
                (who, case_id): comment
                for who, case_id, comment in conn.exec_driver_sql(
                    "SELECT r.reviewer, c.case_id, r.data::json->>'comment' FROM reviewer_labels r"
                    " JOIN cases c USING (case_rowid)"
                )
            }
            # The resolved label points at its case's newest event (the rebuild saw every event).
            stale = conn.exec_driver_sql(
                "SELECT count(*) FROM labels l WHERE l.last_event_rowid <>"
                " (SELECT max(event_rowid) FROM label_events e WHERE e.case_rowid = l.case_rowid)"
            ).scalar()
        written = {(r["reviewer"], case_id): comment for r in reports for case_id, comment in r["last"].items()}
        assert current == last_events == written
        assert stale == 0
    finally:
        ws.close()
