"""The Reviewers tab: assignment progress (assigned / done / pending per reviewer), reviewer
activity (cases, events, time per case) and the backlog (no resolved verdict: unreviewed, or
disputed — reviewed, but not settled)."""

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
        self.backlog_heading = heading("Unreviewed backlog")
        self.add(self.backlog_heading)
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
        groups = [("All workflows", insights.backlog), *insights.backlog_by_workflow.items()]
        if not insights.disputed:
            self.backlog_heading.setText("Unreviewed backlog")
            self.backlog_table.set_rows(
                ["Workflow", "Unreviewed"], [[txt(key, ids), num(len(ids), ids)] for key, ids in groups]
            )
            return
        # Disputed cases were reviewed, only not settled: the same backlog, its words tell them apart.
        self.backlog_heading.setText("Backlog: no resolved verdict (unreviewed or disputed)")
        rows = []
        for key, ids in groups:
            disputed = [i for i in ids if i in insights.disputed]
            unreviewed = [i for i in ids if i not in insights.disputed]
            rows.append(
                [txt(key, ids), num(len(ids), ids), num(len(unreviewed), unreviewed), num(len(disputed), disputed)]
            )
        self.backlog_table.set_rows(["Workflow", "Not resolved", "Unreviewed", "Disputed"], rows)
