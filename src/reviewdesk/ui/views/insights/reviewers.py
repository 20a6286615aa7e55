"""The Reviewers tab: assignment progress (assigned / done / pending per reviewer), reviewer
activity (cases, events, time per case) and the unreviewed backlog."""

from __future__ import annotations

from reviewdesk.services import report as fmt
from reviewdesk.services.insights import Insights
from reviewdesk.ui.views.insights.figures import num, txt
from reviewdesk.ui.views.insights.page import Page, heading


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} s"


class ReviewersPage(Page):
    title = "Reviewers"

    def __init__(self) -> None:
        super().__init__("page_reviewers")
        self.add(heading("Assignment progress"))
        self.progress_table = self.table("progress_table")
        self.add(heading("Reviewer activity"))
        self.reviewers_table = self.table("reviewers_table")
        self.add(heading("Unreviewed backlog"))
        self.backlog_table = self.table("backlog_table")
        self.finish()

    def fill(self, insights: Insights) -> None:
        # Done: the reviewer's own label of the case has a verdict (``reviewdesk progress``).
        self.progress_table.set_rows(
            ["Reviewer", "Assigned", "Done", "Pending", "Done %"],
            [
                [
                    txt(p.reviewer),
                    num(p.assigned),
                    num(p.done),
                    num(p.pending, p.pending_ids, "Open the cases still waiting for this reviewer's verdict"),
                    num(f"{100 * p.done / p.assigned:.0f} %" if p.assigned else "–"),
                ]
                for p in insights.progress
            ]
            or [[txt("No cases assigned (reviewdesk assign)"), num(""), num(""), num(""), num("")]],
        )
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
                    num(_seconds(r.seconds_per_case.p50)),
                    num(_seconds(r.seconds_per_case.mean)),
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
