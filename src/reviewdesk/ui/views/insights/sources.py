"""The Sources tab: per document and per source system, how often it was retrieved and cited, and
the cases that found it stale or irrelevant."""

from __future__ import annotations

from collections.abc import Sequence

from reviewdesk.services.insights import Insights, SourceHealth
from reviewdesk.ui.views.insights.figures import Cell, num, txt
from reviewdesk.ui.views.insights.page import Page, heading, note


def _health_rows(items: Sequence[SourceHealth], *, documents: bool) -> list[list[Cell]]:
    rows = []
    for item in items:
        flagged = bool(item.stale_ids or item.irrelevant_ids)
        age = "–" if item.age_days.p50 is None else f"{item.age_days.p50:,.0f} d (n={item.age_days.n})"
        rows.append(
            [
                txt(item.key, item.retrieved_ids, item.source or ""),
                txt(item.source or "") if documents else num(item.documents),
                num(len(item.retrieved_ids), item.retrieved_ids),
                num(len(item.cited_ids), item.cited_ids),
                num(len(item.out_of_date_ids), item.out_of_date_ids, alarm=bool(item.out_of_date_ids)),
                num(f"{len(item.stale_ids)} [{len(item.stale_evidence_ids)}]", item.stale_ids, alarm=flagged),
                num(
                    f"{len(item.irrelevant_ids)} [{len(item.irrelevant_evidence_ids)}]",
                    item.irrelevant_ids,
                    alarm=flagged,
                ),
                num(age, item.age_days.case_ids),
            ]
        )
    return rows


class SourcesPage(Page):
    title = "Sources"

    def __init__(self) -> None:
        super().__init__("page_sources")
        self.add(
            note(
                "Cited: the answer names the document or repeats a 6-word passage found in no other retrieved "
                "document. Stale by date: older than the workspace's limit when retrieved (reviewdesk stale-after, "
                "Preferences), or a newer version is in the workspace. Labeled stale / irrelevant: evidence names "
                "the document [count in brackets], or the case has the root cause without naming one. "
                "Age: case start − the document's updated_at."
            )
        )
        self.add(heading("Documents"))
        self.documents_table = self.table("documents_table")
        self.add(heading("Source systems"))
        self.sources_table = self.table("sources_table")
        self.finish()

    def fill(self, insights: Insights) -> None:
        common = [
            "Retrieved",
            "Cited",
            "Stale by date",
            "Labeled stale [evidence]",
            "Irrelevant [evidence]",
            "Median age",
        ]
        self.documents_table.set_rows(["Document", "Source", *common], _health_rows(insights.documents, documents=True))
        self.sources_table.set_rows(["System", "Documents", *common], _health_rows(insights.sources, documents=False))
