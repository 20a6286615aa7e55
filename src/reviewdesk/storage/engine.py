"""Opening the workspace file: engine, pragmas, migrations, permissions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError

from reviewdesk.domain.errors import WorkspaceError

MIGRATIONS = Path(__file__).parent / "migrations"


def _set_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer, and a crash leaves the last committed state.
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed label survives a power cut, not only an application crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_workspace_engine(path: Path) -> Engine:
    """An engine on ``path`` with our pragmas; the file is created readable by the owner only."""
    path = path.expanduser().resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # Traces hold customer data: create the file 0600 before SQLite touches it.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise WorkspaceError(f"cannot create the workspace {path}: {exc.strerror or exc}") from None
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _set_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the workspace schema to ``revision`` (creating it from the first revision if new)."""
    script = ScriptDirectory(str(MIGRATIONS))
    try:
        current = current_revision(engine)
    except DatabaseError as exc:
        raise WorkspaceError(
            f"{engine.url.database}: not a reviewdesk workspace (not an SQLite database): {exc.orig}"
        ) from None
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise WorkspaceError(
            f"{engine.url.database} was written by a newer reviewdesk (schema {current}); upgrade reviewdesk to open it"
        )
    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise WorkspaceError(f"cannot upgrade the workspace {engine.url.database}: {exc.orig}") from None
