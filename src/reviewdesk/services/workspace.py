"""Opening a workspace: imports, traces, spans, cases and labels in one SQLite file, or in one
PostgreSQL database that a team shares (``storage.postgres``)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from reviewdesk import paths
from reviewdesk.domain.errors import DiskFullError, WorkspaceError, WorkspaceLockedError
from reviewdesk.domain.labels import DEFAULT_LABEL_SCHEMA_VERSION
from reviewdesk.domain.taxonomy import default_taxonomy
from reviewdesk.progress import Progress
from reviewdesk.services import case_rebuild, cost_estimates, redaction_key
from reviewdesk.storage import audit as storage_audit
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage import governance, label_schemas, postgres
from reviewdesk.storage import imports as storage_imports
from reviewdesk.storage.handles import Engine, Session, SessionFactory, sessions

T = TypeVar("T")


@dataclass
class Workspace:
    """An open workspace. Sessions are short-lived: open one per operation, never keep one in a view."""

    path: Path | None
    """The SQLite file; ``None`` for a workspace on a PostgreSQL server (see ``url``)."""
    engine: Engine
    session_factory: SessionFactory
    read_only: bool = False
    """Opened without write access: reads work, every write is refused with a ``WorkspaceError``."""
    read_only_reason: str | None = None
    """Why, for messages: "it is on a read-only medium", "the file is read-only", "opened read-only"."""
    url: str | None = None
    """A server workspace's URL as it may be shown and stored: its password, if any, is ``***``."""

    @property
    def name(self) -> str:
        if self.path is None:
            return postgres.database_name(self.engine.url)
        return self.path.stem

    @property
    def location(self) -> str:
        """What messages, titles and recent-workspace lists show: the file, or the URL without its password."""
        return str(self.path) if self.path is not None else str(self.url)

    @property
    def on_server(self) -> bool:
        return self.path is None

    def session(self) -> Session:
        return self.session_factory()

    def close(self) -> None:
        self.engine.dispose()


def open_workspace(location: paths.WorkspaceLocation | None = None, *, read_only: bool | None = None) -> Workspace:
    """Open (creating or upgrading as needed) the workspace at ``location``, or the default one.

    ``location`` is a file path or a ``postgresql://`` URL. ``read_only=None`` opens read-only by
    itself when the file cannot be written (a read-only medium or file); ``True`` always opens
    read-only (risk owners' views); ``False`` insists on writing. A read-only workspace is neither
    created nor upgraded.
    """
    location = location if location is not None else paths.default_workspace()
    if paths.is_database_url(location):
        return _open_server(str(location), read_only=bool(read_only))
    path = Path(location).expanduser().resolve()
    reason = storage_engine.read_only_reason(path)
    if read_only is False and reason is not None:
        raise WorkspaceError(f"cannot open {path} for writing: {reason}")
    if read_only or reason is not None:
        return _open_read_only(path, reason or "opened read-only")
    engine = storage_engine.create_workspace_engine(path)
    try:
        return _prepare(Workspace(path=path, engine=engine, session_factory=sessions(engine)))
    except DiskFullError:
        engine.dispose()
        if read_only is False or storage_engine.read_only_reason(path) is not None:
            raise
        # No room for the -wal and -shm a writer needs: an existing workspace still opens for
        # reading, and every write is refused with "read-only (disk full)".
        try:
            return _open_read_only(path, "disk full")
        except WorkspaceError:
            raise DiskFullError(storage_engine.disk_full_message(path)) from None


def _prepare(workspace: Workspace) -> Workspace:
    """Bring a writable workspace up to date: schema, label schema, abandoned imports, key, estimates."""
    try:
        storage_engine.upgrade(workspace.engine)
        _ensure_label_schema(workspace)
        close_abandoned_imports(workspace)
        redaction_key.move_key_out(workspace)  # a key kept in the file (schema 0003) goes to the key file
        # Cases stored by an older reviewdesk are rebuilt in today's case format (once, page by page).
        case_rebuild.rebuild_if_outdated(workspace.engine)
        # Workspaces from before case_documents (migration 0006) list their cases' dated documents.
        case_rebuild.index_documents_if_missing(workspace.engine)
        # Cases stored before cost estimates existed, or estimated with other prices, get the current
        # estimate now (once: the workspace remembers which prices its estimates used).
        cost_estimates.refresh_if_outdated(workspace.engine)
    except BaseException:
        workspace.engine.dispose()
        raise
    return workspace


def _open_server(location: str, *, read_only: bool) -> Workspace:
    url = postgres.parse_url(location)
    shown = postgres.display_url(url)
    engine = postgres.create_pg_engine(url, read_only=read_only)
    try:
        postgres.check_is_workspace(engine, shown)
        if read_only:
            storage_engine.check_read_only_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    workspace = Workspace(
        path=None,
        engine=engine,
        session_factory=sessions(engine),
        read_only=read_only,
        read_only_reason="opened read-only" if read_only else None,
        url=shown,
    )
    return workspace if read_only else _prepare(workspace)


IMPORT_HEARTBEAT_TIMEOUT = timedelta(minutes=10)
"""An import that has committed nothing for this long is abandoned, whichever machine runs it.

A running import refreshes its heartbeat with every batch it commits (seconds apart; the longest
single batch measured, one trace of 40,000 spans, took under a minute), so ten minutes of silence
means its process is gone, or stopped, even when it ran on another machine whose processes this
one cannot see. The clocks of the two machines are compared, so they may differ by minutes, not
by ten."""


def this_host() -> str:
    """The name an import records as its host (the machine's network name)."""
    return socket.gethostname()


def close_abandoned_imports(workspace: Workspace, *, now: datetime | None = None) -> list[int]:
    """Mark imports whose process is gone (killed, crashed, power cut) as interrupted; their row ids.

    Their committed batches stay (each has its audit line); the record gets status ``failed``
    with an "interrupted" error and the audit log a closing line, so nothing stays ``running``
    forever. Importing the file again completes it. An import is abandoned when it ran on this
    host and its process is gone, or when its heartbeat is older than ``IMPORT_HEARTBEAT_TIMEOUT``
    (the only sign another machine's import gives); a live import is left alone — a workspace on
    a server (or a shared file) is opened by other machines while one of them imports.
    """
    with workspace.engine.connect() as conn:
        if not storage_imports.any_running(conn):
            return []
    closed: list[int] = []
    now = now or datetime.now(UTC)
    host = this_host()
    with storage_engine.immediate(workspace.engine.connect()) as conn, conn.begin():
        running = storage_imports.imports(conn, running=True)
        notes = storage_imports.running_notes(conn)
        counts = governance.import_redactions(conn)
        for record in running:
            note = notes.get(record.import_rowid)
            if note is not None and not _abandoned(note, host=host, now=now):
                continue
            message = (
                "interrupted: the importing process ended before the import finished; the batches it"
                " committed were kept, and importing the file again completes it"
            )
            storage_imports.mark_failed(conn, record.import_rowid, at=now, errors=[*record.errors, message])
            storage_imports.forget_running(conn, record.import_rowid)
            storage_audit.append_audit(
                conn,
                at=now,
                actor="reviewdesk",
                action="import",
                subject=record.path,
                details={
                    "outcome": "interrupted",
                    "import": record.import_rowid,
                    "format": record.format,
                    "traces": record.traces,
                    "spans": record.spans,
                    "cases_created": record.cases,
                    "skipped": record.skipped,
                    "redactions": counts.get(record.import_rowid, {}),
                },
            )
            closed.append(record.import_rowid)
    return closed


WINDOW_LOCK_WAIT_MS = 150
"""How long a label write on the window's thread waits for another process's write lock."""


def write_now(write: Callable[[], T], *, wait_ms: int) -> T:
    """Run ``write`` waiting at most ``wait_ms`` for the write lock (``WorkspaceLockedError`` past it)."""
    with storage_engine.writing(wait_ms):
        return write()


def write_when_unlocked(write: Callable[[], T], progress: Progress, *, wait_ms: int = 1000, pause: float = 0.2) -> T:
    """Run ``write``, retrying while another process holds the write lock; for a worker thread.

    Each attempt waits ``wait_ms`` for the lock; between attempts the progress status says who
    holds it (``waiting for the workspace (locked by reviewdesk import (pid 4242))``). A refused
    attempt wrote nothing, so retrying is safe. Cancelling gives up with the last lock error.
    """
    while True:
        try:
            return write_now(write, wait_ms=wait_ms)
        except WorkspaceLockedError as exc:
            progress.set_status(f"waiting for the workspace (locked by {exc.holder})")
            if progress.cancel_requested():
                raise
            time.sleep(pause)


def _abandoned(note: storage_imports.RunningImport, *, host: str, now: datetime) -> bool:
    if now - note.heartbeat > IMPORT_HEARTBEAT_TIMEOUT:
        return True
    # Another machine's process ids mean nothing here; a note without a host (written before
    # hosts were recorded) may be anyone's: both wait for the timeout.
    return note.host == host and (note.pid is None or not _process_alive(note.pid))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def _open_read_only(path: Path, reason: str) -> Workspace:
    engine = storage_engine.create_workspace_engine(path, read_only=True)
    storage_engine.check_read_only_schema(engine)
    return Workspace(
        path=path,
        engine=engine,
        session_factory=sessions(engine),
        read_only=True,
        read_only_reason=reason,
    )


def _ensure_label_schema(workspace: Workspace) -> None:
    with storage_engine.begin_write(workspace.engine) as conn:
        if label_schemas.latest_or_none(conn) is None:
            label_schemas.add(conn, default_taxonomy(DEFAULT_LABEL_SCHEMA_VERSION), datetime.now(UTC))
