"""Retention purges leave no bytes behind; the audit trail records who did what, and cannot be edited."""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.errors import UsageError
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import audit, cases, exports, imports, labels, purge, redaction
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage.search_words import words_of_text
from tests.otlp_builder import dated_trace, write_jsonl
from tests.robustness.helpers import consistency_problems, raw_bytes, workspace_files

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
UNIQUE_OLD = "Zyxquokkaphrenia"  # in one old case only
# What the search index stores of it: the word folded and cut (ADR 0014), found nowhere else.
INDEXED_OLD = words_of_text(UNIQUE_OLD)[0]
UNIQUE_NEW = "Wombatitude"


def _trace(n: int, word: str, *, days_ago: float) -> list[dict[str, object]]:
    return dated_trace(n, word, started_at=NOW - timedelta(days=days_ago))


def _workspace_with_old_and_new(tmp_path: Path) -> tuple[Workspace, Path]:
    path = tmp_path / "w.reviewdesk"
    ws = open_workspace(path)
    batches = [
        _trace(1, UNIQUE_OLD, days_ago=200),
        _trace(2, "tent", days_ago=120),
        _trace(3, "boots", days_ago=100),  # old, but labeled below
        _trace(4, UNIQUE_NEW, days_ago=10),
    ]
    imports.import_files(ws, [write_jsonl(tmp_path / "t.jsonl", batches)])
    labels.record_label(ws, f"{3:032x}", LabelChange(verdict="fail", comment="keep me"))
    return ws, path


def test_purge_deletes_old_cases_and_their_bytes(tmp_path: Path) -> None:
    ws, path = _workspace_with_old_and_new(tmp_path)
    try:
        before = raw_bytes(path)
        assert UNIQUE_OLD.encode() in before and INDEXED_OLD.encode() in before  # spans, cases, FTS
        dry = purge.purge(ws, older_than=timedelta(days=90), now=NOW, dry_run=True)
        assert (dry.cases, dry.spans) == (3, 3) and cases.count_cases(ws) == 4
        result = purge.purge(ws, older_than=timedelta(days=90), keep_labeled=True, now=NOW)
        assert (result.cases, result.kept_labeled) == (2, 1)
        remaining = {c.trace_id for c in cases.list_cases(ws)}
        assert remaining == {f"{3:032x}", f"{4:032x}"}
        assert cases.count_cases(ws, CaseFilter(text=UNIQUE_OLD)) == 0
        entries = [e for e in audit.entries(ws) if e.action == "purge"]
        assert len(entries) == 1 and entries[0].details["cases"] == 2
        # Still open: no clean close has checkpointed the WAL for us, the purge itself must have.
        assert INDEXED_OLD.encode() not in raw_bytes(path)
        assert UNIQUE_OLD.encode() not in raw_bytes(path)
    finally:
        ws.close()
    # The purged case's words are nowhere in the file, its WAL or its shared memory: not in the
    # spans, not in the case JSON, not in the full-text index's segments.
    data = raw_bytes(path)
    assert UNIQUE_OLD.encode() not in data
    assert INDEXED_OLD.encode() not in data  # the index's term, folded and cut
    assert UNIQUE_NEW.encode() in data
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert consistency_problems(path) == []
    assert result.bytes_after < result.bytes_before


def test_purge_without_keep_labeled_takes_labels_too(tmp_path: Path) -> None:
    ws, path = _workspace_with_old_and_new(tmp_path)
    try:
        purge.purge(ws, older_than=timedelta(days=90), now=NOW)
        assert [c.trace_id for c in cases.list_cases(ws)] == [f"{4:032x}"]
    finally:
        ws.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM label_events").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM labels").fetchone()[0] == 0
    finally:
        conn.close()
    assert b"keep me" not in raw_bytes(path)
    assert consistency_problems(path) == []


def test_retention_setting_drives_purge(tmp_path: Path) -> None:
    ws, _ = _workspace_with_old_and_new(tmp_path)
    try:
        with pytest.raises(UsageError, match="no retention period"):
            purge.purge(ws, now=NOW)
        purge.set_retention(ws, older_than_days=150, keep_labeled=False)
        assert purge.purge(ws, now=NOW).cases == 1
        assert [e.subject for e in audit.entries(ws) if e.action == "settings"] == ["retention"]
    finally:
        ws.close()


def test_purge_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws, path = _workspace_with_old_and_new(tmp_path)
    ws.close()
    # The traces are dated relative to 2026-11-26, the CLI purges relative to now: 100000d keeps all.
    assert main(["--workspace", str(path), "purge", "--older-than", "100000d", "--dry-run"]) == 0
    assert "would delete 0 case(s)" in capsys.readouterr().out
    assert main(["--workspace", str(path), "retention", "--set", "12w", "--keep-labeled"]) == 0
    assert "84 day(s)" in capsys.readouterr().out
    assert main(["--workspace", str(path), "purge", "--older-than", "soon"]) == 2
    assert "not an age" in capsys.readouterr().err


def test_audit_log_records_operations_and_refuses_edits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws, path = _workspace_with_old_and_new(tmp_path)
    try:
        labels.record_label(ws, f"{4:032x}", LabelChange(comment='=HYPERLINK("http://evil")'), reviewer="+mallory")
        exports.export_cases(ws, "reviewdesk-jsonl", tmp_path / "out.jsonl")
        redaction.update_settings(ws, lambda s: {"allow": ["ops@shop.example"]})
        found = audit.entries(ws)
        assert [e.action for e in found] == ["import", "label", "label", "export", "settings"]
        assert found[0].details["outcome"] == "done" and found[0].details["cases_created"] == 4
        assert found[3].details["format"] == "reviewdesk-jsonl" and found[3].details["cases"] == 4
        assert found[4].details["after"]["allow"] == ["ops@shop.example"]
        assert [e.action for e in audit.entries(ws, case_ref=f"{4:032x}")] == ["label"]
    finally:
        ws.close()
    conn = sqlite3.connect(path)
    try:
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
    finally:
        conn.close()

    out = tmp_path / "audit.csv"
    assert main(["--workspace", str(path), "audit", "--csv", "-o", str(out)]) == 0
    assert "wrote 5 audit entries" in capsys.readouterr().out
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["action"] for r in rows] == ["import", "label", "label", "export", "settings"]
    mallory = rows[2]
    assert mallory["actor"] == "'+mallory"  # a formula-looking cell is defused
    assert mallory["case_id"] and mallory["entry"].startswith("label_event:")
    assert "HYPERLINK" in mallory["details"] and not mallory["details"].startswith("=")

    case_out = tmp_path / "case.csv"
    assert main(["--workspace", str(path), "audit", "--csv", "-o", str(case_out), "--case", f"{3:032x}"]) == 0
    with case_out.open(newline="", encoding="utf-8") as handle:
        assert [r["action"] for r in csv.DictReader(handle)] == ["label"]
    assert main(["--workspace", str(path), "audit", "--case", f"{3:032x}"]) == 0
    assert "keep me" in capsys.readouterr().out


def test_workspace_files_are_private(tmp_path: Path) -> None:
    import os
    import stat

    nested = tmp_path / "new" / "deeper" / "w.reviewdesk"
    ws = open_workspace(nested)
    try:
        imports.import_files(ws, [write_jsonl(tmp_path / "t.jsonl", [_trace(9, "x", days_ago=1)])])
        files = workspace_files(nested)
        assert {p.name for p in files} == {"w.reviewdesk", "w.reviewdesk-wal", "w.reviewdesk-shm"}
        assert {stat.S_IMODE(os.stat(p).st_mode) for p in files} == {0o600}
        assert stat.S_IMODE(os.stat(nested.parent).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(nested.parent.parent).st_mode) == 0o700
    finally:
        ws.close()
