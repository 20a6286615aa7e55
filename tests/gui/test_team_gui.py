"""The window on a team (PostgreSQL) workspace: the role it shows, what it disables, the database's
refusal as a readable dialog, and other reviewers' labels picked up within 2 seconds (issue 11
items 3 and 4). Real server, real logins, real window (offscreen)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import labels, roles
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.actions import ActionId
from tests.conftest import PgCluster
from tests.gui.conftest import demo_files
from tests.team_db import TeamDb, team_workspace

PASSWORD = "gui-Team-pw-7"
LOGINS = {"gt_alice": "reviewer", "gt_bob": "reviewer", "gt_rita": "risk"}


@pytest.fixture(scope="module")
def team_db(pg_cluster: PgCluster) -> Iterator[TeamDb]:
    with team_workspace(pg_cluster, demo_files(), LOGINS, PASSWORD) as team:
        yield team


@pytest.fixture
def team_window(make_main_window):
    """A window on a team login; the settings' reviewer name is not the login (the login wins)."""
    return lambda url: make_main_window(url, reviewer="someone-else")


WORKSPACE_WRITES = (ActionId.IMPORT, ActionId.IMPORT_FOLDER, ActionId.REDACTION, ActionId.RETENTION, ActionId.PRICES)


def test_a_reviewer_sees_their_login_and_role_and_cannot_import_or_purge(team_db: TeamDb, team_window, qtbot) -> None:
    window = team_window(team_db.url("gt_alice"))
    assert window.reviewer_label.text() == "Reviewer: gt_alice · reviewer"
    assert window.session.reviewer == "gt_alice"  # not the name in Preferences
    for action_id in WORKSPACE_WRITES:
        assert not window.action_map[action_id].isEnabled(), action_id
    assert window.action_map[ActionId.PASS].isEnabled() and window.action_map[ActionId.EXPORT].isEnabled()
    assert not window.acceptDrops()
    window.grab().save("/tmp/reviewdesk-team-reviewer.png")
    case_id = window._detail.case.case_id
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: window.runner.idle, timeout=10000)
    mine = labels.case_labels(window.workspace, case_id).by_reviewer
    assert mine["gt_alice"].verdict == "fail"


def test_a_risk_owner_reads_but_labels_nothing(team_db: TeamDb, team_window) -> None:
    window = team_window(team_db.url("gt_rita"))
    assert window.reviewer_label.text() == "Reviewer: gt_rita · risk"
    for action_id in (*WORKSPACE_WRITES, ActionId.PASS, ActionId.FAIL, ActionId.SAVE_NEXT, ActionId.UNDO):
        assert not window.action_map[action_id].isEnabled(), action_id
    assert window.action_map[ActionId.EXPORT].isEnabled()
    assert not window.label_panel.verdict_box.isEnabled()
    window.grab().save("/tmp/reviewdesk-team-risk.png")


def test_the_database_refusal_is_a_readable_dialog(
    team_db: TeamDb, team_window, qtbot, messages: list[dict[str, str]]
) -> None:
    window = team_window(team_db.url("gt_bob"))
    case_id = window._detail.case.case_id
    before = len(labels.label_history(window.workspace, case_id))
    # An admin takes bob's reviewer role away while his window is open: the window still offers
    # labeling, the database refuses it.
    owner = open_workspace(team_db.url())
    try:
        roles.add_user(owner, "gt_bob", "risk", None)
        qtbot.keyClick(window.queue_view.table, Qt.Key.Key_P)
        qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    finally:
        roles.add_user(owner, "gt_bob", "reviewer", None)
        owner.close()
    text = messages[-1]["text"]
    assert "refused this for your database role" in text and "nothing was written" in text
    assert "Traceback" not in text + messages[-1]["details"] and PASSWORD not in text
    assert len(labels.label_history(window.workspace, case_id)) == before


def test_another_reviewers_label_shows_within_two_seconds(team_db: TeamDb, team_window, qtbot) -> None:
    window = team_window(team_db.url("gt_alice"))
    qtbot.wait(1500)  # the first poll takes the workspace's stamp
    rowid = window.current_case_rowid
    case_id = window._detail.case.case_id
    other = open_workspace(team_db.url("gt_bob"))
    try:
        labels.record_label(other, case_id, LabelChange(verdict="unsure", comment="bob was here"))
    finally:
        other.close()
    written = time.monotonic()

    def shown() -> bool:
        tree = window.label_panel.history_tree
        return any(tree.topLevelItem(n).text(1) == "gt_bob" for n in range(tree.topLevelItemCount()))

    qtbot.waitUntil(shown, timeout=2000)
    assert time.monotonic() - written < 2.0
    assert window.current_case_rowid == rowid  # the reviewer's place is kept
    window.grab().save("/tmp/reviewdesk-team-sync.png")
