"""The Insights' Agreement tab shows the figures of a small fixture computed by hand
(``tests/unit/team/agreement_fixture.py`` says how each figure comes out)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from reviewdesk.services.workspace import open_workspace
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
        "Reviewers",
    ]
    by_dimension = {row[0]: row for row in _rows(page.dimension_table)}
    verdict = by_dimension["Verdict"]
    assert (verdict[1], verdict[3], verdict[4]) == (ALPHA, AGREEMENT, FLEISS)
    assert verdict[5:] == ["4", "2"]
    low, high = (float(v) for v in verdict[2].split(" to "))
    assert low <= 8 / 15 <= high
    tool_error = by_dimension["Root cause: Tool error"]
    assert (tool_error[1], tool_error[3], tool_error[5]) == ("1.000", "100%", "4")
    # Causes nobody chose are left out rather than shown as rows of dashes.
    assert not any(name.startswith("Root cause: Hallucination") for name in by_dimension)

    pairs = {(row[0], row[1]): row for row in _rows(page.pair_table)}
    assert pairs[("Verdict", "a × b")][2:] == [COHEN, AGREEMENT, "4"]

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
