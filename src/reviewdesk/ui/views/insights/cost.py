"""The Cost & latency tab: latency per workflow (median bar, p95 whisker) and recorded and estimated
cost per workflow and segment, kept apart."""

from __future__ import annotations

from collections.abc import Callable

from reviewdesk.services import report as fmt
from reviewdesk.services.insights import ALL, Distribution, Insights
from reviewdesk.ui.charts.bars import BAR, BarItem
from reviewdesk.ui.views.insights.figures import Cell, num, txt
from reviewdesk.ui.views.insights.page import Page, heading, note


def _dist(d: Distribution, show: Callable[[float | None], str]) -> list[Cell]:
    return [num(d.n, d.case_ids), num(show(d.mean)), num(show(d.p50)), num(show(d.p95))]


class CostPage(Page):
    title = "Cost && latency"

    def __init__(self) -> None:
        super().__init__("page_cost")
        self.add(heading("Latency per task: bar to the median, whisker to p95"))
        self.latency_chart = self.interval_chart("latency_chart")
        self.add(
            note(
                "n counts the cases that have the quantity: traces without a cost are not counted as free. "
                "Recorded cost is what the traces say they cost; estimated cost (≈) prices the traces that "
                "record none at list prices (Edit → Model prices…). The two are kept apart, never added."
            )
        )
        self.cost_table = self.table("cost_table")
        self.finish()

    def fill(self, insights: Insights) -> None:
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
        headers = ["Workflow / segment", "Cases", "Cost n", "Cost mean", "Cost p50", "Cost p95"]
        headers += ["≈ Est. n", "≈ Est. mean", "≈ Est. p50", "≈ Est. p95", "Failed", "Cost of failed"]
        headers += ["≈ Est. of failed", "Latency n", "Latency mean", "p50", "p95"]
        self.cost_table.set_rows(
            headers,
            [
                [
                    txt(r.workflow if r.segment == ALL else f"· {r.segment}", r.case_ids),
                    num(len(r.case_ids), r.case_ids),
                    *_dist(r.cost, fmt.money),
                    *_dist(r.estimated_cost, fmt.money),
                    num(len(r.failed_ids), r.failed_ids),
                    num(fmt.money(r.failed_cost.total), r.failed_cost.case_ids, f"n = {r.failed_cost.n} with a cost"),
                    num(
                        fmt.money(r.failed_estimated_cost.total),
                        r.failed_estimated_cost.case_ids,
                        f"n = {r.failed_estimated_cost.n} with an estimate",
                    ),
                    *_dist(r.latency, fmt.duration),
                ]
                for r in insights.cost_latency
            ],
        )
