"""The smaller defects of the reading desk (issue 15 item 7), each driven through the real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QStyle

from reviewdesk.ui.theme import apply_color_scheme

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _key(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "keyboard focus was lost"
    qtbot.keyClick(target, key, modifier)


def _contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _request_colors(window) -> tuple[QColor, QColor]:
    """Text and background of the highlighted request in the Prompt pane, as painted."""
    prompt = window.case_view.panes["Prompt"]
    request = window.case_view.detail.case.input.user_request
    block = prompt.document().find(request).block()
    fmt = block.begin().fragment().charFormat()
    text = (
        fmt.foreground().color() if fmt.hasProperty(fmt.Property.ForegroundBrush) else prompt.palette().text().color()
    )
    return text, fmt.background().color()


def _choose_scheme_in_preferences(qtbot, window, scheme: str) -> None:
    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog):
            QTimer.singleShot(20, answer)
            return
        combo = dialog.findChild(QComboBox)
        combo.setCurrentIndex(combo.findData(scheme))
        dialog.accept()

    QTimer.singleShot(0, answer)
    window.edit_preferences()


def test_dark_mode_from_preferences_repaints_the_panes_without_a_restart(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.queue_view.select_queue("all")
    window.select_row(0)
    text, background = _request_colors(window)
    assert background.lightness() > 128 and _contrast(text, background) > 4.5
    try:
        _choose_scheme_in_preferences(qtbot, window, "dark")
        assert QGuiApplication.palette().base().color().lightness() < 128
        qtbot.wait(20)
        text, background = _request_colors(window)
        # The user request was white on pale yellow: now a dark highlight behind the light text.
        assert background.lightness() < 128, background.name()
        assert _contrast(text, background) > 4.5, (text.name(), background.name())
        for pane in window.case_view.panes.values():  # the panes themselves went dark, not only the window
            assert pane.palette().base().color().lightness() < 128, pane.objectName()
        muted = window.case_view.panes["Output"].document().find("finish reason").charFormat().foreground().color()
        assert _contrast(muted, window.case_view.panes["Output"].palette().base().color()) > 3
        _choose_scheme_in_preferences(qtbot, window, "light")
        text, background = _request_colors(window)
        assert background.lightness() > 128 and _contrast(text, background) > 4.5
    finally:
        apply_color_scheme("system")


FAILED_TOOL_TRACE = "b4240e09"  # demo: lookup_order, issue_refund (403 Forbidden), create_ticket


def _show_trace(window, prefix: str) -> None:
    window.queue_view.select_queue("all")
    for row in range(window.model.rowCount()):
        if window.model.summary(row).trace_id.startswith(prefix):
            window.select_row(row)
            window.focus_review_surface()
            return
    raise AssertionError(f"no demo case {prefix}")


def test_the_evidence_tab_says_what_each_item_points_at(qtbot, make_main_window, demo_workspace):
    from reviewdesk.domain.labels import Evidence
    from reviewdesk.services.evidence import document_ref, tool_call_ref

    window = make_main_window(demo_workspace)
    _show_trace(window, FAILED_TOOL_TRACE)
    detail = window.case_view.detail
    case, spans = detail.case, detail.spans
    failing = next(n for n, call in enumerate(case.tool_calls, 1) if call.error)
    span = next(s for s in spans if s.parent_span_id)
    panel = window.label_panel
    # What V's dialog ends in (the dialog itself is driven in test_root_cause_keys.py).
    panel.attach_evidence(Evidence(root_cause="tool_error", kind="tool_call", ref=tool_call_ref(case, failing)))
    panel.attach_evidence(Evidence(root_cause="tool_error", kind="span", ref=span.span_id))
    texts = [panel.evidence_list.item(row).text() for row in range(panel.evidence_list.count())]
    assert texts[0].startswith(f"Tool error → tool call {failing}. issue_refund (error, recovered): ")
    assert "403" in texts[0]
    assert texts[1].startswith(f"Tool error → span “{span.name}”")
    assert not any(span.span_id in text for text in texts)  # never a raw span id
    if case.retrieval.documents:
        doc = case.retrieval.documents[0]
        panel.attach_evidence(Evidence(root_cause="stale_source", kind="document", ref=document_ref(doc)))
        text = panel.evidence_list.item(2).text()
        assert text.startswith("Stale source → document #") and " “" in text


def test_the_corrected_tab_shows_whether_a_correction_is_saved(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    panel = window.label_panel
    edit = panel.corrected_edit

    def color():
        return edit.palette().color(edit.foregroundRole())

    assert panel.tabs.tabText(0) == "Corrected" and not panel.corrected_saved
    assert color() == QGuiApplication.palette().placeholderText().color()  # the prefilled output, muted
    assert "Not corrected" in panel.tabs.tabToolTip(0)
    unsaved = panel.tabs.tabBar().grab().toImage()
    _key(qtbot, Qt.Key.Key_E)
    qtbot.keyClicks(edit, " Return it within 30 days.")
    _key(qtbot, Qt.Key.Key_Escape)
    assert window.label_panel.label is not None and window.label_panel.label.corrected_output
    assert panel.tabs.tabText(0) == "Corrected ✓" and panel.corrected_saved
    assert color() == QGuiApplication.palette().text().color()
    assert panel.tabs.tabBar().grab().toImage() != unsaved
    window.next_case()
    assert panel.tabs.tabText(0) == "Corrected"  # the next case has no correction


def test_history_columns_show_their_whole_text_at_1280x720(qtbot, make_main_window, demo_workspace):
    from PySide6.QtCore import QRect

    window = make_main_window(demo_workspace, reviewer="dana", size=(1280, 720))
    for key in (Qt.Key.Key_F, Qt.Key.Key_5, Qt.Key.Key_1, Qt.Key.Key_X, Qt.Key.Key_P):
        _key(qtbot, key)
    panel = window.label_panel
    panel.tabs.setCurrentWidget(panel.history_tree)
    tree = panel.history_tree
    qtbot.wait(50)
    assert tree.topLevelItemCount() == 5
    metrics = tree.fontMetrics()
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        for column in range(tree.columnCount()):
            rect = tree.visualItemRect(item)
            # The cell's text margins: Fusion's focus-frame margin + 1, on each side.
            margin = 2 * (tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1)
            width = tree.columnWidth(column) - margin
            text = item.text(column)
            if column == 2:  # the change wraps: its row is tall enough for every line
                needed = metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, text).height()
                assert rect.height() >= needed, text
            else:
                assert metrics.horizontalAdvance(text) <= width, text
    assert tree.horizontalScrollBar().maximum() == 0 or tree.header().length() <= tree.viewport().width()


def test_the_cheat_sheet_fits_1366x768_without_scrolling_and_lists_every_cause(qtbot, make_main_window, demo_workspace):
    from PySide6.QtWidgets import QAbstractScrollArea, QLabel

    from reviewdesk.ui.views.dialogs import CheatSheet, cause_keys_text

    window = make_main_window(demo_workspace)
    sheet = CheatSheet({}, window.schema, window)
    sheet.show()
    qtbot.waitExposed(sheet)
    size = sheet.frameGeometry().size()
    assert size.width() <= 1366 and size.height() <= 768 - 40, size  # a title bar and a panel left over
    assert not sheet.findChildren(QAbstractScrollArea)  # nothing to scroll
    shown = {label.text() for label in sheet.findChildren(QLabel) if label.isVisible()}
    for number, rc in enumerate(window.schema.root_causes, 1):
        assert f"Root cause: {rc.title}" in shown and cause_keys_text(number) in shown, rc.id
    for label in sheet.findChildren(QLabel):
        assert label.width() >= label.sizeHint().width(), label.text()  # no line cut off
    sheet.grab().save(str(demo_workspace.parent / "cheat-sheet.png"))
    sheet.close()


def test_picker_lines_are_not_cut_off_and_the_description_is_shown_whole(qtbot, make_main_window, demo_workspace):
    from reviewdesk.ui.views.dialogs import root_cause_picker

    window = make_main_window(demo_workspace)
    dialog = root_cause_picker(window.schema, [], window)
    dialog.show()
    qtbot.waitExposed(dialog)
    view = dialog.list
    metrics = view.fontMetrics()
    for row in range(view.count()):
        item = view.item(row)
        assert metrics.horizontalAdvance(item.text()) + 12 <= view.viewport().width(), item.text()
    qtbot.keyClicks(dialog.filter_edit, "tool err")
    tool_error = next(rc for rc in window.schema.root_causes if rc.id == "tool_error")
    assert dialog.value() == "tool_error" and dialog.detail.text() == tool_error.description
    assert dialog.detail.height() >= dialog.detail.heightForWidth(dialog.detail.width())  # wrapped, whole
    # A word only in a description still finds its cause (names first, then descriptions).
    word = next(w for w in tool_error.description.lower().split() if len(w) > 6 and w not in tool_error.title.lower())
    dialog.filter_edit.clear()
    qtbot.keyClicks(dialog.filter_edit, word)
    visible = [view.item(r).data(Qt.ItemDataRole.UserRole) for r in range(view.count()) if not view.item(r).isHidden()]
    assert "tool_error" in visible
    dialog.reject()


def test_search_says_its_scope_and_all_cases_is_one_key_away(qtbot, make_main_window, demo_workspace):
    from reviewdesk.domain.queries import CaseFilter
    from tests.gui.conftest import wait_idle

    window = make_main_window(demo_workspace)
    queue = window.queue_view
    queue.select_queue("errors")
    errors = window.model.rowCount()
    _key(qtbot, Qt.Key.Key_Slash)
    assert QApplication.focusWidget() is queue.search
    assert "Search Errors" in queue.search.placeholderText() and "Ctrl+Shift+F" in queue.search.placeholderText()
    qtbot.keyClicks(queue.search, "order")
    _key(qtbot, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    in_queue = window.model.rowCount()
    assert 0 < in_queue <= errors
    assert window.model.case_filter.status == "error"  # the queue's filter still applies
    qtbot.waitUntil(lambda: "match in Errors" in queue.count_label.text())
    # One key: every case, whatever the queue; the scope is on screen.
    _key(qtbot, Qt.Key.Key_F, CTRL_SHIFT)
    assert queue.search_all.isChecked() and QApplication.focusWidget() is queue.search
    wait_idle(qtbot, window)
    assert window.model.case_filter == CaseFilter(text="order")
    assert window.model.rowCount() > in_queue
    qtbot.waitUntil(lambda: "match in all cases" in queue.count_label.text())
    assert queue.search.placeholderText().startswith("Search all cases")
    # Again: back to the queue.
    _key(qtbot, Qt.Key.Key_F, CTRL_SHIFT)
    wait_idle(qtbot, window)
    assert not queue.search_all.isChecked() and window.model.rowCount() == in_queue


def test_span_columns_show_whole_names_and_times(qtbot, make_main_window, demo_workspace):
    import dataclasses

    from PySide6.QtWidgets import QTreeWidgetItemIterator

    window = make_main_window(demo_workspace, size=(1366, 768))
    _show_trace(window, FAILED_TOOL_TRACE)
    detail = window.case_view.detail
    # A deep span with a long name, as agent frameworks write them: wider than a fixed column.
    deepest = detail.spans[-1]
    long_name = "agent.run.step.tool_executor.invoke_structured_tool.issue_refund_with_policy_check"
    spans = [dataclasses.replace(s, name=long_name) if s is deepest else s for s in detail.spans]
    window.case_view.show_detail(dataclasses.replace(detail, spans=spans))
    _key(qtbot, Qt.Key.Key_T)
    tree = window.case_view.span_tree
    qtbot.wait(20)
    metrics = tree.fontMetrics()
    iterator = QTreeWidgetItemIterator(tree)
    checked = 0
    while iterator.value() is not None:
        item = iterator.value()
        for column in range(3):
            rect = tree.visualRect(tree.indexFromItem(item, column))
            # The text's room in its cell (after the tree's indentation in the first column).
            assert metrics.horizontalAdvance(item.text(column)) <= rect.width() - 4, (column, item.text(column))
        checked += 1
        iterator += 1
    assert checked == len(window.case_view.detail.spans)
