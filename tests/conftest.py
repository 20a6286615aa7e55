"""Shared fixtures. Every test gets its own data and config directories, so no test ever reads or
writes a developer's real workspace or settings."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewdesk.paths import WorkspaceLocation
from reviewdesk.services.workspace import Workspace
from tools import pg_server

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
SAMPLES = DATA / "samples"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("REVIEWDESK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("REVIEWDESK_CONFIG_DIR", str(base / "config"))
    monkeypatch.delenv("REVIEWDESK_WORKSPACE", raising=False)
    # Settings read REVIEWDESK_<FIELD> over the file: a developer's own must not leak into a test.
    for name in ("REVIEWER", "SHORTCUTS", "RECENT_WORKSPACES", "COLOR_SCHEME", "SCHEMA_VERSION"):
        monkeypatch.delenv(f"REVIEWDESK_{name}", raising=False)


ENGINES = ["sqlite", "postgresql"]


class PgCluster:
    """The session's PostgreSQL server (tools/pg_server.py) and its migrated template database.

    A test's database is ``CREATE DATABASE … TEMPLATE`` of a workspace already at the head
    revision (a file copy, a fraction of a second), with a workspace id of its own.
    """

    TEMPLATE = "reviewdesk_template"

    def __init__(self, server: pg_server.Server) -> None:
        self.server = server
        self._numbers = itertools.count(1)
        self._template_ready = False

    def _template(self) -> str:
        if not self._template_ready:
            from reviewdesk.services.workspace import open_workspace

            self.server.execute(f"CREATE DATABASE {self.TEMPLATE}")
            open_workspace(self.server.url(self.TEMPLATE)).close()
            self._template_ready = True
        return self.TEMPLATE

    def new_database(self, *, empty: bool = False) -> str:
        """A new database's name: a fresh workspace, or (``empty``) a database without tables."""
        name = f"ws_{next(self._numbers)}"
        if empty:
            self.server.execute(f"CREATE DATABASE {name}")
            return name
        self.server.execute(f"CREATE DATABASE {name} TEMPLATE {self._template()} STRATEGY FILE_COPY")
        self.server.execute(
            "UPDATE workspace_settings SET value = to_json(CAST('" + uuid.uuid4().hex + "' AS text))"
            " WHERE key = 'workspace.id'",
            database=name,
        )
        return name

    def drop(self, name: str) -> None:
        self.server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def url(self, name: str) -> str:
        return self.server.url(name)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One PostgreSQL server for the whole session, started here (never mocked, never skipped)."""
    try:
        context = pg_server.running_server()
        server = context.__enter__()
    except pg_server.ServerMissingError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield PgCluster(server)
    finally:
        context.__exit__(None, None, None)


@pytest.fixture
def pg_database(pg_cluster: PgCluster) -> Iterator[str]:
    """The URL of a fresh PostgreSQL workspace database, dropped after the test."""
    name = pg_cluster.new_database()
    yield pg_cluster.url(name)
    pg_cluster.drop(name)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The workspace engine a test runs on: every test using it runs once on each."""
    return str(request.param)


@pytest.fixture
def workspace_location(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> WorkspaceLocation:
    """Where the test's new workspace is: a file, or a fresh database on the session's server."""
    if engine == "sqlite":
        return tmp_path / "test.reviewdesk"
    return str(request.getfixturevalue("pg_database"))


@pytest.fixture
def workspace(workspace_location: WorkspaceLocation) -> Iterator[Workspace]:
    from reviewdesk.services.workspace import open_workspace

    ws = open_workspace(workspace_location)
    yield ws
    ws.close()
