"""The adjudication view, driven by keys only: take a reviewer's label whole, compose one field by
field, undo a decision; the Disputed queue shrinks as cases are decided.

Two reviewers (ana, bo) label cases of the demo workspace through the service, as merged
packages would leave them; the window is opened by a third person (lead), who adjudicates. Every
assertion on what was decided reads the workspace's event log and resolution, not the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import cases, labels
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage.label_history import RecordedEvent
from reviewdesk.ui.actions import ActionId
from tests.gui.conftest import wait_idle

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def disputed(demo_workspace: Path) -> tuple[Path, dict[str, str]]:
    """Three cases labeled by ana and bo: two disputed (verdict; root causes), one consensus."""
    ws = open_workspace(demo_workspace)
    try:
        first, second, third = [s.case_id for s in cases.list_cases(ws, CaseFilter(), limit=3)]
        record = labels.record_label
        record(ws, first, LabelChange(verdict="fail", root_causes=["hallucination"], comment="made up"), reviewer="ana")
        record(ws, first, LabelChange(verdict="pass", scores={"correctness": 4}), reviewer="bo", seconds_spent=42)
        record(ws, second, LabelChange(verdict="fail", root_causes=["stale_source"]), reviewer="ana")
        record(ws, second, LabelChange(verdict="fail", root_causes=["tool_error"], comment="timeout"), reviewer="bo")
        record(ws, third, LabelChange(verdict="pass"), reviewer="ana")
        record(ws, third, LabelChange(verdict="pass"), reviewer="bo")
    finally:
        ws.close()
    return demo_workspace, {"verdict": first, "causes": second, "consensus": third}


def _queue_ids(window) -> list[str]:
    return [window.model.summary(row).case_id for row in range(window.model.rowCount())]


def _adjudications(window, case_id: str) -> list[RecordedEvent]:
    return [e for e in labels.label_history(window.workspace, case_id) if e.kind == "adjudication"]


def _open_disputed(qtbot, make_main_window, path: Path):
    window = make_main_window(path, reviewer="lead")
    window.queue_view.select_queue("disputed")
    window.focus_review_surface()
    qtbot.waitUntil(window.queue_view.table.hasFocus)
    return window


def test_a_digit_takes_a_reviewers_label_whole_and_the_queue_shrinks(qtbot, make_main_window, disputed):
    path, ids = disputed
    window = _open_disputed(qtbot, make_main_window, path)
    wait_idle(qtbot, window)
    assert sorted(_queue_ids(window)) == sorted([ids["verdict"], ids["causes"]])  # consensus is not disputed
    assert window.queue_view.queue_combo.currentText() == "Disputed (2)"
    first = _queue_ids(window)[0]
    assert window.current_case_rowid == window.model.case_rowid(0)
    # The disputed case shows its reviewers side by side, numbered as the keys take them.
    assert window.adjudicating and window.side_stack.currentWidget() is window.adjudication_view
    model = window.adjudication_view.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["1 · ana", "2 · bo", "Decision"]
    # The label panel's keys are off: P must not write lead's own label.
    assert not window.action_map[ActionId.PASS].isEnabled()

    take = 2 if first == ids["verdict"] else 1  # bo on the verdict case, ana on the root-cause case
    qtbot.keyClick(window.queue_view.table, getattr(Qt.Key, f"Key_{take}"))

    (event,) = _adjudications(window, first)
    assert (event.reviewer, event.settles, event.label_of) == ("lead", ["ana", "bo"], None)
    decided = labels.case_labels(window.workspace, first)
    assert decided.resolution == "adjudicated"
    taken = decided.by_reviewer["bo" if take == 2 else "ana"]
    assert decided.resolved is not None
    assert (decided.resolved.verdict, decided.resolved.root_causes) == (taken.verdict, taken.root_causes)
    assert decided.resolved.scores == taken.scores and decided.resolved.comment == taken.comment
    # The case left the Disputed queue and the next disputed case is on screen, in the view.
    assert _queue_ids(window) == [c for c in (ids["verdict"], ids["causes"]) if c != first]
    assert window.current_case_rowid == window.model.case_rowid(0)
    assert window.adjudicating and window.adjudication_view.dispute.case_id == _queue_ids(window)[0]
    wait_idle(qtbot, window)
    assert window.queue_view.queue_combo.currentText() == "Disputed (1)"


def test_compose_field_by_field_then_undo_brings_the_dispute_back(qtbot, make_main_window, disputed):
    path, ids = disputed
    ws = open_workspace(path)
    try:  # settle the verdict case first, so the root-cause case is the queue's only one
        labels.record_adjudication(ws, ids["verdict"], labels.case_labels(ws, ids["verdict"]).by_reviewer["bo"])
    finally:
        ws.close()
    window = _open_disputed(qtbot, make_main_window, path)
    assert _queue_ids(window) == [ids["causes"]]
    view = window.adjudication_view
    # Ctrl+Enter before the root causes are picked records nothing.
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_Return, CTRL)
    assert _adjudications(window, ids["causes"]) == []
    assert "root causes" in window.statusBar().currentMessage()

    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_A)
    assert view.table.hasFocus()
    rows = view.model.rows
    # The cursor starts on the first field the reviewers differ on: the root causes (both said fail).
    assert rows[view.table.currentIndex().row()] == "root_causes"
    qtbot.keyClick(view.table, Qt.Key.Key_Right)  # to bo
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # bo's root causes
    # Enter stepped on to the next differing field, the comment: take ana's (none) instead of bo's.
    assert rows[view.table.currentIndex().row()] == "comment"
    qtbot.keyClick(view.table, Qt.Key.Key_Left)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert view.model.picks == {"root_causes": 1, "comment": 0}
    assert view.decision().root_causes == ["tool_error"] and view.decision().verdict == "fail"
    qtbot.keyClick(view.table, Qt.Key.Key_Return, CTRL)

    (event,) = _adjudications(window, ids["causes"])
    assert (event.reviewer, event.settles) == ("lead", ["ana", "bo"])
    decided = labels.case_labels(window.workspace, ids["causes"])
    assert decided.resolution == "adjudicated" and decided.resolved is not None
    assert (decided.resolved.verdict, decided.resolved.root_causes, decided.resolved.comment) == (
        "fail",
        ["tool_error"],
        None,
    )
    assert window.model.rowCount() == 0 and not window.adjudicating
    assert "Every disputed case" in window.statusBar().currentMessage()

    # Ctrl+Z withdraws the decision: disputed again, back in the queue and on screen.
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_Z, CTRL)
    assert labels.case_labels(window.workspace, ids["causes"]).resolution == "disputed"
    assert [e.change for e in _adjudications(window, ids["causes"])][-1] == {}  # the log keeps both
    assert _queue_ids(window) == [ids["causes"]]
    assert window.adjudicating and view.dispute.case_id == ids["causes"]
    # Redo decides again, the same way.
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    again = labels.case_labels(window.workspace, ids["causes"])
    assert again.resolution == "adjudicated" and again.resolved.root_causes == ["tool_error"]  # type: ignore[union-attr]


def test_a_opens_the_comparison_for_a_consensus_case_and_esc_gives_the_panel_back(qtbot, make_main_window, disputed):
    path, ids = disputed
    window = make_main_window(path, reviewer="lead")
    window.queue_view.select_queue("all")
    row = _queue_ids(window).index(ids["consensus"])
    window.select_row(row)
    window.focus_review_surface()
    assert not window.adjudicating
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_A)
    assert window.adjudicating and window.adjudication_view.table.hasFocus()
    qtbot.keyClick(window.adjudication_view.table, Qt.Key.Key_Escape)
    assert not window.adjudicating and window.queue_view.table.hasFocus()
