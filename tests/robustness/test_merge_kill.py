"""A merge killed with SIGKILL at any point leaves all of the package's events or none of them.

A real ``python`` process merges a review package into a workspace and kills itself with SIGKILL
after its N-th SQL statement on the workspace (a SQLAlchemy ``before_cursor_execute`` listener in
the child, so the points are exact and the merge code is the real one): before the transaction,
after the events are inserted, between the label tables' deletes and inserts, at the commit, and
after it. Each killed workspace must then open, pass the consistency checks, hold either every
one of the package's events or none (and then be exactly as before), and a second merge must
complete it to exactly what an unkilled merge gives.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import assignment, labels, packages
from reviewdesk.services.workspace import open_workspace
from tests.conftest import REPO
from tests.consumers.labeled import build
from tests.robustness.helpers import consistency_problems

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")]

_MERGER = """
import os, signal, sys
from pathlib import Path
from sqlalchemy import event
from reviewdesk.services import packages
from reviewdesk.services.workspace import open_workspace

workspace = open_workspace(Path(sys.argv[1]))
kill_at = int(sys.argv[3])  # 0: never (count the statements)
seen = 0

def count(_conn, _cursor, statement, *_args):
    global seen
    seen += 1
    if kill_at == 0:
        print("SQL", " ".join(statement.split())[:60], flush=True)
    if seen == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

def at_commit(*_args):
    if kill_at == -1:
        os.kill(os.getpid(), signal.SIGKILL)

event.listen(workspace.engine, "before_cursor_execute", count)
event.listen(workspace.engine, "commit", at_commit)
report = packages.merge_package(workspace, Path(sys.argv[2]))
print("STATEMENTS", seen, "ADDED", report.added, flush=True)
"""


def _env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "REVIEWDESK_DATA_DIR": str(tmp / "data"),
        "REVIEWDESK_CONFIG_DIR": str(tmp / "config"),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }


def _merge(tmp: Path, workspace: Path, package: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _MERGER, str(workspace), str(package), str(kill_at)],
        env=_env(tmp),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _state(path: Path) -> tuple[list[tuple[object, ...]], ...]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return tuple(
            conn.execute(sql).fetchall()
            for sql in (
                "SELECT e.event_id, c.case_id, e.label_of, e.change FROM label_events e JOIN cases c USING (case_rowid)"
                " ORDER BY e.event_id",
                "SELECT c.case_id, r.reviewer, r.data FROM reviewer_labels r JOIN cases c USING (case_rowid)"
                " ORDER BY 1, 2",
                "SELECT c.case_id, l.resolution, l.data FROM labels l JOIN cases c USING (case_rowid) ORDER BY 1",
                "SELECT c.case_id, r.root_cause FROM case_root_causes r JOIN cases c USING (case_rowid) ORDER BY 1, 2",
            )
        )
    finally:
        conn.close()


def _event_ids(path: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT event_id FROM label_events")}
    finally:
        conn.close()


def test_a_merge_killed_anywhere_leaves_all_of_the_package_or_none(tmp_path: Path) -> None:
    team = build(tmp_path / "team.reviewdesk", label=True)
    assert isinstance(team.path, Path)
    ws = team.open()
    try:
        assignment.assign(ws, ["ana"], seed=3)
        made = packages.create_package(ws, "ana", tmp_path / "ana.rdpkg").path
    finally:
        ws.close()
    package = open_workspace(made)
    try:
        for n, case_id in enumerate(sorted(team.case_ids.values())):
            verdict = "fail" if n % 2 else "pass"
            labels.record_label(package, case_id, LabelChange(verdict=verdict), reviewer="ana")
            labels.record_label(package, case_id, LabelChange(comment=f"seen {n}"), reviewer="ana")
    finally:
        package.close()
    theirs = _event_ids(made)
    before = _state(team.path)
    assert theirs and not theirs & _event_ids(team.path)

    reference = tmp_path / "reference.reviewdesk"
    shutil.copyfile(team.path, reference)
    counted = _merge(tmp_path, reference, made, 0)
    assert counted.returncode == 0, counted.stderr
    lines = counted.stdout.splitlines()
    sql = [line.removeprefix("SQL ") for line in lines if line.startswith("SQL ")]
    statements = int(lines[-1].split()[1])
    assert len(sql) == statements
    # Statement n is about to run when the kill at n comes: the events' insert has run before the kill
    # at the statement after it, and the label tables' writes follow, still in the transaction.
    after_events = next(n for n, text in enumerate(sql, start=2) if text.startswith("INSERT INTO label_events"))
    assert any(text.startswith("INSERT INTO labels") for text in sql[after_events - 1 :])
    merged = _state(reference)
    assert theirs <= _event_ids(reference)

    # Every statement of the merge on the workspace (reads, the events' insert, each delete and
    # insert of the label tables), the commit itself, and one past the end (nothing to kill).
    points = [*range(1, statements + 1), -1, statements + 1]
    outcomes: dict[int, str] = {}
    for point in points:
        copy = tmp_path / f"killed-{point}.reviewdesk"
        shutil.copyfile(team.path, copy)
        done = _merge(tmp_path, copy, made, point)
        if point <= statements:
            assert done.returncode == -signal.SIGKILL, (point, done.returncode, done.stderr)
        present = theirs & _event_ids(copy)
        assert present in (set(), theirs), f"killed at statement {point}: {len(present)} of {len(theirs)} events"
        outcomes[point] = "all" if present else "none"
        assert consistency_problems(copy) == [], point
        assert _state(copy) == (merged if present else before), point
        again = open_workspace(copy)
        try:
            report = packages.merge_package(again, made)
        finally:
            again.close()
        assert report.added == (0 if present else len(theirs))
        assert _state(copy) == merged, point
        assert consistency_problems(copy) == []
    assert outcomes[after_events] == "none" and outcomes[-1] == "none"  # written, not committed: nothing
    assert outcomes[statements + 1] == "all"
