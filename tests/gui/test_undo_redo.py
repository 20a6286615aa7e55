"""Ctrl+Z / Ctrl+Shift+Z undo and redo label changes; every step is a new event, none is erased."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from reviewdesk.services import review
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.actions import ActionId

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _stored(path, rowid):
    ws = open_workspace(path)
    try:
        return review.load_detail(ws, rowid)
    finally:
        ws.close()


def test_undo_and_redo(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    rowid = window.current_case_rowid
    second_rc = window.schema.root_causes[1].id
    assert not window.action_map[ActionId.UNDO].isEnabled()

    _key(qtbot, Qt.Key.Key_F)
    _key(qtbot, Qt.Key.Key_2)
    assert _stored(demo_workspace, rowid).case.labels.root_causes == [second_rc]

    assert window.action_map[ActionId.UNDO].isEnabled()
    _key(qtbot, Qt.Key.Key_Z, CTRL)
    label = _stored(demo_workspace, rowid).case.labels
    assert (label.verdict, label.root_causes) == ("fail", [])
    assert window.label_panel.label.root_causes == []
    assert not window.label_panel.root_cause_checks[second_rc].isChecked()

    _key(qtbot, Qt.Key.Key_Z, CTRL)
    detail = _stored(demo_workspace, rowid)
    assert detail.case.labels.verdict is None
    assert not window.label_panel.verdict_buttons["fail"].isChecked()
    # Back to no verdict: the case counts as unreviewed again.
    assert window.model.index(window.current_row(), 0).data() == "○"

    _key(qtbot, Qt.Key.Key_Z, CTRL_SHIFT)
    assert _stored(demo_workspace, rowid).case.labels.verdict == "fail"
    _key(qtbot, Qt.Key.Key_Y, CTRL)
    label = _stored(demo_workspace, rowid).case.labels
    assert (label.verdict, label.root_causes) == ("fail", [second_rc])
    assert window.label_panel.root_cause_checks[second_rc].isChecked()

    # Append-only: 2 changes + 2 undos + 2 redos = 6 events.
    assert len(_stored(demo_workspace, rowid).history) == 6


def test_undo_returns_to_the_case_it_changed(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    first = window.current_case_rowid
    _key(qtbot, Qt.Key.Key_P)
    _key(qtbot, Qt.Key.Key_Return, CTRL)
    assert window.current_case_rowid != first
    _key(qtbot, Qt.Key.Key_Z, CTRL)
    assert window.current_case_rowid == first
    assert _stored(demo_workspace, first).case.labels.verdict is None


def test_new_change_clears_redo(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _key(qtbot, Qt.Key.Key_P)
    _key(qtbot, Qt.Key.Key_Z, CTRL)
    assert window.session.can_redo
    _key(qtbot, Qt.Key.Key_F)
    assert not window.session.can_redo
    _key(qtbot, Qt.Key.Key_Y, CTRL)  # nothing to redo: no change
    assert _stored(demo_workspace, window.current_case_rowid).case.labels.verdict == "fail"


def test_undo_and_redo_say_what_they_changed(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    case_id = window.case_view.detail.case.case_id
    _key(qtbot, Qt.Key.Key_F)
    _key(qtbot, Qt.Key.Key_P)
    _key(qtbot, Qt.Key.Key_Z, CTRL)
    assert window.last_undo_message == f"Undid: verdict pass → fail on case {case_id[:6]}"
    assert window.statusBar().currentMessage() == window.last_undo_message
    _key(qtbot, Qt.Key.Key_Z, CTRL_SHIFT)
    assert window.last_undo_message == f"Redid: verdict fail → pass on case {case_id[:6]}"
    _key(qtbot, Qt.Key.Key_Z, CTRL)
    _key(qtbot, Qt.Key.Key_Z, CTRL)
    assert window.last_undo_message == f"Undid: verdict fail → none on case {case_id[:6]}"
