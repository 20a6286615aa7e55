"""The queue: lazy model (qtmodeltester), full-text search, facets and smart queues."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import review
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.models.case_table_model import CaseTableModel
from reviewdesk.ui.models.roles import CASE_ROWID_ROLE, SUMMARY_ROLE
from tests.gui.conftest import wait_idle


def test_case_table_model_passes_qtmodeltester(qtmodeltester, demo_workspace):
    ws = open_workspace(demo_workspace)
    try:
        model = CaseTableModel(ws)
        model.set_filter(CaseFilter())
        qtmodeltester.check(model, force_py=True)
        assert model.rowCount() > 0
        assert isinstance(model.index(0, 0).data(CASE_ROWID_ROLE), int)
        assert model.index(0, 2).data(SUMMARY_ROLE).case_rowid == model.case_rowid(0)
        model.set_filter(CaseFilter(text="zzzz-no-such-word"))
        qtmodeltester.check(model, force_py=True)
        assert model.rowCount() == 0
    finally:
        ws.close()


def test_model_pages_lazily(monkeypatch, demo_workspace):
    monkeypatch.setattr(review, "QUEUE_PAGE", 4)
    ws = open_workspace(demo_workspace)
    try:
        total = review.queue_count(ws, CaseFilter())
        model = CaseTableModel(ws)
        model.set_filter(CaseFilter())
        assert model.rowCount() == 4
        assert model.canFetchMore(QModelIndex())
        model.fetchMore(QModelIndex())
        assert model.rowCount() == 8
        assert model.ensure_row(total - 1)
        assert model.rowCount() == total
        assert not model.canFetchMore(QModelIndex())
        assert not model.ensure_row(total)
        assert len({model.case_rowid(r) for r in range(total)}) == total
    finally:
        ws.close()


def test_search_filters_queue(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.queue_view.select_queue("all")
    total = window.model.rowCount()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Slash)
    qtbot.keyClicks(window.queue_view.search, "refund")
    qtbot.keyClick(window.queue_view.search, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is window.queue_view.table
    shown = {window.model.case_rowid(r) for r in range(window.model.rowCount())}
    expected = set(review.queue_page(window.workspace, CaseFilter(text="refund")))
    assert shown == expected
    assert 0 < len(shown) < total
    assert window.current_row() == 0
    wait_idle(qtbot, window)
    # The count says where the search looked (the queue "All cases" here; Ctrl+Shift+F: every case).
    assert (
        window.queue_view.count_label.text() == f"{len(shown)} cases match in All cases · 0 reviewed · in import order"
    )


def test_a_count_past_the_cap_says_so(qtbot, make_main_window, demo_workspace, monkeypatch):
    """Queues are counted up to review.COUNT_CAP (10,000) on both engines; the bar then says "10,000+"."""
    monkeypatch.setattr(review, "COUNT_CAP", 3)
    window = make_main_window(demo_workspace)
    window.queue_view.select_queue("all")
    wait_idle(qtbot, window)
    assert window.queue_view.count_label.text().startswith("0 of 3+ reviewed in this queue")
    assert "Counting stops at 3 cases" in window.queue_view.count_label.toolTip()
    window.queue_view.search.setText("refund")
    window.queue_view.apply()
    wait_idle(qtbot, window)
    assert window.queue_view.count_label.text() == "3+ cases match in All cases · 0 reviewed · in import order"
    window.queue_view.grab().save("/tmp/queue-count-capped.png")


def test_search_without_matches_says_so(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.queue_view.search.setText("zzzz-nothing")
    window.queue_view.apply()
    assert window.model.rowCount() == 0
    assert "matches “zzzz-nothing”" in window.case_view.header.text()
    assert not window.label_panel.isEnabled()


def test_search_reaches_tool_results_and_context(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    # Pick a word that occurs only in a tool result or document of some case, not in its request/output.
    for rowid in review.queue_page(window.workspace, CaseFilter()):
        case = review.load_detail(window.workspace, rowid).case
        if case.tool_calls and case.tool_calls[0].name:
            name = case.tool_calls[0].name
            break
    else:
        raise AssertionError("no case with a tool call in the demo data")
    window.queue_view.search.setText(name)
    window.queue_view.apply()
    shown = [window.model.case_rowid(r) for r in range(window.model.rowCount())]
    assert rowid in shown


def test_facets_and_smart_queues(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    wait_idle(qtbot, window)
    view = window.queue_view
    view.select_queue("all")
    assert view.workflow_combo.count() > 1
    view.error_combo.setCurrentIndex(view.error_combo.findData("status:error"))
    view.apply()
    rows = [window.model.summary(r) for r in range(window.model.rowCount())]
    assert rows and all(r.status == "error" for r in rows)

    view.error_combo.setCurrentIndex(0)
    workflow = view.workflow_combo.itemData(1)
    view.workflow_combo.setCurrentIndex(1)
    view.apply()
    rows = [window.model.summary(r) for r in range(window.model.rowCount())]
    assert rows and all(r.workflow == workflow for r in rows)
    view.workflow_combo.setCurrentIndex(0)

    view.select_queue("costliest")
    costs = [window.model.summary(r).cost_usd for r in range(window.model.rowCount())]
    known = [c for c in costs if c is not None]
    assert known == sorted(known, reverse=True)

    view.select_queue("slowest")
    latencies = [window.model.summary(r).latency_ms for r in range(window.model.rowCount())]
    assert [x for x in latencies if x is not None] == sorted((x for x in latencies if x is not None), reverse=True)


def test_labeled_case_stays_in_place_until_the_queue_is_reloaded(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    assert window.queue_view.queue_combo.currentData() == "unreviewed"
    before = window.model.rowCount()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_P)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    # The reviewer's position is kept: the labeled case does not vanish under the cursor.
    assert window.model.rowCount() == before
    assert window.current_row() == 1
    window.queue_view.apply()
    assert window.model.rowCount() == before - 1


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1920, 1080)])
def test_the_request_column_is_on_screen_and_ends_at_the_queues_edge(qtbot, make_main_window, demo_workspace, size):
    from reviewdesk.ui.models.case_table_model import COLUMN_REQUEST
    from reviewdesk.ui.views.queue_columns import MIN_REQUEST

    window = make_main_window(demo_workspace, size=size)
    table = window.queue_view.table
    qtbot.waitUntil(lambda: table.viewport().width() > 0)
    header = table.horizontalHeader()
    viewport = table.viewport().width()
    left = header.sectionViewportPosition(COLUMN_REQUEST)
    # The Request starts on screen, with room for words, and fills the queue to its right edge.
    assert 0 <= left < viewport - MIN_REQUEST // 2, (left, viewport)
    assert header.sectionSize(COLUMN_REQUEST) >= MIN_REQUEST
    assert left + header.sectionSize(COLUMN_REQUEST) >= viewport
    if size == (1920, 1080):
        assert viewport - left >= 150  # a wide screen gives the queue, and its Request, more room
    # A wider queue (the splitter dragged): columns shrunk for room grow back, the Request still fills the rest.
    sizes = window.splitter.sizes()
    before = [header.sectionSize(c) for c in range(COLUMN_REQUEST)]
    window.splitter.setSizes([sizes[0] + 120, sizes[1] - 120, sizes[2]])
    qtbot.waitUntil(lambda: table.viewport().width() > viewport)
    after = [header.sectionSize(c) for c in range(COLUMN_REQUEST)]
    assert all(a >= b for a, b in zip(after, before, strict=True)), (before, after)
    right = header.sectionViewportPosition(COLUMN_REQUEST) + header.sectionSize(COLUMN_REQUEST)
    assert right >= table.viewport().width()
