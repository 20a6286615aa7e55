"""Opening a workspace on a PostgreSQL server: URL, engine, write lock, errors, secrets.

A workspace location is either a file path (SQLite, ``storage.engine``) or a database URL,
``postgresql://…`` or ``postgresql+psycopg://…``, opened with psycopg 3. Everything libpq knows
works, because the URL is handed to libpq as it is: ``PGPASSWORD``, ``~/.pgpass``, service files
(``postgresql:///db?service=team``), ``sslmode`` and the other connection options.

Secrets: the password of a URL never leaves the engine. Everything shown or stored — messages,
window titles, recent workspaces, the audit log — uses ``display_url``, which writes it as ``***``.

Writers that read before they write (an import batch reads its traces, an adjudication folds the
case's labels) take one transaction-level advisory lock when they begin, waiting at most the time
``storage.engine.writing`` allows, as they take SQLite's write lock with ``BEGIN IMMEDIATE``: the
same one-writer-at-a-time rule on both engines. Readers never wait for it. A reviewer's label
write takes the same locks (shared, and its case's: ``one_case``) inside its one server call
(``storage.label_write``).

Pooled connections are not pinged before every use (``pool_pre_ping`` was a round trip on each
checkout, three per label write): only one that sat unused longer than ``IDLE_PING_S`` is, and a
connection found dead mid-use raises ``ConnectionLostError`` (the pool drops it and its idle
siblings), which the label write answers by trying once more on a fresh one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import URL, Connection, Engine, ExceptionContext, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError

from reviewdesk.domain.errors import (
    ConnectionLostError,
    DiskFullError,
    PermissionRefusedError,
    WorkspaceError,
    WorkspaceLockedError,
)
from reviewdesk.storage import engine as storage_engine

WRITE_LOCK_KEY = 0x52764453  # "RvDS": the advisory lock every writer of a workspace takes
INSTALL_HINT = "PostgreSQL workspaces need psycopg 3: pip install 'reviewdesk[team]'"


def parse_url(location: str) -> URL:
    """The SQLAlchemy URL of a workspace URL, always with the psycopg 3 driver."""
    text = location.strip()
    if text.lower().startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        url = make_url(text)
    except ArgumentError:
        raise WorkspaceError(f"{mask(text)} is not a database URL (postgresql://user@host/database)") from None
    if url.get_backend_name() != "postgresql":
        raise WorkspaceError(f"{display_url(url)}: only PostgreSQL database URLs are workspaces")
    if url.get_driver_name() not in ("psycopg", "") and url.drivername != "postgresql":
        raise WorkspaceError(
            f"{display_url(url)}: reviewdesk talks to PostgreSQL with psycopg 3; write postgresql://… or"
            " postgresql+psycopg://…"
        )
    return url.set(drivername="postgresql+psycopg")


def display_url(url: URL) -> str:
    """The URL as it may be shown or stored: ``postgresql://reviewer1:***@host/db``, no driver name."""
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def mask(text: str) -> str:
    """``text`` with the password of any URL in it written as ``***`` (for text we did not build)."""
    try:
        url = make_url(text.strip())
    except ArgumentError:
        return text
    if url.password is None:
        return text
    return text.replace(f":{url.password}@", ":***@").replace(str(url.password), "***")


def database_name(url: URL) -> str:
    """The workspace's name: its database, else the service or user libpq would pick."""
    return url.database or str(url.query.get("service") or url.username or "postgres")


def create_pg_engine(url: URL, *, read_only: bool = False) -> Engine:
    """An engine on the database of ``url``; nothing is connected until it is first used."""
    shown = display_url(url)
    # libpq options of the URL (sslmode, service, connect_timeout, …) reach libpq as they are;
    # ours only fill in what the URL leaves unsaid.
    connect_args: dict[str, Any] = {} if "application_name" in url.query else {"application_name": "reviewdesk"}
    if read_only:
        # Even a bug that tries to write gets "read-only transaction", never a changed row.
        connect_args["options"] = " ".join(
            filter(None, [str(url.query.get("options") or ""), "-c default_transaction_read_only=on"])
        )
        url = url.difference_update_query(["options"])
    try:
        engine = create_engine(
            url,
            json_serializer=storage_engine.dump_json,
            json_deserializer=json.loads,
            connect_args=connect_args,
            hide_parameters=True,  # a failing statement's values (trace text) stay out of messages
        )
    except ModuleNotFoundError:
        raise WorkspaceError(f"cannot open {shown}: {INSTALL_HINT}") from None
    event.listen(engine, "begin", _begin)
    event.listen(engine, "handle_error", _translate_errors(shown, read_only))
    event.listen(engine, "checkin", _note_idle_since)
    event.listen(engine, "checkout", _ping_if_idle(engine))
    return engine


IDLE_PING_S = 10.0
"""A pooled connection unused this long is pinged before it is handed out (servers and firewalls
cut idle connections); one used since is trusted, and if it died after all the use fails with
``ConnectionLostError``."""
_IDLE_SINCE = "reviewdesk_idle_since"


def _note_idle_since(dbapi_connection: Any, record: Any) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(engine: Engine) -> Callable[[Any, Any, Any], None]:
    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the pool replaces the connection (SQLAlchemy's recipe)
            raise DisconnectionError(str(exc)) from exc

    return checkout


CASE_LOCK_KEY = 0x52764443  # "RvDC": with a case's row id, the lock of one case's label writers
_ONE_CASE: ContextVar[int | None] = ContextVar("reviewdesk_one_case", default=None)


@contextmanager
def one_case(case_rowid: int) -> Iterator[None]:
    """Writers begun inside change one case's labels only (a label write, an adjudication).

    On PostgreSQL they take the workspace's write lock *shared* and the case's lock exclusively:
    reviewers labeling different cases write at the same time, two writes of one case take turns
    (each folds what the other wrote), and writers of the whole workspace (imports, merges,
    taxonomy changes, which take the write lock exclusively) still wait for all of them and they
    for it. SQLite has one writer at a time whatever this says.
    """
    token = _ONE_CASE.set(case_rowid)
    try:
        yield
    finally:
        _ONE_CASE.reset(token)


def _begin(conn: Connection) -> None:
    """Writers take the workspace's write lock first (see the module docstring and ``one_case``)."""
    wait = storage_engine.immediate_wait(conn)
    if wait is None:
        return
    case = _ONE_CASE.get()
    if case is None:
        lock = f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"
    else:  # the two-key form: a case's key never meets the workspace's
        lock = (
            f"SELECT pg_advisory_xact_lock_shared({WRITE_LOCK_KEY});"
            f" SELECT pg_advisory_xact_lock({CASE_LOCK_KEY}, {int(case) % 2**31})"
        )
    # One round trip: on a busy server each one costs milliseconds, and every label write pays this.
    conn.exec_driver_sql(
        f"SET LOCAL lock_timeout = {int(wait)}; {lock}; SET LOCAL lock_timeout = {storage_engine.BUSY_TIMEOUT_MS}"
    )


def _translate_errors(shown: str, read_only: bool) -> Callable[[ExceptionContext], None]:
    """PostgreSQL's refusals as the messages SQLite's get, naming the workspace (never its password)."""

    def handle(context: ExceptionContext) -> None:
        original = context.original_exception
        state = getattr(original, "sqlstate", None)
        detail = _first_line(original)
        if state == "55P03":  # lock_not_available: lock_timeout passed
            raise WorkspaceLockedError(
                f"{shown} is locked by another writer: nothing was written; try again when it is done",
                holder="another writer",
            ) from None
        if state == "25006":  # read_only_sql_transaction
            reason = "opened read-only" if read_only else "the database is read-only"
            raise WorkspaceError(
                f"{shown} is read-only ({reason}): this command would change the workspace, so nothing was"
                " written. Reading, listing and exporting still work."
            ) from None
        if state == "53100":  # disk_full
            raise DiskFullError(
                f"disk full: the server of {shown} could not write, and nothing of this change was kept."
            ) from None
        if state == "42501":  # insufficient_privilege, and row-level security's refusals
            raise PermissionRefusedError(
                f"{shown} refused this for your database role: {_plain_refusal(detail)}; nothing was written."
                " A workspace admin can give you a role that may (reviewdesk team add-user)"
            ) from None
        if state == "23001":  # restrict_violation: our append-only triggers
            raise PermissionRefusedError(f"{shown} refused this: {detail}; nothing was changed") from None
        if context.is_disconnect and context.connection is not None:  # died in use, not refused at connect
            raise ConnectionLostError(
                f"the connection to {shown} was lost ({detail}); a change in progress may not have been kept: try again"
            ) from None
        # Connection failures (no server, wrong password, no such database) carry no SQLSTATE or an 08 one.
        if type(original).__name__ == "OperationalError" and (state is None or state.startswith("08")):
            raise WorkspaceError(f"cannot connect to {shown}: {detail}") from None

    return handle


def _plain_refusal(detail: str) -> str:
    """PostgreSQL's wording, said of what reviewdesk does (a policy names no person)."""
    if "row-level security policy" in detail and '"label_events"' in detail:
        return "a reviewer can add label events only to their own label, under their own login name"
    if "row-level security policy" in detail and '"audit_log"' in detail:
        return "this role may not write the audit log except for its own exports"
    if "row-level security policy" in detail:
        return "this role may not write this row (" + detail + ")"
    return detail


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def check_is_workspace(engine: Engine, shown: str) -> None:
    """Refuse a database that holds another program's tables, before anything is created in it."""
    tables = set(inspect(engine).get_table_names())
    if not tables or {"alembic_version", "cases", "traces"} <= tables:
        return
    names = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
    raise WorkspaceError(
        f"{shown} holds another program's tables ({names}), not a reviewdesk workspace; nothing was changed."
        " Give --workspace an empty database or an existing workspace."
    )
