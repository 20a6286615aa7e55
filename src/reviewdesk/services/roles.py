"""Who is connected to a team workspace and what their database role lets them do.

On PostgreSQL the reviewer of a label event is the connected database user, and the database
enforces the roles (``storage.postgres_roles``, docs/team-setup.md). This module says which role
the connection has, so the window can disable what the role cannot do — the database's refusal
stays the backstop. A SQLite workspace has no roles: whoever can write the file may do everything.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from reviewdesk.domain.errors import UsageError, WorkspaceError
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import postgres_roles
from reviewdesk.storage.handles import Engine
from reviewdesk.storage.postgres_roles import OWNER, ROLES, Role, SetUp

__all__ = ["ROLES", "Identity", "Role", "SetUp", "add_user", "identity", "set_up"]


@dataclass(frozen=True, slots=True)
class Identity:
    """The connected user and what their role may do (all ``True`` on SQLite and for the owner)."""

    user: str | None
    """The database user (``None`` on SQLite: the reviewer is the login name or a package's)."""
    role: str | None
    """``owner``, ``admin``, ``engineer``, ``reviewer``, ``risk``; ``None`` on SQLite or without one."""
    can_label: bool = True
    can_import: bool = True
    """Import traces, purge cases, change redaction rules and other workspace settings."""
    can_assign: bool = True
    """Assign cases, fill the claim pool, merge review packages, adjudicate."""
    can_change_taxonomy: bool = True

    @property
    def bound(self) -> bool:
        """A member of a reviewdesk role: the database takes labels from them under their login only.

        The tables' owner and superusers are not bound (they repair, restore and migrate)."""
        return self.role in ROLES

    @property
    def shown(self) -> str:
        """``alice · reviewer`` for the status bar; empty on SQLite."""
        if self.user is None:
            return ""
        return f"{self.user} · {self.role or 'no reviewdesk role'}"


def identity(workspace: Workspace) -> Identity:
    """The connected user and role; computed once per open workspace (one query)."""
    cached = _IDENTITIES.get(workspace.engine)
    if cached is not None:
        return cached
    if not workspace.on_server:
        found = Identity(user=None, role=None)
    else:
        # Autocommit: asked inside a writer's transaction (an audit line), it must not wait for
        # the workspace's write lock that writer holds.
        with workspace.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            user = postgres_roles.current_user(conn)
            role = postgres_roles.role_of(conn)
        found = _identity_for(user, role)
    if workspace.read_only:
        found = Identity(found.user, found.role, False, False, False, False)
    _IDENTITIES[workspace.engine] = found
    return found


# Per engine (an open workspace), gone with it: roles change only through team init and add-user.
_IDENTITIES: weakref.WeakKeyDictionary[Engine, Identity] = weakref.WeakKeyDictionary()


def _identity_for(user: str, role: str | None) -> Identity:
    if role in (OWNER, "admin"):
        return Identity(user, role)
    if role == "engineer":
        return Identity(user, role, can_change_taxonomy=False)
    if role == "reviewer":
        return Identity(user, role, can_import=False, can_assign=False, can_change_taxonomy=False)
    # A risk owner, or a user with no reviewdesk role (they can read only what was granted to PUBLIC).
    return Identity(user, role, can_label=False, can_import=False, can_assign=False, can_change_taxonomy=False)


def _server_only(workspace: Workspace, what: str) -> None:
    if not workspace.on_server:
        raise UsageError(
            f"{workspace.location} is a workspace file: {what} is for PostgreSQL workspaces"
            " (--workspace postgresql://…); a file has no database roles"
        )


def set_up(workspace: Workspace) -> SetUp:
    """Create the roles, grants and policies (``reviewdesk team init``); by a superuser or the owner."""
    _server_only(workspace, "team init")
    with workspace.engine.begin() as conn:
        if not postgres_roles.can_set_up(conn):
            raise WorkspaceError(
                f"{workspace.location}: team init needs a PostgreSQL superuser, or the database's owner with"
                f" CREATEROLE; {postgres_roles.current_user(conn)} is neither, so nothing was changed"
            )
        done = postgres_roles.set_up_roles(conn)
    _IDENTITIES.clear()
    return done


def add_user(workspace: Workspace, name: str, role: str, password: str | None) -> bool:
    """Create the login ``name`` (or update it) with ``password`` and this one role; whether it is new."""
    _server_only(workspace, "team add-user")
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    name = name.strip()
    if not name or name.startswith(("reviewdesk_", "pg_")) or len(name) > 63 or "\x00" in name:
        raise UsageError(f"{name!r} cannot be a login: give 1–63 characters not starting with reviewdesk_ or pg_")
    if password is not None and not password:
        raise UsageError("the password is empty: give one on standard input (nothing was changed)")
    with workspace.engine.begin() as conn:
        if not postgres_roles.roles_set_up(conn):
            raise WorkspaceError(
                f"{workspace.location} has no reviewdesk roles yet: run `reviewdesk --workspace URL team init` first"
            )
        created = postgres_roles.add_login(conn, name, role, password)
    _IDENTITIES.clear()
    return created
