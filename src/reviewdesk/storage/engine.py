"""Opening the workspace file: engine, pragmas, transactions, migrations, permissions.

Transactions are ours, not the driver's: Python's sqlite3 would start one only before an
INSERT/UPDATE/DELETE and run DDL (``CREATE VIRTUAL TABLE``) outside any, so a migration killed
halfway left its table without its version bump. The driver's own handling is switched off
(``isolation_level = None``) and every SQLAlchemy transaction emits its own ``BEGIN`` — the
pysqlite recipe of the SQLAlchemy docs — so DDL commits with the rest of its migration.
Writers that read before they write (an import batch, a label) begin ``IMMEDIATE``: they take
the write lock first, so two processes cannot both read a trace and then both write it.

A workspace is marked as ours in the SQLite header (``application_id``, ``user_version``);
``--workspace`` pointed at another program's database is refused before anything is changed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import URL, Connection, Engine, ExceptionContext, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError

from reviewdesk.domain.errors import DiskFullError, WorkspaceError, WorkspaceLockedError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
APPLICATION_ID = 0x52764453  # "RvDS" in the SQLite header: this file is a reviewdesk workspace
BUSY_TIMEOUT_MS = 10_000
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Set by ``writing``: transactions begun in this context take the write lock at once, and wait
# for it at most this long (the window's label writes wait briefly and retry, saying why).
_IMMEDIATE: ContextVar[int | None] = ContextVar("reviewdesk_immediate", default=None)


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
    # Our own BEGIN (``_begin``): the driver must neither open transactions nor commit before DDL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer, and a crash leaves the last committed state.
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed label survives a power cut, not only an application crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def immediate_wait(conn: Connection) -> int | None:
    """How long the transaction ``conn`` begins may wait for the write lock; ``None``: it takes none.

    Set by ``writing`` or ``immediate``; the engines take the lock each their own way (SQLite's
    ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock in ``storage.postgres``).
    """
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return None
    wait = _IMMEDIATE.get()
    if options.get("reviewdesk_immediate") and wait is None:
        wait = BUSY_TIMEOUT_MS
    return wait


def _begin(conn: Connection) -> None:
    """Every transaction starts with our ``BEGIN``; ``IMMEDIATE`` for writers that read first."""
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # VACUUM and checkpoints run outside any transaction
    wait = immediate_wait(conn)
    if wait is None:
        conn.exec_driver_sql("BEGIN")
        return
    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait)}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _begin_read_only(conn: Connection) -> None:
    """A read-only workspace takes no write lock: a write is refused at its first statement.

    So a service that reads before it would write (an import finding its file already
    imported) answers as it would on a writable workspace.
    """
    conn.exec_driver_sql("BEGIN")


@contextmanager
def writing(wait_ms: int | None = None) -> Iterator[None]:
    """Transactions begun inside take the write lock when they begin, waiting at most ``wait_ms``.

    For writes that read what they change (a label folds the case's current label): holding
    the lock from the first read means no other process can write in between — a deferred
    transaction would instead fail at once ("database is locked") when another process commits
    between its read and its write. A lock held past ``wait_ms`` raises ``WorkspaceLockedError``
    with nothing written. ``None`` keeps the wait of an enclosing ``writing`` (the window's
    shorter one), else the default.
    """
    current = _IMMEDIATE.get()
    token = _IMMEDIATE.set(wait_ms if wait_ms is not None else current if current is not None else BUSY_TIMEOUT_MS)
    try:
        yield
    finally:
        _IMMEDIATE.reset(token)


def write_wait_ms() -> int:
    """How long a writer begun now waits for the write lock: ``writing``'s wait, else the default."""
    wait = _IMMEDIATE.get()
    return BUSY_TIMEOUT_MS if wait is None else wait


@contextmanager
def begin_write(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction begun ``IMMEDIATE``: every write path of the services uses it."""
    with writing(), engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def single_reads(engine: Engine) -> Iterator[Connection]:
    """A connection for reads that need no common snapshot, outside any transaction on a server.

    PostgreSQL's READ COMMITTED gives each statement its own snapshot anyway, so a transaction
    around a few reads only costs its BEGIN and ROLLBACK round trips; outside one it also takes no
    write lock inside ``writing``. SQLite keeps its (local, cheap) transaction: switching the driver
    to autocommit and back would leave Python's sqlite3 opening implicit transactions of its own.
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            yield conn
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        yield conn


def immediate(conn: Connection) -> Connection:
    """``conn`` with its next transaction begun ``IMMEDIATE`` (the write lock taken first)."""
    return conn.execution_options(reviewdesk_immediate=True)


def secure_delete(conn: Connection) -> None:
    """Zero the pages freed for the rest of this connection's use, so deleted content is not left in
    free pages (SQLite; a server reuses its pages and is compacted by ``VACUUM``)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete=ON")


def quick_check(conn: Connection) -> str:
    """SQLite's ``PRAGMA quick_check``: ``ok``, or what is damaged in the file."""
    return str(conn.exec_driver_sql("PRAGMA quick_check").scalar())


def truncate_wal(engine: Engine) -> None:
    """Checkpoint SQLite's write-ahead log and empty it, so old page images leave the disk too."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _url(path: Path) -> URL:
    """The engine URL of ``path``, built from parts: a ``?`` or ``%41`` in a file name stays the name."""
    return URL.create("sqlite", database=str(path))


def create_workspace_engine(path: Path, *, read_only: bool = False) -> Engine:
    """An engine on ``path`` with our pragmas; the file is created readable by the owner only.

    SQLite creates the ``-wal`` and ``-shm`` files with the permissions of the database file, so
    they are 0600 too; folders we create for it are 0700. ``read_only`` opens an existing file
    without ever writing to it (see ``_read_only_uri``).
    """
    path = path.expanduser().resolve()
    if read_only:
        if not path.is_file():
            raise WorkspaceError(f"no workspace at {path}")
        check_is_workspace(path)
        engine = create_engine(_url(path), creator=_read_only_connect(path), json_serializer=dump_json)
        event.listen(engine, "connect", _set_read_only_pragmas)
        event.listen(engine, "begin", _begin_read_only)
        event.listen(engine, "handle_error", _refuse_writes(path, read_only_reason(path) or "opened read-only"))
        return engine
    if path.exists():
        check_is_workspace(path)  # before the first connection switches the file to WAL
    try:
        _make_private_dirs(path.parent)
        if not path.exists():
            # Traces hold customer data: create the file 0600 before SQLite touches it.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise WorkspaceError(f"cannot create the workspace {path}: {exc.strerror or exc}") from None
    engine = create_engine(_url(path), json_serializer=dump_json)
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "begin", _begin)
    event.listen(engine, "handle_error", _refuse_writes(path, "the file or its folder cannot be written"))
    return engine


def check_is_workspace(path: Path) -> None:
    """Refuse a non-empty file that is not a reviewdesk workspace, without changing it.

    Ours: an empty file, an SQLite database without tables, our ``application_id`` in the
    header, or (workspaces made before the id was set) an ``alembic_version`` table beside our
    ``cases`` and ``traces``. The header is read as bytes and the tables through a read-only
    connection, so nothing is written and the journal mode stays as it is.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise WorkspaceError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not header:
        return
    if not header.startswith(_SQLITE_MAGIC) or len(header) < 100:
        raise WorkspaceError(
            f"{path} is not a reviewdesk workspace (not an SQLite database); nothing was changed."
            " Give --workspace a new file name or an existing workspace."
        )
    application_id = int.from_bytes(header[68:72], "big")
    if application_id == APPLICATION_ID:
        return
    if application_id != 0:
        raise WorkspaceError(
            f"{path} is another program's SQLite database (application id {application_id:#010x}), not a"
            " reviewdesk workspace; nothing was changed. Give --workspace a new file name or an existing workspace."
        )
    try:
        probe = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True)
        try:
            tables = {name for (name,) in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"{path} cannot be read as a workspace: {exc}; nothing was changed") from None
    if not tables or {"alembic_version", "cases", "traces"} <= tables:
        return
    shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
    raise WorkspaceError(
        f"{path} is an SQLite database of another program (tables {shown}), not a reviewdesk workspace;"
        " nothing was changed. Give --workspace a new file name or an existing workspace."
    )


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
    """A connection factory that never writes to the file, the -wal or the -shm, nor creates them.

    A cleanly closed workspace has no -wal and no -shm: ``mode=ro`` would create both (and a
    0444 workspace would get 0444 companions that keep it unwritable after the owner's
    ``chmod``), so it is opened ``immutable=1``, which creates nothing. That reader does not see
    changes another process makes after it opened; re-open to see them. When a -wal or -shm is
    there (the workspace is open elsewhere, or was not closed cleanly), ``mode=ro`` reads it
    correctly, even while another process writes; if SQLite cannot (read-only folder), and no
    -wal file holds changes that would be ignored, it falls back to ``immutable=1`` too.
    """
    quoted = urllib.parse.quote(str(path))
    uri = f"file:{quoted}?mode=ro"
    if not path.is_file():
        raise WorkspaceError(f"no workspace at {path}")
    companions = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    if not any(p.exists() for p in companions):
        immutable = f"file:{quoted}?immutable=1"
        return lambda: sqlite3.connect(immutable, uri=True, check_same_thread=False)
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
    dbapi_connection.isolation_level = None  # our own BEGIN, as on writable workspaces
    cursor = dbapi_connection.cursor()
    # query_only: even a bug that tries to write gets SQLITE_READONLY, never a changed file.
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _refuse_writes(path: Path, reason: str) -> Callable[[ExceptionContext], None]:
    """Turn SQLite's refusals into messages naming the file: read-only, locked, disk full.

    Every write path (imports, labels, purges, settings) goes through the engine, so this one hook
    gives each of them the same clear refusal instead of a driver traceback. Each is raised from
    a statement that SQLite did not apply; the transaction it was part of is rolled back whole.
    """

    def handle(context: ExceptionContext) -> None:
        original = context.original_exception
        if not isinstance(original, sqlite3.OperationalError):
            return
        text = str(original)
        if "readonly database" in text:
            raise WorkspaceError(
                f"{path} is read-only ({reason}): this command would change the workspace, so nothing was"
                " written. Reading, listing and exporting still work."
            ) from None
        if "database is locked" in text or "database table is locked" in text:
            holder = lock_holder(path)
            raise WorkspaceLockedError(
                f"{path} is locked by {holder}: nothing was written; try again when it is done", holder=holder
            ) from None
        if "database or disk is full" in text or ("disk I/O error" in text and _disk_nearly_full(path)):
            raise DiskFullError(disk_full_message(path)) from None

    return handle


def disk_full_message(path: Path) -> str:
    return (
        f"disk full: {path} could not be written, and nothing of this change was kept (the workspace is as it"
        " was before). Free some space and try again."
    )


def _disk_nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < 1 << 20
    except OSError:
        return False


# -- who holds the write lock -------------------------------------------------------------------
# SQLite does not say which process holds a lock. Our long writers (imports, purges, upgrades)
# leave a note beside the workspace while they run, so a waiting window can say who it waits for.


def _holder_note(path: Path) -> Path:
    return path.with_name(path.name + "-writer")


@contextmanager
def holding_writes(path: Path | None, what: str) -> Iterator[None]:
    """Leave a note saying that ``what`` (``reviewdesk import``) of this process writes ``path``.

    ``None``: a workspace on a server, where no file can carry the note (nothing is noted)."""
    if path is None:
        yield
        return
    note = _holder_note(path.expanduser().resolve())
    try:
        note.write_text(json.dumps({"pid": os.getpid(), "what": what}), encoding="utf-8")
        written = True
    except OSError:  # a read-only folder: the lock message just cannot name us
        written = False
    try:
        yield
    finally:
        if written:
            try:
                if json.loads(note.read_text(encoding="utf-8")).get("pid") == os.getpid():
                    note.unlink()
            except (OSError, ValueError):
                pass


def lock_holder(path: Path) -> str:
    """Who holds ``path``'s write lock, as far as we can tell: ``reviewdesk import (pid 4242)``."""
    try:
        note = json.loads(_holder_note(path).read_text(encoding="utf-8"))
        pid, what = int(note["pid"]), str(note["what"])
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "another process"  # the note of a writer that was killed
    except OSError:
        pass  # alive, owned by someone else
    return f"{what} (pid {pid})"


# Alembic is imported where the schema is read or upgraded, not with this module: an import's worker
# processes (services.import_worker) import the storage layer but never open a workspace, and
# Alembic (with Mako and Pygments) was a quarter of each one's memory (about 24 of 95 MB).


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _mark_as_workspace(engine: Engine) -> None:
    """Our application id and schema number in the SQLite header (``file(1)`` and we can tell)."""
    number = int(head_revision())
    with engine.begin() as conn:
        current = conn.exec_driver_sql("PRAGMA application_id").scalar()
        version = conn.exec_driver_sql("PRAGMA user_version").scalar()
        if current != APPLICATION_ID:
            conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
        if version != number:
            conn.exec_driver_sql(f"PRAGMA user_version={number}")


def describe(engine: Engine) -> str:
    """The workspace as messages name it: its file, or its URL with the password as ``***``."""
    if engine.dialect.name == "sqlite":
        return str(engine.url.database)
    return engine.url.set(drivername=engine.url.get_backend_name()).render_as_string(hide_password=True)


def _not_ours(engine: Engine) -> str:
    return "not an SQLite database" if engine.dialect.name == "sqlite" else "its schema cannot be read"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the workspace schema to ``revision`` (creating it from the first revision if new)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    shown = describe(engine)
    sqlite = engine.dialect.name == "sqlite"
    try:
        current = current_revision(engine)
    except DatabaseError as exc:
        raise WorkspaceError(f"{shown}: not a reviewdesk workspace ({_not_ours(engine)}): {exc.orig}") from None
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise WorkspaceError(
            f"{shown} was written by a newer reviewdesk (schema {current}); upgrade reviewdesk to open it"
        )
    try:
        if current != head_revision():
            if sqlite:
                with holding_writes(Path(str(engine.url.database)), "a reviewdesk upgrade"):
                    command.upgrade(alembic_config(engine), revision)
            else:
                _upgrade_locked(engine, revision)
        if revision == "head" and sqlite:
            _mark_as_workspace(engine)
    except OperationalError as exc:
        raise WorkspaceError(f"cannot upgrade the workspace {shown}: {exc.orig}") from None


def _upgrade_locked(engine: Engine, revision: str) -> None:
    """Upgrade a server workspace under a session lock: two first openers never both create it.

    The second waits for the first, then finds the schema at ``revision`` and has nothing to do.
    """
    from alembic import command

    with engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({APPLICATION_ID})")
        try:
            conn.commit()
            if current_revision(engine) != head_revision() or revision != "head":
                command.upgrade(alembic_config(engine), revision)
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({APPLICATION_ID})")
            conn.commit()


def check_read_only_schema(engine: Engine) -> None:
    """A read-only workspace cannot be upgraded: it must already be at our schema."""
    path = describe(engine)
    try:
        current = current_revision(engine)
    except DatabaseError as exc:
        engine.dispose()
        raise WorkspaceError(f"{path}: not a reviewdesk workspace ({_not_ours(engine)}): {exc.orig}") from None
    head = head_revision()
    if current == head:
        return
    engine.dispose()
    from alembic.script import ScriptDirectory

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
