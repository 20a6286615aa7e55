"""Reading a case from the keyboard: focus a pane, page it, step through its items, maximise it.

Every key is sent to the widget that has the focus, as a reviewer's keyboard would. None of these
keys may change the case shown or its label.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _key(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "keyboard focus was lost"
    qtbot.keyClick(target, key, modifier)


def _row_with_tool_calls(window, *, documents: bool = False) -> int:
    window.queue_view.select_queue("all")
    best = max(
        range(window.model.rowCount()),
        key=lambda r: (window.model.summary(r).tool_calls, window.model.summary(r).documents if documents else 0),
    )
    window.select_row(best)
    return best


def test_alt_digits_focus_each_pane_and_mark_it(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    view = window.case_view
    for number, title in enumerate(("Prompt", "Context", "Tools", "Output"), 1):
        _key(qtbot, getattr(Qt.Key, f"Key_{number}"), ALT)
        assert QApplication.focusWidget() is view.panes[title]
        assert view.captions[title].text().startswith("▶ ")
        others = [t for t in view.captions if t != title]
        assert not any(view.captions[t].text().startswith("▶") for t in others)
    _key(qtbot, Qt.Key.Key_5, ALT)
    assert view.tabs.currentIndex() == 1 and QApplication.focusWidget() is view.span_tree
    _key(qtbot, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.queue_view.table


def test_space_pages_and_home_end_jump_without_touching_the_case(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    row = _row_with_tool_calls(window)
    pane = window.case_view.panes["Tools"]
    _key(qtbot, Qt.Key.Key_3, ALT)
    _key(qtbot, Qt.Key.Key_O, SHIFT)  # every call open: the pane is as long as it gets
    bar = pane.verticalScrollBar()
    assert bar.maximum() > 0, "the demo's longest tool pane should need scrolling"
    assert bar.value() == 0
    _key(qtbot, Qt.Key.Key_Space)
    first_page = bar.value()
    assert first_page > 0
    _key(qtbot, Qt.Key.Key_Space, SHIFT)
    assert bar.value() < first_page
    _key(qtbot, Qt.Key.Key_End)
    assert bar.value() == bar.maximum()
    _key(qtbot, Qt.Key.Key_Home)
    assert bar.value() == 0
    # Reading to the end by paging alone terminates, and nothing else moved.
    for _ in range(200):
        if pane.at_end():
            break
        _key(qtbot, Qt.Key.Key_Space)
    assert pane.at_end()
    assert window.current_row() == row
    assert window.label_panel.label is None


def test_space_from_the_queue_pages_the_pane_read_last(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _row_with_tool_calls(window)
    _key(qtbot, Qt.Key.Key_3, ALT)
    _key(qtbot, Qt.Key.Key_O, SHIFT)
    _key(qtbot, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.queue_view.table
    row = window.current_row()
    _key(qtbot, Qt.Key.Key_Space)
    assert window.case_view.panes["Tools"].verticalScrollBar().value() > 0
    _key(qtbot, Qt.Key.Key_End)
    _key(qtbot, Qt.Key.Key_Home)
    assert window.current_row() == row  # Home/End scroll the pane; they no longer jump in the queue


def test_n_steps_through_tool_calls_and_documents(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _row_with_tool_calls(window, documents=True)
    detail = window.case_view.detail
    assert detail is not None
    tools = window.case_view.panes["Tools"]
    assert len(tools.anchors) == len(detail.case.tool_calls)
    _key(qtbot, Qt.Key.Key_3, ALT)
    assert tools.current_item() == 0  # the first call's heading is the first line
    for index in range(1, len(detail.case.tool_calls)):
        _key(qtbot, Qt.Key.Key_N)
        # Each N brings the next call to the top, unless the pane cannot scroll that far.
        assert tools.current_item() == index or tools.at_end()
    _key(qtbot, Qt.Key.Key_Home)
    _key(qtbot, Qt.Key.Key_N)
    _key(qtbot, Qt.Key.Key_N)
    _key(qtbot, Qt.Key.Key_N, SHIFT)
    assert tools.current_item() == 1
    context = window.case_view.panes["Context"]
    _key(qtbot, Qt.Key.Key_2, ALT)
    assert len(context.anchors) == len(detail.case.retrieval.documents)
    _key(qtbot, Qt.Key.Key_N)
    # With a query above document #1, N brings #1 to the top; without one, #2.
    expected = 0 if detail.case.retrieval.query else 1
    assert context.current_item() == expected or context.at_end()
    assert window.label_panel.label is None


def test_m_maximises_the_focused_pane_and_back(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    view = window.case_view
    _key(qtbot, Qt.Key.Key_4, ALT)
    before = view.panes["Output"].width()
    _key(qtbot, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: view.panes["Output"].width() > 2 * before)
    assert [t for t, box in view.pane_boxes.items() if box.isVisible()] == ["Output"]
    assert QApplication.focusWidget() is view.panes["Output"]
    _key(qtbot, Qt.Key.Key_M)
    assert all(box.isVisible() for box in view.pane_boxes.values())
    assert window.label_panel.label is None


def test_arrows_on_the_spans_tab_move_in_the_tree_not_the_queue(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    row = _row_with_tool_calls(window)
    view = window.case_view
    _key(qtbot, Qt.Key.Key_T)
    assert view.tabs.currentIndex() == 1 and QApplication.focusWidget() is view.span_tree
    first = view.current_span()  # the tab opens on the span the answer came from (often the last)
    assert first is not None and first.span_id == view.detail.case.generation.span_id
    _key(qtbot, Qt.Key.Key_Up)
    second = view.current_span()
    assert second is not None and second.span_id != first.span_id
    _key(qtbot, Qt.Key.Key_Down)
    assert view.current_span().span_id == first.span_id
    _key(qtbot, Qt.Key.Key_Up)
    _key(qtbot, Qt.Key.Key_N)
    assert view.current_span().span_id == first.span_id
    assert window.current_row() == row
    _key(qtbot, Qt.Key.Key_T)
    assert view.tabs.currentIndex() == 0 and QApplication.focusWidget() is window.queue_view.table


def test_labeling_keys_still_work_while_reading(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _key(qtbot, Qt.Key.Key_3, ALT)
    _key(qtbot, Qt.Key.Key_F)
    assert window.label_panel.label is not None and window.label_panel.label.verdict == "fail"
    _key(qtbot, Qt.Key.Key_J)
    assert window.current_row() == 1
