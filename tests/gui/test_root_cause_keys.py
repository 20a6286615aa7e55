"""Every root cause within two keys, the picker by name, and V asking for a root cause.

The dialogs run for real (``exec``); keys reach them through a timer, as a reviewer types while
the dialog is up, and the keys after it go wherever the focus really is.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow

from reviewdesk.ui.actions import root_cause_keys


def _type_into_dialog(qtbot, *keys: Qt.Key | str) -> None:
    """When the next modal dialog shows, type ``keys`` into its focused widget."""
    _type_into_dialogs(qtbot, keys)


def _type_into_dialogs(qtbot, *sequences: tuple[Qt.Key | str, ...]) -> None:
    """Type each sequence into the next modal dialog in turn: the second one only into a dialog that
    is not the first (on a loaded machine a fixed delay could type both into the first)."""

    def send(rest: tuple[tuple[Qt.Key | str, ...], ...], previous: QDialog | None) -> None:
        dialog = QApplication.activeModalWidget()
        focus = QApplication.focusWidget()
        # Wait until the dialog is up and holds the keyboard, as a reviewer's keys would find it.
        if (
            not isinstance(dialog, QDialog)
            or dialog is previous
            or focus is None
            or not (focus is dialog or dialog.isAncestorOf(focus))
        ):
            QTimer.singleShot(20, lambda: send(rest, previous))
            return
        # Never hang the suite: a dialog the keys did not close is rejected (and the test fails).
        QTimer.singleShot(3000, dialog.reject)
        for key in rest[0]:
            target = getattr(dialog, "filter_edit", None) or QApplication.focusWidget()
            if isinstance(key, str):
                qtbot.keyClicks(target, key)
            else:
                qtbot.keyClick(target, key)
        if rest[1:]:
            shown: QDialog = dialog
            QTimer.singleShot(0, lambda: send(rest[1:], shown))

    QTimer.singleShot(0, lambda: send(sequences, None))


def _key(qtbot, key: Qt.Key) -> None:
    # A closed dialog hands the activation back through the window system: wait for it, as the
    # next physical key would arrive after it.
    qtbot.waitUntil(lambda: isinstance(QApplication.activeWindow(), QMainWindow), timeout=2000)
    target = QApplication.focusWidget()
    assert target is not None, "keyboard focus was lost"
    qtbot.keyClick(target, key)


def test_every_root_cause_has_at_most_two_keys(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    for number, rc in enumerate(window.schema.root_causes, 1):
        keys = root_cause_keys(number)
        assert len(keys.split()) <= 2 and "…" not in keys, rc.id
        assert window.label_panel.root_cause_checks[rc.id].text().startswith(keys)


def test_zero_then_digit_toggles_the_cause_past_nine(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    causes = [rc.id for rc in window.schema.root_causes]
    assert len(causes) > 9
    tool_error = causes.index("tool_error") + 1
    _type_into_dialog(qtbot, root_cause_keys(tool_error).split()[1])
    _key(qtbot, Qt.Key.Key_0)
    assert window.label_panel.label is not None and window.label_panel.label.root_causes == ["tool_error"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.queue_view.table, timeout=2000)


def test_picker_matches_names_first_and_gives_the_keyboard_back(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _type_into_dialog(qtbot, "tool err", Qt.Key.Key_Return)
    _key(qtbot, Qt.Key.Key_0)
    assert window.label_panel.label is not None and window.label_panel.label.root_causes == ["tool_error"]
    # F right after the picker closes is a verdict, not a lost key.
    _key(qtbot, Qt.Key.Key_F)
    assert window.label_panel.label.verdict == "fail"


def test_picker_ranks_a_name_match_above_a_description_match(qtbot, make_main_window, demo_workspace):
    from reviewdesk.ui.views.dialogs import root_cause_picker

    window = make_main_window(demo_workspace)
    dialog = root_cause_picker(window.schema, [], window)
    # "data" is in Sensitive data's name and in other causes' descriptions.
    qtbot.keyClicks(dialog.filter_edit, "data")
    assert dialog.value() == "sensitive_data"
    dialog.deleteLater()


def test_v_without_a_root_cause_asks_for_one_and_preselects_the_failing_call(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.queue_view.select_queue("all")
    row = next(
        r
        for r in range(window.model.rowCount())
        if window.model.summary(r).tool_errors and window.model.summary(r).tool_calls > 1
    )
    window.select_row(row)
    window.focus_review_surface()
    case = window.case_view.detail.case
    failing = next(n for n, call in enumerate(case.tool_calls, 1) if call.error)
    # First dialog: which root cause (typed by name); second: the evidence, Enter takes the preselected item.
    _type_into_dialogs(qtbot, ("tool err", Qt.Key.Key_Return), (Qt.Key.Key_Return,))
    _key(qtbot, Qt.Key.Key_V)
    label = window.label_panel.label
    assert label is not None and label.root_causes == ["tool_error"]
    assert len(label.evidence) == 1 and label.evidence[0].kind == "tool_call"
    call = case.tool_calls[failing - 1]
    assert label.evidence[0].ref == (call.span_id or call.call_id or f"call-{failing}")
    _key(qtbot, Qt.Key.Key_P)
    assert window.label_panel.label.verdict == "pass"


def test_cheat_sheet_lists_the_picker_causes_with_their_keys(make_main_window, demo_workspace):
    from reviewdesk.ui.views.dialogs import CheatSheet

    window = make_main_window(demo_workspace)
    sheet = CheatSheet({}, window.schema, window)
    rows = {action: keys for _section, action, keys in sheet.rows}
    for number, rc in enumerate(window.schema.root_causes, 1):
        assert root_cause_keys(number) in rows[f"Root cause: {rc.title}"]  # the picker's causes too
    tool_error = [r.id for r in window.schema.root_causes].index("tool_error") + 1
    assert rows["Root cause: Tool error"] == f"Ctrl+{tool_error - 9}, 0 {tool_error - 9}"
    assert any("attaches its likely evidence" in action for action in rows)  # said where the keys are
    sheet.deleteLater()


def test_ctrl_digit_toggles_a_cause_past_nine_and_attaches_its_likely_evidence(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.queue_view.select_queue("all")
    row = next(r for r in range(window.model.rowCount()) if window.model.summary(r).tool_errors)
    window.select_row(row)
    window.focus_review_surface()
    case = window.case_view.detail.case
    number = [rc.id for rc in window.schema.root_causes].index("tool_error") + 1
    assert number > 9
    digit = getattr(Qt.Key, f"Key_{number - 9}")
    qtbot.keyClick(QApplication.focusWidget(), digit, Qt.KeyboardModifier.ControlModifier)
    label = window.label_panel.label
    assert label is not None and label.root_causes == ["tool_error"]
    # One key, one event: the cause and the failing tool call as its evidence.
    failing = next(n for n, call in enumerate(case.tool_calls, 1) if call.error)
    call = case.tool_calls[failing - 1]
    assert [(e.kind, e.ref) for e in label.evidence] == [("tool_call", call.span_id or call.call_id)]
    assert len(window.label_panel.history_tree.findItems("*", Qt.MatchFlag.MatchWildcard)) == 1
    # Again: the cause goes, and its evidence with it.
    qtbot.keyClick(QApplication.focusWidget(), digit, Qt.KeyboardModifier.ControlModifier)
    assert window.label_panel.label.root_causes == [] and window.label_panel.label.evidence == []
