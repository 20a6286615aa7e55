"""The Trends tab: cases per week of traffic by verdict with the failure rate, and root causes per week."""

from __future__ import annotations

from reviewdesk.services.insights import Insights
from reviewdesk.ui.charts.bars import FAIL, PASS, UNREVIEWED, UNSURE, ColumnItem, Segment, StackedColumnChart
from reviewdesk.ui.views.insights.figures import num, rate_cell, txt, unresolved_header
from reviewdesk.ui.views.insights.page import Page, heading


class TrendsPage(Page):
    title = "Trends"

    def __init__(self) -> None:
        super().__init__("page_trends")
        self.add(heading("Cases per week of traffic by verdict, with the failure rate"))
        self.trend_chart = self.add(StackedColumnChart())
        self.trend_chart.open_cases.connect(self.open_cases)
        self.trend_table = self.table("trend_table")
        self.add(heading("Root causes per week"))
        self.trend_cause_table = self.table("trend_cause_table")
        self.finish()

    def fill(self, insights: Insights) -> None:
        colors = {"pass": PASS, "fail": FAIL, "unsure": UNSURE, "unreviewed": UNREVIEWED}
        # The legend names the grey part as the table's column does ("not resolved" once some are disputed).
        legend = {**{v: v for v in colors}, "unreviewed": unresolved_header(insights).lower()}
        self.trend_chart.set_columns(
            [
                ColumnItem(
                    label=week.label,
                    segments=tuple(Segment(legend[v], color, week.verdicts[v]) for v, color in colors.items()),
                    line=week.failure.rate,
                )
                for week in insights.weeks
            ]
        )
        self.trend_table.set_rows(
            [
                *("Week", "Starts", "Cases", "Pass", "Fail", "Unsure"),
                unresolved_header(insights),
                "Failure rate [95% CI] k/n",
            ],
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
