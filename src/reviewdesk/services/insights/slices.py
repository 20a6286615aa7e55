"""Failure rates and root-cause shares per slice, two releases compared, weeks, cost and latency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from reviewdesk.services.insights.facts import CaseFacts, by_size, case_ids, group
from reviewdesk.services.insights.stats import (
    CONFIDENCE,
    Distribution,
    Proportion,
    fisher_p_value,
    newcombe_interval,
    proportion,
)

SliceDimension = Literal["workflow", "release", "model", "tenant", "language"]
SLICE_DIMENSIONS: tuple[SliceDimension, ...] = ("workflow", "release", "model", "tenant", "language")
SLICE_TITLES: dict[str, str] = {
    "workflow": "Workflow",
    "release": "Release",
    "model": "Model",
    "tenant": "Tenant",
    "language": "Language",
}
ALL = "(all)"

Significance = Literal["beyond noise", "borderline", "within noise", "too few cases"]


@dataclass(frozen=True, slots=True)
class SliceRow:
    """One value of one slice dimension (e.g. workflow = refund_request)."""

    dimension: str
    key: str
    case_ids: tuple[str, ...]
    labeled_ids: tuple[str, ...]
    unreviewed_ids: tuple[str, ...]
    unsure_ids: tuple[str, ...]
    failure: Proportion
    root_causes: dict[str, Proportion]
    """Share of labeled cases with each root cause that occurs in the slice."""


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One rate in release A and release B, their difference and whether it is beyond noise."""

    key: str
    a: Proportion
    b: Proportion
    difference: float | None
    """``rate(b) - rate(a)``: positive means B fails more often."""
    low: float | None
    high: float | None
    p_value: float | None
    significance: Significance


@dataclass(frozen=True, slots=True)
class ReleaseComparison:
    release_a: str
    release_b: str
    failure: ComparisonRow
    root_causes: list[ComparisonRow]
    workflows: list[ComparisonRow]
    """Failure rate per workflow in the two releases."""


@dataclass(frozen=True, slots=True)
class WeekRow:
    """One calendar week (Monday to Sunday, UTC) of traffic, by when the interaction happened."""

    week_start: date
    case_ids: tuple[str, ...]
    verdicts: dict[str, tuple[str, ...]]
    """``pass``, ``fail``, ``unsure`` and ``unreviewed`` → case ids."""
    failure: Proportion
    root_causes: dict[str, tuple[str, ...]]

    @property
    def label(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class CostLatencyRow:
    """Cost and latency per task of one workflow in one segment (``(all)`` for every segment)."""

    workflow: str
    segment: str
    case_ids: tuple[str, ...]
    cost: Distribution
    latency: Distribution
    tokens: Distribution
    failed_ids: tuple[str, ...]
    failed_cost: Distribution
    """Cost of the failed cases (the money spent on answers that were wrong)."""
    estimated_cost: Distribution
    """Estimated cost of the cases whose trace records none: list prices, not what was billed."""
    failed_estimated_cost: Distribution


def slice_row(dimension: str, key: str, members: Sequence[CaseFacts], root_causes: Sequence[str]) -> SliceRow:
    labeled = [f for f in members if f.labeled]
    labeled_ids = case_ids(labeled)
    present = {rc for f in labeled for rc in f.root_causes}
    return SliceRow(
        dimension=dimension,
        key=key,
        case_ids=case_ids(members),
        labeled_ids=labeled_ids,
        unreviewed_ids=case_ids(members, lambda f: not f.labeled),
        unsure_ids=case_ids(labeled, lambda f: f.verdict == "unsure"),
        failure=proportion(case_ids(labeled, lambda f: f.verdict == "fail"), labeled_ids),
        root_causes={
            rc: proportion(case_ids(labeled, lambda f, rc=rc: rc in f.root_causes), labeled_ids)  # type: ignore[misc]
            for rc in root_causes
            if rc in present
        },
    )


def slice_rows(facts: Sequence[CaseFacts], dimension: str, root_causes: Sequence[str]) -> list[SliceRow]:
    groups = group(facts, lambda f: f.slice_key(dimension))
    return [slice_row(dimension, key, groups[key], root_causes) for key in by_size(groups)]


def _significance(p_value: float | None, low: float | None, high: float | None) -> Significance:
    if p_value is None or low is None or high is None:
        return "too few cases"
    interval_says = low > 0 or high < 0
    test_says = p_value < 1 - CONFIDENCE
    if interval_says and test_says:
        return "beyond noise"
    if interval_says or test_says:
        return "borderline"
    return "within noise"


def compare(key: str, a: Proportion, b: Proportion) -> ComparisonRow:
    """B against A: the difference of the two rates, its Newcombe interval and Fisher's p."""
    interval = newcombe_interval(a.k, a.n, b.k, b.n)
    p_value = fisher_p_value(a.k, a.n, b.k, b.n)
    diff, low, high = interval if interval else (None, None, None)
    return ComparisonRow(
        key=key,
        a=a,
        b=b,
        difference=diff,
        low=low,
        high=high,
        p_value=p_value,
        significance=_significance(p_value, low, high),
    )


def compare_releases(
    facts: Sequence[CaseFacts], release_a: str, release_b: str, root_causes: Sequence[str]
) -> ReleaseComparison:
    """The same breakdown for two releases side by side (A is the baseline, B the candidate)."""
    in_a = [f for f in facts if f.slice_key("release") == release_a]
    in_b = [f for f in facts if f.slice_key("release") == release_b]
    row_a = slice_row("release", release_a, in_a, root_causes)
    row_b = slice_row("release", release_b, in_b, root_causes)
    causes = [rc for rc in root_causes if rc in row_a.root_causes or rc in row_b.root_causes]
    rc_rows = [
        compare(
            rc,
            row_a.root_causes.get(rc) or proportion((), row_a.labeled_ids),
            row_b.root_causes.get(rc) or proportion((), row_b.labeled_ids),
        )
        for rc in causes
    ]
    workflows_a = group(in_a, lambda f: f.slice_key("workflow"))
    workflows_b = group(in_b, lambda f: f.slice_key("workflow"))
    both = {**{k: list(v) for k, v in workflows_a.items()}}
    for k, v in workflows_b.items():
        both.setdefault(k, []).extend(v)
    workflow_rows = [
        compare(
            key,
            slice_row("workflow", key, workflows_a.get(key, []), ()).failure,
            slice_row("workflow", key, workflows_b.get(key, []), ()).failure,
        )
        for key in by_size(both)
    ]
    return ReleaseComparison(
        release_a=release_a,
        release_b=release_b,
        failure=compare("failure rate", row_a.failure, row_b.failure),
        root_causes=rc_rows,
        workflows=workflow_rows,
    )


def week_of(moment: datetime) -> date:
    """Monday of the (UTC) week containing ``moment``."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def weekly(facts: Sequence[CaseFacts], root_causes: Sequence[str]) -> list[WeekRow]:
    """Verdicts and root causes per week of traffic; empty weeks in between are kept (a gap is news)."""
    dated = [f for f in facts if f.started_at is not None]
    if not dated:
        return []
    groups = group(dated, lambda f: week_of(f.started_at).isoformat())  # type: ignore[arg-type]
    first = min(week_of(f.started_at) for f in dated)  # type: ignore[arg-type]
    last = max(week_of(f.started_at) for f in dated)  # type: ignore[arg-type]
    rows: list[WeekRow] = []
    week = first
    while week <= last:
        members = groups.get(week.isoformat(), [])
        labeled = [f for f in members if f.labeled]
        rows.append(
            WeekRow(
                week_start=week,
                case_ids=case_ids(members),
                verdicts={
                    "pass": case_ids(labeled, lambda f: f.verdict == "pass"),
                    "fail": case_ids(labeled, lambda f: f.verdict == "fail"),
                    "unsure": case_ids(labeled, lambda f: f.verdict == "unsure"),
                    "unreviewed": case_ids(members, lambda f: not f.labeled),
                },
                failure=proportion(case_ids(labeled, lambda f: f.verdict == "fail"), case_ids(labeled)),
                root_causes={
                    rc: ids
                    for rc in root_causes
                    if (ids := case_ids(labeled, lambda f, rc=rc: rc in f.root_causes))  # type: ignore[misc]
                },
            )
        )
        week += timedelta(days=7)
    return rows


def _cost_row(workflow: str, segment: str, members: Sequence[CaseFacts]) -> CostLatencyRow:
    failed = [f for f in members if f.verdict == "fail"]
    return CostLatencyRow(
        workflow=workflow,
        segment=segment,
        case_ids=case_ids(members),
        cost=Distribution.of([(f.case_id, f.cost_usd) for f in members if f.cost_usd is not None]),
        latency=Distribution.of([(f.case_id, f.latency_ms) for f in members if f.latency_ms is not None]),
        tokens=Distribution.of([(f.case_id, float(f.total_tokens)) for f in members if f.total_tokens is not None]),
        failed_ids=case_ids(failed),
        failed_cost=Distribution.of([(f.case_id, f.cost_usd) for f in failed if f.cost_usd is not None]),
        estimated_cost=Distribution.of(
            [(f.case_id, f.estimated_cost_usd) for f in members if f.estimated_cost_usd is not None]
        ),
        failed_estimated_cost=Distribution.of(
            [(f.case_id, f.estimated_cost_usd) for f in failed if f.estimated_cost_usd is not None]
        ),
    )


def cost_latency(facts: Sequence[CaseFacts], segment: SliceDimension = "tenant") -> list[CostLatencyRow]:
    """All workflows, then each workflow over all segments followed by its segments."""
    rows = [_cost_row(ALL, ALL, facts)]
    workflows = group(facts, lambda f: f.slice_key("workflow"))
    for workflow in by_size(workflows):
        members = workflows[workflow]
        rows.append(_cost_row(workflow, ALL, members))
        segments = group(members, lambda f: f.slice_key(segment))
        rows.extend(_cost_row(workflow, key, segments[key]) for key in by_size(segments))
    return rows
