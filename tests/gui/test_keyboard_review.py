"""A reviewer works through cases with the keyboard only; the workspace must hold exactly what they typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from reviewdesk.services import review
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.models.case_table_model import COLUMN_VERDICT


def _press(qtbot, keys: list[tuple[Qt.Key, Qt.KeyboardModifier] | Qt.Key | str]) -> None:
    for key in keys:
        target = QApplication.focusWidget()
        assert target is not None, "keyboard focus was lost"
        if isinstance(key, str):
            qtbot.keyClicks(target, key)
        elif isinstance(key, tuple):
            qtbot.keyClick(target, key[0], key[1])
        else:
            qtbot.keyClick(target, key)


CTRL_ENTER = (Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def _labels(path, case_rowids):
    ws = open_workspace(path)
    try:
        return [review.load_detail(ws, rowid) for rowid in case_rowids]
    finally:
        ws.close()


def test_focus_is_ready_and_first_case_shown(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    assert QApplication.focusWidget() is window.queue_view.table
    assert window.current_row() == 0
    assert window.case_view.detail is not None
    assert window.case_view.detail.case_rowid == window.model.case_rowid(0)
    assert window.windowTitle() == "demo — reviewdesk"


def test_keyboard_only_review_records_exactly_what_was_typed(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    rowids = [window.model.case_rowid(row) for row in range(4)]
    schema = window.schema
    rc = [r.id for r in schema.root_causes]

    # Case 1 — the typical review is three keys: verdict, one root cause, save-and-next.
    _press(qtbot, [Qt.Key.Key_F, Qt.Key.Key_5, CTRL_ENTER])
    assert window.current_row() == 1
    # Case 2 — pass, scores from the keyboard (S, digits, Tab), save.
    _press(
        qtbot, [Qt.Key.Key_P, Qt.Key.Key_S, Qt.Key.Key_4, Qt.Key.Key_Tab, Qt.Key.Key_5, Qt.Key.Key_Escape, CTRL_ENTER]
    )
    assert window.current_row() == 2
    # Case 3 — unsure, two root causes, escalate, a comment and a corrected answer.
    _press(
        qtbot, [Qt.Key.Key_U, Qt.Key.Key_7, Qt.Key.Key_4, Qt.Key.Key_X, Qt.Key.Key_C, "check the KB", Qt.Key.Key_Escape]
    )
    _press(
        qtbot, [Qt.Key.Key_E, (Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier), "Order ships Monday.", CTRL_ENTER]
    )
    assert window.current_row() == 3
    # Case 4 — J skips it unlabeled, K comes back, J again.
    _press(qtbot, [Qt.Key.Key_J, Qt.Key.Key_K, Qt.Key.Key_J])

    first, second, third, fourth = _labels(demo_workspace, rowids)
    one = first.case.labels
    assert one is not None
    assert (one.verdict, one.root_causes, one.escalate, one.scores) == ("fail", [rc[4]], False, {})
    assert one.reviewer == "tester"
    assert len(first.history) == 2  # one event per decision

    two = second.case.labels
    assert two is not None
    assert (two.verdict, two.root_causes, two.scores) == ("pass", [], {"correctness": 4, "groundedness": 5})

    three = third.case.labels
    assert three is not None
    assert three.verdict == "unsure"
    assert three.root_causes == [rc[6], rc[3]]
    assert three.escalate is True
    assert three.comment == "check the KB"
    assert three.corrected_output == "Order ships Monday."
    assert fourth.case.labels is None and fourth.history == []

    for entry in first.history + second.history + third.history:
        assert entry.reviewer == "tester"
        assert entry.schema_version == schema.version
        assert entry.seconds_spent is not None and entry.seconds_spent >= 0


def test_label_panel_and_queue_row_follow_the_workspace(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _press(qtbot, [Qt.Key.Key_F, Qt.Key.Key_1])
    assert window.label_panel.verdict_buttons["fail"].isChecked()
    assert window.label_panel.root_cause_checks[window.schema.root_causes[0].id].isChecked()
    assert window.model.index(0, COLUMN_VERDICT).data() == "✗ fail"
    assert window.label_panel.history_tree.topLevelItemCount() == 2
    # Toggling the same root cause again removes it; pressing the same verdict again changes nothing.
    _press(qtbot, [Qt.Key.Key_1, Qt.Key.Key_F])
    assert window.label_panel.label is not None and window.label_panel.label.root_causes == []
    assert window.label_panel.history_tree.topLevelItemCount() == 3


def test_more_root_causes_picker_with_keyboard(qtbot, make_main_window, demo_workspace, monkeypatch):
    from reviewdesk.ui.views import dialogs

    window = make_main_window(demo_workspace)
    chosen = {}

    def fake_exec(dialog):
        # Type to filter, Enter to pick — what a reviewer would do in the picker.
        qtbot.keyClicks(dialog.filter_edit, "tool err")
        chosen["value"] = dialog.value()
        return 1

    monkeypatch.setattr(dialogs.FilterList, "exec", fake_exec)
    _press(qtbot, [Qt.Key.Key_0])
    assert chosen["value"] == "tool_error"
    assert window.label_panel.label is not None and window.label_panel.label.root_causes == ["tool_error"]
    assert QApplication.focusWidget() is window.queue_view.table


def test_shortcuts_do_not_fire_while_typing_in_search(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _press(qtbot, [Qt.Key.Key_Slash])
    assert QApplication.focusWidget() is window.queue_view.search
    _press(qtbot, ["fp1"])
    assert window.queue_view.search.text() == "fp1"
    assert window.label_panel.label is None  # F, P and 1 went into the search box, not the label


def test_attach_evidence_with_the_keyboard(qtbot, make_main_window, demo_workspace, monkeypatch):
    from reviewdesk.ui.views import dialogs

    window = make_main_window(demo_workspace)
    rc = window.schema.root_causes[4].id  # stale_source

    def fake_exec(dialog):
        # The list has the focus: Down moves to the second candidate, Enter accepts.
        qtbot.keyClick(dialog.items, Qt.Key.Key_Down)
        dialog.accept()
        return 1

    monkeypatch.setattr(dialogs.EvidenceDialog, "exec", fake_exec)
    _press(qtbot, [Qt.Key.Key_F, Qt.Key.Key_5])
    # The cause's key attached its likely evidence (the oldest document for a stale source) by itself.
    label = window.label_panel.label
    assert label is not None and label.root_causes == [rc] and len(label.evidence) == 1
    assert label.evidence[0].root_cause == rc and label.evidence[0].kind == "document"
    assert window.label_panel.evidence_list.count() == 1
    assert window.label_panel.tabs.tabText(2) == "Evidence 1"
    assert "Evidence: Stale source → document" in window.statusBar().currentMessage()
    _press(qtbot, [Qt.Key.Key_V])  # V attaches another item (the dialog's second candidate)
    label = window.label_panel.label
    assert label is not None and len(label.evidence) == 2
    evidence = label.evidence[1]
    assert evidence.root_cause == rc and evidence.kind in ("document", "tool_call", "span")
    assert window.label_panel.evidence_list.count() == 2
    stored = _labels(demo_workspace, [window.current_case_rowid])[0].case.labels
    assert stored is not None and stored.evidence == label.evidence
    # Removing the root cause drops its evidence with it.
    _press(qtbot, [Qt.Key.Key_5])
    stored = _labels(demo_workspace, [window.current_case_rowid])[0].case.labels
    assert stored.root_causes == [] and stored.evidence == []
