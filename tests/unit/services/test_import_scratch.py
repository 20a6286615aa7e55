"""An import's temporary folder does not outlive a killed import: the next import removes it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from reviewdesk.files import SCRATCH_PREFIX
from reviewdesk.services import imports
from reviewdesk.services.workspace import open_workspace
from tests.otlp_builder import span, write_jsonl


def _gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_import_removes_the_folders_of_killed_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    # What a kill -9 leaves: a prepared batch (already-redacted trace content) in a dead import's folder.
    orphan = temp / f"{SCRATCH_PREFIX}{_gone_pid()}-x1"
    (orphan / "batches-1").mkdir(parents=True)
    (orphan / "batches-1" / "batch-0.pickle").write_bytes(b"redacted trace content")
    # A running import's folder (this process is alive) and an unrelated folder stay.
    running = temp / f"{SCRATCH_PREFIX}{os.getppid()}-y2"
    running.mkdir()
    other = temp / "someone-else"
    other.mkdir()

    ws = open_workspace(tmp_path / "ws.reviewdesk")
    try:
        trace = [span("chat", trace_id="1" * 32, span_id="1" * 16, attributes={"output.value": "hi"})]
        result = imports.import_files(ws, [write_jsonl(tmp_path / "t.jsonl", [trace])])
    finally:
        ws.close()

    assert result.files[0].cases_created == 1
    assert not orphan.exists()
    assert running.exists() and other.exists()
    # and the import's own folder is gone once it has finished
    assert sorted(p.name for p in temp.iterdir()) == sorted([running.name, other.name])
