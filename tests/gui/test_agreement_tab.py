"""The Insights' Agreement tab shows the figures of a small fixture computed by hand
(``tests/unit/team/agreement_fixture.py`` says how each figure comes out)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import labels
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.views.insights import CASE_IDS_ROLE
from tests.unit.team.agreement_fixture import AGREEMENT, ALPHA, COHEN, FLEISS, label_hand_computed


@pytest.fixture
def two_reviewers(demo_workspace: Path) -> Path:
    ws = open_workspace(demo_workspace)
    try:
        label_hand_computed(ws)
    finally:
        ws.close()
    return demo_workspace


def _rows(table) -> list[list[str]]:
    model = table.model()
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def _headers(table) -> list[str]:
    model = table.model()
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def test_the_agreement_tab_shows_the_hand_computed_figures(qtbot, qtmodeltester, make_main_window, two_reviewers):
    window = make_main_window(two_reviewers)
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    view = window.insights_view
    qtbot.waitUntil(lambda: view.insights is not None, timeout=30000)
    view.tabs.setCurrentWidget(view.agreement)
    page = view.agreement
    assert page.summary_label.text().startswith(
        "4 case(s) with verdicts from two or more reviewers; 2 reviewer(s): a, b"
    )

    assert _headers(page.dimension_table) == [
        "Dimension",
        "Alpha",
        "95% interval",
        "Agreement",
        "Fleiss' kappa",
        "Cases",
        "Disagree",
        "Reviewers",
    ]
    by_dimension = {row[0]: row for row in _rows(page.dimension_table)}
    verdict = by_dimension["Verdict"]
    assert (verdict[1], verdict[3], verdict[4]) == (ALPHA, AGREEMENT, FLEISS)
    assert verdict[5:] == ["4", "1", "2"]
    low, high = (float(v) for v in verdict[2].split(" to "))
    assert low <= 8 / 15 <= high
    tool_error = by_dimension["Root cause: Tool error"]
    assert (tool_error[1], tool_error[3], tool_error[5]) == ("1.000", "100%", "4")
    # Causes nobody chose are left out rather than shown as rows of dashes.
    assert not any(name.startswith("Root cause: Hallucination") for name in by_dimension)

    pairs = {(row[0], row[1]): row for row in _rows(page.pair_table)}
    assert pairs[("Verdict", "a × b")][2:] == [COHEN, AGREEMENT, "4", "1"]

    assert _headers(page.matrix_table) == ["", "a", "b"]
    assert _rows(page.matrix_table) == [["a", "100% (4)", "75% (4)"], ["b", "75% (4)", "100% (4)"]]
    for table in page.tables.values():
        qtmodeltester.check(table.model())


def test_without_overlap_the_tab_says_so_in_one_line(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.show_insights(True)
    view = window.insights_view
    qtbot.waitUntil(lambda: view.insights is not None, timeout=30000)
    assert view.agreement.summary_label.text().startswith("No case in scope has verdicts from two or more reviewers")
    assert view.agreement.dimension_table.isHidden()


@pytest.fixture
def three_reviewers(demo_workspace: Path) -> tuple[Path, list[str]]:
    """The hand-computed fixture (a and b disagree on the verdict of the third case), and c, who
    fails the first case with a hallucination where a and b passed it with no root cause."""
    ws = open_workspace(demo_workspace)
    try:
        ids = label_hand_computed(ws)
        labels.record_label(ws, ids[0], LabelChange(verdict="fail", root_causes=["hallucination"]), reviewer="c")
    finally:
        ws.close()
    return demo_workspace, ids


def _cell(table, first: tuple[str, ...], column: str) -> tuple[int, int]:
    """The cell of ``column`` in the row whose first cells read ``first``."""
    model = table.model()
    col = _headers(table).index(column)
    for row in range(model.rowCount()):
        if tuple(model.index(row, c).data() for c in range(len(first))) == first:
            return row, col
    raise AssertionError(f"no row {first} in {table.objectName()}")


def _opens(table, first: tuple[str, ...], column: str) -> list[str]:
    row, col = _cell(table, first, column)
    return sorted(table.model().index(row, col).data(CASE_IDS_ROLE))


def _click_opens(qtbot, window, table, first: tuple[str, ...], column: str) -> list[str]:
    """Click the cell as a reviewer would; what the queue holds afterwards."""
    view = window.insights_view
    window.show_insights(True)
    view.tabs.setCurrentWidget(view.agreement)
    row, col = _cell(table, first, column)
    index = table.model().index(row, col)
    view.agreement.ensureWidgetVisible(table)
    table.scrollTo(index)
    with qtbot.waitSignal(view.open_cases, timeout=3000):
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
    assert window.model.fixed and not window.insights_shown
    return sorted(window.model.summary(r).case_id for r in range(window.model.rowCount()))


def test_every_agreement_cell_opens_exactly_the_cases_behind_it(qtbot, make_main_window, three_reviewers):
    path, ids = three_reviewers
    window = make_main_window(path)
    window.show_insights(True)
    view = window.insights_view
    qtbot.waitUntil(lambda: view.insights is not None, timeout=30000)
    page = view.agreement
    every, first, third = sorted(ids), [ids[0]], [ids[2]]

    # Per dimension: the figures open the cases rated twice or more, Disagree where it is disputed.
    dims = page.dimension_table
    assert _click_opens(qtbot, window, dims, ("Verdict",), "Disagree") == sorted([ids[0], ids[2]])
    for column in ("Dimension", "Alpha", "Agreement", "Cases", "Reviewers"):
        assert _opens(dims, ("Verdict",), column) == every
    assert _opens(dims, ("Root-cause set",), "Disagree") == first
    assert _opens(dims, ("Root cause: Hallucination",), "Disagree") == first
    assert _opens(dims, ("Root cause: Tool error",), "Disagree") == []  # a and b both named it; c not there
    row, col = _cell(dims, ("Verdict",), "Disagree")
    assert dims.model().index(row, col).data() == "2"  # the count is the cases it opens

    # Per reviewer pair: both labeled; Disagree, labeled differently.
    pairs = page.pair_table
    assert _click_opens(qtbot, window, pairs, ("Verdict", "a × b"), "Disagree") == third
    assert _opens(pairs, ("Verdict", "a × b"), "Cases") == every
    assert _opens(pairs, ("Verdict", "a × b"), "Cohen's kappa") == every
    assert _opens(pairs, ("Verdict", "a × c"), "Cases") == first
    assert _opens(pairs, ("Verdict", "a × c"), "Disagree") == first
    assert _opens(pairs, ("Root cause: Hallucination", "b × c"), "Disagree") == first

    # The matrix: both gave a verdict (the diagonal: the reviewer did).
    matrix = page.matrix_table
    assert _click_opens(qtbot, window, matrix, ("a",), "c") == first
    assert _opens(matrix, ("a",), "b") == every
    assert _opens(matrix, ("c",), "c") == first
    assert _opens(matrix, ("b",), "") == every
    for table in page.tables.values():
        model = table.model()
        for r in range(model.rowCount()):
            for c in range(model.columnCount()):
                text = model.index(r, c).data()
                if text and text.isdigit() and _headers(table)[c] in ("Cases", "Disagree"):
                    assert len(model.index(r, c).data(CASE_IDS_ROLE)) == int(text), (table.objectName(), r, c)


def test_the_insights_call_disputed_cases_disputed_not_unreviewed(qtbot, make_main_window, demo_workspace):
    ws = open_workspace(demo_workspace)
    try:
        ids = label_hand_computed(ws)
        disputed = [c for c in ids if labels.case_labels(ws, c).resolution == "disputed"]
    finally:
        ws.close()
    assert len(disputed) == 1
    window = make_main_window(demo_workspace)
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    view = window.insights_view
    qtbot.waitUntil(lambda: view.insights is not None, timeout=30000)
    scope = view.insights.scope
    # The figures stay: a disputed case has no resolved verdict, so it is not among the labeled.
    assert (scope.labeled, scope.unreviewed) == (3, scope.cases - 3)
    assert f"· 3 labeled · {scope.unreviewed} not resolved (1 disputed, {scope.unreviewed - 1} unreviewed) ·" in (
        view.scope_label.text()
    )
    backlog = view.reviewers.backlog_table
    assert view.reviewers.backlog_heading.text() == "Backlog: no resolved verdict (unreviewed or disputed)"
    assert _headers(backlog) == ["Workflow", "Not resolved", "Unreviewed", "Disputed"]
    assert _rows(backlog)[0] == ["All workflows", str(scope.unreviewed), str(scope.unreviewed - 1), "1"]
    assert backlog.model().index(0, 3).data(CASE_IDS_ROLE) == tuple(disputed)  # the cell opens that case
    # The failure-rate and trend tables count it among the cases without a resolved verdict too,
    # and their header says "Not resolved", not "Unreviewed".
    for table in (view.rates.rate_table, view.trends.trend_table):
        headers = _headers(table)
        assert "Unreviewed" not in headers and "Not resolved" in headers, (table.objectName(), headers)
        column = headers.index("Not resolved")
        model = table.model()
        opened = {i for r in range(model.rowCount()) for i in model.index(r, column).data(CASE_IDS_ROLE)}
        assert set(disputed) <= opened, table.objectName()
    legend = {segment.name for column in view.trends.trend_chart.columns for segment in column.segments}
    assert "not resolved" in legend and "unreviewed" not in legend
