"""Opening the workspace file: engine, pragmas, migrations, permissions."""

from __future__ import annotations

import json
import math
import os
import sqlite3
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, ExceptionContext, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError

from reviewdesk.domain.errors import WorkspaceError

MIGRATIONS = Path(__file__).parent / "migrations"


def dump_json(value: Any) -> str:
    """JSON columns (a case's data) written with orjson: five times faster than ``json.dumps``.

    Reading stays with ``json.loads``: orjson would read an integer past 64 bits as a float.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except TypeError:  # an integer beyond 64 bits, which orjson refuses and SQLite's JSON keeps
        return json.dumps(_finite(value))


def _finite(value: Any) -> Any:
    """``value`` with infinities and NaN as null, as orjson writes them (``json.dumps`` would write
    ``Infinity``, which is not JSON and which SQLite's JSON functions refuse)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _set_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer, and a crash leaves the last committed state.
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed label survives a power cut, not only an application crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_workspace_engine(path: Path, *, read_only: bool = False) -> Engine:
    """An engine on ``path`` with our pragmas; the file is created readable by the owner only.

    SQLite creates the ``-wal`` and ``-shm`` files with the permissions of the database file, so
    they are 0600 too; folders we create for it are 0700. ``read_only`` opens an existing file
    without ever writing to it (see ``_read_only_uri``).
    """
    path = path.expanduser().resolve()
    if read_only:
        engine = create_engine(f"sqlite:///{path}", creator=_read_only_connect(path), json_serializer=dump_json)
        event.listen(engine, "connect", _set_read_only_pragmas)
        event.listen(engine, "handle_error", _refuse_writes(path, read_only_reason(path) or "opened read-only"))
        return engine
    try:
        _make_private_dirs(path.parent)
        if not path.exists():
            # Traces hold customer data: create the file 0600 before SQLite touches it.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise WorkspaceError(f"cannot create the workspace {path}: {exc.strerror or exc}") from None
    engine = create_engine(f"sqlite:///{path}", json_serializer=dump_json)
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "handle_error", _refuse_writes(path, "the file or its folder cannot be written"))
    return engine


def _make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parents 0700 (``mkdir -p`` would use the umask for parents)."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=0o700, exist_ok=True)


def read_only_reason(path: Path) -> str | None:
    """Why the existing workspace at ``path`` cannot be written (a phrase for messages), or ``None``."""
    path = path.expanduser().resolve()
    if not path.exists():
        return None
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "it is on a read-only medium"
    except (OSError, AttributeError):  # no statvfs on Windows
        pass
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    # WAL mode writes a -wal and a -shm file beside the workspace.
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return "its folder is read-only"
    return None


def _read_only_connect(path: Path) -> Callable[[], sqlite3.Connection]:
    """A connection factory that never writes to the file, the -wal or the -shm.

    ``mode=ro`` reads a WAL workspace correctly, even one another process is writing; but SQLite
    cannot open a WAL database that way when it would have to create the -shm file (read-only
    medium, cleanly closed workspace). Then, and only if no -wal file holds changes that would be
    ignored, we open it ``immutable=1``: nothing else can be changing a file on a read-only medium.
    """
    quoted = urllib.parse.quote(str(path))
    uri = f"file:{quoted}?mode=ro"
    if not path.is_file():
        raise WorkspaceError(f"no workspace at {path}")
    try:
        probe = sqlite3.connect(uri, uri=True)
        try:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise WorkspaceError(
                f"cannot open {path} read-only: {exc}; its changes in {wal.name} cannot be read from a read-only"
                " folder. Copy the workspace together with that file to a writable place and open the copy."
            ) from None
        uri = f"file:{quoted}?immutable=1"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    return connect


def _set_read_only_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # query_only: even a bug that tries to write gets SQLITE_READONLY, never a changed file.
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _refuse_writes(path: Path, reason: str) -> Callable[[ExceptionContext], None]:
    """Turn SQLite's "attempt to write a readonly database" into a message naming the file.

    Every write path (imports, labels, purges, settings) goes through the engine, so this one hook
    gives each of them the same clear refusal instead of a driver traceback.
    """

    def handle(context: ExceptionContext) -> None:
        original = context.original_exception
        if isinstance(original, sqlite3.OperationalError) and "readonly database" in str(original):
            raise WorkspaceError(
                f"{path} is read-only ({reason}): this command would change the workspace, so nothing was"
                " written. Reading, listing and exporting still work."
            ) from None

    return handle


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


def check_read_only_schema(engine: Engine) -> None:
    """A read-only workspace cannot be upgraded: it must already be at our schema."""
    path = engine.url.database
    try:
        current = current_revision(engine)
    except DatabaseError as exc:
        engine.dispose()
        raise WorkspaceError(f"{path}: not a reviewdesk workspace (not an SQLite database): {exc.orig}") from None
    head = head_revision()
    if current == head:
        return
    engine.dispose()
    known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if current is None:
        raise WorkspaceError(f"{path} is read-only and is not a reviewdesk workspace (it has no schema)")
    if current not in known:
        raise WorkspaceError(
            f"{path} was written by a newer reviewdesk (schema {current}); upgrade reviewdesk to open it"
        )
    raise WorkspaceError(
        f"{path} is read-only and was written by an older reviewdesk (schema {current}, this version needs {head});"
        " open it once where it can be written, so it can be upgraded"
    )
