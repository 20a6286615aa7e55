"""The Examples tab: representative labeled cases per root cause (also the rows of the rates tab's
per-slice examples)."""

from __future__ import annotations

from collections.abc import Sequence

from reviewdesk.services.insights import Example, Insights
from reviewdesk.ui.views.insights.figures import Cell, txt
from reviewdesk.ui.views.insights.page import Page, note

WORKFLOW_COLUMN = 2


def example_rows(
    insights: Insights | None,
    groups: Sequence[tuple[str, Sequence[Example]]],
    group_title: str,
    *,
    grouped_by_workflow: bool = False,
) -> tuple[list[str], list[list[Cell]]]:
    """One row per example under its group; ``grouped_by_workflow``: the group column already is the
    workflow, so the table has no second Workflow column."""
    headers = [group_title, "Case", "Workflow", "Verdict", "Root causes", "Chosen for", "Signals", "Request", "Comment"]
    rows = [
        [
            txt(group, (e.case_id,)),
            txt(e.case_id, (e.case_id,)),
            txt(e.workflow or "–", (e.case_id,)),
            Cell(e.verdict or "unreviewed", (e.case_id,), alarm=e.verdict == "fail"),
            txt(", ".join(insights.title(rc) if insights else rc for rc in e.root_causes), (e.case_id,)),
            txt(e.why, (e.case_id,)),
            Cell(" · ".join(e.signals), (e.case_id,), alarm=bool(e.signals)),
            txt(e.request, (e.case_id,), e.request),
            txt(e.comment or "", (e.case_id,), e.comment or ""),
        ]
        for group, examples in groups
        for e in examples
    ]
    if grouped_by_workflow:
        headers.pop(WORKFLOW_COLUMN)
        for row in rows:
            row.pop(WORKFLOW_COLUMN)
    return headers, rows


class ExamplesPage(Page):
    title = "Examples"

    def __init__(self) -> None:
        super().__init__("page_examples")
        self.add(
            note(
                "Up to three labeled cases per root cause, spread over workflows, preferring those a reviewer "
                "explained (comment, evidence). Click a row to open the case."
            )
        )
        self.examples_table = self.table("examples_table")
        self.finish()

    def fill(self, insights: Insights) -> None:
        groups = [(insights.title(rc), examples) for rc, examples in insights.examples.items()]
        self.examples_table.set_rows(*example_rows(insights, groups, "Root cause"))
