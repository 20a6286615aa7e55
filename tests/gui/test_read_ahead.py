"""The next case is read ahead on a reader thread (``ui.detail_cache``): J shows it without a query,
and a read that a label write overtook never lands."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from reviewdesk.ui.detail_cache import DetailCache
from tests.gui.conftest import wait_idle


def test_a_stamp_changes_when_its_case_is_dropped_or_the_cache_cleared():
    cache = DetailCache()
    first, second = cache.stamp(1), cache.stamp(2)
    cache.pop(2, None)  # case 2's label was written
    assert cache.stamp(1) == first and cache.stamp(2) != second
    cache.clear()  # another queue
    assert cache.stamp(1) != first


def test_the_next_case_is_read_ahead_with_its_history_and_shown_from_it(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.queue_view.select_queue("all")
    window.select_row(0)
    following = window.model.case_rowid(1)
    qtbot.waitUntil(lambda: following in window._details and following in window._details.audits, timeout=3000)
    wait_idle(qtbot, window)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_J)
    assert window.current_case_rowid == following
    assert following not in window._details  # taken, not read again
    assert window.case_view.detail is not None and window.case_view.detail.case_rowid == following


def test_a_read_ahead_overtaken_by_a_label_write_is_dropped(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.queue_view.select_queue("all")
    window.select_row(0)
    following = window.model.case_rowid(1)
    qtbot.waitUntil(lambda: following in window._details, timeout=3000)
    window.select_row(1)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F)  # case 1 labeled
    window.select_row(0)
    # Whatever was read of case 1 before its label was written is gone; J shows the label as stored.
    qtbot.waitUntil(lambda: window.runner.idle, timeout=3000)
    ahead = window._details.get(following)
    assert ahead is None or (ahead.case.labels is not None and ahead.case.labels.verdict == "fail")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_J)
    assert window.label_panel.label is not None and window.label_panel.label.verdict == "fail"
