"""A team (PostgreSQL) workspace for tests: a database of the session's server with traces
imported, the roles set up and one login per given role, dropped with its logins afterwards.

Shared by the tests of the roles the database enforces (tests/unit/storage), of the window on a
team workspace (tests/gui) and of many reviewers at once (tests/robustness). Logins are the
server's, shared by every database of the test session: each module passes names of its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from reviewdesk.services import imports, roles
from reviewdesk.services.workspace import open_workspace
from tests.conftest import PgCluster


@dataclass
class TeamDb:
    """One team workspace: its database on the cluster, and the password of every login."""

    cluster: PgCluster
    database: str
    password: str

    def url(self, user: str | None = None) -> str:
        """The workspace URL as the owner, or as the login ``user``."""
        if user is None:
            return self.cluster.url(self.database)
        return self.cluster.server.url(self.database, user=user, password=self.password)

    def raw(self, user: str) -> psycopg.Connection:
        """A plain psycopg connection as ``user`` (over loopback TCP, with the password): no app code."""
        return psycopg.connect(
            host="127.0.0.1", port=self.cluster.server.port, dbname=self.database, user=user, password=self.password
        )

    def owner(self) -> psycopg.Connection:
        return psycopg.connect(self.cluster.server.dsn(self.database))


@contextmanager
def team_workspace(
    cluster: PgCluster, files: Sequence[Path], logins: Mapping[str, str], password: str
) -> Iterator[TeamDb]:
    """A new team workspace holding ``files``, with ``logins`` (login → role) created on it."""
    team = TeamDb(cluster, cluster.new_database(), password)
    ws = open_workspace(team.url())
    try:
        imports.import_files(ws, list(files))
        roles.set_up(ws)
        for login, role in logins.items():
            roles.add_user(ws, login, role, password)
    finally:
        ws.close()
    try:
        yield team
    finally:
        cluster.drop(team.database)
        cluster.server.execute(*(f"DROP ROLE IF EXISTS {login}" for login in logins))
