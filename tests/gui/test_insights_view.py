"""The Insights view: figures with n and intervals, and every chart element and cell opens its cases.

Runs on the demo workspace labeled through ``record_label`` (tests/unit/insights/demo_labels.py).
Screenshots go to ``$REVIEWDESK_SCREENSHOT_DIR`` (docs/screenshots when refreshing the docs) or a
temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from reviewdesk.services.review_sampling import SamplingRequest
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.tasks import TaskRunner
from reviewdesk.ui.views.insights import CASE_IDS_ROLE, InsightsView
from tests.gui.conftest import fusion_style
from tests.unit.insights.demo_labels import labeled_demo_workspace


@pytest.fixture(scope="module")
def labeled_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return labeled_demo_workspace(tmp_path_factory.mktemp("insights-gui") / "support_copilot.reviewdesk")


@pytest.fixture
def view(qtbot, labeled_path):
    fusion_style()
    workspace = open_workspace(labeled_path, read_only=True)  # what a risk owner opens
    widget = InsightsView(workspace)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.refresh()
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    workspace.close()


@pytest.fixture
def shot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("REVIEWDESK_SCREENSHOT_DIR")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _row(table, text: str) -> int:
    model = table.model()
    for row in range(model.rowCount()):
        if model.index(row, 0).data() == text:
            return row
    raise AssertionError(f"no row {text!r}")


def _click_cell(qtbot, view, table, row: int, column: int) -> list[str]:
    index = table.model().index(row, column)
    table.scrollTo(index)
    table.window().activateWindow()
    page = table.parentWidget().parentWidget().parentWidget()  # body → viewport → scroll area
    page.ensureWidgetVisible(table)
    with qtbot.waitSignal(view.open_cases, timeout=2000) as blocker:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
    return blocker.args[0]


def test_every_table_model_passes_the_model_tester(qtmodeltester, view):
    assert view.tables  # every table of every tab
    for table in view.tables.values():
        if table.isHidden():  # hidden on purpose: the agreement tables, no case having two reviewers
            assert table.objectName() in view.agreement.tables
            continue
        assert table.model().rowCount() > 0, table.objectName()
        qtmodeltester.check(table.model())


def test_scope_and_overall_rate_show_n_and_interval(view):
    assert view.scope_label.text().startswith("30 case(s) (all cases) · 26 labeled · 4 unreviewed")
    assert view.rates.overall_label.text() == "Failure rate over all labeled cases: 31% [17–50%] 8/26 (1 unsure)"


def test_clicking_a_rate_cell_opens_the_failed_cases(qtbot, view):
    table = view.rates.rate_table
    row = _row(table, "order_status")
    assert table.model().index(row, 3).data() == "50% [22–78%] 4/8"
    expected = next(r for r in view.insights.slices["workflow"] if r.key == "order_status")
    assert _click_cell(qtbot, view, table, row, 3) == list(expected.failure.case_ids)
    assert _click_cell(qtbot, view, table, row, 2) == list(expected.labeled_ids)


def test_clicking_a_chart_bar_opens_its_cases(qtbot, view):
    chart = view.rates.rate_chart
    rects = chart.element_rects()
    assert len(rects) == 3  # three workflows
    rect, ids = rects[1]
    with qtbot.waitSignal(view.open_cases, timeout=2000) as blocker:
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert blocker.args[0] == list(ids) == list(view.insights.slices["workflow"][1].failure.case_ids)


def test_trend_segments_open_the_weeks_cases(qtbot, view):
    view.tabs.setCurrentIndex(2)
    chart = view.trends.trend_chart
    qtbot.waitExposed(chart)
    rect, _ids = chart.element_rects()[1]  # week 41, second segment (fail)
    with qtbot.waitSignal(view.open_cases, timeout=2000) as blocker:
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert blocker.args[0] == list(view.insights.weeks[0].verdicts["fail"])


def test_slice_switch_release_comparison_and_sources(qtbot, view):
    view.rates.slice_combo.setCurrentIndex(view.rates.slice_combo.findData("language"))
    assert [view.rates.rate_table.model().index(r, 0).data() for r in range(5)] == ["en", "de", "es", "fr", "(none)"]
    assert (view.releases.release_a.currentText(), view.releases.release_b.currentText()) == ("2026.10.1", "2026.11.0")
    compare = view.releases.compare_table.model()
    assert [compare.index(0, c).data() for c in (0, 1, 2, 3, 6)] == [
        "Failure rate", "18% [6–41%] 3/17", "56% [27–81%] 5/9", "+38 pts", "borderline"
    ]  # fmt: skip
    docs = view.sources.documents_table.model()
    row = _row(view.sources.documents_table, "policy-returns-2024-01")
    # Stale by date (the fact: every retrieval of the 2024 policy was over a year old), then labeled stale.
    assert docs.index(row, 4).data() == "8"
    assert docs.index(row, 5).data() == "1 [1]"
    stale = docs.index(row, 5).data(CASE_IDS_ROLE)
    assert len(stale) == 1 and stale[0] in {f.case_id for f in view.insights.facts if f.trace_id.startswith("90759bea")}


def test_examples_and_samples_open_cases(qtbot, view):
    table = view.examples.examples_table
    assert table.model().rowCount() >= 11  # one or more per root cause in use
    case_id = table.model().index(0, 1).data()
    assert _click_cell(qtbot, view, table, 0, 6) == [case_id]
    with qtbot.waitSignal(view.open_cases, timeout=2000) as blocker:
        drawn = view.draw_sample(SamplingRequest(mode="worst", size=50))
    assert blocker.args[0] == drawn.case_ids and len(drawn.case_ids) == 4  # the unreviewed ones
    assert view.rowids_for(drawn.case_ids) == drawn.case_rowids


def test_report_button_writes_the_report(qtbot, view, tmp_path):
    with qtbot.waitSignal(view.status, timeout=5000) as blocker:
        view.write_report(tmp_path / "r.html")
    assert "Report written" in blocker.args[0]
    assert "31% [17–50%] 8/26" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_refresh_in_the_background(qtbot, labeled_path):
    workspace = open_workspace(labeled_path, read_only=True)
    runner = TaskRunner()
    widget = InsightsView(workspace, runner)
    qtbot.addWidget(widget)
    assert not widget.tabs.isEnabled()
    widget.refresh()
    qtbot.waitUntil(lambda: widget.insights is not None, timeout=20000)
    assert widget.tabs.isEnabled() and widget.rates.rate_table.model().rowCount() == 3
    runner.shutdown()
    workspace.close()


def test_screenshots(qtbot, view, shot_dir):
    for index, name in ((0, "insights.png"), (1, "insights-releases.png"), (4, "insights-sources.png")):
        view.tabs.setCurrentIndex(index)
        qtbot.wait(50)
        assert view.grab().save(str(shot_dir / name))
    assert (shot_dir / "insights.png").stat().st_size > 20_000


@pytest.mark.parametrize("dimension", ["workflow", "release", "model"])
def test_slice_examples_show_each_column_once(view, dimension):
    rates = view.rates
    rates.slice_combo.setCurrentIndex(rates.slice_combo.findData(dimension))
    model = rates.slice_examples_table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert len(headers) == len(set(headers)), headers
    title = rates.slice_combo.currentText()
    assert headers[:2] == [title, "Case"] and "Workflow" in headers and "Verdict" in headers
    # The cells follow the headers: the verdict column holds verdicts, whatever was left out.
    verdict = headers.index("Verdict")
    assert {model.index(r, verdict).data() for r in range(model.rowCount())} <= {"pass", "fail", "unsure", "unreviewed"}


def test_the_sample_button_lays_its_text_out_beside_its_menu_arrow(view):
    """A tool button drew the Review sample menu's arrow over "sample"; a push button with a menu
    (``HasMenu``) has the style lay the label out left of the arrow."""
    from PySide6.QtWidgets import QStyleOptionButton

    button = view.sample_button
    option = QStyleOptionButton()
    button.initStyleOption(option)
    assert option.features & QStyleOptionButton.ButtonFeature.HasMenu
    assert button.menu() is not None and len(button.menu().actions()) >= 2
