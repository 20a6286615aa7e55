"""Roles a PostgreSQL workspace's database enforces (issue 11 item 4).

Every refusal is proven by trying it with raw SQL over a psycopg connection as that login — the
database refuses, not the app — and the main ones also through the CLI, which must turn the
refusal into a message (no traceback, a non-zero exit).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from reviewdesk.cli.main import main
from reviewdesk.domain.errors import PermissionRefusedError, UsageError, WorkspaceError
from reviewdesk.domain.ids import uuid7
from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import cases, imports, labels, purge, roles
from reviewdesk.services.workspace import open_workspace
from tests.conftest import DATA, PgCluster
from tests.team_db import TeamDb, team_workspace

SAMPLE = DATA / "instrumented" / "openinference_openai.json"
OTHER = DATA / "instrumented" / "genai_openai_v2.json"
PASSWORD = "s3cret-Team-pw"
# Roles are the server's, shared by every database of the test session: these names are this module's.
LOGINS = {"rl_alice": "reviewer", "rl_bob": "reviewer", "rl_rita": "risk", "rl_eve": "engineer", "rl_ada": "admin"}


@pytest.fixture(scope="module")
def team(pg_cluster: PgCluster) -> Iterator[TeamDb]:
    """A workspace with imported cases, its roles set up, and one login per role."""
    with team_workspace(pg_cluster, [SAMPLE], LOGINS, PASSWORD) as team:
        yield team


def _case(team: TeamDb) -> tuple[int, str]:
    with team.owner() as conn:
        row = conn.execute("SELECT case_rowid, case_id FROM cases ORDER BY case_rowid LIMIT 1").fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def _insert_event(conn: psycopg.Connection, case_rowid: int, *, reviewer: str, label_of: str | None) -> None:
    conn.execute(
        "INSERT INTO label_events (event_id, kind, label_of, case_rowid, created_at, reviewer, change,"
        " schema_version) VALUES (%s, 'label', %s, %s, now(), %s, '{}', 1)",
        (uuid7(), label_of, case_rowid, reviewer),
    )


def test_team_init_creates_the_four_roles_and_runs_again(team: TeamDb) -> None:
    with team.owner() as conn:
        found = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'reviewdesk%'")}
    assert {"reviewdesk_admin", "reviewdesk_engineer", "reviewdesk_reviewer", "reviewdesk_risk"} <= found
    ws = open_workspace(team.url())
    try:
        again = roles.set_up(ws)  # idempotent: nothing new, grants and policies rewritten
    finally:
        ws.close()
    assert again.created == ()
    assert again.tables >= 15


def test_a_reviewer_inserts_events_under_their_own_name_only_raw_sql(team: TeamDb) -> None:
    rowid, _ = _case(team)
    with team.raw("rl_alice") as conn:
        _insert_event(conn, rowid, reviewer="rl_alice", label_of="rl_alice")  # their own: accepted
    for reviewer, label_of in (("rl_bob", "rl_bob"), ("rl_alice", "rl_bob"), ("rl_bob", "rl_alice")):
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
            team.raw("rl_alice") as conn,
        ):
            _insert_event(conn, rowid, reviewer=reviewer, label_of=label_of)
    # Becoming the group role does not give another name either.
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"), team.raw("rl_alice") as conn:
        conn.execute("SET ROLE reviewdesk_reviewer")
        _insert_event(conn, rowid, reviewer="reviewdesk_reviewer", label_of="reviewdesk_reviewer")


def test_a_risk_owner_can_read_but_not_label_or_import_raw_sql(team: TeamDb) -> None:
    rowid, _ = _case(team)
    with team.raw("rl_rita") as conn:
        row = conn.execute("SELECT count(*) FROM cases").fetchone()
        assert row is not None and row[0] > 0
    refused = [
        "INSERT INTO label_events (event_id, kind, label_of, case_rowid, created_at, reviewer, change,"
        f" schema_version) VALUES ('x1', 'label', 'rl_rita', {rowid}, now(), 'rl_rita', '{{}}', 1)",
        "INSERT INTO imports (path, file_name, format, content_sha256, size_bytes, started_at, status)"
        " VALUES ('/x', 'x', 'otlp', 'ab', 1, now(), 'running')",
        "INSERT INTO traces (trace_id, span_count) VALUES ('t-rita', 0)",
        f"DELETE FROM cases WHERE case_rowid = {rowid}",
        "UPDATE workspace_settings SET updated_at = now()",
        f"DELETE FROM reviewer_labels WHERE case_rowid = {rowid}",
        "INSERT INTO audit_log (created_at, actor, action, subject, details) VALUES (now(), 'rl_rita', 'import',"
        " 'x', '{}')",
    ]
    for statement in refused:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), team.raw("rl_rita") as conn:
            conn.execute(statement)


def test_only_admins_and_engineers_import_purge_or_change_redaction_raw_sql(team: TeamDb) -> None:
    rowid, _ = _case(team)
    for user in ("rl_alice", "rl_rita"):
        for statement in (
            "INSERT INTO traces (trace_id, span_count) VALUES ('t-x', 0)",
            f"DELETE FROM cases WHERE case_rowid = {rowid}",
            "INSERT INTO workspace_settings (key, value, updated_at) VALUES ('redaction', '{}', now())"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), team.raw(user) as conn:
                conn.execute(statement)
    for user in ("rl_eve", "rl_ada"):  # allowed: rolled back, so the workspace stays as it is
        with team.raw(user) as conn:
            conn.execute("INSERT INTO traces (trace_id, span_count) VALUES ('t-y', 0)")
            conn.execute("UPDATE workspace_settings SET updated_at = now()")
            conn.rollback()
    with pytest.raises(psycopg.errors.InsufficientPrivilege), team.raw("rl_eve") as conn:
        conn.execute(
            "INSERT INTO label_schemas (version, root_causes, scores, created_at) VALUES (99, '[]', '[]', now())"
        )


def _append_through_function(conn: psycopg.Connection, case_rowid: int, *, reviewer: str) -> None:
    """The label write's server function (migration 0008), called by hand as the app calls it."""
    event = (
        f'{{"event_id": "{uuid7()}", "kind": "label", "label_of": "{reviewer}", "settles": null,'
        f' "created_at": "2026-12-03T12:00:00", "reviewer": "{reviewer}", "change": {{"verdict": "pass"}},'
        ' "seconds_spent": null, "schema_version": 1}'
    )
    conn.execute(
        "SELECT reviewdesk_append_label_event(%s, (SELECT max(event_rowid) FROM label_events WHERE case_rowid = %s),"
        " v.version, v.created_at, %s::json, '[]'::json, NULL, ARRAY[]::text[], ARRAY[1, 2], 5000, 5000)"
        " FROM (SELECT version, created_at FROM label_schemas ORDER BY version DESC LIMIT 1) v",
        (case_rowid, case_rowid, event),
    )


def test_the_label_write_function_keeps_every_rule_raw_sql(team: TeamDb) -> None:
    """It runs with the caller's privileges: the reviewer's own name only, and no risk owner at all."""
    rowid, _ = _case(team)
    with team.raw("rl_alice") as conn:
        _append_through_function(conn, rowid, reviewer="rl_alice")  # their own: accepted
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"), team.raw("rl_alice") as conn:
        _append_through_function(conn, rowid, reviewer="rl_bob")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"), team.raw("rl_rita") as conn:
        _append_through_function(conn, rowid, reviewer="rl_rita")
    with team.owner() as conn:
        found = conn.execute('SELECT reviewer FROM label_events WHERE change::text = \'{"verdict": "pass"}\'')
        assert [r[0] for r in found] == ["rl_alice"]


@pytest.mark.parametrize("user", ["rl_alice", "rl_eve", "rl_ada", None])
def test_nobody_updates_or_deletes_a_label_event_raw_sql(team: TeamDb, user: str | None) -> None:
    rowid, _ = _case(team)
    with team.owner() as conn:
        _insert_event(conn, rowid, reviewer="rl_alice", label_of="rl_alice")
    connect = team.owner if user is None else (lambda: team.raw(user))
    statements = ["UPDATE label_events SET reviewer = 'mallory'", "DELETE FROM label_events"]
    if user is None:
        statements.append("TRUNCATE label_events CASCADE")
    for statement in statements:
        with pytest.raises(psycopg.Error, match=r"append-only|permission denied"), connect() as conn:
            conn.execute(statement)
    with team.owner() as conn:
        assert conn.execute("SELECT count(*) FROM label_events WHERE reviewer = 'mallory'").fetchone() == (0,)


def test_the_app_labels_as_the_connected_user_and_the_database_refuses_another_name(team: TeamDb) -> None:
    _, case_id = _case(team)
    ws = open_workspace(team.url("rl_bob"))
    try:
        assert roles.identity(ws).role == "reviewer" and roles.identity(ws).user == "rl_bob"
        assert labels.workspace_reviewer(ws) == "rl_bob"
        label, _ = labels.record_label(ws, case_id, LabelChange(verdict="pass"))
        assert label.reviewer == "rl_bob"
        with pytest.raises(PermissionRefusedError, match="only to their own label"):
            labels.record_label(ws, case_id, LabelChange(verdict="fail"), reviewer="rl_alice")
        assert "rl_alice" not in {
            e.reviewer for e in labels.label_history(ws, case_id) if e.change == {"verdict": "fail"}
        }
    finally:
        ws.close()


def test_cli_turns_refusals_into_messages(team: TeamDb, capsys: pytest.CaptureFixture[str]) -> None:
    _, case_id = _case(team)
    code = main(["--workspace", team.url("rl_bob"), "label", case_id, "--verdict", "fail", "--reviewer", "rl_alice"])
    err = capsys.readouterr().err
    assert code == 1
    assert "refused this for your database role" in err and "Traceback" not in err
    assert PASSWORD not in err
    code = main(["--workspace", team.url("rl_rita"), "label", case_id, "--verdict", "fail"])
    err = capsys.readouterr().err
    assert code == 1 and "refused" in err and "Traceback" not in err
    code = main(["--workspace", team.url("rl_rita"), "import", str(OTHER)])
    out, err = capsys.readouterr()
    assert code != 0 and "Traceback" not in err + out
    assert "refused" in err + out or "permission denied" in err + out


def test_a_risk_owner_exports_and_the_audit_names_them(team: TeamDb, tmp_path: Path) -> None:
    ws = open_workspace(team.url("rl_rita"))
    try:
        assert roles.identity(ws).role == "risk" and not roles.identity(ws).can_label
    finally:
        ws.close()
    target = tmp_path / "cases.jsonl"
    assert main(["--workspace", team.url("rl_rita"), "export", "--format", "reviewdesk-jsonl", "-o", str(target)]) == 0
    assert target.read_text().strip()
    with team.owner() as conn:
        actors = {r[0] for r in conn.execute("SELECT actor FROM audit_log WHERE action = 'export'")}
    assert "rl_rita" in actors


def test_purge_still_takes_a_case_with_its_events(pg_database: str) -> None:
    ws = open_workspace(pg_database)
    try:
        imports.import_files(ws, [SAMPLE])
        victim = cases.list_cases(ws)[0]
        labels.record_label(ws, victim.case_id, LabelChange(verdict="fail"), reviewer="ana")
        with pytest.raises(PermissionRefusedError, match="append-only"), ws.engine.begin() as conn:
            conn.execute(text("DELETE FROM label_events"))
        done = purge.purge(ws, older_than=timedelta(0), keep_labeled=False)
        assert done.cases >= 1
        with ws.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM label_events")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 0
    finally:
        ws.close()


def test_add_user_reads_the_password_from_standard_input(
    team: TeamDb, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("fresh-Pw-42\n"))
    assert main(["--workspace", team.url(), "team", "add-user", "rl_newbie", "--role", "reviewer"]) == 0
    assert "created login rl_newbie with role reviewer" in capsys.readouterr().out
    try:
        with psycopg.connect(
            host="127.0.0.1",
            port=team.cluster.server.port,
            dbname=team.database,
            user="rl_newbie",
            password="fresh-Pw-42",
        ) as conn:
            assert conn.execute("SELECT pg_has_role('reviewdesk_reviewer', 'USAGE')").fetchone() == (True,)
        with team.owner() as conn:  # stored as a SCRAM verifier, never as the text given
            stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'rl_newbie'").fetchone()
        assert stored is not None and str(stored[0]).startswith("SCRAM-SHA-256$")
        assert main(["--workspace", team.url(), "team", "whoami"]) == 0
    finally:
        team.cluster.server.execute("DROP OWNED BY rl_newbie", database=team.database)
        team.cluster.server.execute("DROP ROLE rl_newbie")


def test_team_init_by_someone_else_and_on_a_file_are_refused(team: TeamDb, tmp_path: Path) -> None:
    ws = open_workspace(team.url("rl_eve"))
    try:
        with pytest.raises(WorkspaceError, match="superuser, or the database's owner"):
            roles.set_up(ws)
    finally:
        ws.close()
    local = open_workspace(tmp_path / "local.reviewdesk")
    try:
        with pytest.raises(UsageError, match="workspace file"):
            roles.set_up(local)
        assert roles.identity(local).user is None and roles.identity(local).can_import
    finally:
        local.close()
