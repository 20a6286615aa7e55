"""The Insights view: what risk owners read — failure rates per slice with n and 95% intervals,
release against release, weekly trends, cost and latency, source health, reviewer activity,
agreement between reviewers and representative examples. Read-only by nature: nothing here writes
to the workspace.

Data flow: ``refresh()`` computes ``services.insights.compute_insights`` off the GUI thread (through
the window's ``TaskRunner`` when given one) and ``show_insights`` fills every tab (one ``Page`` per
module of this package) from the result; the release comparison and the slice picker recompute from
the already loaded figures, without a new read. Every chart element and every table cell that stands
for cases carries their ids (``CASE_IDS_ROLE``); a click — or Enter on the current cell — emits
``open_cases(list[str])``, which the main window turns into a queue. The review-sample button emits
the same signal with the sampled, ordered ids. "Write report…" writes the HTML report of the figures
on screen.

Trace text (slice names, documents, requests, comments) is shown only through models' display
roles and QPainter text — plain text, never rich text — so it cannot inject markup.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import report as fmt
from reviewdesk.services import review_sampling, visibility
from reviewdesk.services.insights import Insights
from reviewdesk.services.review_sampling import ReviewSample, SamplingRequest
from reviewdesk.services.workspace import Workspace
from reviewdesk.ui.tasks import TaskRunner
from reviewdesk.ui.views.insights.agreement import AgreementPage
from reviewdesk.ui.views.insights.cost import CostPage
from reviewdesk.ui.views.insights.examples import ExamplesPage
from reviewdesk.ui.views.insights.figures import FigureTable
from reviewdesk.ui.views.insights.page import Page
from reviewdesk.ui.views.insights.rates import RatesPage
from reviewdesk.ui.views.insights.releases import ReleasesPage
from reviewdesk.ui.views.insights.reviewers import ReviewersPage
from reviewdesk.ui.views.insights.sources import SourcesPage
from reviewdesk.ui.views.insights.trends import TrendsPage

log = logging.getLogger(__name__)

SAMPLE_PRESETS: tuple[tuple[str, SamplingRequest], ...] = (
    ("Random: 50 cases", SamplingRequest(mode="random", size=50)),
    ("Stratified: 10 per workflow", SamplingRequest(mode="stratified", size=10, by="workflow")),
    ("Stratified: 10 per release", SamplingRequest(mode="stratified", size=10, by="release")),
    ("Stratified: 10 per tenant", SamplingRequest(mode="stratified", size=10, by="tenant")),
    ("Worst first: 50 cases", SamplingRequest(mode="worst", size=50)),
    ("Enough for ±5% per workflow", SamplingRequest(mode="margin", by="workflow")),
)


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
        self.viewer: visibility.Viewer | None = None
        """Who reads: under blind review they see the figures of what they may see (``services.visibility``)."""
        self.insights: Insights | None = None
        self._generation = 0

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
        # A push button with a menu keeps room for its arrow (a tool button drew it over "sample").
        self.sample_button = QPushButton("Review &sample")
        self.sample_button.setObjectName("sample_button")
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
        self.rates = RatesPage()
        self.releases = ReleasesPage()
        self.trends = TrendsPage()
        self.cost = CostPage()
        self.sources = SourcesPage()
        self.reviewers = ReviewersPage()
        self.agreement = AgreementPage()
        self.examples = ExamplesPage()
        self.pages: list[Page] = [
            self.rates,
            self.releases,
            self.trends,
            self.cost,
            self.sources,
            self.reviewers,
            self.agreement,
            self.examples,
        ]
        self.tables: dict[str, FigureTable] = {}
        """Every figure table of every tab, by object name."""
        for page in self.pages:
            page.open_cases.connect(self.open_cases)
            self.tables.update(page.tables)
            self.tabs.addTab(page, page.title)
        self._set_enabled(False)

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
        workspace, flt, who = self.workspace, self.case_filter, self.viewer
        if workspace is None:
            return
        self._generation += 1
        generation = self._generation
        self.scope_label.setText("Computing…")

        def work() -> Insights:
            return visibility.insights(workspace, flt, who)

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
        # A disputed case has no resolved verdict, so it counts with the unreviewed ones, but its
        # reviewers did review it: the words say so, the figure stays the same.
        open_cases = (
            f"{scope.unreviewed} not resolved "
            f"({scope.disputed} disputed, {scope.unreviewed - scope.disputed} unreviewed)"
            if scope.disputed
            else f"{scope.unreviewed} unreviewed"
        )
        self.scope_label.setText(
            f"{scope.cases} case(s) ({where}) · {scope.labeled} labeled · {open_cases} · "
            f"traces from {fmt.day(scope.first_started)} to {fmt.day(scope.last_started)}"
        )
        for page in self.pages:
            page.fill(insights)
        self._set_enabled(True)

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
        comparison = self.releases.comparison()

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
