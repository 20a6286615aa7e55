"""The adjudication view on a PostgreSQL team workspace, driven by keys (issue 10 item 5, issue 11).

Two reviewer logins label cases differently through the app, each under their own login; the
window is opened by an engineer login, who settles the Disputed queue with 1 (take reviewer 1's
label whole) and with A, arrows, Enter and Ctrl+Enter (compose). A reviewer login gets no
adjudication view and A tells them why. Every assertion on what was decided reads the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt

from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import cases, imports, labels, roles
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage.label_history import RecordedEvent
from reviewdesk.ui.actions import ActionId
from tests.conftest import DATA, PgCluster
from tests.gui.conftest import wait_idle

CTRL = Qt.KeyboardModifier.ControlModifier
FIXTURES = sorted(p for p in (DATA / "instrumented").glob("*.json*") if p.name != "expected.json")
PASSWORD = "gui-Adj-pw-5"
LOGINS = {"ga_ana": "reviewer", "ga_bo": "reviewer", "ga_lead": "engineer"}


@dataclass
class TeamDb:
    cluster: PgCluster
    database: str
    disputed: dict[str, str]
    """``verdict``: ana fail / bo pass; ``causes``: both fail, other root causes."""

    def url(self, user: str | None = None) -> str:
        if user is None:
            return self.cluster.url(self.database)
        return self.cluster.server.url(self.database, user=user, password=PASSWORD)


def _label(url: str, case_id: str, change: LabelChange) -> None:
    ws = open_workspace(url)
    try:
        labels.record_label(ws, case_id, change, seconds_spent=20)
    finally:
        ws.close()


@pytest.fixture
def team_db(pg_cluster: PgCluster) -> Iterator[TeamDb]:
    """A fresh team workspace per test: each one decides the disputes."""
    name = pg_cluster.new_database()
    url = pg_cluster.url(name)
    ws = open_workspace(url)
    try:
        imports.import_files(ws, FIXTURES)
        roles.set_up(ws)
        for login, role in LOGINS.items():
            roles.add_user(ws, login, role, PASSWORD)
        first, second = [s.case_id for s in cases.list_cases(ws, CaseFilter(), limit=2)]
    finally:
        ws.close()
    team = TeamDb(pg_cluster, name, {"verdict": first, "causes": second})
    _label(team.url("ga_ana"), first, LabelChange(verdict="fail", root_causes=["hallucination"], comment="made up"))
    _label(team.url("ga_bo"), first, LabelChange(verdict="pass", scores={"correctness": 4}))
    _label(team.url("ga_ana"), second, LabelChange(verdict="fail", root_causes=["stale_source"]))
    _label(team.url("ga_bo"), second, LabelChange(verdict="fail", root_causes=["tool_error"]))
    yield team
    pg_cluster.drop(name)
    pg_cluster.server.execute(*(f"DROP ROLE IF EXISTS {login}" for login in LOGINS))


def _adjudications(window, case_id: str) -> list[RecordedEvent]:
    return [e for e in labels.label_history(window.workspace, case_id) if e.kind == "adjudication"]


def _open_disputed(qtbot, make_main_window, url: str):
    window = make_main_window(url, reviewer="someone-else")  # the login is the adjudicator, not Preferences
    window.queue_view.select_queue("disputed")
    window.focus_review_surface()
    qtbot.waitUntil(window.queue_view.table.hasFocus)
    wait_idle(qtbot, window)
    return window


def test_an_engineer_takes_a_label_with_1_and_composes_with_ctrl_enter(qtbot, make_main_window, team_db) -> None:
    window = _open_disputed(qtbot, make_main_window, team_db.url("ga_lead"))
    assert window.reviewer_label.text() == "Reviewer: ga_lead · engineer"
    assert sorted(window.model.summary(r).case_id for r in range(window.model.rowCount())) == sorted(
        team_db.disputed.values()
    )
    assert window.adjudicating and window.side_stack.currentWidget() is window.adjudication_view
    model = window.adjudication_view.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["1 · ga_ana", "2 · ga_bo", "Decision"]
    window.grab().save("/tmp/reviewdesk-adjudication-postgresql.png")

    # 1: ga_ana's label whole.
    first = window.adjudication_view.dispute.case_id
    assert first == team_db.disputed["verdict"]  # the queue's order: import order
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_1)
    (event,) = _adjudications(window, first)
    assert (event.reviewer, event.settles, event.label_of) == ("ga_lead", ["ga_ana", "ga_bo"], None)
    decided = labels.case_labels(window.workspace, first)
    taken = decided.by_reviewer["ga_ana"]
    assert decided.resolution == "adjudicated" and decided.resolved is not None
    assert (decided.resolved.verdict, decided.resolved.root_causes) == (taken.verdict, taken.root_causes)

    # The other disputed case is on screen: compose it where the reviewers differ, then Ctrl+Enter.
    second = team_db.disputed["causes"]
    assert window.adjudicating and window.adjudication_view.dispute.case_id == second
    view = window.adjudication_view
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_A)
    assert view.table.hasFocus() and view.model.rows[view.table.currentIndex().row()] == "root_causes"
    qtbot.keyClick(view.table, Qt.Key.Key_Right)  # to ga_bo
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # ga_bo's root causes
    assert view.model.picks == {"root_causes": 1}
    view.grab().save("/tmp/reviewdesk-adjudication-postgresql-compose.png")
    qtbot.keyClick(view.table, Qt.Key.Key_Return, CTRL)
    (event,) = _adjudications(window, second)
    assert (event.reviewer, event.settles) == ("ga_lead", ["ga_ana", "ga_bo"])
    decided = labels.case_labels(window.workspace, second)
    assert decided.resolution == "adjudicated" and decided.resolved is not None
    assert (decided.resolved.verdict, decided.resolved.root_causes) == ("fail", ["tool_error"])
    assert window.model.rowCount() == 0 and not window.adjudicating
    # Another connection sees the same: the database holds the decisions.
    other = open_workspace(team_db.url())
    try:
        assert cases.list_cases(other, CaseFilter(resolution="disputed")) == []
    finally:
        other.close()


def test_a_reviewer_gets_no_adjudication_view_and_a_says_why(qtbot, make_main_window, team_db) -> None:
    window = _open_disputed(qtbot, make_main_window, team_db.url("ga_ana"))
    assert window.model.rowCount() == 2
    assert not window.adjudicating and not window.action_map[ActionId.ADJUDICATE].isEnabled()
    window.adjudicate()  # what A does, called directly: its action is disabled, so the key is dead
    assert "ga_ana · reviewer may not adjudicate" in window.statusBar().currentMessage()
    for case_id in team_db.disputed.values():
        assert _adjudications(window, case_id) == []
        assert labels.case_labels(window.workspace, case_id).resolution == "disputed"
