"""Protection against slips (issue 15 item 5): a replaced verdict stays visible and is undoable,
recent decisions one key away, queue marks by shape, an error dot, "n of N reviewed" live, and the
Error and Verdict columns on screen at laptop sizes. Keys and clicks go to the real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from reviewdesk.services import review
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.models.case_table_model import COLUMN_ERROR, COLUMN_VERDICT
from tests.gui.conftest import wait_idle

CTRL = Qt.KeyboardModifier.ControlModifier


def _key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _verdict(path, rowid):
    ws = open_workspace(path)
    try:
        label = review.load_detail(ws, rowid).case.labels
        return label.verdict if label else None
    finally:
        ws.close()


def test_a_replaced_verdict_is_struck_through_until_the_next_key_and_undone(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    panel = window.label_panel
    case_id = window.case_view.detail.case.case_id
    _key(qtbot, Qt.Key.Key_P)
    # A first verdict replaces nothing: nothing struck through.
    assert panel.replaced_verdict is None
    assert not panel.verdict_buttons["pass"].font().strikeOut()

    _key(qtbot, Qt.Key.Key_F)
    assert panel.verdict_buttons["fail"].isChecked()
    assert panel.replaced_verdict == "pass"
    assert panel.verdict_buttons["pass"].font().strikeOut()
    assert "was pass" in panel.verdict_box.title()
    assert window.statusBar().currentMessage().startswith(f"Verdict changed: pass → fail on case {case_id[:6]}")

    _key(qtbot, Qt.Key.Key_Space)  # the next key, whatever it is (here: page the pane being read)
    assert panel.replaced_verdict is None
    assert not panel.verdict_buttons["pass"].font().strikeOut()
    assert panel.verdict_box.title() == "Verdict"

    _key(qtbot, Qt.Key.Key_Z, CTRL)
    assert _verdict(demo_workspace, window.current_case_rowid) == "pass"
    assert window.last_undo_message == f"Undid: verdict fail → pass on case {case_id[:6]}"
    _key(qtbot, Qt.Key.Key_Y, CTRL)
    assert window.last_undo_message == f"Redid: verdict pass → fail on case {case_id[:6]}"


def test_moving_to_another_case_clears_the_struck_verdict(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _key(qtbot, Qt.Key.Key_U)
    window.label_panel.request_verdict("pass")  # a click on Pass, not a key
    assert window.label_panel.verdict_buttons["unsure"].font().strikeOut()
    window.next_case()
    assert window.label_panel.replaced_verdict is None
    assert not window.label_panel.verdict_buttons["unsure"].font().strikeOut()


def test_queue_marks_differ_by_shape_and_failed_traces_have_an_error_dot(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    model = window.model
    for key in (Qt.Key.Key_P, Qt.Key.Key_F, Qt.Key.Key_U):
        _key(qtbot, key)
        _key(qtbot, Qt.Key.Key_Return, CTRL)
    marks = [model.index(row, COLUMN_VERDICT).data() for row in range(4)]
    assert marks == ["✓ pass", "✗ fail", "? unsure", "○"]
    assert len({mark[0] for mark in marks}) == 4  # four shapes, not one shape in four colours
    _key(qtbot, Qt.Key.Key_X)  # escalated: a flag beside the verdict
    assert model.index(3, COLUMN_VERDICT).data() == "○ ⚑"

    failed = ok = 0
    for row in range(model.rowCount()):
        summary = model.summary(row)
        text = model.index(row, COLUMN_ERROR).data()
        if summary.status == "error":
            failed += 1
            assert text.startswith("● ")
            assert model.index(row, COLUMN_ERROR).data(Qt.ItemDataRole.ForegroundRole) is not None
        else:
            ok += 1
            assert text == ""
    assert failed and ok


def test_the_queue_says_how_many_are_reviewed_live(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.queue_view.select_queue("all")  # a queue its cases stay in (Unreviewed: test_queue_progress.py)
    window.focus_review_surface()
    count = window.queue_view.count_label
    wait_idle(qtbot, window)
    total = window.model.rowCount()
    qtbot.waitUntil(lambda: count.text() == f"0 of {total} reviewed in this queue")
    _key(qtbot, Qt.Key.Key_P)
    assert count.text() == f"1 of {total} reviewed in this queue"
    _key(qtbot, Qt.Key.Key_F)  # a changed verdict is still one reviewed case
    assert count.text() == f"1 of {total} reviewed in this queue"
    _key(qtbot, Qt.Key.Key_Return, CTRL)
    _key(qtbot, Qt.Key.Key_U)
    assert count.text() == f"2 of {total} reviewed in this queue"
    _key(qtbot, Qt.Key.Key_Z, CTRL)
    assert count.text() == f"1 of {total} reviewed in this queue"
    # A fresh count agrees with the live one.
    window.queue_view.select_queue("errors")
    window.queue_view.select_queue("all")
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: count.text() == f"1 of {total} reviewed in this queue")


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768)])
def test_error_and_verdict_columns_are_on_screen_without_scrolling(qtbot, make_main_window, demo_workspace, size):
    window = make_main_window(demo_workspace, size=size)
    table = window.queue_view.table
    assert table.horizontalScrollBar().value() == 0
    width = table.viewport().width()
    for column in (COLUMN_VERDICT, COLUMN_ERROR):
        left = table.columnViewportPosition(column)
        assert left >= 0 and left + table.columnWidth(column) <= width, (column, left, width)


def test_recent_decisions_go_back_by_key_and_by_click(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    strip = window.queue_view.recent
    assert not strip.isVisible()
    decided = []
    for key in (Qt.Key.Key_P, Qt.Key.Key_F, Qt.Key.Key_U):
        decided.append(window.current_case_rowid)
        _key(qtbot, key)
        _key(qtbot, Qt.Key.Key_Return, CTRL)
    assert strip.isVisible()
    assert [d.case_rowid for d in strip.decisions] == decided[::-1]
    assert [strip.list.item(i).text()[0] for i in range(3)] == ["?", "✗", "✓"]

    # B: the newest decision, then further back, one key each; the strip marks where we are.
    for expected in decided[::-1]:
        _key(qtbot, Qt.Key.Key_B)
        assert window.current_case_rowid == expected
        assert strip.list.selectedItems()[0].text().endswith(window.case_view.detail.case.case_id[:6])

    # A slip found on the way back is fixed in place; its mark follows.
    _key(qtbot, Qt.Key.Key_F)
    assert strip.decisions[0].case_rowid == decided[0] and strip.decisions[0].verdict == "fail"

    # A click on a mark opens that case.
    target = strip.decisions[1]
    item = strip.list.item(1)
    qtbot.mouseClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=strip.list.visualItemRect(item).center())
    assert window.current_case_rowid == target.case_rowid
    assert window.queue_view.table.hasFocus()  # the keyboard is back on the review surface


def test_back_to_a_case_outside_the_queue_opens_the_recent_decisions(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    first = window.current_case_rowid
    _key(qtbot, Qt.Key.Key_P)
    window.queue_view.select_queue("flagged")  # no escalated case: the decided one is not in it
    assert window.model.rowCount() == 0
    _key(qtbot, Qt.Key.Key_B)
    assert window.current_case_rowid == first
    assert window.model.fixed_rowids == [first]
    assert "recent decision" in window.queue_view.count_label.text()


def test_root_cause_boxes_have_an_outline_in_the_dark_scheme(qtbot, make_main_window, demo_workspace):
    from PySide6.QtGui import QPalette

    from reviewdesk.ui.theme import apply_color_scheme

    apply_color_scheme("dark")
    try:
        window = make_main_window(demo_workspace)
        background = window.label_panel.palette().color(QPalette.ColorRole.Window).lightness()
        for check in window.label_panel.root_cause_checks.values():
            # Fusion outlines the box in a darker shade of the box's window colour: it must stand
            # out from the panel's background, not sink into it.
            outline = check.palette().color(QPalette.ColorRole.Window).darker(140).lightness()
            assert outline - background >= 40, check.objectName()
    finally:
        apply_color_scheme("system")
    window.label_panel.refresh_colors()
    # Back in the light scheme the boxes take the application's colours again.
    from PySide6.QtGui import QGuiApplication

    check = next(iter(window.label_panel.root_cause_checks.values()))
    assert check.palette().color(QPalette.ColorRole.Window) == QGuiApplication.palette().color(
        QPalette.ColorRole.Window
    )
