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
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
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


@contextlib.contextmanager
def running_server(*, durable: bool = False) -> Iterator[Server]:
    """Start a server in a new temporary folder; stop it and delete the folder afterwards.

    ``durable``: keep PostgreSQL's default durability (every commit flushed), for benchmarks that
    compare it with SQLite's ``synchronous=FULL``; the tests leave it off.
    """
    binaries = bin_dir()
    uid, gid = _as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="reviewdesk-pg-"))
    data = folder / "data"
    if uid is not None and gid is not None:
        os.chown(folder, uid, gid)

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

    port = _free_port()
    try:
        run(
            str(binaries / "initdb"),
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
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-o", options, "-w", "start")
        try:
            yield Server(folder=folder, port=port)
        finally:
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
