"""An undo refused because another connection holds the write lock stays undoable, and says who."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reviewdesk.domain.errors import WorkspaceLockedError
from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import imports
from reviewdesk.services.review import ReviewSession
from reviewdesk.services.workspace import open_workspace, write_now
from tests.otlp_builder import span, write_jsonl

TRACE = "ab" * 16


def test_a_locked_undo_keeps_its_step(tmp_path: Path) -> None:
    path = tmp_path / "w.reviewdesk"
    workspace = open_workspace(path)
    try:
        bundle = write_jsonl(tmp_path / "t.jsonl", [[span("chat", trace_id=TRACE, span_id="cd" * 8)]])
        imports.import_files(workspace, [bundle])
        session = ReviewSession(workspace, "tester")
        done = session.record(1, TRACE, LabelChange(verdict="fail"), before=None)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process's write (an import batch, a VACUUM)
        try:
            with pytest.raises(WorkspaceLockedError, match="is locked by another process: nothing was written"):
                write_now(session.undo, wait_ms=100)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert session.can_undo and not session.can_redo
        undone = write_now(session.undo, wait_ms=100)
        assert undone is not None and undone.case_id == done.case_id and undone.label.verdict is None
        assert session.can_redo
    finally:
        workspace.close()
