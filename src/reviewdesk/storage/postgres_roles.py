"""The roles a PostgreSQL workspace's database enforces: who may read, label, import, purge.

``team init`` (``set_up_roles``) creates four group roles, grants each its privileges per table
and turns on row-level security where a row says who wrote it:

=====================  ==========================================================================
``reviewdesk_admin``    everything the app does, the taxonomy (label schemas) included
``reviewdesk_engineer`` import, purge, redaction and other workspace settings, assign, export,
                        merge review packages, adjudicate; not the taxonomy
``reviewdesk_reviewer`` read; label events under their own name only; their own claims
``reviewdesk_risk``     read and export (an export's audit line under their own name); nothing else
=====================  ==========================================================================

Nobody, not even the tables' owner, can change or delete a label event: the privileges are never
granted, and triggers (migrations 0001 and 0006) refuse UPDATE, DELETE and TRUNCATE for everyone —
a label event leaves only with its case, when the case is purged.

A reviewer must also rewrite the derived label tables (``reviewer_labels``, ``labels``,
``case_root_causes``): each label write rebuilds the case's labels from all its events
(``storage.label_log``). Those rows are a cache of the events, which stay the truth.

Roles belong to the server, not to one database: a login granted ``reviewdesk_reviewer`` is a
reviewer in every workspace of that server whose ``team init`` ran and that lets it CONNECT.
PostgreSQL before 16 lets a member ``SET ROLE`` to a group role, so the policies also require
``current_user = session_user``: an event's reviewer is always the login that connected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, text

Role = Literal["admin", "engineer", "reviewer", "risk"]
ROLES: tuple[Role, ...] = ("admin", "engineer", "reviewer", "risk")
OWNER = "owner"
"""The role of the tables' owner or a superuser: everything (row-level security does not bind them)."""


def group_role(role: Role) -> str:
    return f"reviewdesk_{role}"


# Tables whose rows a reviewer rewrites on every label write (see the module docstring).
_DERIVED_LABEL_TABLES = ("reviewer_labels", "labels", "case_root_causes")
# Tables nobody but the owner writes through the app's roles, or writes only by appending.
_APPEND_ONLY = ("label_events", "audit_log")
_ADMIN_ONLY = ("label_schemas",)
_OWNER_ONLY = ("alembic_version",)

_OWN_NAME = "current_user = session_user"


def _policies() -> list[str]:
    reviewer, risk = group_role("reviewer"), group_role("risk")
    managers = f"{group_role('admin')}, {group_role('engineer')}"
    return [
        # label_events: everyone reads; reviewers add events to their own label only.
        "ALTER TABLE label_events ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY reviewdesk_read ON label_events FOR SELECT USING (true)",
        f"CREATE POLICY reviewdesk_own_events ON label_events FOR INSERT TO {reviewer} WITH CHECK"
        f" (kind = 'label' AND reviewer = current_user AND label_of = current_user AND {_OWN_NAME})",
        f"CREATE POLICY reviewdesk_any_events ON label_events FOR INSERT TO {managers} WITH CHECK (true)",
        # audit_log: reviewers and risk owners add only the audit line of their own exports.
        "ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY reviewdesk_read ON audit_log FOR SELECT USING (true)",
        f"CREATE POLICY reviewdesk_own_exports ON audit_log FOR INSERT TO {reviewer}, {risk} WITH CHECK"
        f" (action = 'export' AND actor = current_user AND {_OWN_NAME})",
        f"CREATE POLICY reviewdesk_any_audit ON audit_log FOR INSERT TO {managers} WITH CHECK (true)",
        # case_claims: a reviewer takes a free or lapsed place, or gives back their own.
        "ALTER TABLE case_claims ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY reviewdesk_read ON case_claims FOR SELECT USING (true)",
        f"CREATE POLICY reviewdesk_claim ON case_claims FOR UPDATE TO {reviewer}"
        " USING (reviewer IS NULL OR reviewer = current_user OR expires_at < now())"
        f" WITH CHECK ((reviewer IS NULL OR reviewer = current_user) AND {_OWN_NAME})",
        f"CREATE POLICY reviewdesk_manage ON case_claims FOR ALL TO {managers} USING (true) WITH CHECK (true)",
    ]


_POLICY_TABLES = ("label_events", "audit_log", "case_claims")


def _table_names(conn: Connection) -> list[str]:
    rows = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    ).scalars()
    return [str(name) for name in rows]


def _grants(tables: Sequence[str], database: str, quote: object) -> list[str]:
    q = quote  # the dialect's identifier quoting
    admin, engineer, reviewer, risk = (group_role(r) for r in ROLES)
    everyone = ", ".join(group_role(r) for r in ROLES)
    statements = [
        f"GRANT CONNECT ON DATABASE {q(database)} TO {everyone}",  # type: ignore[operator]
        f"GRANT USAGE ON SCHEMA public TO {everyone}",
    ]
    for table in tables:
        name = q(table)  # type: ignore[operator]
        statements.append(f"REVOKE ALL ON {name} FROM {everyone}")
        if table in _OWNER_ONLY:
            statements.append(f"GRANT SELECT ON {name} TO {everyone}")
            continue
        statements.append(f"GRANT SELECT ON {name} TO {everyone}")
        if table in _APPEND_ONLY:
            statements.append(f"GRANT INSERT ON {name} TO {admin}, {engineer}")
        elif table in _ADMIN_ONLY:
            statements.append(f"GRANT INSERT ON {name} TO {admin}")
        else:
            statements.append(f"GRANT INSERT, UPDATE, DELETE ON {name} TO {admin}, {engineer}")
        if table in _DERIVED_LABEL_TABLES:
            statements.append(f"GRANT INSERT, DELETE ON {name} TO {reviewer}")
    statements += [
        f"GRANT INSERT ON label_events TO {reviewer}",
        f"GRANT INSERT ON audit_log TO {reviewer}, {risk}",
        f"GRANT UPDATE ON case_claims TO {reviewer}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {admin}, {engineer}, {reviewer}, {risk}",
    ]
    return statements


@dataclass(frozen=True, slots=True)
class SetUp:
    """What ``set_up_roles`` did: the roles it created (others existed) and the tables it granted."""

    created: tuple[str, ...]
    tables: int


def can_set_up(conn: Connection) -> bool:
    """The connected user is a superuser, or owns the database and may create roles."""
    row = conn.execute(
        text(
            "SELECT r.rolsuper, r.rolcreaterole, d.datdba = r.oid FROM pg_roles r, pg_database d"
            " WHERE r.rolname = current_user AND d.datname = current_database()"
        )
    ).one()
    return bool(row[0]) or (bool(row[1]) and bool(row[2]))


def set_up_roles(conn: Connection) -> SetUp:
    """Create the four roles (when missing), grant them per table, (re)create the policies. Idempotent."""
    existing = set(conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname LIKE 'reviewdesk\\_%'")).scalars())
    created = []
    for role in ROLES:
        name = group_role(role)
        if name not in existing:
            conn.exec_driver_sql(f"CREATE ROLE {name} NOLOGIN")
            created.append(name)
    database = str(conn.execute(text("SELECT current_database()")).scalar_one())
    tables = _table_names(conn)
    quote = conn.dialect.identifier_preparer.quote
    for statement in _grants(tables, database, quote):
        conn.exec_driver_sql(statement)
    for table in _POLICY_TABLES:
        for policy in conn.execute(
            text("SELECT policyname FROM pg_policies WHERE tablename = :t AND policyname LIKE 'reviewdesk\\_%'"),
            {"t": table},
        ).scalars():
            conn.exec_driver_sql(f"DROP POLICY {quote(str(policy))} ON {table}")
    for statement in _policies():
        conn.exec_driver_sql(statement)
    return SetUp(created=tuple(created), tables=len(tables))


def roles_set_up(conn: Connection) -> bool:
    """``team init`` ran on this database (its policies are there)."""
    found = conn.execute(
        text("SELECT count(*) FROM pg_policies WHERE tablename = 'label_events' AND policyname = 'reviewdesk_read'")
    ).scalar_one()
    return bool(found)


def add_login(conn: Connection, name: str, role: Role, password: str | None) -> bool:
    """Create the login ``name`` (or keep it) with ``password``, and make it a member of ``role`` only.

    The password reaches the server already hashed (SCRAM, by libpq as ``\\password`` does), so it
    is never in the server's statement log. Returns whether the login was created.
    """
    quote = conn.dialect.identifier_preparer.quote
    exists = bool(conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = :n"), {"n": name}).scalar_one())
    if not exists:
        conn.exec_driver_sql(f"CREATE ROLE {quote(name)} LOGIN")
    if password is not None:
        conn.exec_driver_sql(f"ALTER ROLE {quote(name)} PASSWORD {_literal(_hashed(conn, name, password))}")
    for other in ROLES:
        if other != role:
            conn.exec_driver_sql(f"REVOKE {group_role(other)} FROM {quote(name)}")
    conn.exec_driver_sql(f"GRANT {group_role(role)} TO {quote(name)}")
    return not exists


def _hashed(conn: Connection, name: str, password: str) -> str:
    pgconn = conn.connection.driver_connection.pgconn  # type: ignore[union-attr]
    return bytes(pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")).decode()


def _literal(value: str) -> str:
    # A SCRAM verifier holds only [A-Za-z0-9+/=:$-]; quoted all the same.
    return "'" + value.replace("'", "''") + "'"


def role_of(conn: Connection) -> str | None:
    """The connected user's role here: ``owner``, one of ``ROLES``, or ``None`` (none of them)."""
    row = conn.execute(
        text(
            "SELECT r.rolsuper OR d.datdba = r.oid"
            " OR pg_has_role(current_user, (SELECT tableowner FROM pg_tables WHERE tablename = 'label_events'"
            "    AND schemaname = current_schema()), 'USAGE')"
            " FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()"
        )
    ).one()
    if row[0]:
        return OWNER
    held = set(
        conn.execute(
            text(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE 'reviewdesk\\_%'"
                " AND pg_has_role(current_user, oid, 'USAGE')"
            )
        ).scalars()
    )
    return next((role for role in ROLES if group_role(role) in held), None)  # the most capable one


def current_user(conn: Connection) -> str:
    return str(conn.execute(text("SELECT current_user")).scalar_one())
