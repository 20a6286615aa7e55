"""An import killed after committing batches leaves its bookkeeping true.

``kill -9`` of a real ``reviewdesk import`` once it has committed at least one batch, then:

* the next open marks the abandoned import as interrupted (never ``running`` forever) and logs it;
* every committed batch has its audit line, written in the batch's transaction: the audit's
  span counts add up to the spans in the workspace;
* importing the file again completes it, and the redaction report counts what is stored: one
  replaced address per trace, not the killed run's values a second time.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewdesk.services import audit, imports, redaction
from reviewdesk.services.workspace import open_workspace
from tests.robustness.helpers import consistency_problems
from tests.robustness.test_crash import _env, _trace_file

KILLS = 3
# x 4 spans: eight batches of BATCH_SPANS (5,000). Each kill lands after at least one more batch, and a
# resumed import skips what is stored, so the third run must still have two batches ahead of it: with
# three batches in all it had one, and its only window for the kill was between its last commit and
# 'done' (a few ms on an idle machine).
TRACES = 9000

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")]


def _query(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _kill_after_first_batch(path: Path, bundle: Path, env: dict[str, str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewdesk", "--workspace", str(path), "import", str(bundle)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            committed = _query(path, "SELECT coalesce(max(spans), 0) FROM imports WHERE status = 'running'")
        except sqlite3.OperationalError:
            committed = [(0,)]
        if committed[0][0]:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_killed_imports_leave_true_bookkeeping(tmp_path: Path) -> None:
    bundle = _trace_file(tmp_path / "traces.jsonl", TRACES)
    path = tmp_path / "w.reviewdesk"
    open_workspace(path).close()
    env = _env(tmp_path)
    for kill in range(KILLS):
        _kill_after_first_batch(path, bundle, env)
        assert _query(path, "SELECT count(*) FROM imports WHERE status = 'running'") == [(1,)]
        workspace = open_workspace(path)
        try:
            assert _query(path, "SELECT count(*) FROM imports WHERE status = 'running'") == [(0,)], kill
            killed = _query(path, "SELECT import_rowid, status, errors FROM imports ORDER BY import_rowid DESC LIMIT 1")
            rowid, status, errors = killed[0]
            assert status == "failed" and "interrupted" in str(errors)
            logged = [
                e for e in audit.entries(workspace, labels=False, batches=True) if e.details.get("import") == rowid
            ]
            outcomes = [e.details["outcome"] for e in logged]
            assert outcomes[-1] == "interrupted" and set(outcomes[:-1]) == {"batch"}, outcomes
            stored = int(str(_query(path, f"SELECT count(*) FROM spans WHERE import_rowid = {rowid}")[0][0]))
            assert stored > 0
            assert sum(e.details["spans"] for e in logged if e.details["outcome"] == "batch") == stored
            assert logged[-1].details["spans"] == stored
        finally:
            workspace.close()
        assert consistency_problems(path) == []

    workspace = open_workspace(path)
    try:
        done = imports.import_files(workspace, [bundle]).files[0]
        assert done.ok and not done.already_imported
        placeholders = _query(path, "SELECT count(*) FROM spans WHERE attributes LIKE '%[EMAIL_1]%'")[0][0]
        assert placeholders == TRACES  # one address per trace, in its root span
        report = redaction.report(workspace)
        assert report.totals == {"EMAIL": TRACES}, report.totals
        assert imports.import_files(workspace, [bundle]).files[0].already_imported
    finally:
        workspace.close()
    assert consistency_problems(path) == []
