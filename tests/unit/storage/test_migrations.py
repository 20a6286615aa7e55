"""Alembic migrations: a new workspace is built by them, they match the models, and they reverse."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from reviewdesk.domain.errors import WorkspaceError
from reviewdesk.paths import WorkspaceLocation
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage.tables import Base


def test_new_workspace_is_at_head_with_pragmas(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "w.reviewdesk")
    assert storage_engine.current_revision(ws.engine) == storage_engine.head_revision()
    with ws.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    ws.close()


def test_new_workspace_is_at_head_on_both_engines(workspace_location: WorkspaceLocation) -> None:
    ws = open_workspace(workspace_location)
    assert storage_engine.current_revision(ws.engine) == storage_engine.head_revision()
    tables = set(inspect(ws.engine).get_table_names())
    assert {"imports", "traces", "spans", "cases", "label_events", "labels", "label_schemas"} <= tables
    ws.close()


def test_workspace_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "private.reviewdesk"
    open_workspace(path).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_migrations_match_the_models(workspace_location: WorkspaceLocation) -> None:
    ws = open_workspace(workspace_location)
    with ws.engine.connect() as conn:
        # The search table (FTS5 and its shadow tables on SQLite, a tsvector table on PostgreSQL)
        # is made by raw SQL in a migration and has no model; everything else must match the models.
        virtual = ["case_search"]
        if ws.engine.dialect.name == "sqlite":
            virtual = [
                name
                for (name,) in conn.execute(
                    text("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
                )
            ]

        def include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
            return not (type_ == "table" and name is not None and any(name.startswith(v) for v in virtual))

        context = MigrationContext.configure(conn, opts={"include_object": include})
        diff = compare_metadata(context, Base.metadata)
    ws.close()
    assert diff == []


def test_downgrade_to_base_and_up_again(workspace_location: WorkspaceLocation) -> None:
    ws = open_workspace(workspace_location)
    from alembic import command

    command.downgrade(storage_engine.alembic_config(ws.engine), "base")
    assert set(inspect(ws.engine).get_table_names()) <= {"alembic_version"}
    storage_engine.upgrade(ws.engine)
    assert storage_engine.current_revision(ws.engine) == storage_engine.head_revision()
    ws.close()


def test_label_events_refuse_updates(workspace_location: WorkspaceLocation) -> None:
    ws = open_workspace(workspace_location)
    with ws.engine.begin() as conn:
        for statement in (
            "INSERT INTO traces (trace_id, span_count) VALUES ('t', 0)",
            "INSERT INTO cases (case_id, trace_rowid, status, tool_calls, tool_errors, documents, source_format,"
            " source_file, data, updated_at) VALUES ('c', 1, 'ok', 0, 0, 0, 'x', 'f', '{}', '2026-01-01')",
            "INSERT INTO label_events (case_rowid, created_at, reviewer, change, schema_version)"
            " VALUES (1, '2026-01-01', 'ana', '{}', 1)",
        ):
            conn.execute(text(statement))
    with pytest.raises(Exception, match="append-only"), ws.engine.begin() as conn:
        conn.execute(text("UPDATE label_events SET reviewer = 'mallory'"))
    ws.close()


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.reviewdesk"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(WorkspaceError, match="not a reviewdesk workspace"):
        open_workspace(path)


def test_workspace_from_a_newer_version_is_refused(workspace_location: WorkspaceLocation) -> None:
    ws = open_workspace(workspace_location)
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    ws.close()
    with pytest.raises(WorkspaceError, match="newer reviewdesk"):
        open_workspace(workspace_location)
