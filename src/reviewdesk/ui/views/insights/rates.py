"""The Failure rates tab: failure rate per slice with its 95% interval, root causes per slice and
representative cases per slice (failed ones first). The slice picker refills from the loaded figures."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel

from reviewdesk.services import report as fmt
from reviewdesk.services.insights import SLICE_DIMENSIONS, SLICE_TITLES, Insights
from reviewdesk.ui.charts.bars import BarItem
from reviewdesk.ui.views.insights.examples import example_rows
from reviewdesk.ui.views.insights.figures import num, rate_cell, txt, unresolved_header
from reviewdesk.ui.views.insights.page import Page, heading, note


class RatesPage(Page):
    title = "Failure rates"

    def __init__(self) -> None:
        super().__init__("page_rates")
        self.insights: Insights | None = None
        self.slice_combo = QComboBox()
        self.slice_combo.setObjectName("slice_combo")
        for dimension in SLICE_DIMENSIONS:
            self.slice_combo.addItem(SLICE_TITLES[dimension], dimension)
        self.slice_combo.currentIndexChanged.connect(lambda _i: self._fill_rates())
        self.row("Slice by", self.slice_combo)
        self.overall_label = self.add(QLabel())
        self.overall_label.setObjectName("overall_rate")
        self.overall_label.setTextFormat(Qt.TextFormat.PlainText)
        self.add(heading("Failure rate (failed ÷ labeled) with its 95% interval"))
        self.rate_chart = self.interval_chart("rate_chart")
        self.rate_table = self.table("rate_table")
        self.add(heading("Root causes: share of labeled cases"))
        self.add(note("A case can carry several root causes; each cell opens the cases that have it."))
        self.cause_table = self.table("cause_table")
        self.add(heading("What goes wrong here: representative cases per slice"))
        self.add(note("Its failed cases; a slice without failures shows labeled cases ('Chosen for' says which)."))
        self.slice_examples_table = self.table("slice_examples_table")
        self.finish()

    def fill(self, insights: Insights) -> None:
        self.insights = insights
        self.overall_label.setText(
            f"Failure rate over all labeled cases: {fmt.rate_caption(insights.overall.failure)}"
            f" ({len(insights.overall.unsure_ids)} unsure)"
        )
        self._fill_rates()

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
            # A disputed case has no resolved verdict, so it is counted here too: the header says so.
            [title, "Cases", "Labeled (n)", "Failure rate [95% CI] k/n", "Unsure", unresolved_header(insights)],
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
        self.slice_examples_table.set_rows(
            *example_rows(insights, groups, title, grouped_by_workflow=dimension == "workflow")
        )
