"""The workspace is the file the user named, and only a reviewdesk workspace is ever changed.

* a new workspace carries reviewdesk's ``application_id`` and schema number in its header;
* another program's SQLite database (with an application id, or with tables of its own) is
  refused before anything is written: same bytes, same journal mode, no -wal or -shm;
* file names with ``?``, ``#`` or ``%41`` open that very file;
* read-only opens (``--read-only``, a 0444 file) create no -wal or -shm;
* a FIFO or a process-substitution pipe given to ``import`` is refused at once, never waited on.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.errors import WorkspaceError
from reviewdesk.services import cases, imports
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import engine as storage_engine
from tests.conftest import REPO
from tests.otlp_builder import span, write_jsonl


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _companions(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name) and p != path)


def test_a_new_workspace_is_marked_as_ours(tmp_path: Path) -> None:
    path = tmp_path / "new.reviewdesk"
    open_workspace(path).close()
    header = path.read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == storage_engine.APPLICATION_ID
    assert int.from_bytes(header[60:64], "big") == int(storage_engine.head_revision())


@pytest.mark.parametrize("kind", ["application id", "own tables"])
def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "places.sqlite"
    conn = sqlite3.connect(path)
    if kind == "application id":
        conn.execute("PRAGMA application_id = 1179407955")  # a made-up program's id
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org/')")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(WorkspaceError, match="not a reviewdesk workspace; nothing was changed"):
        open_workspace(path)
    with pytest.raises(WorkspaceError, match="reviewdesk workspace"):
        open_workspace(path, read_only=True)
    assert _digest(path) == before
    assert _companions(path) == []  # never switched to WAL, no journal left
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"moz_places"}
    finally:
        conn.close()


def test_the_cli_says_why_and_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    assert main(["--workspace", str(path), "stats"]) == 1
    err = capsys.readouterr().err
    assert "not a reviewdesk workspace" in err and "nothing was changed" in err and "notes" in err


@pytest.mark.parametrize("name", ["what?mode=ro.reviewdesk", "100%41.reviewdesk", "a#b.reviewdesk"])
def test_a_name_with_url_characters_opens_that_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    bundle = write_jsonl(tmp_path / "t.jsonl", [[span("chat", trace_id="ab" * 16, span_id="cd" * 8)]])
    workspace = open_workspace(path)
    try:
        assert imports.import_files(workspace, [bundle]).files[0].cases_created == 1
    finally:
        workspace.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".jsonl") == [name]
    reopened = open_workspace(path, read_only=True)
    try:
        assert cases.count_cases(reopened) == 1
    finally:
        reopened.close()


def test_read_only_opens_leave_no_wal_or_shm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ro.reviewdesk"
    bundle = write_jsonl(tmp_path / "t.jsonl", [[span("chat", trace_id="ab" * 16, span_id="cd" * 8)]])
    workspace = open_workspace(path)
    imports.import_files(workspace, [bundle])
    workspace.close()
    assert _companions(path) == []  # a clean close removes them
    # --read-only of a writable file: reads work, nothing is created.
    workspace = open_workspace(path, read_only=True)
    try:
        assert cases.count_cases(workspace) == 1
    finally:
        workspace.close()
    assert _companions(path) == []
    # A 0444 file (opened read-only by itself), through the CLI.
    path.chmod(0o444)
    try:
        assert main(["--workspace", str(path), "cases"]) == 0
        assert _companions(path) == []
    finally:
        path.chmod(0o600)
    capsys.readouterr()
    # After the owner's chmod the workspace takes writes again (no 0444 -wal/-shm in the way).
    workspace = open_workspace(path, read_only=False)
    try:
        more = write_jsonl(tmp_path / "u.jsonl", [[span("chat", trace_id="ef" * 16, span_id="cd" * 8)]])
        assert imports.import_files(workspace, [more]).files[0].cases_created == 1
    finally:
        workspace.close()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_importing_a_fifo_or_a_pipe_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "traces.fifo"
    os.mkfifo(fifo)
    env = {
        **os.environ,
        "REVIEWDESK_DATA_DIR": str(tmp_path / "data"),
        "REVIEWDESK_CONFIG_DIR": str(tmp_path / "config"),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    workspace = str(tmp_path / "w.reviewdesk")
    # Nobody ever writes to the FIFO: an import that opened it would wait forever.
    run = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "--workspace", workspace, "import", str(fifo)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert run.returncode == 1 and "not a file" in run.stderr, run.stderr
    # A process substitution (`<(zcat traces.jsonl.gz)`) is a pipe too.
    shell = subprocess.run(
        ["bash", "-c", f'{sys.executable} -m reviewdesk --workspace "{workspace}" import <(sleep 30 2>/dev/null)'],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=20,
    )
    assert shell.returncode == 1 and "not a file" in shell.stderr, shell.stderr
