"""Insights for risk owners: how often the system fails, why, where, at what cost — per slice, with n.

Risk owners do not label; they read. Averages hide the problems, so every figure here is kept per
slice (workflow, release, model, tenant, language), every rate carries its 95% interval and its n,
and every figure carries the case ids behind it, so a click (GUI) or a list (report) leads to the
cases themselves. Nothing here writes; everything is computed from one read of the workspace
(``compute_insights``) into small per-case facts, then grouped in memory.

Definitions (docs/insights.md says the same for readers):

* **Labeled** — the case has a verdict (pass, fail or unsure), as in the queue's review filter.
* **Failure rate** — failed / labeled in the slice. Unsure cases stay in the denominator (as in
  ``reviewdesk findings``) and are counted on their own, so the two reports never disagree.
* **Root-cause share** — labeled cases carrying the root cause / labeled cases (any verdict: a
  handled tool error is still a tool error).
* **Intervals** — Wilson score intervals from scipy (``binomtest(k, n).proportion_ci(method=
  "wilson")``). The difference of two rates uses Newcombe's hybrid score interval, composed from
  the two Wilson intervals (tests compare it with Newcombe's published values), and Fisher's exact
  test from scipy. A difference is *beyond noise* when both say so, *borderline* when only one does.
* **Language** — the primary subtag of a locale or language found on the trace's root span
  (``locale``/``language`` attributes, or inside OpenInference's ``metadata`` JSON), so ``de-DE``
  and ``de-AT`` are both ``de``. Traces without one are ``(none)``.
* **Cited**, a document's update time and age — facts ``normalize`` puts on the case (format 5;
  ``normalize.facts``, docs/CONTEXT.md): the insights read them and derive neither again.

The package: ``stats`` (intervals, tests, distributions), ``facts`` (the per-case facts, read
once), ``slices`` (rates per slice, releases compared, weeks, cost and latency), ``sources``
(source health), ``reviewers`` (label activity), ``examples`` (representative cases) and ``picture``
(``compute_insights``: all of it together). Callers import from the package.
"""

from __future__ import annotations

from reviewdesk.normalize.facts import (
    MIN_ID_LENGTH,
    PASSAGE_WORDS,
    cited_documents,
    document_updated_at,
)
from reviewdesk.services.insights.examples import (
    EXAMPLES_PER_GROUP,
    Example,
    representative,
    root_cause_examples,
    slice_examples,
)
from reviewdesk.services.insights.facts import (
    NONE_KEY,
    CaseFacts,
    DocumentRef,
    language_of,
    load_facts,
)
from reviewdesk.services.insights.picture import (
    Insights,
    Scope,
    build_insights,
    compute_insights,
    describe_filter,
)
from reviewdesk.services.insights.reviewers import (
    LabelEvent,
    ReviewerRow,
    load_events,
    reviewer_activity,
)
from reviewdesk.services.insights.slices import (
    ALL,
    SLICE_DIMENSIONS,
    SLICE_TITLES,
    ComparisonRow,
    CostLatencyRow,
    ReleaseComparison,
    Significance,
    SliceDimension,
    SliceRow,
    WeekRow,
    compare,
    compare_releases,
    cost_latency,
    slice_row,
    slice_rows,
    week_of,
    weekly,
)
from reviewdesk.services.insights.sources import (
    IRRELEVANT_CAUSE,
    STALE_CAUSE,
    SourceHealth,
    source_health,
    source_system,
)
from reviewdesk.services.insights.stats import (
    CONFIDENCE,
    Distribution,
    Proportion,
    fisher_p_value,
    newcombe_interval,
    percentile,
    proportion,
    wilson_interval,
)

__all__ = [
    "ALL",
    "CONFIDENCE",
    "EXAMPLES_PER_GROUP",
    "IRRELEVANT_CAUSE",
    "MIN_ID_LENGTH",
    "NONE_KEY",
    "PASSAGE_WORDS",
    "SLICE_DIMENSIONS",
    "SLICE_TITLES",
    "STALE_CAUSE",
    "CaseFacts",
    "ComparisonRow",
    "CostLatencyRow",
    "Distribution",
    "DocumentRef",
    "Example",
    "Insights",
    "LabelEvent",
    "Proportion",
    "ReleaseComparison",
    "ReviewerRow",
    "Scope",
    "Significance",
    "SliceDimension",
    "SliceRow",
    "SourceHealth",
    "WeekRow",
    "build_insights",
    "cited_documents",
    "compare",
    "compare_releases",
    "compute_insights",
    "cost_latency",
    "describe_filter",
    "document_updated_at",
    "fisher_p_value",
    "language_of",
    "load_events",
    "load_facts",
    "newcombe_interval",
    "percentile",
    "proportion",
    "representative",
    "reviewer_activity",
    "root_cause_examples",
    "slice_examples",
    "slice_row",
    "slice_rows",
    "source_health",
    "source_system",
    "week_of",
    "weekly",
    "wilson_interval",
]
