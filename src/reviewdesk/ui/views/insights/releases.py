"""The Releases tab: a baseline release against a candidate — failure rate and root causes, overall
and per workflow, with Newcombe's interval and Fisher's test. The pickers refill from the loaded
figures."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from reviewdesk.services import report as fmt
from reviewdesk.services.insights import ComparisonRow, Insights, ReleaseComparison
from reviewdesk.ui.charts.bars import BAR, BarItem
from reviewdesk.ui.views.insights.figures import Cell, num, rate_cell, txt
from reviewdesk.ui.views.insights.page import Page, heading, note


def _comparison_cells(row: ComparisonRow, label: str) -> list[Cell]:
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


class ReleasesPage(Page):
    title = "Releases"

    def __init__(self) -> None:
        super().__init__("page_releases")
        self.insights: Insights | None = None
        self.release_a = QComboBox()
        self.release_a.setObjectName("release_a")
        self.release_b = QComboBox()
        self.release_b.setObjectName("release_b")
        self.row("Baseline", self.release_a, "against candidate", self.release_b)
        self.release_a.currentIndexChanged.connect(lambda _i: self._fill_comparison())
        self.release_b.currentIndexChanged.connect(lambda _i: self._fill_comparison())
        self.add(
            note(
                "Difference in percentage points (candidate − baseline) with Newcombe's 95% interval and "
                "Fisher's exact test. Beyond noise: both say so; borderline: only one does."
            )
        )
        self.compare_chart = self.interval_chart("compare_chart")
        self.compare_table = self.table("compare_table")
        self.add(heading("Failure rate per workflow"))
        self.compare_workflow_table = self.table("compare_workflow_table")
        self.finish()

    def fill(self, insights: Insights) -> None:
        self.insights = insights
        for combo, offset in ((self.release_a, 2), (self.release_b, 1)):
            combo.blockSignals(True)
            combo.clear()
            for release in insights.releases:
                combo.addItem(release, release)
            if len(insights.releases) >= 2:
                combo.setCurrentIndex(len(insights.releases) - offset)
            combo.blockSignals(False)
        self._fill_comparison()

    def comparison(self) -> ReleaseComparison | None:
        """The comparison of the two releases chosen, or None when there are not two."""
        a, b = self.release_a.currentData(), self.release_b.currentData()
        return self.insights.compare(str(a), str(b)) if self.insights is not None and a and b else None

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
            [_comparison_cells(r, "Failure rate" if r.key == "failure rate" else insights.title(r.key)) for r in rows],
        )
        self.compare_workflow_table.set_rows(
            ["Workflow", *headers[1:]], [_comparison_cells(r, r.key) for r in comparison.workflows]
        )
