"""Screenshots of the main window on a demo case, for people to look at (and for docs/).

They go to ``$REVIEWDESK_SCREENSHOT_DIR`` if set (``docs/screenshots`` when refreshing the
README's picture), else to a pytest temporary directory. The test also checks what a screenshot
cannot: the window fits a 1366×768 screen with every pane at a readable width.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import review
from reviewdesk.ui.theme import apply_color_scheme
from reviewdesk.ui.views.dialogs import CheatSheet

# Timed, subprocess-heavy or rendering whole windows to files: in the slow stage, not the fast loop.
pytestmark = pytest.mark.slow

STALE_SOURCE_TRACE = (
    "90759bea"  # demo trace #23: the archived policy is cited (see src/reviewdesk/resources/demo/EXPECTED.md)
)


@pytest.fixture
def shot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("REVIEWDESK_SCREENSHOT_DIR")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _go_to_interesting_case(window) -> None:
    window.queue_view.select_queue("all")
    for row in range(window.model.rowCount()):
        summary = window.model.summary(row)
        if summary is not None and summary.trace_id.startswith(STALE_SOURCE_TRACE):
            window.select_row(row)
            return
    # Without the demo file (instrumented fixtures only): the case with the most documents.
    rows = [window.model.summary(r) for r in range(window.model.rowCount())]
    window.select_row(max(range(len(rows)), key=lambda r: (rows[r].documents, rows[r].tool_calls)))


def _keys(qtbot, *keys) -> None:
    for key in keys:
        if isinstance(key, str):
            qtbot.keyClicks(QApplication.focusWidget(), key)
        else:
            qtbot.keyClick(QApplication.focusWidget(), key)


def test_screenshots(qtbot, make_main_window, demo_workspace, shot_dir):
    window = make_main_window(demo_workspace, reviewer="dana")
    _go_to_interesting_case(window)
    window.focus_review_surface()
    _keys(qtbot, Qt.Key.Key_F, Qt.Key.Key_5, Qt.Key.Key_1, Qt.Key.Key_7)
    _keys(qtbot, Qt.Key.Key_S, Qt.Key.Key_2, Qt.Key.Key_Tab, Qt.Key.Key_2, Qt.Key.Key_Escape)
    _keys(
        qtbot, Qt.Key.Key_C, "Follows the archived 2024 policy (30 days); the current one says 14.", Qt.Key.Key_Escape
    )
    window.label_panel.tabs.setCurrentIndex(0)
    qtbot.wait(50)

    # Readable at 1366×768: every pane keeps a usable width.
    assert window.width() <= 1366 and window.height() <= 768
    for pane in window.case_view.panes.values():
        assert pane.width() >= 140, pane.objectName()
    assert window.queue_view.width() >= 250
    assert window.label_panel.width() >= 300

    window.grab().save(str(shot_dir / "review-desk-1366x768.png"))
    window.case_view.toggle_tab()
    qtbot.wait(20)
    window.grab().save(str(shot_dir / "span-waterfall-1366x768.png"))
    window.case_view.toggle_tab()

    window.resize(1920, 1080)
    qtbot.wait(50)
    window.grab().save(str(shot_dir / "review-desk-1920x1080.png"))

    sheet = CheatSheet({}, window.schema, window)
    sheet.show()
    qtbot.waitExposed(sheet)
    sheet.grab().save(str(shot_dir / "shortcuts.png"))
    sheet.close()
    assert (shot_dir / "review-desk-1366x768.png").stat().st_size > 10_000


def test_dark_screenshot(qtbot, make_main_window, demo_workspace, shot_dir):
    apply_color_scheme("dark")
    try:
        window = make_main_window(demo_workspace)
        qtbot.wait(50)
        dark = QGuiApplication.palette().base().color().lightness() < 128
        _go_to_interesting_case(window)
        window.grab().save(str(shot_dir / "review-desk-dark.png"))
        if not dark:
            pytest.skip("this Qt platform does not switch palettes on a colour-scheme request")
    finally:
        apply_color_scheme("system")


def test_untrusted_markup_is_shown_as_text(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    detail = review.load_detail(window.workspace, review.queue_page(window.workspace, CaseFilter())[0])
    hostile = '<b>bold</b><img src="http://attacker.example/x.png"><a href="http://x.example">click</a>'
    detail.case.generation.output = hostile
    detail.case.input.user_request = hostile
    window.case_view.show_detail(detail)
    assert hostile in window.case_view.panes["Output"].toPlainText()
    assert window.case_view.header.textFormat() == Qt.TextFormat.PlainText
    html = window.case_view.panes["Output"].document().toHtml()
    assert "<img" not in html and "&lt;img" in html
