"""The services whose queries moved into ``storage/`` (ADR 0011) behave the same on both engines.

Each test runs once on a SQLite file and once on a PostgreSQL database (the ``engine`` fixture),
through the services, so what is checked is the use case: a purge, the audit trail, an
interrupted import, a restore, the case history, the insights.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.paths import WorkspaceLocation
from reviewdesk.services import audit, cases, exports, import_records, imports, insights, labels, purge, redaction
from reviewdesk.services import review as review_service
from reviewdesk.services.workspace import (
    IMPORT_HEARTBEAT_TIMEOUT,
    Workspace,
    close_abandoned_imports,
    open_workspace,
    this_host,
)
from reviewdesk.storage import governance
from reviewdesk.storage import imports as storage_imports
from reviewdesk.storage.engine import begin_write
from tests.conftest import PgCluster
from tests.otlp_builder import dated_trace, write_jsonl

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
OLD_WORD = "Zyxquokkaphrenia"


def _trace(n: int, word: str, *, days_ago: float) -> list[dict[str, object]]:
    return dated_trace(n, word, started_at=NOW - timedelta(days=days_ago))


def _fill(ws: Workspace, tmp_path: Path) -> Path:
    """Three old traces (one labeled twice) and a recent one, from one file; the file."""
    batches = [
        _trace(1, OLD_WORD, days_ago=200),
        _trace(2, "tent", days_ago=120),
        _trace(3, "boots", days_ago=100),
        _trace(4, "recent", days_ago=10),
    ]
    path = write_jsonl(tmp_path / "t.jsonl", batches)
    imports.import_files(ws, [path])
    labels.record_label(ws, f"{3:032x}", LabelChange(verdict="fail"), reviewer="ann", seconds_spent=12.0)
    labels.record_label(ws, f"{3:032x}", LabelChange(comment="keep me"), reviewer="ann")
    return path


def _second_location(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> WorkspaceLocation:
    """Another workspace on the same engine (``pg_database`` is the test's first one)."""
    if engine == "sqlite":
        return tmp_path / "second.reviewdesk"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.url(cluster.new_database())


def test_purge_takes_old_unlabeled_cases_and_reimporting_the_file_restores_them(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = _fill(workspace, tmp_path)
    dry = purge.purge(workspace, older_than=timedelta(days=90), keep_labeled=True, now=NOW, dry_run=True)
    assert (dry.cases, dry.spans, dry.kept_labeled) == (2, 2, 1) and cases.count_cases(workspace) == 4
    result = purge.purge(workspace, older_than=timedelta(days=90), keep_labeled=True, now=NOW)
    assert (result.cases, result.traces, result.spans, result.kept_labeled) == (2, 2, 2, 1)
    assert result.bytes_before > 0 and result.bytes_after > 0
    assert {c.trace_id for c in cases.list_cases(workspace)} == {f"{3:032x}", f"{4:032x}"}
    assert cases.count_cases(workspace, CaseFilter(text=OLD_WORD)) == 0
    (line,) = [e for e in audit.entries(workspace) if e.action == "purge"]
    assert (line.details["cases"], line.details["spans"], line.details["imports_forgotten"]) == (2, 2, 1)
    # The file is no longer "imported in full": importing it again brings the purged cases back.
    (summary,) = imports.import_files(workspace, [path]).files
    assert not summary.already_imported and summary.cases_created == 2
    assert cases.count_cases(workspace, CaseFilter(text=OLD_WORD)) == 1


def test_audit_trail_has_label_events_with_their_case_and_the_operations(workspace: Workspace, tmp_path: Path) -> None:
    _fill(workspace, tmp_path)
    case_id = cases.get_case(workspace, f"{3:032x}").case_id
    found = audit.entries(workspace)
    label_lines = [e for e in found if e.action == "label"]
    assert [(e.actor, e.case_id, e.seconds_spent) for e in label_lines] == [
        ("ann", case_id, 12.0),
        ("ann", case_id, None),
    ]
    assert label_lines[0].details == {"verdict": "fail"} and label_lines[0].entry.startswith("label_event:")
    (closing,) = [e for e in found if e.action == "import"]  # its batch line is folded into it
    assert closing.details["outcome"] == "done" and closing.details["cases_created"] == 4
    assert len([e for e in audit.entries(workspace, batches=True) if e.action == "import"]) == 2
    assert [e.case_id for e in audit.entries(workspace, case_ref=case_id)] == [case_id, case_id]
    assert [e.time for e in found] == sorted(e.time for e in found)


def test_an_import_whose_process_is_gone_is_closed_as_interrupted(workspace: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", [_trace(1, "tent", days_ago=1)])
    rowid = import_records.begin_import(workspace, path, format_name="otlp-jsonl", file_hash="ab" * 32, size=10)
    assert rowid is not None
    assert close_abandoned_imports(workspace) == []  # this process is alive: left alone
    with begin_write(workspace.engine) as conn:  # as if its process had been killed without a trace
        governance.delete_setting(conn, import_records.running_key(rowid))
    assert close_abandoned_imports(workspace) == [rowid]
    assert close_abandoned_imports(workspace) == []
    (record,) = redaction.report(workspace).files
    assert (record.import_rowid, record.status) == (rowid, "failed")
    (line,) = [e for e in audit.entries(workspace) if e.action == "import"]
    assert line.details["outcome"] == "interrupted" and line.details["import"] == rowid


def test_another_hosts_import_is_left_alone_until_its_heartbeat_is_older_than_the_timeout(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Two machines share the workspace (a server, a shared file): a process id of one means nothing
    to the other, so only the host that runs an import, or the heartbeat's timeout, may close it."""
    path = write_jsonl(tmp_path / "t.jsonl", [_trace(1, "tent", days_ago=1)])
    theirs, mine, beating = (
        import_records.begin_import(workspace, path, format_name="otlp-jsonl", file_hash=c * 64, size=10) for c in "abc"
    )
    assert theirs is not None and mine is not None and beating is not None
    dead_pid = _a_pid_that_is_gone()
    started = datetime.now(UTC)
    with begin_write(workspace.engine) as conn:
        # Their process id is not alive here, and on their machine it may well be: no reason to close it.
        storage_imports.note_running(conn, theirs, pid=dead_pid, host="their-machine", at=started)
        storage_imports.note_running(conn, mine, pid=dead_pid, host=this_host(), at=started)
        storage_imports.note_running(conn, beating, pid=dead_pid, host="their-machine", at=started)
    assert close_abandoned_imports(workspace) == [mine]  # this host's dead process: closed at once
    later = started + IMPORT_HEARTBEAT_TIMEOUT - timedelta(seconds=5)
    with begin_write(workspace.engine) as conn:  # one of theirs commits a batch: its heartbeat
        storage_imports.set_counts(conn, beating, traces=1, spans=1, cases=1, skipped=0, at=later)
    past = started + IMPORT_HEARTBEAT_TIMEOUT + timedelta(seconds=1)
    assert close_abandoned_imports(workspace, now=started + timedelta(minutes=1)) == []
    assert close_abandoned_imports(workspace, now=past) == [theirs]  # silent for longer than the timeout
    assert close_abandoned_imports(workspace, now=later + IMPORT_HEARTBEAT_TIMEOUT + timedelta(seconds=1)) == [beating]
    statuses = {r.import_rowid: r.status for r in redaction.report(workspace).files}
    assert statuses == {theirs: "failed", mine: "failed", beating: "failed"}
    assert [e.details["import"] for e in audit.entries(workspace) if e.action == "import"] == [mine, theirs, beating]


def _a_pid_that_is_gone() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_history_and_restore_keep_every_event(
    workspace: Workspace, tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    _fill(workspace, tmp_path)
    case_id = f"{3:032x}"
    history = labels.label_history(workspace, case_id)
    assert [(e.reviewer, e.kind, e.label_of, e.change) for e in history] == [
        ("ann", "label", "ann", {"verdict": "fail"}),
        ("ann", "label", "ann", {"comment": "keep me"}),
    ]
    shown = review_service.history(workspace, history[0].case_rowid)
    assert [e.event_rowid for e in shown] == [e.event_rowid for e in history]
    assert exports.known_reviewers(workspace) == ["ann"]
    out = exports.export_cases(workspace, "reviewdesk-jsonl", tmp_path / "all.jsonl").path
    second = open_workspace(_second_location(engine, tmp_path, request))
    try:
        (summary,) = imports.import_files(second, [out]).files
        assert isinstance(summary, import_records.RestoreSummary)
        assert (summary.cases_created, summary.labels_restored, summary.label_events) == (4, 1, 2)
        restored = labels.label_history(second, case_id)
        assert [(e.event_id, e.created_at, e.change) for e in restored] == [
            (e.event_id, e.created_at, e.change) for e in history
        ]
        (again,) = imports.import_files(second, [out]).files
        assert again.already_imported
    finally:
        second.close()


def test_insights_read_facts_and_reviewer_activity(workspace: Workspace, tmp_path: Path) -> None:
    _fill(workspace, tmp_path)
    facts = insights.load_facts(workspace)
    assert len(facts) == 4
    (labeled,) = [f for f in facts if f.verdict is not None]
    # From the stored label (its JSON), not the queue summary: the comment and the reviewer.
    assert (labeled.trace_id, labeled.verdict, labeled.comment, labeled.reviewer) == (
        f"{3:032x}",
        "fail",
        "keep me",
        "ann",
    )
    assert {f.source_file for f in facts} == {"t.jsonl"} and labeled.request is not None and "boots" in labeled.request
    events = insights.load_events(workspace, facts)
    assert [(e.reviewer, e.seconds_spent) for e in events] == [("ann", 12.0), ("ann", None)]
