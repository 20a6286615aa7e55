"""The Agreement tab: how far reviewers agree, per label dimension, per reviewer pair, as a matrix.

Per dimension (verdict, root-cause set, each root cause used, each score): Krippendorff's alpha
with its 95% bootstrap interval, percent agreement, Fleiss' kappa where every case has the same
number of reviewers, and the cases and reviewers behind each; Cohen's kappa per reviewer pair; the
reviewer × reviewer verdict agreement. The figures are ``services.agreement``'s, computed with the
rest of the insights off the GUI thread; the text is ``services.agreement_text``'s, as in the report.

As in every tab, each cell opens exactly the cases behind it: a dimension's figures its cases with
two ratings or more, its Disagree cell those whose ratings differ (where the dimension is
disputed); a pair's figures the cases both labeled, its Disagree cell those they labeled
differently; a matrix cell the cases both labeled (on the diagonal, the reviewer's own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtWidgets import QLabel

from reviewdesk.services import agreement_text as text
from reviewdesk.services.insights import Insights
from reviewdesk.ui.views.insights.figures import num, txt
from reviewdesk.ui.views.insights.page import Page, heading, note


class AgreementPage(Page):
    title = "Agreement"

    def __init__(self) -> None:
        super().__init__("page_agreement")
        self.summary_label: QLabel = self.add(note(""))
        self.summary_label.setObjectName("agreement_summary")
        self.summary_label.setEnabled(True)  # the one line that says what stands behind the figures
        self.add(heading("Agreement per label dimension"))
        self.add(
            note(
                "Alpha: Krippendorff's alpha (1 = perfect, 0 = chance), with its 95% bootstrap interval over cases. "
                "Root causes are each rated present or absent; those no reviewer chose are left out. "
                f"Fleiss' kappa only where every case has the same number of reviewers; – is {text.UNDEFINED_NOTE}."
            )
        )
        self.dimension_table = self.table("agreement_table")
        self.add(heading("Cohen's kappa per reviewer pair"))
        self.pair_table = self.table("pair_kappa_table")
        self.add(heading("Reviewer × reviewer: verdict agreement (cases both labeled)"))
        self.matrix_table = self.table("agreement_matrix")
        self.finish()

    def fill(self, insights: Insights) -> None:
        agreement = insights.agreement
        self.summary_label.setText(text.summary(agreement))
        shown = text.has_overlap(agreement)
        for table in (self.dimension_table, self.pair_table, self.matrix_table):
            table.setVisible(shown)
        if agreement is None or not shown:
            for table in (self.dimension_table, self.pair_table, self.matrix_table):
                table.set_rows([], [])
            return
        ids = _case_ids(insights)
        rows = text.dimension_rows(agreement, insights.title)
        dimension_rows = []
        for row in rows:
            behind, disputed = ids(row.figures.case_rowids), ids(row.figures.disagreed_rowids)
            tip = f"Opens the {len(behind)} case(s) with two ratings or more on this dimension"
            dimension_rows.append(
                [
                    txt(row.title, behind, f"{row.key}: {tip[0].lower()}{tip[1:]}"),
                    num(row.alpha, behind, tip),
                    num(row.ci, behind, tip),
                    num(row.percent, behind, f"Agreeing pairs of ratings within a case, averaged over cases. {tip}"),
                    num(row.fleiss, behind, tip),
                    num(row.cases, behind, tip),
                    num(len(disputed), disputed, f"Opens the {len(disputed)} case(s) whose ratings differ here"),
                    num(row.reviewers, behind, tip),
                ]
            )
        self.dimension_table.set_rows(
            ["Dimension", "Alpha", "95% interval", "Agreement", "Fleiss' kappa", "Cases", "Disagree", "Reviewers"],
            dimension_rows,
        )
        pair_rows = []
        for p in text.pair_rows(rows):
            both, differ = ids(p.figures.case_rowids), ids(p.figures.disagreed_rowids)
            tip = f"Opens the {len(both)} case(s) both rated on this dimension"
            pair_rows.append(
                [
                    txt(p.dimension, both, tip),
                    txt(p.reviewers, both, tip),
                    num(p.kappa, both, tip),
                    num(p.percent, both, tip),
                    num(p.cases, both, tip),
                    num(len(differ), differ, f"Opens the {len(differ)} case(s) the two rated differently"),
                ]
            )
        self.pair_table.set_rows(
            ["Dimension", "Reviewers", "Cohen's kappa", "Agreement", "Cases", "Disagree"], pair_rows
        )
        grid = text.matrix(agreement)
        matrix_rows = []
        for n, (who, cells) in enumerate(zip(grid.reviewers, grid.cells, strict=True)):
            shared = [ids(rowids) for rowids in grid.rowids[n]]
            matrix_rows.append(
                [
                    txt(who, shared[n], f"Opens the {len(shared[n])} case(s) {who} gave a verdict"),
                    *(
                        num(cell, cases, _matrix_tip(who, other, len(cases)))
                        for other, cell, cases in zip(grid.reviewers, cells, shared, strict=True)
                    ),
                ]
            )
        self.matrix_table.set_rows(["", *grid.reviewers], matrix_rows)


def _case_ids(insights: Insights) -> Callable[[np.ndarray], Sequence[str]]:
    """Row ids behind a figure → the case ids a cell opens (in row-id order: import order)."""
    by_rowid = {f.case_rowid: f.case_id for f in insights.facts}
    return lambda rowids: tuple(by_rowid[r] for r in rowids.tolist() if r in by_rowid)


def _matrix_tip(who: str, other: str, cases: int) -> str:
    if who == other:
        return f"Opens the {cases} case(s) {who} gave a verdict"
    return f"Verdict agreement of {who} and {other}; opens the {cases} case(s) both gave a verdict"
