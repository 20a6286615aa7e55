"""The signals a reviewer judges by, at a glance: the case header's chips (tool calls, errors and
whether the answer recovered, a flagged finish, cost and latency against the workflow's median, stale
documents, the answer span) and the Context pane's cited / STALE marks, in the real window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel

from reviewdesk.services import standing
from reviewdesk.ui.views import dialogs
from reviewdesk.ui.widgets.text_pane import error_color, good_color

STALE_TRACE = "90759bea"  # demo #23: the archived 2024 returns policy, cited


def _show_first(window, wanted) -> None:
    """Show the first demo case for which ``wanted(detail)`` holds."""
    window.queue_view.select_queue("all")
    for row in range(window.model.rowCount()):
        window.select_row(row)
        if wanted(window.case_view.detail):
            return
    raise AssertionError("no demo case has it")


def _chip(window, name: str) -> QLabel:
    chips = [label for label in window.case_view.signals.labels if label.objectName() == f"signal_{name}"]
    assert len(chips) == 1, [label.objectName() for label in window.case_view.signals.labels]
    return chips[0]


def test_header_shows_counts_recovered_errors_and_a_flagged_finish(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _show_first(window, lambda d: d.case.recovered_errors and d.case.recovered_errors == d.case.tool_errors)
    case = window.case_view.detail.case
    calls = len(case.tool_calls)
    assert _chip(window, "tools").text() == f"{calls} tool call{'s' if calls != 1 else ''}"
    errors = _chip(window, "errors")
    assert errors.text() == f"{case.tool_errors} tool error{'s' if case.tool_errors != 1 else ''}, recovered"
    assert errors.property("kind") == "warn"
    assert "(recovered)" in errors.toolTip()
    assert errors.textFormat() == Qt.TextFormat.PlainText

    _show_first(window, lambda d: d.case.generation.finish_flagged)
    finish = _chip(window, "finish")
    assert finish.text() == f"finish: {window.case_view.detail.case.generation.finish_reason}"
    assert finish.property("kind") == "alarm" and finish.font().bold()


def test_header_compares_cost_and_latency_with_the_workflow_median(make_main_window, demo_workspace, qtbot):
    window = make_main_window(demo_workspace)
    _show_first(window, lambda d: (d.standing.cost_vs_median or 0) >= standing.VERY_HIGH_RATIO)
    detail = window.case_view.detail
    cost = _chip(window, "cost")
    assert cost.text() == f"{detail.standing.cost_vs_median:,.0f}× the median cost"
    assert cost.property("kind") == "alarm"
    assert f"Median cost of the {detail.case.workflow} cases" in cost.toolTip()
    latency = _chip(window, "latency")
    assert latency.text().endswith("× the median latency")

    # Once laid out, the chips lie side by side (wrapping), none over another, inside the case view.
    def laid_out() -> bool:
        boxes = [label.geometry() for label in window.case_view.signals.labels]
        apart = all(not a.intersects(b) for n, a in enumerate(boxes) for b in boxes[n + 1 :])
        return apart and all(box.right() <= window.case_view.signals.width() for box in boxes)

    qtbot.waitUntil(laid_out)


def test_context_marks_cited_and_stale_documents_and_the_threshold_is_a_preference(
    make_main_window, demo_workspace, monkeypatch
):
    window = make_main_window(demo_workspace)
    _show_first(window, lambda d: d.case.trace_id.startswith(STALE_TRACE))
    assert _chip(window, "stale").text() == "1 stale document"
    context = window.case_view.panes["Context"]
    text = context.toPlainText()
    assert "#1  policy-returns-2024-01  ✓ cited  STALE" in text
    assert "stale: older than the workspace's limit of 365 days" in text
    assert "updated 2024-01-11, " in text and "days before the case" in text
    # The marks are in their colours: cited in the "good" colour, STALE in the error colour.
    document = context.document()
    found = document.find("STALE")
    assert found.charFormat().foreground().color() == error_color()
    cited = document.find("✓ cited")
    cited.movePosition(QTextCursor.MoveOperation.Right)
    assert cited.charFormat().foreground().color() == good_color()

    # Edit → Preferences: the workspace's threshold; 2,000 days makes the 2024 policy current.
    def accept(dialog) -> int:
        assert dialog.stale_after.isEnabled() and dialog.stale_after.value() == 365
        dialog.stale_after.setValue(2000)
        return 1

    monkeypatch.setattr(dialogs.PreferencesDialog, "exec", accept)
    window.edit_preferences()
    assert standing.stale_after_days(window.workspace) == 2000
    assert "STALE" not in window.case_view.panes["Context"].toPlainText()
    assert "signal_stale" not in [label.objectName() for label in window.case_view.signals.labels]


def test_the_spans_tab_opens_on_the_answer_span(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    _show_first(window, lambda d: d.case.generation.span_id and d.case.generation.span_id != d.case.root_span_id)
    case = window.case_view.detail.case
    assert _chip(window, "answer_span").text() == f"answer span {case.generation.span_id[:8]}"
    window.case_view.toggle_tab()
    current = window.case_view.current_span()
    assert current is not None and current.span_id == case.generation.span_id
    assert window.case_view.span_tree.currentItem().text(0).endswith("← answer")


def test_every_workflow_median_is_worked_out_in_the_background(make_main_window, demo_workspace, qtbot):
    from reviewdesk.services import review
    from tests.gui.conftest import wait_idle

    window = make_main_window(demo_workspace)
    workflows = {count.key for count in review.facets(window.workspace).workflows}
    # Once the facets are counted the window warms the medians, so no case open walks the indexes.
    qtbot.waitUntil(lambda: workflows <= set(standing._CACHE[window.workspace.engine].medians), timeout=20000)
    wait_idle(qtbot, window)
