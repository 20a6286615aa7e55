"""A workspace on a real PostgreSQL server (started by tests/conftest.py): opened by URL from the
CLI and the environment, refused when the database is another program's, and the write lock."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from reviewdesk.cli.main import main
from reviewdesk.domain.errors import WorkspaceError, WorkspaceLockedError
from reviewdesk.services import cases, imports
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import engine as storage_engine
from tests.conftest import DATA, PgCluster

SAMPLE = DATA / "instrumented" / "openinference_openai.json"


def test_cli_imports_into_a_postgresql_url_and_lists_the_cases(pg_database: str, capsys) -> None:
    assert main(["--workspace", pg_database, "import", str(SAMPLE)]) == 0
    capsys.readouterr()
    assert main(["--workspace", pg_database, "cases"]) == 0
    listed = capsys.readouterr().out
    ws = open_workspace(pg_database)
    try:
        found = cases.list_cases(ws)
        assert ws.engine.dialect.name == "postgresql" and ws.path is None
    finally:
        ws.close()
    assert found and all(case.case_id[:8] in listed for case in found)


def test_reviewdesk_workspace_environment_variable_names_a_database(
    pg_database: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # The plain postgresql:// scheme works as well as postgresql+psycopg://.
    plain = pg_database.replace("postgresql+psycopg://", "postgresql://")
    monkeypatch.setenv("REVIEWDESK_WORKSPACE", plain)
    assert main(["import", str(SAMPLE)]) == 0
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "workspace: postgresql://" in out


def test_a_database_of_another_program_is_refused_untouched(pg_cluster: PgCluster) -> None:
    name = pg_cluster.new_database(empty=True)
    pg_cluster.server.execute("CREATE TABLE invoices (id int)", database=name)
    with pytest.raises(WorkspaceError, match="another program's tables"):
        open_workspace(pg_cluster.url(name))
    ws_tables = []
    import psycopg

    with psycopg.connect(pg_cluster.server.dsn(name)) as conn:
        ws_tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    assert ws_tables == ["invoices"]
    pg_cluster.drop(name)


def test_an_empty_database_becomes_a_workspace_at_head(pg_cluster: PgCluster) -> None:
    name = pg_cluster.new_database(empty=True)
    ws = open_workspace(pg_cluster.url(name))
    try:
        assert storage_engine.current_revision(ws.engine) == storage_engine.head_revision()
        assert imports.import_files(ws, [SAMPLE]).files[0].cases_created > 0
    finally:
        ws.close()
        pg_cluster.drop(name)


def test_writers_take_turns_and_a_writer_past_its_wait_is_refused(pg_database: str) -> None:
    ws = open_workspace(pg_database)
    holding = threading.Event()
    release = threading.Event()

    def hold_the_lock() -> None:
        with storage_engine.begin_write(ws.engine) as conn:
            conn.execute(text("SELECT 1"))
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with (
            pytest.raises(WorkspaceLockedError, match="locked by another writer"),
            storage_engine.writing(200),
            storage_engine.begin_write(ws.engine) as conn,
        ):
            conn.execute(text("SELECT 1"))
        assert 0.15 < time.monotonic() - started < 5
    finally:
        release.set()
        holder.join()
    # Once the first writer is done, the next one goes through.
    with storage_engine.writing(2000), storage_engine.begin_write(ws.engine) as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    ws.close()


def test_read_only_opening_refuses_writes_with_a_message(pg_database: str) -> None:
    open_workspace(pg_database).close()
    ws = open_workspace(pg_database, read_only=True)
    try:
        assert ws.read_only
        summary = imports.import_files(ws, [SAMPLE]).files[0]
        assert summary.failed and "read-only" in summary.failed
        with pytest.raises(WorkspaceError, match="read-only"), ws.engine.begin() as conn:
            conn.execute(text("DELETE FROM label_schemas"))
        assert cases.list_cases(ws) == []
    finally:
        ws.close()
