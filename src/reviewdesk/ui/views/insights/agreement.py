"""The Agreement tab: how far reviewers agree, per label dimension, per reviewer pair, as a matrix.

Per dimension (verdict, root-cause set, each root cause used, each score): Krippendorff's alpha
with its 95% bootstrap interval, percent agreement, Fleiss' kappa where every case has the same
number of reviewers, and the cases and reviewers behind each; Cohen's kappa per reviewer pair; the
reviewer × reviewer verdict agreement. The figures are ``services.agreement``'s, computed with the
rest of the insights off the GUI thread; the text is ``services.agreement_text``'s, as in the report.
"""

from __future__ import annotations

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
        rows = text.dimension_rows(agreement, insights.title)
        self.dimension_table.set_rows(
            ["Dimension", "Alpha", "95% interval", "Agreement", "Fleiss' kappa", "Cases", "Reviewers"],
            [
                [
                    txt(row.title, tooltip=row.key),
                    num(row.alpha),
                    num(row.ci),
                    num(row.percent, tooltip="Agreeing pairs of ratings within a case, averaged over cases"),
                    num(row.fleiss),
                    num(row.cases),
                    num(row.reviewers),
                ]
                for row in rows
            ],
        )
        self.pair_table.set_rows(
            ["Dimension", "Reviewers", "Cohen's kappa", "Agreement", "Cases"],
            [
                [txt(p.dimension), txt(p.reviewers), num(p.kappa), num(p.percent), num(p.cases)]
                for p in text.pair_rows(rows)
            ],
        )
        grid = text.matrix(agreement)
        self.matrix_table.set_rows(
            ["", *grid.reviewers],
            [[txt(who), *(num(cell) for cell in cells)] for who, cells in zip(grid.reviewers, grid.cells, strict=True)],
        )
