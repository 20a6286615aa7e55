"""Space reads a whole case: at the end of the pane being read it reads on into the next pane left to
read, opening tool calls so their results are read whole, and stops when everything is read (it never
moves to another case or labels anything). What bench/review_bench.py counts as reading keys."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.test_reading_keys import _row_with_tool_calls


def _space(qtbot) -> None:
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)


def _everything_read(view) -> bool:
    tools = view.panes["Tools"]
    return all(p.at_end() for p in view.panes.values()) and not (tools.foldable - tools.expanded)


def test_space_alone_reads_every_pane_to_its_end_and_opens_tool_calls(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace, size=(1366, 768))
    row = _row_with_tool_calls(window, documents=True)
    window.focus_review_surface()
    view = window.case_view
    tools = view.panes["Tools"]
    assert tools.foldable and not tools.expanded  # calls start folded: their results are not read yet
    presses = 0
    while not _everything_read(view) and presses < 100:
        _space(qtbot)
        presses += 1
    assert _everything_read(view), {t: p.at_end() for t, p in view.panes.items()}
    assert tools.foldable <= tools.expanded
    assert presses > 1  # this case is longer than a screen: it took pages, not a key per pane
    # Read: Space changes nothing any more, and it never left the case or labeled it.
    before = {t: p.verticalScrollBar().value() for t, p in view.panes.items()}
    _space(qtbot)
    assert {t: p.verticalScrollBar().value() for t, p in view.panes.items()} == before
    assert window.current_row() == row
    assert window.label_panel.label is None
    assert QApplication.focusWidget() is window.queue_view.table


def test_reading_on_from_a_focused_pane_moves_the_focus_along(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _row_with_tool_calls(window, documents=True)
    view = window.case_view
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)  # Output
    output = view.panes["Output"]
    while not output.at_end():
        _space(qtbot)
    _space(qtbot)  # Output read: on to the first pane with something left, round from the top
    focused = QApplication.focusWidget()
    assert focused is not output and focused in view.panes.values()
    assert view.captions[focused.title].text().startswith("▶ ")


def test_shift_space_still_pages_back_within_the_pane(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _row_with_tool_calls(window, documents=True)
    view = window.case_view
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # Context
    context = view.panes["Context"]
    _space(qtbot)
    paged = context.verticalScrollBar().value()
    assert paged > 0
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert context.verticalScrollBar().value() < paged
    assert QApplication.focusWidget() is context


def test_space_from_the_queue_pages_every_pane_with_text_left_at_once(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace, size=(1366, 768))
    _row_with_tool_calls(window, documents=True)
    window.focus_review_surface()
    view = window.case_view
    long_panes = [t for t, p in view.panes.items() if not p.at_end()]
    assert long_panes, "the demo case is shorter than a screen"
    _space(qtbot)
    # One key turned every pane that had more: each of them moved, and the folded calls opened.
    for title in long_panes:
        assert view.panes[title].verticalScrollBar().value() > 0, title
    tools = view.panes["Tools"]
    assert tools.foldable <= tools.expanded
    assert QApplication.focusWidget() is window.queue_view.table  # the queue keys stay live
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert all(view.panes[t].verticalScrollBar().value() == 0 for t in long_panes)  # and all back


def test_two_rows_give_the_documents_the_height_the_request_and_answer_leave(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace, size=(1366, 768))
    _row_with_tool_calls(window, documents=True)
    view = window.case_view
    assert view.two_rows
    top, bottom = view.rows_splitter.sizes()
    assert top < bottom  # a short request and answer: the documents and tool calls get the rest
    assert top >= 0.25 * (top + bottom) - 2
    for title in ("Prompt", "Output"):
        pane = view.panes[title]
        if pane.verticalScrollBar().maximum() == 0:
            continue
        assert top >= 0.5 * (top + bottom) - 2  # only a long request or answer gets half, not more
    # A split the reviewer moved stays.
    view.rows_splitter.splitterMoved.emit(300, 1)
    view.rows_splitter.setSizes([300, top + bottom - 300])
    window.next_case()
    assert view.rows_splitter.sizes()[0] == 300
