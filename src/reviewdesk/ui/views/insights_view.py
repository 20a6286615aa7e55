"""The Insights view: what risk owners read — failure rates per slice with n and 95% intervals,
release against release, weekly trends, cost and latency, source health, reviewer activity and
representative examples. Read-only by nature: nothing here writes to the workspace.

Data flow: ``refresh()`` computes ``services.insights.compute_insights`` off the GUI thread (through
the window's ``TaskRunner`` when given one) and ``show_insights`` fills every tab from the result;
the release comparison and the slice picker recompute from the already loaded figures, without a
new read. Every chart element and every table cell that stands for cases carries their ids
(``CASE_IDS_ROLE``); a click — or Enter on the current cell — emits ``open_cases(list[str])``, which
the main window turns into a queue. The review-sample button emits the same signal with the
sampled, ordered ids. "Write report…" writes the HTML report of the figures on screen.

Trace text (slice names, documents, requests, comments) is shown only through models' display
roles and QPainter text — plain text, never rich text — so it cannot inject markup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import insights as insights_service
from reviewdesk.services import report as fmt
from reviewdesk.services import review_sampling
from reviewdesk.services.insights import (
    ALL,
    SLICE_DIMENSIONS,
    SLICE_TITLES,
    ComparisonRow,
    Distribution,
    Example,
    Insights,
    Proportion,
    SourceHealth,
)
from reviewdesk.services.review_sampling import ReviewSample, SamplingRequest
from reviewdesk.services.workspace import Workspace
from reviewdesk.ui.charts.bars import (
    BAR,
    FAIL,
    PASS,
    UNREVIEWED,
    UNSURE,
    BarItem,
    ColumnItem,
    IntervalChart,
    Segment,
    StackedColumnChart,
)
from reviewdesk.ui.tasks import TaskRunner
from reviewdesk.ui.widgets.inert import inert_tooltip, visible

log = logging.getLogger(__name__)

CASE_IDS_ROLE = Qt.ItemDataRole.UserRole + 20
"""``tuple[str, ...]``: the case ids behind a table cell (empty: the cell is only text)."""

ModelIndex = QModelIndex | QPersistentModelIndex
W = TypeVar("W", bound=QWidget)
_INVALID = QModelIndex()
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

SAMPLE_PRESETS: tuple[tuple[str, SamplingRequest], ...] = (
    ("Random: 50 cases", SamplingRequest(mode="random", size=50)),
    ("Stratified: 10 per workflow", SamplingRequest(mode="stratified", size=10, by="workflow")),
    ("Stratified: 10 per release", SamplingRequest(mode="stratified", size=10, by="release")),
    ("Stratified: 10 per tenant", SamplingRequest(mode="stratified", size=10, by="tenant")),
    ("Worst first: 50 cases", SamplingRequest(mode="worst", size=50)),
    ("Enough for ±5% per workflow", SamplingRequest(mode="margin", by="workflow")),
)


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: its text, the cases behind it, a tooltip, and whether it is a number."""

    text: str
    case_ids: tuple[str, ...] = ()
    tooltip: str = ""
    number: bool = False
    alarm: bool = False
    """Drawn in the palette's error colour (a significant change, a flagged document)."""


def num(value: object, case_ids: Sequence[str] = (), tooltip: str = "", *, alarm: bool = False) -> Cell:
    return Cell(str(value), tuple(case_ids), tooltip, number=True, alarm=alarm)


def txt(value: object, case_ids: Sequence[str] = (), tooltip: str = "") -> Cell:
    # Trace text is flattened to one line: a table row is no place for a pasted log.
    return Cell(" ".join(str(value).split()), tuple(case_ids), tooltip)


def rate_cell(p: Proportion) -> Cell:
    """``27% [11–52%] 4/15``: the rate with its interval and n; opens the k cases."""
    return Cell(
        fmt.rate_caption(p),
        p.case_ids,
        f"{p.k} of {p.n} labeled case(s); 95% Wilson interval {fmt.interval(p.low, p.high)}",
        number=True,
    )


def alarm_color() -> QColor:
    dark = QGuiApplication.palette().base().color().lightness() < 128
    return QColor("#ff7b72") if dark else QColor("#b3261e")


class FigureTableModel(QAbstractTableModel):
    """A read-only table of ``Cell`` rows: figures as text, case ids in ``CASE_IDS_ROLE``."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers: list[str] = []
        self._rows: list[list[Cell]] = []

    def set_rows(self, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        self.beginResetModel()
        self._headers = list(headers)
        width = len(self._headers)
        self._rows = [list(r)[:width] + [Cell("")] * (width - len(r)) for r in rows]
        self.endResetModel()

    def cell(self, row: int, column: int) -> Cell | None:
        if 0 <= row < len(self._rows) and 0 <= column < len(self._headers):
            return self._rows[row][column]
        return None

    def rowCount(self, parent: ModelIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index.row(), index.column()) if index.isValid() else None
        if cell is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return visible(cell.text)
        if role == CASE_IDS_ROLE:
            return cell.case_ids
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [cell.tooltip] if cell.tooltip else []
            if cell.case_ids:
                parts.append(f"Click to open the {len(cell.case_ids)} case(s) in the queue.")
            return inert_tooltip("\n".join(parts)) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if cell.number else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole:
            if cell.alarm:
                return alarm_color()
            if cell.case_ids:
                return QGuiApplication.palette().link().color()
        return None


class FigureTable(QTableView):
    """A table whose cells open their cases: click, or Enter on the current cell."""

    open_cases = Signal(list)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.figures = FigureTableModel(self)
        self.setModel(self.figures)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(False)
        self.clicked.connect(self._open)
        self.activated.connect(self._open)

    def set_rows(self, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        self.figures.set_rows(headers, rows)
        self.resizeColumnsToContents()
        for column in range(self.figures.columnCount()):
            self.setColumnWidth(column, min(self.columnWidth(column), 320))
        # Tables sit in a scrolling page: show every row rather than a second scroll bar.
        height = self.horizontalHeader().sizeHint().height() + 4 + sum(self.rowHeight(r) for r in range(len(rows)))
        scroll = self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(max(height + scroll, 60))

    def _open(self, index: QModelIndex) -> None:
        ids = index.data(CASE_IDS_ROLE)
        if ids:
            self.open_cases.emit(list(ids))


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setEnabled(False)  # the palette's muted text colour, without a hard-coded grey
    return label


class _Page(QScrollArea):
    """A scrolling page of headings, notes, charts and tables."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWidgetResizable(True)
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(10, 8, 10, 10)
        self._layout.setSpacing(6)
        self.setWidget(body)

    def add(self, widget: W) -> W:
        self._layout.addWidget(widget)
        return widget

    def row(self, *widgets: QWidget | str) -> None:
        holder = QWidget()
        layout = QHBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in widgets:
            layout.addWidget(QLabel(widget) if isinstance(widget, str) else widget)
        layout.addStretch(1)
        self._layout.addWidget(holder)

    def finish(self) -> None:
        self._layout.addStretch(1)


class InsightsView(QWidget):
    """See the module docstring."""

    open_cases = Signal(list)
    """``list[str]``: case ids to open in the queue, in order."""
    status = Signal(str)
    """A one-line message for the status bar (report written, sample drawn, …)."""

    def __init__(
        self,
        workspace: Workspace | None = None,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("insights_view")
        self.workspace = workspace
        self.runner = runner
        self.case_filter = CaseFilter()
        self.insights: Insights | None = None
        self._generation = 0
        self.tables: dict[str, FigureTable] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.scope_label = QLabel("No workspace." if workspace is None else "Not computed yet: press Refresh.")
        self.scope_label.setObjectName("insights_scope")
        self.scope_label.setTextFormat(Qt.TextFormat.PlainText)
        self.scope_label.setWordWrap(True)
        bar.addWidget(self.scope_label, 1)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setObjectName("insights_refresh")
        self.refresh_button.setToolTip("Recompute every figure from the workspace")
        self.refresh_button.clicked.connect(self.refresh)
        bar.addWidget(self.refresh_button)
        self.seed = QSpinBox()
        self.seed.setObjectName("sample_seed")
        self.seed.setRange(0, 999_999)
        self.seed.setPrefix("seed ")
        self.seed.setToolTip("Seed of the review sample: the same seed gives the same queue")
        bar.addWidget(self.seed)
        self.sample_button = QToolButton()
        self.sample_button.setObjectName("sample_button")
        self.sample_button.setText("Review &sample")
        self.sample_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.sample_button.setToolTip("Open a review queue drawn from the unreviewed cases")
        menu = QMenu(self.sample_button)
        for text, request in SAMPLE_PRESETS:
            menu.addAction(text).triggered.connect(lambda _checked=False, r=request: self.draw_sample(r))
        self.sample_button.setMenu(menu)
        bar.addWidget(self.sample_button)
        self.report_button = QPushButton("Write re&port…")
        self.report_button.setObjectName("write_report")
        self.report_button.setToolTip("Write these figures as one self-contained HTML file")
        self.report_button.clicked.connect(self.choose_report)
        bar.addWidget(self.report_button)
        layout.addLayout(bar)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("insights_tabs")
        layout.addWidget(self.tabs, 1)
        self._build_rates_page()
        self._build_release_page()
        self._build_trends_page()
        self._build_cost_page()
        self._build_sources_page()
        self._build_reviewers_page()
        self._build_examples_page()
        self._set_enabled(False)

    # --- construction --------------------------------------------------------------------------
    def _table(self, page: _Page, name: str) -> FigureTable:
        table = page.add(FigureTable(name))
        table.open_cases.connect(self.open_cases)
        self.tables[name] = table
        return table

    def _interval_chart(self, page: _Page, name: str) -> IntervalChart:
        chart = page.add(IntervalChart())
        chart.setObjectName(name)
        chart.open_cases.connect(self.open_cases)
        return chart

    def _build_rates_page(self) -> None:
        page = _Page("page_rates")
        self.slice_combo = QComboBox()
        self.slice_combo.setObjectName("slice_combo")
        for dimension in SLICE_DIMENSIONS:
            self.slice_combo.addItem(SLICE_TITLES[dimension], dimension)
        self.slice_combo.currentIndexChanged.connect(lambda _i: self._fill_rates())
        page.row("Slice by", self.slice_combo)
        self.overall_label = page.add(QLabel())
        self.overall_label.setObjectName("overall_rate")
        self.overall_label.setTextFormat(Qt.TextFormat.PlainText)
        page.add(_heading("Failure rate (failed ÷ labeled) with its 95% interval"))
        self.rate_chart = self._interval_chart(page, "rate_chart")
        self.rate_table = self._table(page, "rate_table")
        page.add(_heading("Root causes: share of labeled cases"))
        page.add(_note("A case can carry several root causes; each cell opens the cases that have it."))
        self.cause_table = self._table(page, "cause_table")
        page.add(_heading("What goes wrong here: representative failed cases per slice"))
        self.slice_examples_table = self._table(page, "slice_examples_table")
        page.finish()
        self.tabs.addTab(page, "Failure rates")

    def _build_release_page(self) -> None:
        page = _Page("page_releases")
        self.release_a = QComboBox()
        self.release_a.setObjectName("release_a")
        self.release_b = QComboBox()
        self.release_b.setObjectName("release_b")
        page.row("Baseline", self.release_a, "against candidate", self.release_b)
        self.release_a.currentIndexChanged.connect(lambda _i: self._fill_comparison())
        self.release_b.currentIndexChanged.connect(lambda _i: self._fill_comparison())
        page.add(
            _note(
                "Difference in percentage points (candidate − baseline) with Newcombe's 95% interval and "
                "Fisher's exact test. Beyond noise: both say so; borderline: only one does."
            )
        )
        self.compare_chart = self._interval_chart(page, "compare_chart")
        self.compare_table = self._table(page, "compare_table")
        page.add(_heading("Failure rate per workflow"))
        self.compare_workflow_table = self._table(page, "compare_workflow_table")
        page.finish()
        self.tabs.addTab(page, "Releases")

    def _build_trends_page(self) -> None:
        page = _Page("page_trends")
        page.add(_heading("Cases per week of traffic by verdict, with the failure rate"))
        self.trend_chart = page.add(StackedColumnChart())
        self.trend_chart.open_cases.connect(self.open_cases)
        self.trend_table = self._table(page, "trend_table")
        page.add(_heading("Root causes per week"))
        self.trend_cause_table = self._table(page, "trend_cause_table")
        page.finish()
        self.tabs.addTab(page, "Trends")

    def _build_cost_page(self) -> None:
        page = _Page("page_cost")
        page.add(_heading("Latency per task: bar to the median, whisker to p95"))
        self.latency_chart = self._interval_chart(page, "latency_chart")
        page.add(
            _note(
                "n counts the cases that have the quantity: traces without a cost are not counted as free. "
                "Recorded cost is what the traces say they cost; estimated cost (≈) prices the traces that "
                "record none at list prices (Edit → Model prices…). The two are kept apart, never added."
            )
        )
        self.cost_table = self._table(page, "cost_table")
        page.finish()
        self.tabs.addTab(page, "Cost && latency")

    def _build_sources_page(self) -> None:
        page = _Page("page_sources")
        page.add(
            _note(
                "Cited: the answer names the document or repeats a 6-word passage found in no other retrieved "
                "document. Stale / irrelevant: evidence names the document [count in brackets], or the case has "
                "the root cause without naming one. Age: case start − the document's updated_at."
            )
        )
        page.add(_heading("Documents"))
        self.documents_table = self._table(page, "documents_table")
        page.add(_heading("Source systems"))
        self.sources_table = self._table(page, "sources_table")
        page.finish()
        self.tabs.addTab(page, "Sources")

    def _build_reviewers_page(self) -> None:
        page = _Page("page_reviewers")
        page.add(_heading("Reviewer activity"))
        self.reviewers_table = self._table(page, "reviewers_table")
        page.add(_heading("Unreviewed backlog"))
        self.backlog_table = self._table(page, "backlog_table")
        page.finish()
        self.tabs.addTab(page, "Reviewers")

    def _build_examples_page(self) -> None:
        page = _Page("page_examples")
        page.add(
            _note(
                "Up to three labeled cases per root cause, spread over workflows, preferring those a reviewer "
                "explained (comment, evidence). Click a row to open the case."
            )
        )
        self.examples_table = self._table(page, "examples_table")
        page.finish()
        self.tabs.addTab(page, "Examples")

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.tabs, self.sample_button, self.report_button, self.seed):
            widget.setEnabled(enabled)

    # --- loading -------------------------------------------------------------------------------
    def set_workspace(self, workspace: Workspace | None, flt: CaseFilter | None = None) -> None:
        """Show another workspace (or scope); figures are recomputed on the next ``refresh``."""
        self.workspace = workspace
        self.case_filter = flt or CaseFilter()
        self._generation += 1
        self.insights = None
        self._set_enabled(False)
        self.scope_label.setText("Not computed yet: press Refresh." if workspace else "No workspace.")

    def refresh(self) -> None:
        """Recompute every figure (in the background when the view has a runner)."""
        workspace, flt = self.workspace, self.case_filter
        if workspace is None:
            return
        self._generation += 1
        generation = self._generation
        self.scope_label.setText("Computing…")

        def work() -> Insights:
            return insights_service.compute_insights(workspace, flt)

        def done(result: Insights) -> None:
            if generation == self._generation:  # a newer refresh or workspace made this one stale
                self.show_insights(result)

        if self.runner is None:
            done(work())
            return
        self.runner.read(work).success(done).failure(self._failed).run()

    def _failed(self, exc: BaseException, details: str) -> None:
        log.warning("insights failed: %s\n%s", exc, details)
        self.scope_label.setText(f"Could not compute the insights: {exc}")

    # --- filling -------------------------------------------------------------------------------
    def show_insights(self, insights: Insights) -> None:
        """Fill every tab from ``insights`` (GUI thread work only: no database access)."""
        self.insights = insights
        scope = insights.scope
        where = "; ".join(scope.filter_description) or "all cases"
        self.scope_label.setText(
            f"{scope.cases} case(s) ({where}) · {scope.labeled} labeled · {scope.unreviewed} unreviewed · "
            f"traces from {fmt.day(scope.first_started)} to {fmt.day(scope.last_started)}"
        )
        self.overall_label.setText(
            f"Failure rate over all labeled cases: {fmt.rate_caption(insights.overall.failure)}"
            f" ({len(insights.overall.unsure_ids)} unsure)"
        )
        for combo, offset in ((self.release_a, 2), (self.release_b, 1)):
            combo.blockSignals(True)
            combo.clear()
            for release in insights.releases:
                combo.addItem(release, release)
            if len(insights.releases) >= 2:
                combo.setCurrentIndex(len(insights.releases) - offset)
            combo.blockSignals(False)
        self._fill_rates()
        self._fill_comparison()
        self._fill_trends()
        self._fill_cost()
        self._fill_sources()
        self._fill_reviewers()
        self._fill_examples()
        self._set_enabled(True)

    def _fill_rates(self) -> None:
        insights = self.insights
        if insights is None:
            return
        dimension = str(self.slice_combo.currentData())
        rows = insights.slices[dimension]
        self.rate_chart.set_items(
            [
                BarItem(
                    label=row.key,
                    value=row.failure.rate,
                    low=row.failure.low,
                    high=row.failure.high,
                    caption=fmt.rate_caption(row.failure),
                    case_ids=row.failure.case_ids,
                    tooltip=f"{row.key}: {len(row.case_ids)} case(s), failure rate {fmt.rate_caption(row.failure)}",
                )
                for row in rows
            ]
        )
        title = SLICE_TITLES[dimension]
        self.rate_table.set_rows(
            [title, "Cases", "Labeled (n)", "Failure rate [95% CI] k/n", "Unsure", "Unreviewed"],
            [
                [
                    txt(row.key, row.case_ids, f"All {len(row.case_ids)} case(s) of this {title.lower()}"),
                    num(len(row.case_ids), row.case_ids),
                    num(len(row.labeled_ids), row.labeled_ids),
                    rate_cell(row.failure),
                    num(len(row.unsure_ids), row.unsure_ids),
                    num(len(row.unreviewed_ids), row.unreviewed_ids),
                ]
                for row in rows
            ],
        )
        causes = [rc for rc in insights.root_cause_ids() if any(rc in row.root_causes for row in rows)]
        self.cause_table.set_rows(
            ["Root cause", *(row.key for row in rows)],
            [
                [
                    txt(insights.title(rc), insights.overall.root_causes[rc].case_ids, rc),
                    *(
                        rate_cell(row.root_causes[rc]) if rc in row.root_causes else num(f"0/{len(row.labeled_ids)}")
                        for row in rows
                    ),
                ]
                for rc in causes
            ],
        )
        groups = [(row.key, insights.slice_examples(dimension, row.key, 2)) for row in rows]
        self.slice_examples_table.set_rows(*self._example_rows(groups, title))

    def _comparison_cells(self, row: ComparisonRow, label: str) -> list[Cell]:
        alarm = row.significance == "beyond noise"
        interval = "–" if row.low is None or row.high is None else f"{row.low * 100:+.0f} to {row.high * 100:+.0f} pts"
        return [
            txt(label, row.a.case_ids + row.b.case_ids),
            rate_cell(row.a),
            rate_cell(row.b),
            num(fmt.signed_points(row.difference), row.b.case_ids, alarm=alarm),
            num(interval),
            num("–" if row.p_value is None else f"{row.p_value:.3f}"),
            Cell(row.significance, row.b.case_ids, alarm=alarm or row.significance == "borderline"),
        ]

    def _fill_comparison(self) -> None:
        insights = self.insights
        a, b = self.release_a.currentData(), self.release_b.currentData()
        headers = ["", f"Baseline {a or ''}", f"Candidate {b or ''}", "Difference", "95% CI", "p (Fisher)", "Verdict"]
        if insights is None or not a or not b:
            self.compare_chart.set_items([])
            self.compare_table.set_rows(headers, [])
            self.compare_workflow_table.set_rows(headers, [])
            return
        comparison = insights.compare(str(a), str(b))
        rows = [comparison.failure, *comparison.root_causes]
        bounds = [abs(v) for r in rows for v in (r.low, r.high) if v is not None]
        spread = max([0.1, *bounds])

        def shifted(value: float | None) -> float | None:
            # A diverging axis on the 0–1 chart: the middle is "no change", the ends are ±spread.
            return None if value is None else (value + spread) / 2 / spread

        self.compare_chart.set_items(
            [
                BarItem(
                    label="Failure rate" if r.key == "failure rate" else insights.title(r.key),
                    value=None,
                    low=shifted(r.low),
                    high=shifted(r.high),
                    marker=shifted(r.difference),
                    caption=f"{fmt.signed_points(r.difference)} · {r.significance}",
                    case_ids=r.b.case_ids,
                    tooltip=f"{fmt.rate_caption(r.a)} → {fmt.rate_caption(r.b)}; Fisher p = "
                    + ("–" if r.p_value is None else f"{r.p_value:.3f}"),
                )
                for r in rows
            ],
            tick_format=lambda v: f"{(v * 2 - 1) * spread * 100:+.0f} pts",
            color=BAR,
        )
        self.compare_table.set_rows(
            headers,
            [
                self._comparison_cells(r, "Failure rate" if r.key == "failure rate" else insights.title(r.key))
                for r in rows
            ],
        )
        self.compare_workflow_table.set_rows(
            ["Workflow", *headers[1:]], [self._comparison_cells(r, r.key) for r in comparison.workflows]
        )

    def _fill_trends(self) -> None:
        insights = self.insights
        if insights is None:
            return
        colors = {"pass": PASS, "fail": FAIL, "unsure": UNSURE, "unreviewed": UNREVIEWED}
        self.trend_chart.set_columns(
            [
                ColumnItem(
                    label=week.label,
                    segments=tuple(Segment(name, color, week.verdicts[name]) for name, color in colors.items()),
                    line=week.failure.rate,
                )
                for week in insights.weeks
            ]
        )
        self.trend_table.set_rows(
            ["Week", "Starts", "Cases", "Pass", "Fail", "Unsure", "Unreviewed", "Failure rate [95% CI] k/n"],
            [
                [
                    txt(week.label, week.case_ids),
                    txt(week.week_start.isoformat()),
                    num(len(week.case_ids), week.case_ids),
                    *(num(len(week.verdicts[v]), week.verdicts[v]) for v in colors),
                    rate_cell(week.failure),
                ]
                for week in insights.weeks
            ],
        )
        causes = [rc for rc in insights.root_cause_ids() if any(rc in w.root_causes for w in insights.weeks)]
        self.trend_cause_table.set_rows(
            ["Root cause", *(w.label for w in insights.weeks)],
            [
                [
                    txt(insights.title(rc)),
                    *(num(len(w.root_causes.get(rc, ())), w.root_causes.get(rc, ())) for w in insights.weeks),
                ]
                for rc in causes
            ],
        )

    def _fill_cost(self) -> None:
        insights = self.insights
        if insights is None:
            return
        workflows = [r for r in insights.cost_latency if r.segment == ALL and r.workflow != ALL]
        top = max((r.latency.p95 or 0.0 for r in workflows), default=0.0)
        self.latency_chart.set_items(
            [
                BarItem(
                    label=r.workflow,
                    value=r.latency.p50,
                    low=r.latency.p50,
                    high=r.latency.p95,
                    caption=f"p50 {fmt.duration(r.latency.p50)} · p95 {fmt.duration(r.latency.p95)} · n={r.latency.n}",
                    case_ids=r.latency.case_ids,
                )
                for r in workflows
            ],
            axis_max=top * 1.05 if top else 1.0,
            tick_format=fmt.duration,
            color=BAR,
        )

        def dist(d: Distribution, show: Callable[[float | None], str]) -> list[Cell]:
            return [num(d.n, d.case_ids), num(show(d.mean)), num(show(d.p50)), num(show(d.p95))]

        headers = ["Workflow / segment", "Cases", "Cost n", "Cost mean", "Cost p50", "Cost p95"]
        headers += ["≈ Est. n", "≈ Est. mean", "≈ Est. p50", "≈ Est. p95", "Failed", "Cost of failed"]
        headers += ["≈ Est. of failed", "Latency n", "Latency mean", "p50", "p95"]
        self.cost_table.set_rows(
            headers,
            [
                [
                    txt(r.workflow if r.segment == ALL else f"· {r.segment}", r.case_ids),
                    num(len(r.case_ids), r.case_ids),
                    *dist(r.cost, fmt.money),
                    *dist(r.estimated_cost, fmt.money),
                    num(len(r.failed_ids), r.failed_ids),
                    num(fmt.money(r.failed_cost.total), r.failed_cost.case_ids, f"n = {r.failed_cost.n} with a cost"),
                    num(
                        fmt.money(r.failed_estimated_cost.total),
                        r.failed_estimated_cost.case_ids,
                        f"n = {r.failed_estimated_cost.n} with an estimate",
                    ),
                    *dist(r.latency, fmt.duration),
                ]
                for r in insights.cost_latency
            ],
        )

    @staticmethod
    def _health_rows(items: Sequence[SourceHealth], *, documents: bool) -> list[list[Cell]]:
        rows = []
        for item in items:
            flagged = bool(item.stale_ids or item.irrelevant_ids)
            age = "–" if item.age_days.p50 is None else f"{item.age_days.p50:,.0f} d (n={item.age_days.n})"
            rows.append(
                [
                    txt(item.key, item.retrieved_ids, item.source or ""),
                    txt(item.source or "") if documents else num(item.documents),
                    num(len(item.retrieved_ids), item.retrieved_ids),
                    num(len(item.cited_ids), item.cited_ids),
                    num(f"{len(item.stale_ids)} [{len(item.stale_evidence_ids)}]", item.stale_ids, alarm=flagged),
                    num(
                        f"{len(item.irrelevant_ids)} [{len(item.irrelevant_evidence_ids)}]",
                        item.irrelevant_ids,
                        alarm=flagged,
                    ),
                    num(age, item.age_days.case_ids),
                ]
            )
        return rows

    def _fill_sources(self) -> None:
        insights = self.insights
        if insights is None:
            return
        common = ["Retrieved", "Cited", "Stale [evidence]", "Irrelevant [evidence]", "Median age"]
        self.documents_table.set_rows(
            ["Document", "Source", *common], self._health_rows(insights.documents, documents=True)
        )
        self.sources_table.set_rows(
            ["System", "Documents", *common], self._health_rows(insights.sources, documents=False)
        )

    def _fill_reviewers(self) -> None:
        insights = self.insights
        if insights is None:
            return

        def seconds(value: float | None) -> str:
            return "–" if value is None else f"{value:.0f} s"

        headers = ["Reviewer", "Cases labeled", "Current labels", "Events", "Timed cases", "Median / case"]
        self.reviewers_table.set_rows(
            [*headers, "Mean / case", "Last"],
            [
                [
                    txt(r.reviewer, r.case_ids),
                    num(len(r.case_ids), r.case_ids),
                    num(len(r.current_ids), r.current_ids),
                    num(r.events),
                    num(r.seconds_per_case.n, r.seconds_per_case.case_ids),
                    num(seconds(r.seconds_per_case.p50)),
                    num(seconds(r.seconds_per_case.mean)),
                    txt(fmt.day(r.last)),
                ]
                for r in insights.reviewers
            ],
        )
        self.backlog_table.set_rows(
            ["Workflow", "Unreviewed"],
            [[txt("All workflows", insights.backlog), num(len(insights.backlog), insights.backlog)]]
            + [[txt(key, ids), num(len(ids), ids)] for key, ids in insights.backlog_by_workflow.items()],
        )

    def _example_rows(
        self, groups: Sequence[tuple[str, Sequence[Example]]], group_title: str
    ) -> tuple[list[str], list[list[Cell]]]:
        headers = [group_title, "Case", "Workflow", "Verdict", "Root causes", "Chosen for", "Request", "Comment"]
        insights = self.insights
        rows = [
            [
                txt(group, (e.case_id,)),
                txt(e.case_id, (e.case_id,)),
                txt(e.workflow or "–", (e.case_id,)),
                Cell(e.verdict or "unreviewed", (e.case_id,), alarm=e.verdict == "fail"),
                txt(", ".join(insights.title(rc) if insights else rc for rc in e.root_causes), (e.case_id,)),
                txt(e.why, (e.case_id,)),
                txt(e.request, (e.case_id,), e.request),
                txt(e.comment or "", (e.case_id,), e.comment or ""),
            ]
            for group, examples in groups
            for e in examples
        ]
        return headers, rows

    def _fill_examples(self) -> None:
        insights = self.insights
        if insights is None:
            return
        groups = [(insights.title(rc), examples) for rc, examples in insights.examples.items()]
        self.examples_table.set_rows(*self._example_rows(groups, "Root cause"))

    # --- actions -------------------------------------------------------------------------------
    def rowids_for(self, case_ids: Sequence[str]) -> list[int]:
        """Row ids of ``case_ids``, in order, from the figures on screen (for the queue model)."""
        if self.insights is None:
            return []
        by_id = {f.case_id: f.case_rowid for f in self.insights.facts}
        return [by_id[c] for c in case_ids if c in by_id]

    def draw_sample(self, request: SamplingRequest) -> ReviewSample | None:
        """Draw a review sample (seed from the spin box) from the figures on screen; emit it as a queue."""
        if self.insights is None:
            return None
        request = SamplingRequest(
            mode=request.mode,
            size=request.size,
            by=request.by,
            margin=request.margin,
            seed=self.seed.value(),
            unreviewed_only=request.unreviewed_only,
        )
        drawn = review_sampling.draw(self.insights.facts, request)
        self.status.emit(f"Review sample: {drawn.description}: {len(drawn.case_ids)} case(s).")
        if drawn.case_ids:
            self.open_cases.emit(list(drawn.case_ids))
        return drawn

    def choose_report(self) -> None:
        if self.insights is None:
            return
        name = f"{self.insights.scope.workspace}-report.html"
        path, _ = QFileDialog.getSaveFileName(self, "Write report", str(Path.home() / name), "HTML (*.html)")
        if path:
            self.write_report(Path(path))

    def write_report(self, path: Path) -> None:
        """Write the report of the figures on screen (with the releases chosen for comparison)."""
        insights = self.insights
        if insights is None:
            return
        a, b = self.release_a.currentData(), self.release_b.currentData()
        comparison = insights.compare(str(a), str(b)) if a and b else None

        def work() -> Path:
            return fmt.write_report(path, insights, comparison=comparison)

        def done(written: Path) -> None:
            self.status.emit(f"Report written to {written}")

        if self.runner is None:
            done(work())
            return
        self.runner.read(work).success(done).failure(
            lambda exc, _details: self.status.emit(f"Could not write the report: {exc}")
        ).run()
