"""How a case stands against the rest of its workspace: the facts that depend on other cases.

``normalize`` computes what follows from a trace alone and stores it on the case (case format 5).
Two facts a reviewer judges by need the workspace too, so they are worked out when a case is read
(``services.standing``) and handed around beside the case, never stored in it:

* whether each retrieved document was **stale** — older than the workspace's threshold, or older
  than a newer version of it that another case retrieved (``normalize.facts.stale_reason``);
* the case's cost and latency **against its workflow's median** (``normalize.facts.times_median``).

The rules are stated in docs/CONTEXT.md.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_STALE_AFTER_DAYS = 365
"""A document not updated for a year when it was retrieved is stale, unless the workspace says otherwise."""


@dataclass(frozen=True, slots=True)
class CaseStanding:
    """The workspace-relative facts of one case (docs/CONTEXT.md, "Stale document", "Against the median")."""

    stale: tuple[str | None, ...] = ()
    """Per document of ``case.retrieval.documents``, in that order: why it was stale, or ``None``."""
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    """The workspace's threshold the reasons were judged by."""
    median_cost_usd: float | None = None
    """The median cost (recorded, else estimated) of the cases of the same workflow."""
    median_latency_ms: float | None = None
    cost_vs_median: float | None = None
    """This case's cost divided by ``median_cost_usd`` (14.0: "14× the median cost")."""
    latency_vs_median: float | None = None
    workflow_cases: int = 0
    """How many cases of the workflow the latency median was taken over."""

    def stale_reason(self, index: int) -> str | None:
        """Why the ``index``-th document was stale (``None``: it was not, or the index is out of range)."""
        return self.stale[index] if 0 <= index < len(self.stale) else None

    @property
    def stale_documents(self) -> int:
        return sum(1 for reason in self.stale if reason is not None)
