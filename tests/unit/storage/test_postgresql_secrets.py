"""Secrets of a PostgreSQL workspace: a password is never shown or stored (messages, the
workspace's location, recent workspaces, the audit log, the database's own rows), and libpq's
ways of giving it — PGPASSWORD, a password file, a service file — work, as do libpq options."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from reviewdesk.domain.errors import WorkspaceError
from reviewdesk.services import audit, imports
from reviewdesk.services.workspace import open_workspace
from reviewdesk.settings import Settings, load_settings, save_settings
from tests.conftest import DATA, PgCluster

SAMPLE = DATA / "instrumented" / "openinference_openai.json"
PASSWORD = "Zq9-hunter2-secret"


@dataclass
class Login:
    host: str
    port: int
    database: str
    user: str = "reviewer1"

    def url(self, password: str | None = None, query: str = "") -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{self.user}{secret}@{self.host}:{self.port}/{self.database}{query}"


@pytest.fixture(scope="module")
def login(pg_cluster: PgCluster) -> Iterator[Login]:
    """A login role with a password that owns an empty database, reached over loopback TCP (SCRAM)."""
    server = pg_cluster.server
    server.execute(f"CREATE ROLE reviewer1 LOGIN PASSWORD '{PASSWORD}'", "CREATE DATABASE secrets OWNER reviewer1")
    yield Login(host="127.0.0.1", port=server.port, database="secrets")
    pg_cluster.drop("secrets")
    server.execute("DROP ROLE reviewer1")


@pytest.fixture(autouse=True)
def _no_libpq_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("PGPASSWORD", "PGPASSFILE", "PGSERVICEFILE", "PGSERVICE", "PGSSLMODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no developer's ~/.pgpass


def _everything_stored(ws) -> str:
    """Every row of every table of the workspace, as text."""
    with ws.engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
        return "\n".join(str(conn.execute(text(f"SELECT * FROM {t}")).all()) for t in tables)


def test_a_password_in_the_url_is_never_shown_or_stored(login: Login) -> None:
    ws = open_workspace(login.url(PASSWORD))
    try:
        assert ws.location == f"postgresql://reviewer1:***@127.0.0.1:{login.port}/secrets"
        assert ws.name == "secrets"  # the window title's part
        assert PASSWORD not in repr(ws) and PASSWORD not in str(ws.engine.url)
        imports.import_files(ws, [SAMPLE])
        lines = audit.entries(ws)
        assert lines and all(PASSWORD not in str(line) for line in lines)
        assert PASSWORD not in _everything_stored(ws)
        settings = Settings()
        settings.add_recent(ws.location)  # what the window remembers (MainWindow.remember_workspace)
        save_settings(settings)
    finally:
        ws.close()
    assert load_settings().recent_workspaces == [ws.location]
    config = Path(os.environ["REVIEWDESK_CONFIG_DIR"])
    assert all(PASSWORD not in p.read_text() for p in config.rglob("*") if p.is_file())


def test_a_wrong_password_is_refused_without_showing_it(login: Login) -> None:
    with pytest.raises(WorkspaceError) as refused:
        open_workspace(login.url("not-" + PASSWORD))
    message = str(refused.value)
    assert "password authentication failed" in message and PASSWORD not in message
    assert f"postgresql://reviewer1:***@127.0.0.1:{login.port}/secrets" in message


def test_pgpassword_gives_the_password(login: Login, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(WorkspaceError, match="password"):
        open_workspace(login.url())
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    ws = open_workspace(login.url())
    assert ws.location == f"postgresql://reviewer1@127.0.0.1:{login.port}/secrets"
    ws.close()


def _password_file(folder: Path, login: Login) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".pgpass"
    path.write_text(f"{login.host}:{login.port}:{login.database}:{login.user}:{PASSWORD}\n")
    path.chmod(0o600)  # libpq ignores a password file others can read
    return path


def test_the_password_file_gives_the_password(login: Login, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # ~/.pgpass (HOME points at this test's folder) ...
    _password_file(tmp_path / "home", login)
    open_workspace(login.url()).close()
    # ... and PGPASSFILE naming another file.
    (tmp_path / "home" / ".pgpass").unlink()
    monkeypatch.setenv("PGPASSFILE", str(_password_file(tmp_path / "elsewhere", login)))
    open_workspace(login.url()).close()


def test_a_service_file_names_the_server(login: Login, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[team]\nhost={login.host}\nport={login.port}\ndbname={login.database}\nuser={login.user}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.setenv("PGPASSFILE", str(_password_file(tmp_path / "pw", login)))
    ws = open_workspace("postgresql:///?service=team")
    try:
        with ws.engine.connect() as conn:
            assert conn.execute(text("SELECT current_user, current_database()")).one() == ("reviewer1", "secrets")
        assert ws.name == "secrets" or ws.name == "team"
    finally:
        ws.close()


def test_libpq_options_pass_through(login: Login) -> None:
    # The test server has no TLS: sslmode=require reaching libpq is refused by libpq itself ...
    with pytest.raises(WorkspaceError) as refused:
        open_workspace(login.url(PASSWORD, "?sslmode=require"))
    assert "SSL" in str(refused.value) and PASSWORD not in str(refused.value)
    # ... and other options arrive at the server as given.
    ws = open_workspace(login.url(PASSWORD, "?sslmode=disable&application_name=triage-desk&connect_timeout=5"))
    try:
        with ws.engine.connect() as conn:
            assert conn.execute(text("SELECT current_setting('application_name')")).scalar() == "triage-desk"
    finally:
        ws.close()
