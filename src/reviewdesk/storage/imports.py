"""Queries of import records (``imports``): one row per import of one file, what it added and skipped.

Every import path (trace files, restored exports) opens and closes its record through these, so
"the same file twice adds nothing" means the same thing everywhere; ``services.import_records``
decides when.

While an import runs, a workspace setting (``import.running.<rowid>``) says who runs it: the host
and process id, and, in its ``updated_at``, a heartbeat each committed batch refreshes. A workspace
is shared (a PostgreSQL server, a SQLite file on a network share), so a process id alone says
nothing to another machine: ``RunningImport`` carries what a client needs to tell a live import
from an abandoned one (``services.workspace.close_abandoned_imports``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from reviewdesk.storage import governance
from reviewdesk.storage.tables import ImportRecord, WorkspaceSettingRow


@dataclass(frozen=True, slots=True)
class ImportInfo:
    """One import record as its readers need it."""

    import_rowid: int
    path: str
    file_name: str
    format: str
    started_at: datetime
    status: str
    traces: int
    spans: int
    cases: int
    skipped: int
    errors: list[str]


def done_import_of(conn: Connection, file_hash: str) -> int | None:
    """The import that brought in a file with this content in full, if there was one."""
    return conn.execute(
        select(ImportRecord.import_rowid).where(ImportRecord.content_sha256 == file_hash, ImportRecord.status == "done")
    ).scalar()


def start_import(
    conn: Connection, *, path: str, file_name: str, format_name: str, file_hash: str, size: int, at: datetime
) -> int:
    """A new ``running`` import record with nothing counted yet; its row id."""
    inserted = conn.execute(
        insert(ImportRecord)
        .values(
            path=path,
            file_name=file_name,
            format=format_name,
            content_sha256=file_hash,
            size_bytes=size,
            started_at=at,
            status="running",
            traces=0,
            spans=0,
            cases=0,
            skipped=0,
            errors=[],
        )
        .returning(ImportRecord.import_rowid)
    )
    return int(inserted.scalar_one())


def set_counts(
    conn: Connection, import_rowid: int, *, traces: int, spans: int, cases: int, skipped: int, at: datetime
) -> None:
    """The running totals of an import (after each batch), which are also its heartbeat (at ``at``)."""
    conn.execute(
        update(ImportRecord)
        .where(ImportRecord.import_rowid == import_rowid)
        .values(traces=traces, spans=spans, cases=cases, skipped=skipped)
    )
    conn.execute(
        update(WorkspaceSettingRow).where(WorkspaceSettingRow.key == running_key(import_rowid)).values(updated_at=at)
    )


@dataclass(frozen=True, slots=True)
class RunningImport:
    """Who runs an import, as its process recorded it when it began."""

    pid: int | None
    host: str | None
    """``None`` for a note written before hosts were recorded."""
    heartbeat: datetime
    """When the import last committed a batch (or began)."""


def running_key(import_rowid: int) -> str:
    """The workspace setting naming the host and process that run an import, while it runs."""
    return f"{governance.RUNNING_IMPORT}{import_rowid}"


def note_running(conn: Connection, import_rowid: int, *, pid: int, host: str, at: datetime) -> None:
    """Record that ``pid`` on ``host`` runs the import; its first heartbeat is ``at``."""
    governance.put_setting(conn, running_key(import_rowid), {"pid": pid, "host": host}, at)


def forget_running(conn: Connection, import_rowid: int) -> None:
    """The import ended (or was closed as interrupted): nobody runs it any more."""
    governance.delete_setting(conn, running_key(import_rowid))


def running_notes(conn: Connection) -> dict[int, RunningImport]:
    """Who runs each import that has a note, by import row id."""
    rows = conn.execute(
        select(WorkspaceSettingRow.key, WorkspaceSettingRow.value, WorkspaceSettingRow.updated_at).where(
            WorkspaceSettingRow.key.startswith(governance.RUNNING_IMPORT)
        )
    )
    found: dict[int, RunningImport] = {}
    for key, value, updated_at in rows:
        suffix = str(key)[len(governance.RUNNING_IMPORT) :]
        if not suffix.isdigit():
            continue
        note = value if isinstance(value, dict) else {}
        pid, host = note.get("pid"), note.get("host")
        heartbeat = updated_at if updated_at.tzinfo is not None else updated_at.replace(tzinfo=UTC)
        found[int(suffix)] = RunningImport(
            pid=pid if isinstance(pid, int) else None, host=host if isinstance(host, str) else None, heartbeat=heartbeat
        )
    return found


def close_import(
    conn: Connection,
    import_rowid: int,
    *,
    status: str,
    at: datetime,
    traces: int,
    spans: int,
    cases: int,
    skipped: int,
    errors: list[str],
) -> None:
    """An import's final status and counts."""
    conn.execute(
        update(ImportRecord)
        .where(ImportRecord.import_rowid == import_rowid)
        .values(status=status, finished_at=at, traces=traces, spans=spans, cases=cases, skipped=skipped, errors=errors)
    )


def mark_failed(conn: Connection, import_rowid: int, *, at: datetime, errors: list[str]) -> None:
    """Close an import as ``failed`` with these errors, keeping its counts."""
    conn.execute(
        update(ImportRecord)
        .where(ImportRecord.import_rowid == import_rowid)
        .values(status="failed", finished_at=at, errors=errors)
    )


def any_running(conn: Connection) -> bool:
    """Whether an import record is still ``running``."""
    running = select(ImportRecord.import_rowid).where(ImportRecord.status == "running").limit(1)
    return conn.execute(running).first() is not None


def imports(conn: Connection, *, running: bool = False) -> list[ImportInfo]:
    """Every import record (only the ``running`` ones, with ``running``), oldest first."""
    table = ImportRecord.__table__
    statement = select(
        table.c.import_rowid,
        table.c.path,
        table.c.file_name,
        table.c.format,
        table.c.started_at,
        table.c.status,
        table.c.traces,
        table.c.spans,
        table.c.cases,
        table.c.skipped,
        table.c.errors,
    ).order_by(table.c.import_rowid)
    if running:
        statement = statement.where(table.c.status == "running")
    return [ImportInfo(*row[:10], errors=list(row.errors or [])) for row in conn.execute(statement)]
