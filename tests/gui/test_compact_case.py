"""A compact case, not a dump: tool calls on one line each that open in place, readable JSON with the
raw form one key away, earlier turns folded above the request, the answer first, and a layout that
uses a laptop screen (two rows of panes, a hideable queue, a label panel with nothing cut off).

Keys go to the focused widget, as a reviewer's keyboard would send them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from reviewdesk.normalize.readable import tool_call_summary
from reviewdesk.ui.widgets.text_pane import COLLAPSED, EXPANDED, error_color

ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
MULTI_TURN_TRACE = "1f248420"  # demo: user, assistant, user, assistant, then the request
FAILED_TOOL_TRACE = "b4240e09"  # demo: lookup_order, issue_refund (403), create_ticket


def _key(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "keyboard focus was lost"
    qtbot.keyClick(target, key, modifier)


def _show_trace(window, prefix: str) -> None:
    window.queue_view.select_queue("all")
    for row in range(window.model.rowCount()):
        if window.model.summary(row).trace_id.startswith(prefix):
            window.select_row(row)
            window.focus_review_surface()
            return
    raise AssertionError(f"no demo case {prefix}")


def _lines(pane) -> list[str]:
    return pane.toPlainText().split("\n")


def _summary_lines(pane) -> list[str]:
    return [line for line in _lines(pane) if line.startswith((COLLAPSED, EXPANDED))]


def test_each_tool_call_is_one_summary_line_with_errors_in_red(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _show_trace(window, FAILED_TOOL_TRACE)
    case = window.case_view.detail.case
    tools = window.case_view.panes["Tools"]
    lines = _summary_lines(tools)
    assert len(lines) == len(case.tool_calls) == 3
    assert all(line.startswith(COLLAPSED) for line in lines)
    assert "arguments" not in _lines(tools) and "result" not in _lines(tools)  # nothing open yet
    for number, (line, call) in enumerate(zip(lines, case.tool_calls, strict=True), 1):
        summary = tool_call_summary(call)
        assert line == f"{COLLAPSED}{number}. {summary.text()}"
        assert call.name in line and summary.duration in line and summary.status in line
    failing = next(n for n, call in enumerate(case.tool_calls) if call.error)
    # The answer recovered from the 403 (a ticket was created instead): the line says so.
    assert case.tool_calls[failing].recovered
    assert "· error, recovered ·" in lines[failing] and "403" in lines[failing]
    # The failed call's line is drawn in the error colour, the others are not.
    for number, line in enumerate(lines):
        block = tools.document().find(line)
        color = block.charFormat().foreground().color()
        assert (color == error_color()) == (number == failing), line


def test_n_then_enter_opens_a_call_in_place_and_left_closes_it(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _show_trace(window, FAILED_TOOL_TRACE)
    tools = window.case_view.panes["Tools"]
    _key(qtbot, Qt.Key.Key_3, ALT)
    _key(qtbot, Qt.Key.Key_N)
    assert tools.current_item() == 1
    _key(qtbot, Qt.Key.Key_Return)
    lines = _summary_lines(tools)
    assert [line[:2] for line in lines] == [COLLAPSED, EXPANDED, COLLAPSED]  # opened in place, the others stay
    text = tools.toPlainText()
    at = text.index
    assert at("issue_refund") < at("\narguments\n") < at("\nerror\n") < at("create_ticket")
    assert tools.current_item() == 1 and tools.extraSelections()  # still current, and marked
    _key(qtbot, Qt.Key.Key_Left)
    assert all(line.startswith(COLLAPSED) for line in _summary_lines(tools))
    _key(qtbot, Qt.Key.Key_Right)
    assert _summary_lines(tools)[1].startswith(EXPANDED)
    # From the queue: O folds the current item of the pane read last, Shift+O opens every call.
    _key(qtbot, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.queue_view.table
    _key(qtbot, Qt.Key.Key_O)
    assert all(line.startswith(COLLAPSED) for line in _summary_lines(tools))
    _key(qtbot, Qt.Key.Key_O, SHIFT)
    assert all(line.startswith(EXPANDED) for line in _summary_lines(tools))
    assert window.label_panel.label is None  # reading keys never label


def test_json_reads_as_key_value_lines_and_r_shows_the_raw_form(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _show_trace(window, FAILED_TOOL_TRACE)
    tools = window.case_view.panes["Tools"]
    case = window.case_view.detail.case
    order_id = case.tool_calls[0].arguments["order_id"]
    _key(qtbot, Qt.Key.Key_3, ALT)
    _key(qtbot, Qt.Key.Key_Return)
    readable = tools.toPlainText()
    assert f"order_id: {order_id}" in readable
    assert '"order_id"' not in readable and "{" not in readable
    _key(qtbot, Qt.Key.Key_R)
    raw = tools.toPlainText()
    assert f'"order_id": "{order_id}"' in raw and "{" in raw
    assert _summary_lines(tools)[0].startswith(EXPANDED)  # the open call stays open
    assert "raw JSON" in window.case_view.captions["Tools"].text()
    _key(qtbot, Qt.Key.Key_R)
    assert tools.toPlainText() == readable


def _mid_word_breaks(pane) -> list[str]:
    """Wrapped lines that end inside a word (a letter, digit or _ on both sides of the break)."""
    found = []
    block = pane.document().firstBlock()
    while block.isValid():
        layout, text = block.layout(), block.text()
        for number in range(1, layout.lineCount()):
            at = layout.lineAt(number).textStart()
            before, after = text[at - 1], text[at]
            if (before.isalnum() or before == "_") and (after.isalnum() or after == "_"):
                found.append(f"{text[max(0, at - 20) : at]}|{text[at : at + 20]}")
        block = block.next()
    return found


def test_lines_wrap_between_words_only(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    for trace in (FAILED_TOOL_TRACE, "90759bea"):
        _show_trace(window, trace)
        _key(qtbot, Qt.Key.Key_3, ALT)
        _key(qtbot, Qt.Key.Key_O, SHIFT)
        qtbot.wait(20)
        for title, pane in window.case_view.panes.items():
            assert _mid_word_breaks(pane) == [], title
        _key(qtbot, Qt.Key.Key_Escape)


def test_earlier_turns_fold_above_the_request_being_answered(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _show_trace(window, MULTI_TURN_TRACE)
    case = window.case_view.detail.case
    prompt = window.case_view.panes["Prompt"]
    earlier = [m for m in case.input.messages if m.role != "system"][:-1]
    assert len(earlier) == 4
    lines = _lines(prompt)
    assert lines[0] == "Earlier turns (4 messages)"
    for line, message in zip(lines[1:5], earlier, strict=True):
        assert line.startswith(f"{COLLAPSED}{message.role}: ")
    request_at = lines.index("Request being answered")
    assert request_at == 6 and case.input.user_request in prompt.toPlainText()
    # The request is on screen when the case opens, highlighted, with nothing of the earlier turns open.
    block = prompt.document().find(case.input.user_request).block()
    top = prompt.blockBoundingGeometry(block).translated(prompt.contentOffset()).top()
    assert 0 <= top < prompt.viewport().height() * 0.7
    assert block.begin().fragment().charFormat().background().color().alpha() > 0
    # An earlier turn opens in place with its whole text.
    _key(qtbot, Qt.Key.Key_1, ALT)
    _key(qtbot, Qt.Key.Key_Return)
    assert earlier[0].content in prompt.toPlainText()
    assert _lines(prompt)[1].startswith(EXPANDED)


def test_the_system_prompt_is_one_line_until_opened(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _show_trace(window, "90759bea")
    prompt = window.case_view.panes["Prompt"]
    system = window.case_view.detail.case.input.system_instructions
    assert system and system not in prompt.toPlainText()
    line = next(line for line in _summary_lines(prompt) if "System instructions" in line)
    assert f"{len(system):,} characters" in line
    _key(qtbot, Qt.Key.Key_1, ALT)
    _key(qtbot, Qt.Key.Key_End)  # End makes the last item current: the system prompt
    _key(qtbot, Qt.Key.Key_Return)
    assert system in prompt.toPlainText()


def test_the_output_pane_shows_the_answer_first(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _show_trace(window, FAILED_TOOL_TRACE)
    output = window.case_view.panes["Output"]
    answer = window.case_view.detail.case.generation.output
    lines = _lines(output)
    assert lines[0] == "Answer"
    assert output.toPlainText().index(answer) == len("Answer\n")
    cursor = QTextCursor(output.document())
    assert cursor.block().next().text() == answer.split("\n")[0]


def test_at_1366_the_panes_go_into_two_rows_and_at_1920_into_one(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace, size=(1366, 768))
    view = window.case_view
    qtbot.waitUntil(lambda: view.two_rows)
    widths = {title: pane.width() for title, pane in view.panes.items()}
    assert min(widths.values()) >= 280, widths  # about 40 characters a line, not 170 px
    prompt, output = view.pane_boxes["Prompt"], view.pane_boxes["Output"]
    context = view.pane_boxes["Context"]
    assert prompt.mapTo(view, prompt.rect().topLeft()).y() == output.mapTo(view, output.rect().topLeft()).y()
    assert context.mapTo(view, context.rect().topLeft()).y() > prompt.mapTo(view, prompt.rect().bottomLeft()).y()
    # M still maximises one pane in two rows, and brings all four back.
    _key(qtbot, Qt.Key.Key_3, ALT)
    _key(qtbot, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: view.panes["Tools"].height() > view.height() * 0.6)
    _key(qtbot, Qt.Key.Key_M)
    assert all(box.isVisible() for box in view.pane_boxes.values())
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: not view.two_rows)
    tops = {box.mapTo(view, box.rect().topLeft()).y() for box in view.pane_boxes.values()}
    assert len(tops) == 1


def test_the_queue_hides_with_a_key_and_review_keys_keep_working(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace, size=(1366, 768))
    before = window.case_view.panes["Prompt"].width()
    _key(qtbot, Qt.Key.Key_L, CTRL_SHIFT)
    qtbot.waitUntil(lambda: not window.queue_view.isVisible())
    qtbot.waitUntil(lambda: window.case_view.panes["Prompt"].width() > before)
    focus = QApplication.focusWidget()
    assert focus is not None and focus.isVisible() and focus is not window.label_panel.comment_edit
    row = window.current_row()
    _key(qtbot, Qt.Key.Key_J)
    assert window.current_row() == row + 1
    _key(qtbot, Qt.Key.Key_F)
    assert window.label_panel.label is not None and window.label_panel.label.verdict == "fail"
    _key(qtbot, Qt.Key.Key_L, CTRL_SHIFT)
    qtbot.waitUntil(window.queue_view.isVisible)


def _clipped(panel) -> list[str]:
    """Widgets of the label panel cut off on the right, or narrower than their text needs."""
    viewport = panel.viewport()
    found = []
    for widget in panel.widget().findChildren(QWidget):
        if not widget.isVisibleTo(panel) or widget.width() == 0:
            continue
        right = widget.mapTo(viewport, widget.rect().topRight()).x()
        name = widget.objectName() or type(widget).__name__
        if right > viewport.width():
            found.append(f"{name}: right edge {right} > {viewport.width()}")
        if isinstance(widget, QLabel | QAbstractButton) and widget.width() < widget.sizeHint().width():
            text = widget.text()
            found.append(f"{name} {text!r}: {widget.width()} < {widget.sizeHint().width()}")
    tabs = panel.tabs.tabBar()
    for index in range(tabs.count()):
        if tabs.tabRect(index).width() < tabs.tabSizeHint(index).width():
            found.append(f"tab {tabs.tabText(index)!r} elided")
    return found


def test_nothing_in_the_label_panel_is_clipped_at_1280x720(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace, size=(1280, 720))
    _show_trace(window, "90759bea")
    qtbot.wait(50)
    assert window.width() <= 1280 and window.height() <= 720
    assert _clipped(window.label_panel) == []
    assert window.case_view.width() >= 560  # and the case still has room
