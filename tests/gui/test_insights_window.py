"""The Insights view inside the main window: Ctrl+I switches, a cell opens exactly its cases.

Runs on the labeled demo workspace (tests/unit/insights/demo_labels.py), opened as a reviewer
would. ``open_case_ids`` must put exactly the clicked cell's cases, in order, into the queue
model — checked in the model, not on screen — and go back to the review desk on the first one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from reviewdesk.services import review
from reviewdesk.ui.actions import ActionId
from reviewdesk.ui.views.insights import CASE_IDS_ROLE
from tests.gui.conftest import wait_idle
from tests.unit.insights.demo_labels import labeled_demo_workspace


@pytest.fixture
def labeled_path(tmp_path: Path) -> Path:
    return labeled_demo_workspace(tmp_path / "support_copilot.reviewdesk")


def _queue_case_ids(window) -> list[str]:
    return [window.model.summary(row).case_id for row in range(window.model.rowCount())]


def _first_cell_with_cases(table, *, at_least: int = 2) -> tuple[int, int, tuple[str, ...]]:
    model = table.model()
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            ids = model.index(row, column).data(CASE_IDS_ROLE)
            if ids and len(ids) >= at_least:
                return row, column, tuple(ids)
    raise AssertionError(f"no cell with {at_least}+ cases in {table.objectName()}")


def _click(qtbot, view, table, row: int, column: int) -> None:
    index = table.model().index(row, column)
    page = table.parentWidget().parentWidget().parentWidget()  # body → viewport → scroll area
    page.ensureWidgetVisible(table)
    table.scrollTo(index)
    with qtbot.waitSignal(view.open_cases, timeout=3000):
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())


def test_ctrl_i_shows_the_insights_and_back(qtbot, make_main_window, labeled_path):
    window = make_main_window(labeled_path)
    assert not window.insights_shown
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert window.insights_shown
    assert window.action_map[ActionId.INSIGHTS].isChecked()
    qtbot.waitUntil(lambda: window.insights_view.insights is not None, timeout=20000)
    assert window.insights_view.scope_label.text().startswith("30 case(s)")
    # Review keys are off while the insights are shown: P must not label the hidden case.
    assert not window.action_map[ActionId.PASS].isEnabled()
    events_before = len(review.history(window.workspace, window.current_case_rowid))
    qtbot.keyClick(window.insights_view.tabs, Qt.Key.Key_P)
    assert len(review.history(window.workspace, window.current_case_rowid)) == events_before
    # The same action goes back to the review desk, with the keyboard on the queue.
    qtbot.keyClick(window.insights_view.tabs, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert not window.insights_shown
    assert window.action_map[ActionId.PASS].isEnabled()
    qtbot.waitUntil(window.queue_view.table.hasFocus)


def test_a_click_on_a_cell_opens_exactly_its_cases(qtbot, make_main_window, labeled_path):
    window = make_main_window(labeled_path)
    window.show_insights(True)
    view = window.insights_view
    qtbot.waitUntil(lambda: view.insights is not None, timeout=20000)
    table = view.rates.cause_table
    view.tabs.setCurrentIndex(0)
    row, column, expected = _first_cell_with_cases(table)
    _click(qtbot, view, table, row, column)
    assert not window.insights_shown
    assert window.model.fixed
    assert _queue_case_ids(window) == list(expected)  # exactly those cases, in that order
    assert window.current_row() == 0
    assert window.case_view.detail is not None and window.case_view.detail.case.case_id == expected[0]
    assert "opened from the insights" in window.queue_view.count_label.text()
    # J walks the fixed list and stops at its end.
    for _ in range(len(expected) + 1):
        qtbot.keyClick(window.queue_view.table, Qt.Key.Key_J)
    assert window.current_row() == len(expected) - 1
    # A smart queue brings the filters back.
    window.queue_view.select_queue("all")
    assert not window.model.fixed
    assert window.model.rowCount() == 30


def test_a_label_marks_the_insights_stale_and_they_recompute_when_shown(qtbot, make_main_window, labeled_path):
    window = make_main_window(labeled_path)
    window.show_insights(True)
    qtbot.waitUntil(lambda: window.insights_view.insights is not None, timeout=20000)
    labeled = window.insights_view.insights.scope.labeled
    window.show_insights(False)
    window.queue_view.select_queue("unreviewed")
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_F)
    assert window._insights_stale
    window.show_insights(True)
    qtbot.waitUntil(
        lambda: (
            window.insights_view.insights is not None and window.insights_view.insights.scope.labeled == labeled + 1
        ),
        timeout=20000,
    )
    wait_idle(qtbot, window)


def test_screenshot_insights_in_the_window(qtbot, make_main_window, labeled_path, tmp_path_factory):
    target = os.environ.get("REVIEWDESK_SCREENSHOT_DIR")
    shots = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    window = make_main_window(labeled_path, reviewer="dana")
    window.show_insights(True)
    qtbot.waitUntil(lambda: window.insights_view.insights is not None, timeout=20000)
    wait_idle(qtbot, window)
    qtbot.wait(50)
    assert window.grab().save(str(shots / "insights-in-window.png"))
