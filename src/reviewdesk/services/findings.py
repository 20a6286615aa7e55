"""Findings for the weekly operating review: failed cases by root cause × workflow.

Each finding is one backlog item: a root cause in one workflow, how many failed cases show it,
what share of all failures that is, the failure rate among the workflow's labeled cases, the
tokens and cost those cases consumed, and three example case ids to open. A case with several
root causes counts under each (so shares can add up to more than 100%); a failed case without
one counts under ``(unclassified)``.

Only the case-list rows are read (no full cases), so this stays fast on large workspaces. The
output is deterministic: no dates, fixed sort order (most failures first, then cost, then names),
and the examples are the three most recent failed cases of the group.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from reviewdesk.domain.money import usd
from reviewdesk.domain.queries import CaseFilter, CaseSummary
from reviewdesk.files import spreadsheet_cell
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import queries

UNCLASSIFIED = "(unclassified)"
NO_WORKFLOW = "(no workflow)"
EXAMPLES = 3


@dataclass(slots=True)
class Finding:
    """One root cause in one workflow."""

    root_cause: str
    workflow: str
    failed_cases: int = 0
    share_of_failures: float = 0.0
    """``failed_cases`` over all failed cases in the selection."""
    failure_rate: float | None = None
    """``failed_cases`` over the workflow's labeled cases in the selection."""
    total_tokens: int = 0
    cost_usd: float | None = None
    """Summed cost; ``None`` when no case of the group has a cost."""
    examples: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FindingsReport:
    failed_cases: int
    labeled_cases: int
    findings: list[Finding]


def _newest_first(summary: CaseSummary) -> tuple[float, str]:
    started = summary.started_at.timestamp() if summary.started_at else datetime.min.replace(tzinfo=UTC).timestamp()
    return (-started, summary.case_id)


def build_findings(workspace: Workspace, flt: CaseFilter | None = None) -> FindingsReport:
    """Group the failed cases matching ``flt`` (its own verdict and review fields are overridden)."""
    base = flt or CaseFilter()
    with workspace.session() as session:
        labeled = queries.list_cases(session, replace(base, review="labeled", verdict=None))
    labeled_by_workflow: dict[str, int] = {}
    for summary in labeled:
        key = summary.workflow or NO_WORKFLOW
        labeled_by_workflow[key] = labeled_by_workflow.get(key, 0) + 1
    failed = sorted((s for s in labeled if s.verdict == "fail"), key=_newest_first)

    groups: dict[tuple[str, str], Finding] = {}
    for summary in failed:
        workflow = summary.workflow or NO_WORKFLOW
        for cause in summary.root_causes or (UNCLASSIFIED,):
            finding = groups.setdefault((cause, workflow), Finding(root_cause=cause, workflow=workflow))
            finding.failed_cases += 1
            finding.total_tokens += summary.total_tokens or 0
            if summary.cost_usd is not None:
                finding.cost_usd = (finding.cost_usd or 0.0) + summary.cost_usd
            if len(finding.examples) < EXAMPLES:
                finding.examples.append(summary.case_id)
    for finding in groups.values():
        finding.share_of_failures = finding.failed_cases / len(failed)
        denominator = labeled_by_workflow.get(finding.workflow, 0)
        finding.failure_rate = finding.failed_cases / denominator if denominator else None
    ordered = sorted(groups.values(), key=lambda f: (-f.failed_cases, -(f.cost_usd or 0.0), f.root_cause, f.workflow))
    return FindingsReport(failed_cases=len(failed), labeled_cases=len(labeled), findings=ordered)


def _md(text: str) -> str:
    """Trace text made inert in Markdown: no table breaks, no HTML, no line breaks."""
    flat = " ".join(text.split())
    for char in "\\`*_[]<>|":
        flat = flat.replace(char, "\\" + char)
    return flat


def _money(value: float | None) -> str:
    return "–" if value is None else usd(value)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def render_markdown(report: FindingsReport, titles: Mapping[str, str] | None = None) -> str:
    """A summary table, then one section per finding, ready to paste as backlog items."""
    titles = titles or {}
    lines = [
        "# Findings: failed cases by root cause × workflow",
        "",
        f"{report.failed_cases} failed of {report.labeled_cases} labeled case(s).",
        "",
    ]
    if not report.findings:
        lines.append("No failed cases.")
        return "\n".join(lines) + "\n"
    lines += [
        "| Root cause | Workflow | Failed | Share of failures | Failure rate | Tokens | Cost | Examples |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for f in report.findings:
        examples = ", ".join(f"`{e}`" for e in f.examples)
        lines.append(
            f"| {_md(f.root_cause)} | {_md(f.workflow)} | {f.failed_cases} | {_percent(f.share_of_failures)} | "
            f"{_percent(f.failure_rate)} | {f.total_tokens:,} | {_money(f.cost_usd)} | {examples} |"
        )
    for f in report.findings:
        lines += [
            "",
            f"## {_md(f.root_cause)} in {_md(f.workflow)}: {f.failed_cases} failed case(s)",
            "",
        ]
        if f.root_cause in titles:
            lines.append(f"- Root cause: {_md(titles[f.root_cause])}")
        lines += [
            f"- Share of all failures: {_percent(f.share_of_failures)}; failure rate in this workflow: "
            f"{_percent(f.failure_rate)}",
            f"- Tokens affected: {f.total_tokens:,}; cost affected: {_money(f.cost_usd)}",
            f"- Example cases: {', '.join(f'`{e}`' for e in f.examples)}"
            f" (open one with `reviewdesk show {f.examples[0]}`)",
        ]
    return "\n".join(lines) + "\n"


CSV_COLUMNS = (
    "root_cause",
    "root_cause_title",
    "workflow",
    "failed_cases",
    "share_of_failures",
    "failure_rate",
    "total_tokens",
    "cost_usd",
    "example_case_ids",
)


def render_csv(report: FindingsReport, titles: Mapping[str, str] | None = None) -> str:
    """One row per finding; shares as fractions with four decimals, examples joined by ``"; "``.

    Workflows, root-cause titles and case ids come from traces and label schemas: a cell that a
    spreadsheet would run as a formula is neutralised (``spreadsheet_cell``).
    """
    titles = titles or {}
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for f in report.findings:
        writer.writerow(
            [
                spreadsheet_cell(f.root_cause),
                spreadsheet_cell(titles.get(f.root_cause, "")),
                spreadsheet_cell(f.workflow),
                f.failed_cases,
                f"{f.share_of_failures:.4f}",
                "" if f.failure_rate is None else f"{f.failure_rate:.4f}",
                f.total_tokens,
                "" if f.cost_usd is None else f"{f.cost_usd:.6f}",
                spreadsheet_cell("; ".join(f.examples)),
            ]
        )
    return text.getvalue()
