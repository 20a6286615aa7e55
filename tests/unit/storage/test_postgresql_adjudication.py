"""Adjudication on a PostgreSQL team workspace (issue 10 item 5 on issue 11's engine).

Two reviewer logins label the same case differently, each under their own login as the database
requires; an engineer login settles it through the service and through the CLI. The adjudication
event is read back with raw SQL as the database holds it, and a reviewer who tries to adjudicate
is refused by the app's role check before anything is sent and, with raw SQL, by the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.errors import PermissionRefusedError
from reviewdesk.domain.ids import uuid7
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import cases, imports, labels, roles
from reviewdesk.services.workspace import open_workspace
from tests.conftest import DATA, PgCluster

FIXTURES = sorted(p for p in (DATA / "instrumented").glob("*.json*") if p.name != "expected.json")
PASSWORD = "adj-Team-pw-3"
# Roles are the server's, shared by every database of the test session: these names are this module's.
LOGINS = {"ad_ana": "reviewer", "ad_bo": "reviewer", "ad_eve": "engineer"}


@dataclass
class Team:
    cluster: PgCluster
    database: str

    def url(self, user: str | None = None) -> str:
        if user is None:
            return self.cluster.url(self.database)
        return self.cluster.server.url(self.database, user=user, password=PASSWORD)

    def raw(self, user: str) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.cluster.server.port, dbname=self.database, user=user, password=PASSWORD
        )

    def owner(self) -> psycopg.Connection:
        return psycopg.connect(self.cluster.server.dsn(self.database))


@pytest.fixture(scope="module")
def team(pg_cluster: PgCluster) -> Iterator[Team]:
    name = pg_cluster.new_database()
    team = Team(pg_cluster, name)
    ws = open_workspace(team.url())
    try:
        imports.import_files(ws, FIXTURES)
        roles.set_up(ws)
        for login, role in LOGINS.items():
            roles.add_user(ws, login, role, PASSWORD)
    finally:
        ws.close()
    yield team
    pg_cluster.drop(name)
    pg_cluster.server.execute(*(f"DROP ROLE IF EXISTS {login}" for login in LOGINS))


def _dispute(team: Team, n: int) -> str:
    """Case ``n`` labeled differently by ana and bo, each through the app under their own login."""
    ws = open_workspace(team.url())
    try:
        case_id = cases.list_cases(ws, CaseFilter())[n].case_id
    finally:
        ws.close()
    for login, change in (
        ("ad_ana", LabelChange(verdict="fail", root_causes=["hallucination"], comment="made up")),
        ("ad_bo", LabelChange(verdict="pass", scores={"correctness": 4})),
    ):
        ws = open_workspace(team.url(login))
        try:
            labels.record_label(ws, case_id, change, seconds_spent=12)
        finally:
            ws.close()
    ws = open_workspace(team.url())
    try:
        assert labels.case_labels(ws, case_id).resolution == "disputed"
    finally:
        ws.close()
    return case_id


def _stored_adjudications(team: Team, case_id: str) -> list[tuple[str, str | None, list[str], dict[str, object]]]:
    """The case's adjudication events as the database holds them: (reviewer, label_of, settles, change)."""
    with team.owner() as conn:
        rows = conn.execute(
            "SELECT e.reviewer, e.label_of, e.settles, e.change FROM label_events e JOIN cases c"
            " ON c.case_rowid = e.case_rowid WHERE c.case_id = %s AND e.kind = 'adjudication' ORDER BY e.event_id",
            (case_id,),
        ).fetchall()
    return [(r[0], r[1], list(r[2] or []), dict(r[3])) for r in rows]


def _resolution(team: Team, case_id: str) -> str | None:
    with team.owner() as conn:
        row = conn.execute(
            "SELECT l.resolution FROM labels l JOIN cases c ON c.case_rowid = l.case_rowid WHERE c.case_id = %s",
            (case_id,),
        ).fetchone()
    return None if row is None else str(row[0])


def test_an_engineer_adjudicates_through_the_service(team: Team) -> None:
    case_id = _dispute(team, 0)
    ws = open_workspace(team.url("ad_eve"))
    try:
        taken = labels.case_labels(ws, case_id).by_reviewer["ad_bo"]
        result = labels.record_adjudication(ws, case_id, taken, settles=("ad_ana", "ad_bo"))
    finally:
        ws.close()
    assert result.resolution == "adjudicated" and result.resolved is not None
    assert (result.resolved.verdict, result.resolved.scores, result.resolved.reviewer) == (
        "pass",
        {"correctness": 4},
        "ad_eve",  # the decider is the connected login, as the database records it
    )
    ((reviewer, label_of, settles, change),) = _stored_adjudications(team, case_id)
    assert (reviewer, label_of, settles) == ("ad_eve", None, ["ad_ana", "ad_bo"])
    assert change["verdict"] == "pass" and change["scores"] == {"correctness": 4}
    assert _resolution(team, case_id) == "adjudicated"


def test_an_engineer_adjudicates_through_the_cli(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    case_id = _dispute(team, 1)
    assert main(["--workspace", team.url("ad_eve"), "adjudicate", case_id, "--take", "ad_ana", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["resolution"] == "adjudicated"
    assert (out["label"]["verdict"], out["label"]["root_causes"], out["label"]["reviewer"]) == (
        "fail",
        ["hallucination"],
        "ad_eve",
    )
    ((reviewer, label_of, settles, change),) = _stored_adjudications(team, case_id)
    assert (reviewer, label_of, settles) == ("ad_eve", None, ["ad_ana", "ad_bo"])
    assert change["verdict"] == "fail" and change["root_causes"] == ["hallucination"]
    assert _resolution(team, case_id) == "adjudicated"
    # The Disputed queue no longer lists it.
    ws = open_workspace(team.url("ad_eve"))
    try:
        assert case_id not in {s.case_id for s in cases.list_cases(ws, CaseFilter(resolution="disputed"))}
    finally:
        ws.close()


def test_an_engineer_cannot_adjudicate_under_another_name(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    # The database user is the adjudicator (ADR 0012): --adjudicator naming someone else is refused.
    case_id = _dispute(team, 2)
    args = ["--workspace", team.url("ad_eve"), "adjudicate", case_id, "--take", "ad_bo", "--adjudicator", "lead"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "ad_eve" in err and "lead" in err and "Traceback" not in err
    assert _stored_adjudications(team, case_id) == []
    assert _resolution(team, case_id) == "disputed"


def test_a_reviewer_is_refused_by_the_app_with_a_clear_message(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    case_id = _dispute(team, 3)
    ws = open_workspace(team.url("ad_ana"))
    try:
        mine = labels.case_labels(ws, case_id).by_reviewer["ad_ana"]
        with pytest.raises(PermissionRefusedError, match="ad_ana is a reviewer") as refused:
            labels.record_adjudication(ws, case_id, mine, settles=("ad_ana", "ad_bo"))
        assert "adjudicat" in str(refused.value) and "engineer or admin" in str(refused.value)
    finally:
        ws.close()
    assert main(["--workspace", team.url("ad_ana"), "adjudicate", case_id, "--take", "ad_ana"]) == 1
    err = capsys.readouterr().err
    assert "ad_ana is a reviewer" in err and "nothing was written" in err
    assert "Traceback" not in err and PASSWORD not in err
    assert _stored_adjudications(team, case_id) == []
    assert _resolution(team, case_id) == "disputed"


def test_a_reviewer_is_refused_by_the_database_raw_sql(team: Team) -> None:
    # The app's check is advice; the database's policy is the rule: an adjudication event
    # inserted by a reviewer, even under their own name, is refused.
    case_id = _dispute(team, 4)
    with team.owner() as conn:
        row = conn.execute("SELECT case_rowid FROM cases WHERE case_id = %s", (case_id,)).fetchone()
    assert row is not None
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"), team.raw("ad_ana") as conn:
        conn.execute(
            "INSERT INTO label_events (event_id, kind, label_of, settles, case_rowid, created_at, reviewer,"
            " change, schema_version) VALUES (%s, 'adjudication', NULL, '[\"ad_ana\", \"ad_bo\"]', %s, now(),"
            " 'ad_ana', '{\"verdict\": \"fail\"}', 1)",
            (uuid7(), row[0]),
        )
    assert _stored_adjudications(team, case_id) == []


def _stored_labels(team: Team, case_id: str) -> list[str]:
    """Who has a label event on the case, as the database holds them."""
    with team.owner() as conn:
        rows = conn.execute(
            "SELECT e.reviewer FROM label_events e JOIN cases c ON c.case_rowid = e.case_rowid"
            " WHERE c.case_id = %s ORDER BY e.event_id",
            (case_id,),
        ).fetchall()
    return [str(r[0]) for r in rows]


def test_an_engineer_cannot_label_under_another_name(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    # An engineer may insert any event (merges need that), so the database would take a label
    # "by ad_ana" from ad_eve: the service refuses it before anything is sent, in the API and the CLI.
    case_id = _dispute(team, 5)
    before = _stored_labels(team, case_id)
    ws = open_workspace(team.url("ad_eve"))
    try:
        with pytest.raises(PermissionRefusedError, match="ad_eve cannot label as ad_ana"):
            labels.record_label(ws, case_id, LabelChange(verdict="pass"), reviewer="ad_ana")
        # Under the engineer's own name (given or not) the label is written.
        labels.record_label(ws, case_id, LabelChange(verdict="unsure"), reviewer="ad_eve")
    finally:
        ws.close()
    args = ["--workspace", team.url("ad_eve"), "label", case_id, "--verdict", "pass", "--reviewer", "ad_bo"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "ad_eve cannot label as ad_bo" in err and "nothing was written" in err and "Traceback" not in err
    assert _stored_labels(team, case_id) == [*before, "ad_eve"]
