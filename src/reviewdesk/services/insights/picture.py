"""The whole picture: every figure of the Insights view and the report, computed once from one read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from reviewdesk.domain.labels import RootCause
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.domain.standing import DEFAULT_STALE_AFTER_DAYS
from reviewdesk.services import assignment, review, standing
from reviewdesk.services.agreement import Agreement, workspace_agreement
from reviewdesk.services.assignment import ReviewerProgress
from reviewdesk.services.insights.examples import EXAMPLES_PER_GROUP, Example, root_cause_examples, slice_examples
from reviewdesk.services.insights.facts import CaseFacts, by_size, case_ids, group, load_facts
from reviewdesk.services.insights.reviewers import LabelEvent, ReviewerRow, load_events, reviewer_activity
from reviewdesk.services.insights.slices import (
    ALL,
    SLICE_DIMENSIONS,
    CostLatencyRow,
    ReleaseComparison,
    SliceDimension,
    SliceRow,
    WeekRow,
    compare_releases,
    cost_latency,
    slice_row,
    slice_rows,
    weekly,
)
from reviewdesk.services.insights.sources import SourceHealth, source_health
from reviewdesk.services.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cases the figures are about."""

    filter_description: tuple[str, ...]
    cases: int
    labeled: int
    unreviewed: int
    first_started: datetime | None
    last_started: datetime | None
    source_files: tuple[tuple[str, int], ...]
    workspace: str
    generated_at: datetime
    schema_version: int
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    """The workspace's threshold the documents were judged stale by (``services.standing``)."""
    disputed: int = 0
    """Of ``unreviewed``, the disputed cases (reviewed, not resolved): said apart, counted the same."""


@dataclass(slots=True)
class Insights:
    """Every figure of the Insights view and the report, computed once from one read."""

    scope: Scope
    taxonomy: tuple[RootCause, ...]
    overall: SliceRow
    slices: dict[str, list[SliceRow]]
    releases: list[str]
    """Releases in order of their first case (oldest first)."""
    weeks: list[WeekRow]
    cost_latency: list[CostLatencyRow]
    documents: list[SourceHealth]
    sources: list[SourceHealth]
    reviewers: list[ReviewerRow]
    backlog: tuple[str, ...]
    backlog_by_workflow: dict[str, tuple[str, ...]]
    """The backlog: cases with no resolved verdict, unreviewed or disputed (``disputed`` says which)."""
    examples: dict[str, list[Example]]
    """Representative examples per root cause id."""
    facts: tuple[CaseFacts, ...] = field(repr=False, default=())
    progress: list[ReviewerProgress] = field(default_factory=list)
    """Assigned / done / pending per reviewer, over the assigned cases in scope."""
    agreement: Agreement | None = field(repr=False, default=None)
    """Agreement between reviewers over the cases in scope (``compute_insights`` fills it in)."""
    disputed: frozenset[str] = frozenset()
    """The ids of the disputed cases in scope (in the backlog: reviewed, but not resolved)."""

    def title(self, root_cause: str) -> str:
        for rc in self.taxonomy:
            if rc.id == root_cause:
                return rc.title
        return root_cause

    def root_cause_ids(self) -> list[str]:
        """Taxonomy order, then any root cause of an older schema found on labels."""
        known = [rc.id for rc in self.taxonomy]
        extra = sorted({rc for f in self.facts for rc in f.root_causes} - set(known))
        return known + extra

    def compare(self, release_a: str, release_b: str) -> ReleaseComparison:
        return compare_releases(self.facts, release_a, release_b, self.root_cause_ids())

    def default_comparison(self) -> ReleaseComparison | None:
        """The latest release against the one before it, when there are two."""
        if len(self.releases) < 2:
            return None
        return self.compare(self.releases[-2], self.releases[-1])

    def slice_examples(self, dimension: str, key: str, count: int = EXAMPLES_PER_GROUP) -> list[Example]:
        return slice_examples(self.facts, dimension, key, count)


def describe_filter(flt: CaseFilter) -> tuple[str, ...]:
    """``("workflow = refund_request", …)`` for the filter fields that are set."""
    parts = []
    for item in fields(flt):
        if item.name in ("sort", "descending"):
            continue
        value = getattr(flt, item.name)
        if item.name == "blind_for" and value:
            parts.append(f"blind review: as {value} may see it")
        elif value not in (None, False, ""):
            parts.append(f"{item.name.replace('_', ' ')} = {value}")
    return tuple(parts)


def compute_insights(
    workspace: Workspace,
    flt: CaseFilter | None = None,
    *,
    segment: SliceDimension = "tenant",
    now: datetime | None = None,
) -> Insights:
    """Every figure for the cases matching ``flt`` (all cases by default)."""
    flt = flt or CaseFilter()
    facts = load_facts(workspace, flt)
    found = insights_from(workspace, facts, load_events(workspace, facts), flt=flt, segment=segment, now=now)
    # Read apart from the facts: it compares the reviewers' own labels, not the resolved one. Not
    # for a viewer under blind review (``visibility.insights`` builds theirs without it).
    found.agreement = workspace_agreement(workspace, flt)
    return found


def insights_from(
    workspace: Workspace,
    facts: Sequence[CaseFacts],
    events: Sequence[LabelEvent],
    *,
    flt: CaseFilter,
    segment: SliceDimension = "tenant",
    now: datetime | None = None,
) -> Insights:
    """The figures of already-read facts and events, with the workspace's taxonomy and assignment progress."""
    schema = review.label_schema(workspace)
    found = build_insights(
        facts,
        events,
        taxonomy=schema.root_causes,
        schema_version=schema.version,
        flt=flt,
        workspace_name=workspace.name,
        segment=segment,
        now=now,
        stale_after_days=standing.stale_after_days(workspace),
    )
    found.progress = assignment.progress(workspace, {f.case_id for f in facts}).reviewers
    return found


def build_insights(
    facts: Sequence[CaseFacts],
    events: Sequence[LabelEvent],
    *,
    taxonomy: Sequence[RootCause],
    schema_version: int,
    flt: CaseFilter,
    workspace_name: str,
    segment: SliceDimension = "tenant",
    now: datetime | None = None,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
) -> Insights:
    """The figures from already-loaded facts (the pure half of ``compute_insights``)."""
    known = [rc.id for rc in taxonomy]
    extra = sorted({rc for f in facts for rc in f.root_causes} - set(known))
    root_causes = known + extra
    started = [f.started_at for f in facts if f.started_at is not None]
    files: dict[str, int] = defaultdict(int)
    for f in facts:
        files[f.source_file] += 1
    labeled = sum(1 for f in facts if f.labeled)
    scope = Scope(
        filter_description=describe_filter(flt),
        cases=len(facts),
        labeled=labeled,
        unreviewed=len(facts) - labeled,
        first_started=min(started) if started else None,
        last_started=max(started) if started else None,
        source_files=tuple(sorted(files.items(), key=lambda item: (-item[1], item[0]))),
        workspace=workspace_name,
        generated_at=now or datetime.now(UTC),
        schema_version=schema_version,
        stale_after_days=stale_after_days,
        disputed=sum(1 for f in facts if f.disputed),
    )
    first_seen: dict[str, datetime] = {}
    for f in facts:
        if f.release and f.started_at is not None:
            first_seen[f.release] = min(first_seen.get(f.release, f.started_at), f.started_at)
    releases = sorted(
        {f.release for f in facts if f.release}, key=lambda r: (r not in first_seen, first_seen.get(r), r)
    )
    documents, sources = source_health(facts)
    backlog = [f for f in facts if not f.labeled]
    backlog_groups = group(backlog, lambda f: f.slice_key("workflow"))
    return Insights(
        scope=scope,
        taxonomy=tuple(taxonomy),
        overall=slice_row("all", ALL, facts, root_causes),
        slices={dimension: slice_rows(facts, dimension, root_causes) for dimension in SLICE_DIMENSIONS},
        releases=releases,
        weeks=weekly(facts, root_causes),
        cost_latency=cost_latency(facts, segment),
        documents=documents,
        sources=sources,
        reviewers=reviewer_activity(facts, events),
        backlog=case_ids(backlog),
        backlog_by_workflow={key: case_ids(backlog_groups[key]) for key in by_size(backlog_groups)},
        examples=root_cause_examples(facts, root_causes),
        facts=tuple(facts),
        disputed=frozenset(case_ids(facts, lambda f: f.disputed)),
    )
