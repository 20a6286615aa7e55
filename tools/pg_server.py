"""A throwaway PostgreSQL server in a temporary folder, for the tests and the benchmarks.

Debian's ``postgresql`` package (installed by tools/setup-test-env.sh) brings ``initdb`` and
``pg_ctl`` under /usr/lib/postgresql/N/bin; the server runs from a fresh data folder, listens on
a Unix socket in that folder and on a free loopback port, and is stopped and deleted at the end.
The socket trusts its own superuser (the tests create and drop databases through it); the
loopback port asks for a password (SCRAM), so the password tests go through real libpq
authentication. PostgreSQL refuses to run as root: under root (CI) the server runs as the
``postgres`` system user that the package creates.

Durability is switched off (``fsync``, ``synchronous_commit``, ``full_page_writes``): a test server
is thrown away, and with them creating a database from a template costs milliseconds.

A *kept* server (``start``/``stop``/``kept_server``) is the other kind: its data folder outlives
the run, with PostgreSQL's default durability, so a big benchmark workspace is built once
(``bench/pg_bench.py --keep-db DIR``) and measured again later (``--reuse-db DIR``)::

    python tools/pg_server.py start DIR     # makes DIR on first use; prints the workspace URL
    python tools/pg_server.py url DIR       # the URL of database "bench" (--database NAME for another)
    python tools/pg_server.py stop DIR
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "reviewdesk_test"
INSTALL_HINT = (
    "PostgreSQL's server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin or on PATH."
    " The PostgreSQL tests start a real server: install it with `apt-get install -y postgresql`"
    " (tools/setup-test-env.sh does), or set REVIEWDESK_PG_BIN to the folder holding initdb and pg_ctl."
)


class ServerMissingError(RuntimeError):
    """No PostgreSQL server binaries on this machine (the message says how to install them)."""


def bin_dir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: $REVIEWDESK_PG_BIN, Debian's newest, or PATH."""
    override = os.environ.get("REVIEWDESK_PG_BIN")
    if override:
        return Path(override)
    versions = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ServerMissingError(INSTALL_HINT)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    folder: Path
    port: int

    @property
    def socket_dir(self) -> str:
        return str(self.folder)

    def url(self, database: str, *, user: str = SUPERUSER, password: str | None = None) -> str:
        """A ``postgresql+psycopg`` URL: over the socket without a password, else over loopback TCP."""
        if password is None:
            return f"postgresql+psycopg://{user}@/{database}?host={self.socket_dir}&port={self.port}"
        return f"postgresql+psycopg://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """A libpq connection string for the superuser over the socket (for psycopg directly)."""
        return f"host={self.socket_dir} port={self.port} user={SUPERUSER} dbname={database}"

    def execute(self, *statements: str, database: str = "postgres") -> None:
        """Run statements outside a transaction (CREATE DATABASE and friends) as the superuser."""
        import psycopg

        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement.encode())


def _as_server_user() -> tuple[int | None, int | None]:
    """The uid and gid to run the server with: ours, or ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return None, None
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        raise ServerMissingError(
            "running as root, and there is no `postgres` system user to run the test server as;"
            " `apt-get install -y postgresql` creates it"
        ) from None
    return entry.pw_uid, entry.pw_gid


def _runner(folder: Path) -> Callable[..., None]:
    """Run a server binary as the server's user (``postgres`` under root), in ``folder``."""
    uid, gid = _as_server_user()

    def run(*args: str) -> None:
        done = subprocess.run(
            args,
            user=uid,
            group=gid,
            capture_output=True,
            text=True,
            cwd=folder,
            check=False,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr or done.stdout}")

    return run


def _own(folder: Path) -> None:
    uid, gid = _as_server_user()
    if uid is not None and gid is not None:
        os.chown(folder, uid, gid)


def _init(run: Callable[..., None], data: Path) -> None:
    run(
        str(bin_dir() / "initdb"),
        "-D",
        str(data),
        "-U",
        SUPERUSER,
        "--encoding=UTF8",
        "--locale=C.UTF-8",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--no-sync",
    )


def _start(run: Callable[..., None], folder: Path, port: int, *, durable: bool) -> None:
    speed = [] if durable else ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    options = " ".join(
        [
            f"-p {port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={folder}",
            *speed,
            "-c max_connections=200",
            "-c shared_buffers=128MB",
        ]
    )
    data = folder / "data"
    run(str(bin_dir() / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-o", options, "-w", "start")


@contextlib.contextmanager
def running_server(*, durable: bool = False) -> Iterator[Server]:
    """Start a server in a new temporary folder; stop it and delete the folder afterwards.

    ``durable``: keep PostgreSQL's default durability (every commit flushed), for benchmarks that
    compare it with SQLite's ``synchronous=FULL``; the tests leave it off.
    """
    bin_dir()  # the install hint before anything is made
    folder = Path(tempfile.mkdtemp(prefix="reviewdesk-pg-"))
    try:
        _own(folder)
        run = _runner(folder)
        port = _free_port()
        _init(run, folder / "data")
        _start(run, folder, port, durable=durable)
        try:
            yield Server(folder=folder, port=port)
        finally:
            run(str(bin_dir() / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- A kept server: a data folder that outlives the run (big benchmark workspaces) ------------------


def _is_running(folder: Path) -> bool:
    try:
        _runner(folder)(str(bin_dir() / "pg_ctl"), "-D", str(folder / "data"), "status")
    except RuntimeError:  # pg_ctl status exits 3 when no server runs
        return False
    return True


def kept(folder: Path) -> Server:
    """The kept server of ``folder`` (made by ``start``), running or not: its port is in ``folder/port``."""
    return Server(folder=folder, port=int((folder / "port").read_text().strip()))


def start(folder: Path, *, durable: bool = True) -> tuple[Server, bool]:
    """Start the server whose data is kept in ``folder`` (made on first use); whether we started it.

    Unlike ``running_server``, nothing is deleted: the databases stay for the next run. The port is
    chosen once and kept in ``folder/port``. A server already running there is used as it is.
    """
    bin_dir()
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    _own(folder)
    run = _runner(folder)
    if not (folder / "data" / "PG_VERSION").exists():
        _init(run, folder / "data")
    if not (folder / "port").exists():
        (folder / "port").write_text(f"{_free_port()}\n")
    server = kept(folder)
    if _is_running(folder):
        return server, False
    _start(run, folder, server.port, durable=durable)
    return server, True


def stop(folder: Path) -> None:
    """Stop the kept server of ``folder`` cleanly (its data stays)."""
    folder = folder.resolve()
    if _is_running(folder):
        _runner(folder)(str(bin_dir() / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "-w", "stop")


@contextlib.contextmanager
def kept_server(folder: Path, *, durable: bool = True) -> Iterator[Server]:
    """The kept server of ``folder`` for the length of the block; stopped afterwards if we started it."""
    server, started = start(folder, durable=durable)
    try:
        yield server
    finally:
        if started:
            stop(folder)


def main(argv: list[str] | None = None) -> int:
    """``python tools/pg_server.py start|stop|url DIR``: a kept server, for benchmarks and by hand."""
    parser = argparse.ArgumentParser(description="a PostgreSQL server whose data is kept in DIR")
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--database", default="bench")
    args = parser.parse_args(argv)
    if args.action == "stop":
        stop(args.folder)
        print(f"stopped the server of {args.folder}")
        return 0
    if args.action == "start":
        server, started = start(args.folder)
        print(f"{'started' if started else 'already running'}: the server of {args.folder} on port {server.port}")
    else:
        server = kept(args.folder.resolve())
    print(server.url(args.database))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
