"""The insights report: one self-contained HTML file a risk owner can open, print and file.

``render_report(insights)`` turns the figures of ``services.insights`` into HTML through the
Jinja template ``reviewdesk/report_templates/report.html.j2`` with autoescaping on, and a
``finalize`` hook that makes control and bidi characters visible in every value before it is
escaped — so trace text (requests, outputs, slice names, document ids, comments) is always inert:
no markup, no script, no remote image, no reordered text. Charts are inline SVG
(``services.report_svg``); styles are inline; there is no JavaScript and no network resource, so
the file renders the same offline, in a mail attachment or on paper (print CSS included).

``write_report`` writes atomically (temporary file, then rename): a report is never half-written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reviewdesk import __version__
from reviewdesk.domain.money import usd
from reviewdesk.files import write_text_atomically
from reviewdesk.services import agreement_text
from reviewdesk.services import report_svg as svg
from reviewdesk.services.insights import (
    ALL,
    SLICE_DIMENSIONS,
    SLICE_TITLES,
    ComparisonRow,
    Distribution,
    Insights,
    Proportion,
    ReleaseComparison,
    SourceHealth,
)
from reviewdesk.services.review_sampling import achieved_margin, sample_size_for_margin

MAX_IDS = 24
"""Case ids listed per figure; the rest are counted (the GUI opens them all)."""


def _finalize(value: Any) -> Any:
    # Runs on every {{ expression }} before autoescaping: Markup (our SVG) is already safe.
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return svg.visible(str(value))


def environment() -> Environment:
    return Environment(
        # Package data read through importlib.resources: found in a wheel, a zip or a bundle alike.
        loader=PackageLoader("reviewdesk", "report_templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# --- formatting --------------------------------------------------------------------------------
def pct(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def interval(low: float | None, high: float | None) -> str:
    return "–" if low is None or high is None else f"{low * 100:.0f}–{high * 100:.0f}%"


def money(value: float | None) -> str:
    if value is None:
        return "–"
    return usd(value)


def duration(ms: float | None) -> str:
    if ms is None:
        return "–"
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def signed_points(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:+.0f} pts"


def when(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def day(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d")


def rate_caption(p: Proportion) -> str:
    if not p.n:
        return "no labeled cases"
    return f"{pct(p.rate)} [{interval(p.low, p.high)}] {p.k}/{p.n}"


@dataclass(frozen=True, slots=True)
class Ids:
    """Case ids for the report: the first ``MAX_IDS`` and how many more."""

    shown: tuple[str, ...]
    more: int

    @staticmethod
    def of(ids: Sequence[str]) -> Ids:
        return Ids(tuple(ids[:MAX_IDS]), max(0, len(ids) - MAX_IDS))


# --- sections ----------------------------------------------------------------------------------
def _slice_section(insights: Insights, dimension: str) -> dict[str, Any]:
    rows = insights.slices[dimension]
    chart = svg.interval_bars(
        [
            svg.Bar(
                label=row.key,
                value=row.failure.rate,
                low=row.failure.low,
                high=row.failure.high,
                caption=rate_caption(row.failure),
                tooltip=f"{row.key}: failure rate {rate_caption(row.failure)}, {len(row.case_ids)} case(s)",
            )
            for row in rows
        ],
        title=f"Failure rate by {SLICE_TITLES[dimension].lower()} (95% Wilson interval)",
        color=svg.FAIL_COLOR,
    )
    return {
        "dimension": dimension,
        "title": SLICE_TITLES[dimension],
        "chart": chart,
        "rows": [
            {
                "key": row.key,
                "cases": len(row.case_ids),
                "labeled": len(row.labeled_ids),
                "failed": row.failure.k,
                "rate": pct(row.failure.rate),
                "ci": interval(row.failure.low, row.failure.high),
                "unsure": len(row.unsure_ids),
                "top": ", ".join(
                    f"{insights.title(rc)} {p.k}"
                    for rc, p in sorted(row.root_causes.items(), key=lambda item: -item[1].k)[:3]
                ),
                "ids": Ids.of(row.failure.case_ids),
            }
            for row in rows
        ],
    }


def _root_cause_section(insights: Insights) -> dict[str, Any]:
    overall = insights.overall
    causes = [rc for rc in insights.root_cause_ids() if rc in overall.root_causes]
    causes.sort(key=lambda rc: -overall.root_causes[rc].k)
    top = max((overall.root_causes[rc].high or 0.0 for rc in causes), default=0.0)
    axis = min(1.0, max(0.25, round(top + 0.05, 1)))
    chart = svg.interval_bars(
        [
            svg.Bar(
                label=insights.title(rc),
                value=overall.root_causes[rc].rate,
                low=overall.root_causes[rc].low,
                high=overall.root_causes[rc].high,
                caption=rate_caption(overall.root_causes[rc]),
            )
            for rc in causes
        ],
        title="Share of labeled cases with each root cause (95% Wilson interval)",
        axis_max=axis,
    )
    workflows = insights.slices["workflow"]
    matrix = []
    for rc in causes:
        cells = []
        for row in workflows:
            p = row.root_causes.get(rc)
            cells.append(f"{p.k}/{p.n} ({pct(p.rate)})" if p else ("0/" + str(len(row.labeled_ids))))
        matrix.append(
            {"id": rc, "title": insights.title(rc), "cells": cells, "ids": Ids.of(overall.root_causes[rc].case_ids)}
        )
    return {"chart": chart, "workflows": [row.key for row in workflows], "matrix": matrix}


def _comparison_rows(rows: Sequence[ComparisonRow], title: Any) -> list[dict[str, Any]]:
    return [
        {
            "key": title(row.key),
            "a": rate_caption(row.a),
            "b": rate_caption(row.b),
            "diff": signed_points(row.difference),
            "ci": "–" if row.low is None or row.high is None else f"{row.low * 100:+.0f} to {row.high * 100:+.0f} pts",
            "p": "–" if row.p_value is None else f"{row.p_value:.3f}",
            "significance": row.significance,
            "ids": Ids.of(row.b.case_ids),
        }
        for row in rows
    ]


def _comparison_section(insights: Insights, comparison: ReleaseComparison | None) -> dict[str, Any] | None:
    if comparison is None:
        return None
    rows = [comparison.failure, *comparison.root_causes]
    chart = svg.dumbbells(
        [
            svg.Dumbbell(
                label="Failure rate" if row.key == "failure rate" else insights.title(row.key),
                a=row.a.rate,
                a_low=row.a.low,
                a_high=row.a.high,
                b=row.b.rate,
                b_low=row.b.low,
                b_high=row.b.high,
                caption=f"{signed_points(row.difference)} · {row.significance}",
            )
            for row in rows
        ],
        name_a=comparison.release_a,
        name_b=comparison.release_b,
        title=f"{comparison.release_b} against {comparison.release_a}",
    )
    return {
        "a": comparison.release_a,
        "b": comparison.release_b,
        "chart": chart,
        "failure": _comparison_rows([comparison.failure], lambda key: "Failure rate")[0],
        "root_causes": _comparison_rows(comparison.root_causes, insights.title),
        "workflows": _comparison_rows(comparison.workflows, lambda key: key),
    }


def _trend_section(insights: Insights) -> dict[str, Any]:
    colors = {
        "pass": svg.PASS_COLOR,
        "fail": svg.FAIL_COLOR,
        "unsure": svg.UNSURE_COLOR,
        "unreviewed": svg.UNREVIEWED_COLOR,
    }
    chart = svg.stacked_columns(
        [
            svg.Column(
                label=week.label,
                segments={name: len(week.verdicts[name]) for name in colors},
                line=week.failure.rate,
            )
            for week in insights.weeks
        ],
        colors=colors,
        title="Cases per week by verdict, with the failure rate",
    )
    return {
        "chart": chart,
        "rows": [
            {
                "week": week.label,
                "start": week.week_start.isoformat(),
                "cases": len(week.case_ids),
                "pass": len(week.verdicts["pass"]),
                "fail": len(week.verdicts["fail"]),
                "unsure": len(week.verdicts["unsure"]),
                "unreviewed": len(week.verdicts["unreviewed"]),
                "rate": rate_caption(week.failure),
                "causes": ", ".join(f"{insights.title(rc)} {len(ids)}" for rc, ids in week.root_causes.items()),
            }
            for week in insights.weeks
        ],
    }


def _dist(d: Distribution, fmt: Any) -> dict[str, str]:
    return {"n": str(d.n), "mean": fmt(d.mean), "p50": fmt(d.p50), "p95": fmt(d.p95), "total": fmt(d.total)}


def _cost_section(insights: Insights) -> dict[str, Any]:
    workflow_rows = [row for row in insights.cost_latency if row.segment == ALL and row.workflow != ALL]
    latest = max((row.latency.p95 or 0.0 for row in workflow_rows), default=0.0)
    chart = svg.interval_bars(
        [
            svg.Bar(
                label=row.workflow,
                value=row.latency.p50,
                low=row.latency.p50,
                high=row.latency.p95,
                caption=f"p50 {duration(row.latency.p50)} · p95 {duration(row.latency.p95)} · n={row.latency.n}",
            )
            for row in workflow_rows
        ],
        title="Latency per task by workflow: bar to the median, whisker to p95",
        axis_max=svg.nice_step(latest) * 4 if latest else 1.0,
        tick_format=duration,
    )
    return {
        "chart": chart,
        "rows": [
            {
                "workflow": row.workflow,
                "segment": row.segment,
                "indent": row.segment != ALL,
                "cases": len(row.case_ids),
                "cost": _dist(row.cost, money),
                "latency": _dist(row.latency, duration),
                "tokens": _dist(row.tokens, lambda v: "–" if v is None else f"{v:,.0f}"),
                "failed": len(row.failed_ids),
                "failed_cost": money(row.failed_cost.total),
                "failed_cost_n": row.failed_cost.n,
                # Estimates apart from recorded cost: list prices are not what was billed.
                "estimated": _dist(row.estimated_cost, money),
                "failed_estimated": money(row.failed_estimated_cost.total),
                "failed_estimated_n": row.failed_estimated_cost.n,
            }
            for row in insights.cost_latency
        ],
    }


def _health_rows(items: Sequence[SourceHealth]) -> list[dict[str, Any]]:
    return [
        {
            "key": item.key,
            "source": item.source or "",
            "documents": item.documents,
            "retrieved": len(item.retrieved_ids),
            "cited": len(item.cited_ids),
            "out_of_date": len(item.out_of_date_ids),
            "stale": len(item.stale_ids),
            "stale_ev": len(item.stale_evidence_ids),
            "irrelevant": len(item.irrelevant_ids),
            "irrelevant_ev": len(item.irrelevant_evidence_ids),
            "age": "–" if item.age_days.p50 is None else f"{item.age_days.p50:,.0f} d",
            "age_max": "–" if item.age_days.p95 is None else f"{max(item.age_days.p95, item.age_days.p50 or 0):,.0f} d",
            "age_n": item.age_days.n,
            "flag": bool(item.stale_ids or item.irrelevant_ids or item.out_of_date_ids),
            "ids": Ids.of(item.stale_ids + tuple(i for i in item.irrelevant_ids if i not in item.stale_ids)),
        }
        for item in items
    ]


def _reviewer_section(insights: Insights) -> dict[str, Any]:
    return {
        "rows": [
            {
                "reviewer": row.reviewer,
                "cases": len(row.case_ids),
                "current": len(row.current_ids),
                "events": row.events,
                "timed": row.seconds_per_case.n,
                "median": "–" if row.seconds_per_case.p50 is None else f"{row.seconds_per_case.p50:.0f} s",
                "mean": "–" if row.seconds_per_case.mean is None else f"{row.seconds_per_case.mean:.0f} s",
                "total": "–" if row.seconds_per_case.total is None else f"{row.seconds_per_case.total / 60:.0f} min",
                "first": day(row.first),
                "last": day(row.last),
            }
            for row in insights.reviewers
        ],
        "backlog": len(insights.backlog),
        "backlog_rows": [
            {"workflow": key, "count": len(ids), "ids": Ids.of(ids)}
            for key, ids in insights.backlog_by_workflow.items()
        ],
    }


def _agreement_section(insights: Insights) -> dict[str, Any]:
    """The Agreement tab's figures (``services.agreement_text``), or the one line saying there are none."""
    agreement = insights.agreement
    summary = agreement_text.summary(agreement)
    if agreement is None or not agreement_text.has_overlap(agreement):
        return {"shown": False, "summary": summary}
    rows = agreement_text.dimension_rows(agreement, insights.title)
    return {
        "shown": True,
        "summary": summary,
        "rows": rows,
        "pairs": agreement_text.pair_rows(rows),
        "matrix": agreement_text.matrix(agreement),
        "undefined": agreement_text.UNDEFINED_NOTE,
    }


def _plan_section(insights: Insights) -> list[dict[str, Any]]:
    rows = []
    for row in insights.slices["workflow"]:
        needed = sample_size_for_margin(0.05, population=len(row.case_ids))
        have = len(row.labeled_ids)
        margin = achieved_margin(have, row.failure.k) if have else None
        rows.append(
            {
                "workflow": row.key,
                "cases": len(row.case_ids),
                "labeled": have,
                "needed": needed,
                "missing": max(0, needed - have),
                "margin": "–" if margin is None else f"±{margin * 100:.0f} pts",
            }
        )
    return rows


def _examples_section(insights: Insights) -> list[dict[str, Any]]:
    return [
        {"id": rc, "title": insights.title(rc), "examples": examples}
        for rc in insights.root_cause_ids()
        if (examples := insights.examples.get(rc))
    ]


def _slice_examples(insights: Insights) -> list[dict[str, Any]]:
    groups = []
    for dimension in ("workflow", "release"):
        for row in insights.slices[dimension]:
            if row.failure.k:
                groups.append(
                    {
                        "title": f"{SLICE_TITLES[dimension]} {row.key}",
                        "examples": insights.slice_examples(dimension, row.key, 2),
                    }
                )
    return groups


def report_context(insights: Insights, *, comparison: ReleaseComparison | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain strings, numbers and SVG ``Markup``."""
    scope = insights.scope
    comparison = comparison or insights.default_comparison()
    overall = insights.overall
    return {
        "version": __version__,
        "scope": {
            "workspace": scope.workspace,
            "generated": when(scope.generated_at),
            "filters": scope.filter_description,
            "cases": scope.cases,
            "labeled": scope.labeled,
            "unreviewed": scope.unreviewed,
            "first": when(scope.first_started),
            "last": when(scope.last_started),
            "files": scope.source_files,
            "schema": scope.schema_version,
            "releases": insights.releases,
        },
        "overall": {
            "rate": rate_caption(overall.failure),
            "failed": overall.failure.k,
            "labeled": overall.failure.n,
            "unsure": len(overall.unsure_ids),
            "ids": Ids.of(overall.failure.case_ids),
        },
        "slices": [_slice_section(insights, d) for d in SLICE_DIMENSIONS if insights.slices[d]],
        "root_causes": _root_cause_section(insights),
        "comparison": _comparison_section(insights, comparison),
        "trend": _trend_section(insights),
        "cost": _cost_section(insights),
        "documents": _health_rows(insights.documents),
        "stale_after_days": f"{scope.stale_after_days:,}",
        "sources": _health_rows(insights.sources),
        "reviewers": _reviewer_section(insights),
        "agreement": _agreement_section(insights),
        "plan": _plan_section(insights),
        "examples": _examples_section(insights),
        "slice_examples": _slice_examples(insights),
        "titles": {rc.id: rc.title for rc in insights.taxonomy},
    }


def render_report(insights: Insights, *, comparison: ReleaseComparison | None = None) -> str:
    """The report as one HTML document (UTF-8 text)."""
    template = environment().get_template("report.html.j2")
    return template.render(**report_context(insights, comparison=comparison))


def write_report(path: Path, insights: Insights, *, comparison: ReleaseComparison | None = None) -> Path:
    """Render and write atomically; returns the path written."""
    document = render_report(insights, comparison=comparison)
    path = path.expanduser()
    write_text_atomically(path, document)
    return path
